#include "ledger/store/mem_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace ans {
namespace {

// Random puts and erases, with heavy churn so that tombstones pile up and the table is rebuilt
// at the same size as well as grown, against std::map as the model. Entries never move: a
// pointer taken when a key is added stays valid (and holds the key) until it is erased.
TEST(MemTable, MatchesAMapUnderChurnAndEntriesStayPut) {
  std::mt19937_64 rng(7);
  MemTable table;
  std::map<std::string, std::string> model;
  std::map<std::string, const MemTable::Entry*> where;
  for (int step = 0; step < 200'000; ++step) {
    // A small key space (3,000 keys), so that keys come back after being erased.
    std::string key = "k" + std::to_string(rng() % 3'000);
    if (rng() % 8 == 0) key += std::string(40, 'x');  // some keys too long for SSO
    const uint64_t op = rng() % 3;
    if (op < 2) {
      std::string value = std::to_string(step);
      auto [entry, added] = table.put(key, value);
      EXPECT_EQ(added, !model.count(key));
      if (added) {
        where[key] = entry;
      } else {
        EXPECT_EQ(where[key], entry) << "an entry moved";
      }
      model[key] = value;
    } else {
      EXPECT_EQ(table.erase(key), model.erase(key) == 1);
      where.erase(key);
    }
    if (step % 10'000 == 0) {
      ASSERT_EQ(table.size(), model.size());
      for (const auto& [k, v] : model) {
        const MemTable::Entry* e = table.find(k);
        ASSERT_NE(e, nullptr) << k;
        EXPECT_EQ(e, where[k]);
        EXPECT_EQ(e->key, k);
        EXPECT_EQ(e->value, v);
      }
      EXPECT_EQ(table.find("absent"), nullptr);
      size_t visited = 0;
      table.for_each([&](const MemTable::Entry& e) {
        ++visited;
        EXPECT_EQ(model.at(e.key), e.value);
      });
      EXPECT_EQ(visited, model.size());
    }
  }
}

TEST(MemTable, EmptyTable) {
  MemTable table;
  EXPECT_EQ(table.find("x"), nullptr);
  EXPECT_FALSE(table.erase("x"));
  EXPECT_EQ(table.size(), 0u);
  auto [entry, added] = table.put("", "empty key");
  EXPECT_TRUE(added);
  EXPECT_EQ(table.find("")->value, "empty key");
  EXPECT_EQ(entry, table.find(""));
}

}  // namespace
}  // namespace ans
