// The memory layout's key → value table (ledger/store/state_db.h).
//
// Open addressing with linear probing over slots of (key hash, entry pointer), at most half
// full: a lookup reads one slot (usually one cache line), then the entry whose hash matches.
// std::unordered_map costs a bucket, the node before, the node and its key: at millions of
// keys each of those is a cache miss. Entries are allocated one by one and never move, so a
// view of an entry's key stays valid until that key is erased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ans {

class MemTable {
 public:
  struct Entry {
    std::string key;
    std::string value;
  };

  MemTable() = default;
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // The entry of `key`, or nullptr.
  const Entry* find(std::string_view key) const;
  // Sets `key` to `value`. Returns the entry, and true when the key was not there before.
  std::pair<const Entry*, bool> put(std::string_view key, std::string_view value);
  // Erases `key` (views of its entry's key become invalid). Returns whether it was there.
  bool erase(std::string_view key);

  // For a run of operations on known keys (a block's writes), a few keys ahead: the hash a
  // lookup of `key` uses, a hint to fetch the slot it starts at, and (a few operations
  // later, once that slot is in cache) a hint to fetch the entry the slot holds and its key.
  // Hints only: they change nothing, whatever happens to the table in between.
  static uint64_t hash_of(std::string_view key);
  void prefetch_slot(uint64_t hash) const;
  void prefetch_entry(uint64_t hash) const;
  size_t size() const { return live_; }

  // Visits every entry, in no particular order. The visitor must not change the table.
  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (const Slot& s : slots_) {
      if (s.entry != nullptr && s.entry != tombstone()) visit(*s.entry);
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;  // nullptr: empty; tombstone(): erased
  };
  static Entry* tombstone();
  // The slot holding `key`, or the first empty slot where a search for it ends.
  size_t probe(std::string_view key, uint64_t hash) const;
  // Rebuilds the slots (dropping tombstones), doubling them when more than a quarter would
  // be full.
  void rebuild();

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t live_ = 0;          // entries
  size_t used_ = 0;          // entries and tombstones
};

}  // namespace ans
