// The memory layout's key → value table (ledger/store/state_db.h).
//
// Open addressing with linear probing over slots of (key hash, entry pointer), at most half
// full: a lookup reads one slot (usually one cache line), then the entry whose hash matches.
// std::unordered_map costs a bucket, the node before, the node and its key: at millions of
// keys each of those is a cache miss. Entries are allocated one by one and never move, so a
// view of an entry's key stays valid until that key is erased (or, while the table is
// frozen, until thaw() if a write replaced the entry: put() says so).
//
// Frozen: freeze() hands out the entries as they are, for another thread to read (a
// snapshot written in the background) while this one goes on changing the table. Until
// thaw(), those entries are neither changed nor freed: a write to one of their keys puts a
// new entry in its place, an erase takes it out of the table, and either keeps the old one
// until thaw(). Entries made since freeze() are changed in place as usual.
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
    uint64_t born = 0;  // the table's freeze count when the entry was made
  };
  struct Put {
    const Entry* entry;  // the key's entry now
    bool added;          // the key was not there before
    bool moved;          // it was, in a frozen entry, and has a new entry now
  };

  MemTable() = default;
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // The entry of `key`, or nullptr.
  const Entry* find(std::string_view key) const;
  // Sets `key` to `value`.
  Put put(std::string_view key, std::string_view value);
  // Erases `key` (views of its entry's key become invalid, at thaw() if the table is frozen).
  // Returns whether it was there.
  bool erase(std::string_view key);

  // Every entry as it is now; see the top of this file. The entries stay as they are, and
  // where they are, until thaw(). REQUIRES: not frozen.
  std::vector<const Entry*> freeze();
  // Frees the entries that writes and erases replaced since freeze(). Views of them (and of
  // their keys) become invalid. No-op when not frozen.
  void thaw();
  bool frozen() const { return frozen_; }
  // Entries replaced or erased since freeze() and kept for it.
  size_t retired() const { return retired_.size(); }

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

  // True for an entry that freeze() handed out and that must not change until thaw().
  bool is_frozen(const Entry* e) const { return frozen_ && e->born < freezes_; }

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t live_ = 0;          // entries
  size_t used_ = 0;          // entries and tombstones
  uint64_t freezes_ = 0;     // freeze() calls so far; new entries are born with this count
  bool frozen_ = false;
  std::vector<Entry*> retired_;  // out of the table, kept for the frozen view until thaw()
};

}  // namespace ans
