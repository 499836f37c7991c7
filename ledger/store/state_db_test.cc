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

// Exempt writes (tree pages kept apart from a block's other writes) are committed in the same
// batch, keep no undo data, and are refused when unsorted, outside the exempt prefix or also
// among the block's writes; a refused commit changes nothing.
TEST(StateDb, ExemptWritesCommitWithTheBlockAndKeepNoUndoData) {
  TempDir dir;
  StateDbOptions o;
  o.sync = false;
  o.undo_exempt_prefix = "T";
  auto db = StateDb::open(dir.path(), o).value();
  ASSERT_TRUE(db->commit_final_block(0, Hash256{}, {{"A", "0"}, {"Ta", "page0"}}));
  Hash256 h1{};
  h1[0] = 1;
  const WriteList unsorted = {{"Tb", "x"}, {"Ta", "y"}};
  const WriteList outside = {{"B", "x"}};
  const WriteList overlapping = {{"Ta", "x"}};
  const WriteSet with_ta = {{"A", "1"}, {"Ta", "x"}};
  EXPECT_EQ(db->commit_block(1, h1, {{"A", "1"}}, nullptr, &unsorted).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->commit_block(1, h1, {{"A", "1"}}, nullptr, &outside).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->commit_block(1, h1, with_ta, nullptr, &overlapping).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->head_height(), 0u);
  EXPECT_EQ(db->get("A"), "0");
  EXPECT_EQ(db->get("Tb"), std::nullopt);

  const WriteList pages = {{"Ta", std::nullopt}, {"Tb", "page1"}, {"Tc", "page1c"}};
  ASSERT_TRUE(db->commit_block(1, h1, {{"A", "1"}, {"U", "u"}}, nullptr, &pages));
  EXPECT_EQ(db->get("A"), "1");
  EXPECT_EQ(db->get("U"), "u");
  EXPECT_EQ(db->get("Ta"), std::nullopt);
  EXPECT_EQ(db->get("Tb"), "page1");
  auto undo = db->head_undo();
  ASSERT_TRUE(undo);
  const WriteSet expected_undo = {{"A", "0"}, {"U", std::nullopt}};
  EXPECT_EQ(*undo, expected_undo);  // no page among the undo data
  ASSERT_TRUE(db->undo_head_block({{"Ta", "page0"}, {"Tb", std::nullopt}, {"Tc", std::nullopt}}));
  EXPECT_EQ(db->get("A"), "0");
  EXPECT_EQ(db->get("U"), std::nullopt);
  EXPECT_EQ(db->get("Ta"), "page0");
  EXPECT_EQ(db->get("Tb"), std::nullopt);
}

}  // namespace
}  // namespace ans
