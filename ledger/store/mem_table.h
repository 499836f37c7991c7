// The memory layout's key → value table (ledger/store/state_db.h).
//
// Open addressing with linear probing over slots of (key hash, entry pointer), at most half
// full: a lookup reads one slot (usually one cache line), then the entry whose hash matches.
// Growing is spread over the writes that follow: the new slots take over, and each put() or
// erase() moves the next kDrainPerWrite slots' entries over from the old ones, which lookups
// consult until they are drained. Rehashing all at once would stall one write (and the block
// making it) while every new slot is faulted in and filled, which grows with the table.
// std::unordered_map costs a bucket, the node before, the node and its key: at millions of
// keys each of those is a cache miss. An entry is one allocation: a small header, the key's
// bytes, then the value's, so a lookup that finds the entry finds its key and value beside it
// (and a table of millions of keys spends no std::string headers on them).
//
// An entry stays where it is, and a view of its key stays valid, until its key is erased or
// a put() moves the key to a new entry: a value that outgrows the room its entry has, or a
// write to an entry frozen for a snapshot. put() says so, and hands back the entry it
// replaced (unless frozen) for the caller to release() once it has dropped its views of it.
//
// Frozen: freeze() hands out the entries as they are, for another thread to read (a
// snapshot written in the background) while this one goes on changing the table. Until
// thaw(), those entries are neither changed nor freed: a write to one of their keys puts a
// new entry in its place, an erase takes it out of the table, and either keeps the old one
// until thaw(). Entries made since freeze() are changed in place as usual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ans {

class MemTable {
 public:
  class Entry {
   public:
    std::string_view key() const { return {bytes(), key_size_}; }
    std::string_view value() const { return {bytes() + key_size_, value_size_}; }

   private:
    friend class MemTable;
    Entry() = default;
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
    uint64_t born_ = 0;  // the table's freeze count when the entry was made
    uint32_t key_size_ = 0;
    uint32_t value_size_ = 0;
    uint32_t capacity_ = 0;  // room for the value
  };
  struct Put {
    const Entry* entry;  // the key's entry now
    bool added;          // the key was not there before
    bool moved;          // it was, and has a new entry now (see the top of this file)
    // When moved from an entry that was not frozen: that entry, still readable, for
    // release() once the caller has dropped its views of it. Otherwise nullptr.
    Entry* replaced;
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
  // Frees an entry put() replaced (Put::replaced; nullptr is a no-op).
  static void release(Entry* replaced) { destroy(replaced); }

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
  // Whether the slots of the last growth are still being drained (tests).
  bool draining() const { return !old_.empty(); }

  // Visits every entry, in no particular order. The visitor must not change the table.
  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (const Slots* slots : {&slots_, &old_}) {
      for (const Slot& s : *slots) {
        if (s.entry != nullptr && s.entry != tombstone()) visit(*s.entry);
      }
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;  // nullptr: empty; tombstone(): erased
  };
  // The slots, in an anonymous mapping of their own: all empty (zero) without being written,
  // so a new table's pages are faulted in as slots are first written, and on transparent
  // huge pages where the system offers them (madvise), which cuts those faults 512-fold and
  // the TLB misses of lookups. At 10 M keys the table is 0.5-1 GiB.
  class Slots {
   public:
    Slots() = default;
    explicit Slots(size_t n);
    Slots(Slots&& other) noexcept { *this = std::move(other); }
    Slots& operator=(Slots&& other) noexcept;
    ~Slots();
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    Slot& operator[](size_t i) { return data_[i]; }
    const Slot& operator[](size_t i) const { return data_[i]; }
    const Slot* begin() const { return data_; }
    const Slot* end() const { return data_ + size_; }

   private:
    Slot* data_ = nullptr;
    size_t size_ = 0;
    size_t bytes_ = 0;  // mapped
  };
  static Entry* tombstone();
  // An entry for `key` holding `value`, with room for `capacity` bytes of value.
  static Entry* make(std::string_view key, std::string_view value, uint64_t born, size_t capacity);
  static void destroy(Entry* e);
  // The slot of `slots` holding `key`, or the first empty slot where a search for it ends.
  // REQUIRES: slots not empty.
  static size_t probe(const Slots& slots, std::string_view key, uint64_t hash);
  // New slots (with no tombstones), twice as many or more when more than a quarter would be
  // full; the current ones become old_, to be drained. A drain still under way is finished
  // first (a rate of kDrainPerWrite slots a write finishes it long before).
  void grow();
  // Moves the entries of the next `n` old slots into slots_, their old slots tombstoned; drops
  // the old slots once all are drained.
  void drain(size_t n);
  // At least 4 are needed: new slots have room for at least a quarter of them in writes
  // before they are half full, and the old ones are at most as many.
  static constexpr size_t kDrainPerWrite = 16;

  // True for an entry that freeze() handed out and that must not change until thaw().
  bool is_frozen(const Entry* e) const { return frozen_ && e->born_ < freezes_; }

  Slots slots_;  // size 0 or a power of two
  Slots old_;    // the slots before the last growth, until drained; a key is in one or the other
  size_t drained_ = 0;       // old_[0, drained_) are drained
  size_t live_ = 0;          // entries, in both
  size_t used_ = 0;          // entries and tombstones in slots_
  uint64_t freezes_ = 0;     // freeze() calls so far; new entries are born with this count
  bool frozen_ = false;
  std::vector<Entry*> retired_;  // out of the table, kept for the frozen view until thaw()
};

}  // namespace ans
