#include "ledger/store/state_view.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <type_traits>

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

namespace ans {
namespace {

// Random writes, reads, savepoints and rollbacks over tens of thousands of keys (enough for
// the overlay's hash index to grow many times and to collect tombstones from rolled-back new
// keys) read exactly like a plain model of the state; every read of the parent is remembered
// with the parent's value.
TEST(StateOverlay, ReadsMatchAModelAcrossGrowthAndRollbacks) {
  constexpr int kKeys = 40000;
  std::mt19937_64 rng(11);
  MemoryStore base;
  WriteSet initial;
  for (int i = 0; i < kKeys; i += 2) initial["k" + std::to_string(i)] = "base" + std::to_string(i);
  base.apply(initial);
  StateOverlay o(base);
  std::map<std::string, std::optional<std::string>> model;  // key -> value (nullopt: absent)
  auto model_get = [&](const std::string& k) -> std::optional<std::string> {
    if (auto it = model.find(k); it != model.end()) return it->second;
    if (auto it = initial.find(k); it != initial.end()) return it->second;
    return std::nullopt;
  };
  // The model's own undo log while a savepoint is open: each key's model entry before.
  std::vector<std::pair<std::string, std::optional<std::optional<std::string>>>> model_undo;
  bool in_savepoint = false;
  std::vector<std::string> touched;  // keys written at some point: reads favour them
  auto any_key = [&] { return "k" + std::to_string(rng() % kKeys); };
  auto write = [&](const std::string& k, int step) {
    if (in_savepoint) {
      auto it = model.find(k);
      model_undo.emplace_back(k, it == model.end() ? std::nullopt
                                                   : std::optional<std::optional<std::string>>(it->second));
    }
    if (rng() % 3 == 0) {
      o.erase(k);
      model[k] = std::nullopt;
    } else {
      o.put(k, "v" + std::to_string(step));
      model[k] = "v" + std::to_string(step);
    }
    touched.push_back(k);
  };
  for (int step = 0; step < 60000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 3) {
      write(rng() % 2 && !touched.empty() ? touched[rng() % touched.size()] : any_key(), step);
    } else if (op == 3) {
      o.begin_savepoint();
      in_savepoint = true;
      for (int i = 0, n = static_cast<int>(rng() % 30); i < n; ++i) {
        write(rng() % 4 && !touched.empty() ? any_key() : touched[rng() % touched.size()], step);
      }
      if (rng() % 2) {
        o.rollback();
        for (auto it = model_undo.rbegin(); it != model_undo.rend(); ++it) {
          if (it->second) {
            model[it->first] = *it->second;
          } else {
            model.erase(it->first);
          }
        }
      } else {
        o.release_savepoint();
      }
      in_savepoint = false;
      model_undo.clear();
    } else {
      const std::string k = rng() % 2 && !touched.empty() ? touched[rng() % touched.size()] : any_key();
      ASSERT_EQ(o.get(k), model_get(k)) << "step " << step << " key " << k;
    }
  }
  for (const auto& [k, v] : o.parent_reads()) EXPECT_EQ(v, base.get(k)) << k;
  // The first writes name each written key once, with the parent's value where known.
  std::set<std::string> first;
  for (const FirstWrite& w : o.first_writes()) {
    EXPECT_TRUE(first.insert(std::string(w.key)).second) << w.key;
    if (w.before) {
      EXPECT_EQ(*w.before, base.get(w.key)) << w.key;
    }
  }
  std::set<std::string> written;
  for (const auto& [k, v] : o.writes()) written.insert(k);
  EXPECT_EQ(first, written);
  for (int i = 0; i < kKeys; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_EQ(o.get(k), model_get(k)) << k;
  }
}

// The index finds every entry it holds and none it forgot, whatever the order of removals
// (a removal must not cut the probe chains of the keys behind it).
TEST(EntryIndex, FindsWhatItHoldsAfterRemovalsInAnyOrder) {
  std::mt19937_64 rng(5);
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("e" + std::to_string(i));
  std::deque<EntryView> entries;
  EntryIndex index;
  for (const std::string& key : keys) index.set(&entries.emplace_back(EntryView{key, key}));
  std::vector<bool> removed(entries.size());
  for (int i = 0; i < 2500; ++i) {
    const size_t r = rng() % entries.size();
    index.remove(entries[r].first);
    removed[r] = true;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(index.find(entries[i].first), removed[i] ? nullptr : &entries[i]) << i;
  }
  // Set again, a removed key is found at its new entry.
  EntryView again{"e7", "again"};
  index.set(&again);
  EXPECT_EQ(index.find("e7"), &again);
}

// The arena's copies hold what was copied, small ones packed into shared chunks and large ones
// in chunks of their own, and stay where they are when the arena is moved; a moved-from arena
// is empty and usable.
TEST(ByteArena, CopiesStayPutAcrossChunksAndMoves) {
  ByteArena arena;
  std::vector<std::string> originals;
  std::vector<std::string_view> copies;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    // Mostly keys and records; now and then one over a quarter of a chunk, or empty.
    const size_t size = i % 97 == 0 ? 20'000 + rng() % 50'000 : i % 31 == 0 ? 0 : rng() % 300;
    std::string s(size, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    copies.push_back(arena.copy(s));
    originals.push_back(std::move(s));
  }
  auto check = [&] {
    for (size_t i = 0; i < copies.size(); ++i) ASSERT_EQ(copies[i], originals[i]) << i;
  };
  check();
  ByteArena moved = std::move(arena);
  check();
  ByteArena assigned;
  assigned = std::move(moved);
  check();
  EXPECT_EQ(moved.copy("after the move"), "after the move");  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(arena.copy("x"), "x");                           // NOLINT(bugprone-use-after-move)
  check();
}

// A write list sorts by the keys' bytes, also where their first 8 bytes tie (a common prefix,
// or keys shorter than 8 bytes that differ only by trailing zero bytes), and keeps each key's
// value with it.
TEST(WriteList, SortsByKeyWhereTheFirstEightBytesTie) {
  std::mt19937_64 rng(3);
  std::vector<std::string> keys = {"T", std::string("T\0", 2), std::string("T\0\0", 3), "Ta"};
  for (int i = 0; i < 400; ++i) {
    std::string key = i % 2 ? "Tsame-prefix" : "T";  // 12 bytes shared by half of them
    const size_t extra = rng() % 6;
    for (size_t k = 0; k < extra; ++k) key.push_back(static_cast<char>(rng() % 3));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  WriteList list;
  for (size_t i = 0; i < keys.size(); ++i) {
    list.append(keys[i], i % 5 ? std::optional<std::string_view>("v" + keys[i]) : std::nullopt);
  }
  list.sort_by_key();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(list.size(), sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_EQ(list[i].first, sorted[i]) << i;
    const size_t was = static_cast<size_t>(std::find(keys.begin(), keys.end(), sorted[i]) - keys.begin());
    EXPECT_EQ(list[i].second, was % 5 ? std::optional<std::string>("v" + sorted[i]) : std::nullopt) << i;
  }
}

// The record of reads finds every key after a move (the index points at entries that stay
// where they are), and cannot be copied (a copy's index would point into the original).
TEST(ReadMemo, FindsWhatItRecordedAfterAMove) {
  static_assert(!std::is_copy_constructible_v<ReadMemo>);
  ReadMemo memo;
  for (int i = 0; i < 500; ++i) {
    memo.add("r" + std::to_string(i), i % 3 ? std::optional<std::string>(std::to_string(i)) : std::nullopt);
  }
  auto check = [](const ReadMemo& m) {
    ASSERT_EQ(m.size(), 500u);
    for (int i = 0; i < 500; ++i) {
      const auto* e = m.find("r" + std::to_string(i));
      ASSERT_NE(e, nullptr) << i;
      EXPECT_EQ(e->second, i % 3 ? std::optional<std::string>(std::to_string(i)) : std::nullopt);
    }
    EXPECT_EQ(m.find("r500"), nullptr);
    EXPECT_TRUE(m.has_prefix("r4"));
    EXPECT_FALSE(m.has_prefix("s"));
  };
  ReadMemo moved = std::move(memo);
  check(moved);
  ReadMemo assigned;
  assigned = std::move(moved);
  check(assigned);
}

// touches_prefix answers from the keys' first bytes when it can and walks them otherwise:
// right for one-byte and longer prefixes, for writes, reads, rolled-back writes (still
// answered by the walk) and taken reads.
TEST(StateOverlay, TouchesPrefixForWritesAndReads) {
  MemoryStore store;
  WriteSet base;
  base["Tpage"] = "p";
  base["Bread"] = "b";
  store.apply(base);
  StateOverlay overlay(store);
  EXPECT_FALSE(overlay.touches_prefix("T"));
  overlay.put("Awrite", "a");
  EXPECT_TRUE(overlay.touches_prefix("A"));
  EXPECT_TRUE(overlay.touches_prefix("Aw"));
  EXPECT_FALSE(overlay.touches_prefix("Ax")) << "first byte matches, the prefix does not";
  EXPECT_FALSE(overlay.touches_prefix("T"));
  EXPECT_EQ(overlay.get("Bread"), "b");  // a read of the parent is remembered
  EXPECT_TRUE(overlay.touches_prefix("B"));
  EXPECT_FALSE(overlay.touches_prefix("Bx"));
  EXPECT_FALSE(overlay.get("Cabsent").has_value());  // an absent read too
  EXPECT_TRUE(overlay.touches_prefix("C"));
  overlay.begin_savepoint();
  overlay.put("Tpage", "q");
  EXPECT_TRUE(overlay.touches_prefix("T"));
  overlay.rollback();
  // The first byte stays counted, and the walk it leads to finds no such key any more.
  EXPECT_FALSE(overlay.touches_prefix("T")) << "a rolled-back write still counts";
  ReadMemo reads = overlay.take_parent_reads();
  EXPECT_TRUE(reads.has_prefix("B"));
  EXPECT_FALSE(reads.has_prefix("A"));
  EXPECT_FALSE(overlay.touches_prefix("B")) << "the reads were taken";
}

// After take_writes() and take_parent_reads() (which leave tombstones in the index, not a
// new table), the overlay goes on answering as it should: taken writes are gone, reads still
// remembered are found, and rounds of writing and taking fill the index with tombstones until
// it is rebuilt.
TEST(StateOverlay, GoesOnAfterItsWritesAndReadsAreTaken) {
  MemoryStore store;
  WriteSet base;
  for (int i = 0; i < 100; ++i) base["p" + std::to_string(i)] = "parent" + std::to_string(i);
  store.apply(base);
  StateOverlay overlay(store);
  overlay.reserve(16);
  for (int round = 0; round < 50; ++round) {
    const std::string r = std::to_string(round);
    for (int i = 0; i < 20; ++i) overlay.put("w" + r + "_" + std::to_string(i), "v" + r);
    overlay.put("p" + std::to_string(round), "over" + r);  // over a parent key
    EXPECT_EQ(overlay.get("p" + std::to_string(round + 1)), "parent" + std::to_string(round + 1));
    EXPECT_EQ(overlay.get("p" + std::to_string(round)), "over" + r);
    WriteLog taken = overlay.take_writes();
    ASSERT_EQ(taken.size(), 21u);
    EXPECT_FALSE(overlay.get("w" + r + "_0").has_value()) << "a taken write is still read";
    EXPECT_EQ(overlay.get("p" + std::to_string(round)), "parent" + r) << "round " << round;
    EXPECT_TRUE(overlay.parent_reads().find("p" + std::to_string(round + 1)) != nullptr);
    if (round % 3 == 0) {
      ReadMemo reads = overlay.take_parent_reads();
      EXPECT_GE(reads.size(), 1u);
      EXPECT_EQ(overlay.parent_reads().size(), 0u);
      EXPECT_EQ(overlay.get("p" + std::to_string(round + 1)), "parent" + std::to_string(round + 1));
    }
  }
}

}  // namespace
}  // namespace ans
