#include "ledger/store/mem_table.h"

#include <gtest/gtest.h>

#include <map>
#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace ans {
namespace {

// Random puts and erases, with heavy churn so that tombstones pile up and the table is rebuilt
// at the same size as well as grown, against std::map as the model. Values of many lengths:
// an entry stays put (a pointer taken when a key is added holds the key) until its key is
// erased or a value outgrows its room, and then put() says so and hands back the old entry,
// still readable, to release.
TEST(MemTable, MatchesAMapUnderChurnAndEntriesStayPut) {
  std::mt19937_64 rng(7);
  MemTable table;
  std::map<std::string, std::string> model;
  std::map<std::string, const MemTable::Entry*> where;
  size_t moves = 0;
  for (int step = 0; step < 200'000; ++step) {
    // A small key space (3,000 keys), so that keys come back after being erased.
    std::string key = "k" + std::to_string(rng() % 3'000);
    if (rng() % 8 == 0) key += std::string(40, 'x');  // some keys too long for SSO
    const uint64_t op = rng() % 3;
    if (op < 2) {
      std::string value(rng() % 120, 'v');
      value += std::to_string(step);
      const MemTable::Put put = table.put(key, value);
      EXPECT_EQ(put.added, !model.count(key));
      if (put.added) {
        EXPECT_FALSE(put.moved);
        where[key] = put.entry;
      } else if (put.moved) {
        ++moves;
        ASSERT_NE(put.replaced, nullptr) << "not frozen: the caller releases the old entry";
        EXPECT_EQ(put.replaced, where[key]);
        EXPECT_EQ(put.replaced->key(), key) << "the replaced entry is still readable";
        EXPECT_GT(value.size(), model[key].size()) << "only a value that grew moves";
        MemTable::release(put.replaced);
        where[key] = put.entry;
      } else {
        EXPECT_EQ(put.replaced, nullptr);
        EXPECT_EQ(where[key], put.entry) << "an entry moved unannounced";
      }
      EXPECT_EQ(put.entry->value(), value);
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
        EXPECT_EQ(e->key(), k);
        EXPECT_EQ(e->value(), v);
      }
      EXPECT_EQ(table.find("absent"), nullptr);
      size_t visited = 0;
      table.for_each([&](const MemTable::Entry& e) {
        ++visited;
        EXPECT_EQ(model.at(std::string(e.key())), e.value());
      });
      EXPECT_EQ(visited, model.size());
    }
  }
  EXPECT_GT(moves, 0u);
}

// Growing drains the old slots a few per write: while they drain, every key reads from
// whichever slots hold it, writes and erases of keys still among the old slots take effect,
// a frozen view holds entries in both, and no entry moves. Checked after every write across
// several growths.
TEST(MemTable, EveryKeyReadsAsWrittenWhileTheOldSlotsDrain) {
  std::mt19937_64 rng(23);
  MemTable table;
  std::map<std::string, std::pair<std::string, const MemTable::Entry*>> model;  // value, entry
  std::vector<std::string> keys;  // model's keys, to pick from
  size_t writes_while_draining = 0, growths = 0;
  bool was_draining = false;
  for (int step = 0; step < 60'000; ++step) {
    // Mostly new keys, so the table keeps growing; some writes over and erases of old ones.
    const bool fresh = keys.empty() || rng() % 4 != 0;
    const size_t pick = fresh ? 0 : rng() % keys.size();
    const std::string key = fresh ? "n" + std::to_string(step) : keys[pick];
    if (!fresh && rng() % 2 == 0) {
      ASSERT_TRUE(table.erase(key));
      model.erase(key);
      keys[pick] = keys.back();
      keys.pop_back();
    } else {
      const std::string value = "v" + std::to_string(step % 7);  // fits: entries stay put
      const MemTable::Put put = table.put(key, value);
      ASSERT_EQ(put.added, fresh);
      ASSERT_FALSE(put.moved);
      if (fresh) {
        keys.push_back(key);
      } else {
        ASSERT_EQ(put.entry, model[key].second);
      }
      model[key] = {value, put.entry};
    }
    if (table.draining()) {
      ++writes_while_draining;
      if (!was_draining) ++growths;
      // A sample of keys every write; all of them, and a frozen view, now and then.
      for (int i = 0; i < 4 && !keys.empty(); ++i) {
        const std::string& k = keys[rng() % keys.size()];
        const MemTable::Entry* e = table.find(k);
        ASSERT_NE(e, nullptr) << k << " at step " << step;
        ASSERT_EQ(e, model[k].second);
        ASSERT_EQ(e->value(), model[k].first);
      }
      ASSERT_EQ(table.find("absent"), nullptr);
      if (step % 500 == 0) {
        for (const auto& [k, v] : model) ASSERT_EQ(table.find(k), v.second) << k;
        const std::vector<const MemTable::Entry*> view = table.freeze();
        ASSERT_EQ(view.size(), model.size());
        for (const MemTable::Entry* e : view) {
          ASSERT_EQ(model.at(std::string(e->key())).first, e->value());
        }
        table.thaw();
      }
    }
    was_draining = table.draining();
    ASSERT_EQ(table.size(), model.size());
  }
  EXPECT_GE(growths, 3u);
  EXPECT_GT(writes_while_draining, 1'000u);
  size_t visited = 0;
  table.for_each([&](const MemTable::Entry& e) {
    ++visited;
    EXPECT_EQ(model.at(std::string(e.key())).first, e.value());
  });
  EXPECT_EQ(visited, model.size());
}

TEST(MemTable, EmptyTable) {
  MemTable table;
  EXPECT_EQ(table.find("x"), nullptr);
  EXPECT_FALSE(table.erase("x"));
  EXPECT_EQ(table.size(), 0u);
  auto [entry, added, moved, replaced] = table.put("", "empty key");
  EXPECT_TRUE(added);
  EXPECT_FALSE(moved);
  EXPECT_EQ(replaced, nullptr);
  EXPECT_EQ(table.find("")->value(), "empty key");
  EXPECT_EQ(entry, table.find(""));
}

// What a background snapshot relies on: from freeze() to thaw(), the entries it handed out
// keep the keys and values they had, however the table changes meanwhile (writes over them,
// erases, new keys, rebuilds), while the table itself answers as the model does. A second
// thread reads the frozen view the whole time (ASan catches an entry freed under it). Several
// freeze / thaw rounds, so that entries made in one round are frozen in the next.
TEST(MemTable, FrozenViewStaysAsItWasWhileTheTableChanges) {
  std::mt19937_64 rng(11);
  MemTable table;
  std::map<std::string, std::string> model;
  auto random_key = [&] {
    std::string key = "k" + std::to_string(rng() % 2'000);
    if (rng() % 8 == 0) key += std::string(40, 'x');
    return key;
  };
  for (int i = 0; i < 1'500; ++i) {
    std::string key = random_key();
    table.put(key, "v" + std::to_string(i));
    model[key] = "v" + std::to_string(i);
  }
  for (int round = 0; round < 4; ++round) {
    const std::map<std::string, std::string> then = model;
    const std::vector<const MemTable::Entry*> view = table.freeze();
    ASSERT_TRUE(table.frozen());
    ASSERT_EQ(view.size(), then.size());
    std::atomic<bool> stop{false};
    std::atomic<size_t> mismatches{0}, reads{0};
    std::thread reader([&] {
      while (!stop.load()) {
        for (const MemTable::Entry* e : view) {
          auto it = then.find(std::string(e->key()));
          if (it == then.end() || it->second != e->value()) ++mismatches;
        }
        ++reads;
      }
    });
    size_t moved_count = 0;
    for (int step = 0; step < 30'000; ++step) {
      std::string key = random_key();
      if (rng() % 3 < 2) {
        std::string value = "r" + std::to_string(round) + "s" + std::to_string(step);
        auto [entry, added, moved, replaced] = table.put(key, value);
        EXPECT_EQ(added, !model.count(key));
        if (moved) {
          EXPECT_EQ(std::count(view.begin(), view.end(), entry), 0) << "moved to a frozen entry";
          if (replaced == nullptr) {
            ++moved_count;
            EXPECT_TRUE(then.count(key)) << "only a frozen entry is kept for thaw()";
          } else {
            EXPECT_EQ(std::count(view.begin(), view.end(), replaced), 0) << "a frozen entry handed back";
            MemTable::release(replaced);  // a value that outgrew an entry made since freeze()
          }
        }
        EXPECT_EQ(entry->value(), value);
        model[key] = value;
      } else {
        EXPECT_EQ(table.erase(key), model.erase(key) == 1);
      }
    }
    EXPECT_GT(moved_count, 0u);
    EXPECT_GT(table.retired(), 0u);
    // The table answers as the model; the view still as the table was.
    ASSERT_EQ(table.size(), model.size());
    for (const auto& [k, v] : model) {
      const MemTable::Entry* e = table.find(k);
      ASSERT_NE(e, nullptr) << k;
      EXPECT_EQ(e->value(), v);
    }
    while (reads.load() < 2) std::this_thread::yield();
    stop = true;
    reader.join();
    EXPECT_EQ(mismatches.load(), 0u);
    for (const MemTable::Entry* e : view) EXPECT_EQ(then.at(std::string(e->key())), e->value());
    table.thaw();
    EXPECT_FALSE(table.frozen());
    EXPECT_EQ(table.retired(), 0u);
    // Thawed, a write changes the entry in place again.
    const std::string key = model.begin()->first;
    const MemTable::Entry* before = table.find(key);
    auto [entry, added, moved, replaced] = table.put(key, "t");  // no longer than any value
    EXPECT_FALSE(added);
    EXPECT_FALSE(moved);
    EXPECT_EQ(entry, before);
    model[key] = "t";
  }
}

}  // namespace
}  // namespace ans
