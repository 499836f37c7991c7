#include "ledger/store/state_db.h"

#include <gtest/gtest.h>

#include "ledger/testing/temp_dir.h"

namespace ans {
namespace {

using ans::testing::TempDir;

StateDbOptions cached_options() {
  StateDbOptions o;
  o.sync = false;
  o.cached_prefix = "T";
  o.cached_key_max_bytes = 3;
  return o;
}

// Cached keys must read exactly as LevelDB holds them through commits and undos, absences
// included; keys past the length limit are never cached but read the same.
TEST(StateDb, CachedKeysReadAsStoredThroughCommitAndUndo) {
  TempDir dir;
  {
    auto db = StateDb::open(dir.path(), cached_options()).value();
    ASSERT_TRUE(db->commit_final_block(0, Hash256{}, {{"Ta", "1"}, {"Tlong", "x"}}));
    EXPECT_EQ(db->get("Ta"), "1");
    EXPECT_EQ(db->get("Tb"), std::nullopt);  // the absence is cached too
    Hash256 h1{};
    h1[0] = 1;
    ASSERT_TRUE(db->commit_block(1, h1, {{"Ta", "2"}, {"Tb", "3"}, {"Tlong", std::nullopt}}));
    EXPECT_EQ(db->get("Ta"), "2");
    EXPECT_EQ(db->get("Tb"), "3");
    EXPECT_EQ(db->get("Tlong"), std::nullopt);
    ASSERT_TRUE(db->undo_head_block({{"Tc", "rebuilt"}}));
    EXPECT_EQ(db->get("Ta"), "1");
    EXPECT_EQ(db->get("Tb"), std::nullopt);
    EXPECT_EQ(db->get("Tc"), "rebuilt");
    EXPECT_EQ(db->get("Tlong"), "x");
    EXPECT_TRUE(db->status());
  }
  // What a fresh, uncached open reads is what the cached instance read.
  StateDbOptions plain;
  plain.sync = false;
  auto db = StateDb::open(dir.path(), plain).value();
  EXPECT_EQ(db->get("Ta"), "1");
  EXPECT_EQ(db->get("Tb"), std::nullopt);
  EXPECT_EQ(db->get("Tc"), "rebuilt");
  EXPECT_EQ(db->get("Tlong"), "x");
}

}  // namespace
}  // namespace ans
