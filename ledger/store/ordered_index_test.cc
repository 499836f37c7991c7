#include "ledger/store/ordered_index.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

namespace ans {
namespace {

// Keys that stress the ordering: shared prefixes longer than the 16 bytes the heads hold,
// keys that are prefixes of others, the empty key, and bytes at and above 0x80.
std::string random_key(std::mt19937_64& rng) {
  static const char* kPrefixes[] = {"", "io", "ix", "ic", "A", "ixxxxxxxxxxxxxxxxxxx"};
  std::string key = kPrefixes[rng() % 6];
  const size_t extra = rng() % 24;
  for (size_t i = 0; i < extra; ++i) {
    const uint64_t r = rng() % 5;
    key.push_back(r == 0 ? '\0' : r == 1 ? '\xff' : r == 2 ? '\x80' : static_cast<char>('a' + rng() % 3));
  }
  return key;
}

// Everything the index holds, in order, and the same from std::set.
void expect_same(const OrderedIndex& index, const std::set<std::string>& model) {
  ASSERT_EQ(index.check(), "");
  ASSERT_EQ(index.size(), model.size());
  auto it = model.begin();
  for (auto c = index.begin(); c.valid(); c.next(), ++it) {
    ASSERT_NE(it, model.end());
    ASSERT_EQ(c.key(), *it);
  }
  ASSERT_EQ(it, model.end());
}

// A differential test against std::set over growth, churn and shrinking to nothing, so that
// leaves and inner nodes split, borrow from both sides, merge, and the root grows and
// collapses. The index views the model's strings, which stay put until erased.
TEST(OrderedIndex, MatchesStdSetThroughGrowthChurnAndShrinking) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    std::set<std::string> model;
    OrderedIndex index;
    auto insert = [&] {
      std::string key = random_key(rng);
      auto [it, added] = model.insert(key);
      ASSERT_EQ(index.insert(*it), added) << "seed " << seed;
    };
    auto erase = [&] {
      std::string key = random_key(rng);
      if (rng() % 2 == 0 && !model.empty()) {  // often a key that is there
        auto it = model.lower_bound(key);
        if (it == model.end()) it = model.begin();
        key = *it;
      }
      const bool present = model.count(key) > 0;
      ASSERT_EQ(index.erase(key), present) << "seed " << seed;
      model.erase(key);
    };
    auto probe = [&] {
      const std::string from = random_key(rng);
      auto want = model.lower_bound(from);
      auto got = index.lower_bound(from);
      for (int n = 0; n < 5; ++n, ++want, got.next()) {
        if (want == model.end()) {
          ASSERT_FALSE(got.valid());
          break;
        }
        ASSERT_TRUE(got.valid());
        ASSERT_EQ(got.key(), *want);
      }
    };
    for (int i = 0; i < 20'000; ++i) {
      insert();
      if (i % 7 == 0) probe();
    }
    expect_same(index, model);
    for (int i = 0; i < 40'000; ++i) {
      if (rng() % 2 == 0) {
        insert();
      } else {
        erase();
      }
      if (i % 5 == 0) probe();
      if (i % 10'000 == 0) expect_same(index, model);
    }
    expect_same(index, model);
    while (!model.empty()) {
      const std::string key = *std::next(model.begin(), static_cast<long>(rng() % model.size()));
      ASSERT_TRUE(index.erase(key));
      model.erase(key);
      if (model.size() % 1'000 == 0) expect_same(index, model);
    }
    expect_same(index, model);
    EXPECT_FALSE(index.begin().valid());
    EXPECT_FALSE(index.erase("absent"));
  }
}

// Keys inserted in order (as a snapshot loads them) and in reverse; a separator whose key
// was erased still separates (the index copied it).
TEST(OrderedIndex, OrderedLoadsAndErasedSeparators) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5'000; ++i) keys.push_back("k" + std::to_string(100'000 + i));
  OrderedIndex forward, backward;
  for (const auto& k : keys) ASSERT_TRUE(forward.insert(k));
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) ASSERT_TRUE(backward.insert(*it));
  ASSERT_EQ(forward.check(), "");
  ASSERT_EQ(backward.check(), "");
  // Erase every other key: many of them were separators.
  std::set<std::string> left;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(forward.erase(keys[i]));
    } else {
      left.insert(keys[i]);
    }
  }
  expect_same(forward, left);
  // lower_bound of an erased key finds the next one that is left.
  auto c = forward.lower_bound(keys[10]);
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.key(), keys[11]);
  forward.clear();
  EXPECT_EQ(forward.size(), 0u);
  EXPECT_EQ(forward.check(), "");
}

}  // namespace
}  // namespace ans
