#include "ledger/store/state_view.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "ledger/store/memory_store.h"

namespace ans {
namespace {

std::vector<std::pair<std::string, std::string>> collect(const StateReader& r, std::string_view prefix,
                                                         std::string_view start, size_t limit) {
  std::vector<std::pair<std::string, std::string>> out;
  r.scan(prefix, start, limit, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

TEST(StateOverlay, ReadsOwnWritesThenParent) {
  MemoryStore base;
  base.apply({{"a", "1"}, {"b", "2"}});
  StateOverlay o(base);
  o.put("b", "20");
  o.erase("a");
  o.put("c", "3");
  EXPECT_FALSE(o.get("a"));
  EXPECT_EQ(o.get("b"), "20");
  EXPECT_EQ(o.get("c"), "3");
  EXPECT_EQ(base.get("b"), "2");  // the parent is untouched
}

TEST(StateOverlay, NestedCommitAndDiscard) {
  MemoryStore base;
  StateOverlay block(base);
  {
    StateOverlay tx(block.reader());
    tx.put("k", "v");
    // dropped without commit
  }
  EXPECT_FALSE(block.get("k"));
  StateOverlay tx(block.reader());
  tx.put("k", "v");
  tx.commit_into(block);
  EXPECT_EQ(block.get("k"), "v");
  EXPECT_TRUE(tx.writes().empty());
}

// The merged scan must equal a scan of the materialised result, for any limit and start,
// including "everything" (SIZE_MAX), which once overflowed.
TEST(StateOverlay, ScanMatchesMaterialisedState) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    MemoryStore base;
    WriteSet initial;
    for (int i = 0; i < 30; ++i) initial[std::string(1, "pq"[rng() % 2]) + std::to_string(rng() % 50)] = "b";
    base.apply(initial);
    StateOverlay o(base);
    MemoryStore expected;
    expected.apply(initial);
    for (int i = 0; i < 20; ++i) {
      std::string k = std::string(1, "pq"[rng() % 2]) + std::to_string(rng() % 50);
      if (rng() % 3 == 0) {
        o.erase(k);
        expected.apply({{k, std::nullopt}});
      } else {
        o.put(k, "o" + std::to_string(i));
        expected.apply({{k, "o" + std::to_string(i)}});
      }
    }
    for (size_t limit : {size_t{0}, size_t{1}, size_t{3}, size_t{10}, SIZE_MAX}) {
      for (std::string start : {std::string(), std::string("p2"), std::string("p5")}) {
        EXPECT_EQ(collect(o, "p", start, limit), collect(expected, "p", start, limit))
            << "round " << round << " limit " << limit << " start " << start;
      }
    }
  }
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// A child overlay built from an overlay layers over it (it must not be a copy of it).
TEST(StateOverlay, ChildOverlayStartsEmptyAndSeesTheParent) {
  MemoryStore base;
  StateOverlay block(base);
  block.put("a", "1");
  StateOverlay tx(block.reader());
  EXPECT_TRUE(tx.writes().empty());
  EXPECT_EQ(tx.get("a"), "1");
  tx.put("b", "2");
  EXPECT_FALSE(block.get("b"));
  tx.commit_into(block);
  EXPECT_EQ(block.get("b"), "2");
  static_assert(!std::is_copy_constructible_v<StateOverlay>);
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// A rollback puts the writes back exactly as at the savepoint, whatever happened in between:
// new keys, overwrites of older writes, deletions, keys written several times.
TEST(StateOverlay, RollbackRestoresTheWritesOfTheSavepoint) {
  MemoryStore base;
  base.apply({{"kept", "base"}});
  StateOverlay block(base);
  block.put("a", "1");
  block.erase("gone");
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const WriteSet before = block.writes();
    block.begin_savepoint();
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const std::string key(1, static_cast<char>('a' + rng() % 6));
      if (rng() % 3 == 0) {
        block.erase(key);
      } else {
        block.put(key, std::to_string(rng() % 100));
      }
    }
    if (rng() % 2 == 0) {
      block.rollback();
      EXPECT_EQ(block.writes(), before) << "round " << round;
    } else {
      block.release_savepoint();  // keep them: the next round starts from here
    }
  }
  EXPECT_EQ(block.get("kept"), "base");
}

}  // namespace
}  // namespace ans
