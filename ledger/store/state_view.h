// Reading and writing state as key/value pairs.
//
// The state transition reads through StateReader and writes into a StateOverlay; it never
// touches storage directly. A block gets one overlay over the committed store; each
// transaction runs behind a savepoint of it, and a rejected transaction's writes are rolled
// back, so it leaves no trace.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/util/status.h"

namespace ans {

// Key -> new value, or nullopt for a deletion.
using WriteSet = std::map<std::string, std::optional<std::string>, std::less<>>;
// Bytes kept for as long as the arena lives, where they were put also when the arena is moved:
// a block's writes and its record of reads keep their keys and values here. One allocation
// per 64 KiB instead of one or two per key, all freed at once, and the keys and values of a
// block side by side in the order written (the commit and the tree update walk them in that
// order): a block writes and reads tens of thousands of keys.
class ByteArena {
 public:
  ByteArena() = default;
  // A moved-from arena is empty (its room went with its chunks).
  ByteArena(ByteArena&& other) noexcept { *this = std::move(other); }
  ByteArena& operator=(ByteArena&& other) noexcept {
    if (this == &other) return *this;
    chunks_ = std::move(other.chunks_);
    next_ = std::exchange(other.next_, nullptr);
    left_ = std::exchange(other.left_, 0);
    other.chunks_.clear();
    return *this;
  }
  ByteArena(const ByteArena&) = delete;
  ByteArena& operator=(const ByteArena&) = delete;

  // A copy of `bytes` in the arena.
  std::string_view copy(std::string_view bytes);
  std::optional<std::string_view> copy_value(std::optional<std::string_view> bytes) {
    if (!bytes) return std::nullopt;
    return copy(*bytes);
  }

 private:
  static constexpr size_t kChunk = size_t{64} << 10;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* next_ = nullptr;  // free room in the newest chunk
  size_t left_ = 0;
};

// A key and its value (nullopt: absent, or deleted), viewed where an arena keeps them: an
// entry of a WriteLog or a ReadMemo.
struct EntryView {
  std::string_view first;
  std::optional<std::string_view> second;
  bool operator==(const EntryView&) const = default;  // the bytes, wherever they are
};

using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// A view as a value of its own, and a value as a view.
inline std::optional<std::string> to_owned(std::optional<std::string_view> value) {
  if (!value) return std::nullopt;
  return std::string(*value);
}
inline std::optional<std::string_view> to_view(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

// Writes, one entry per key in the order the keys were first written: what an overlay keeps.
// Appending costs no search of the others; keys and values live in the log's arena, and
// entries never move (a deque), so views of them stay valid, also when the whole log is
// moved. A value replaced or an entry popped leaves its bytes in the arena until the log
// goes (a block replaces few).
class WriteLog {
 public:
  using value_type = EntryView;
  // Appends `key` with (a copy of) `value`.
  EntryView& append(std::string_view key, std::optional<std::string_view> value) {
    return entries_.emplace_back(EntryView{bytes_.copy(key), bytes_.copy_value(value)});
  }
  // Gives `entry`, one of this log's, (a copy of) `value`.
  void assign(EntryView& entry, std::optional<std::string_view> value) {
    entry.second = bytes_.copy_value(value);
  }
  void pop_back() { entries_.pop_back(); }
  EntryView& back() { return entries_.back(); }
  void clear() {
    entries_.clear();
    bytes_ = ByteArena();
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() { return entries_.begin(); }
  auto end() { return entries_.end(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  ByteArena bytes_;
  std::deque<EntryView> entries_;
};

// Writes as a list, for writes that come in bulk and are sorted once (a block's tree pages):
// like a WriteLog, keys and values live in the list's arena, and sorting moves only views.
class WriteList {
 public:
  using value_type = EntryView;
  WriteList() = default;
  // Copies of these writes (for tests and small lists).
  WriteList(std::initializer_list<std::pair<std::string_view, std::optional<std::string_view>>> writes) {
    for (const auto& [key, value] : writes) append(key, value);
  }
  void append(std::string_view key, std::optional<std::string_view> value) {
    entries_.push_back(EntryView{bytes_.copy(key), bytes_.copy_value(value)});
  }
  // Orders the entries by key.
  void sort_by_key();
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const EntryView& operator[](size_t i) const { return entries_[i]; }
  bool operator==(const WriteList& other) const { return entries_ == other.entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  auto rbegin() const { return entries_.rbegin(); }
  auto rend() const { return entries_.rend(); }

 private:
  ByteArena bytes_;
  std::vector<EntryView> entries_;
};

// The value `log` writes at `key` (nullopt inside: a deletion), or nullptr when it does not
// write the key. A walk over the log: for the occasional lookup, not for every key.
const std::optional<std::string_view>* find_write(const WriteLog& log, std::string_view key);

// A key an overlay wrote, and what its parent held there when the overlay first wrote it, if
// the overlay knew (it had read the key or been told): the store builds a block's undo record
// from these without searching. Both point into the overlay's (or what was taken from it).
struct FirstWrite {
  std::string_view key;
  const std::optional<std::string_view>* before = nullptr;  // nullptr: not known, read the store
};

// A hash index over entries that do not move (elements of a deque), so that a lookup costs
// one probe of a flat table instead of a descent of an ordered map that holds a whole
// block's keys. Open addressing with linear probing; each slot keeps the key's hash and a
// pointer to the entry, whose key it compares. Removal leaves a tombstone.
class EntryIndex {
 public:
  using Entry = EntryView;
  // The entry for `key`, or nullptr.
  Entry* find(std::string_view key) const;
  // Indexes `entry` under its key, replacing what that key pointed at. The entry must stay
  // where it is while it is indexed.
  void set(Entry* entry);
  // Forgets `key`.
  void remove(std::string_view key);
  void clear();

 private:
  enum class State : uint8_t { kEmpty, kFull, kTomb };
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;
    State state = State::kEmpty;
  };
  static uint64_t hash_of(std::string_view key);
  // The slot holding `key`, or the empty slot where a search for it ends.
  size_t probe(std::string_view key, uint64_t hash) const;
  void grow();

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t used_ = 0;          // full slots and tombstones
};

// The first bytes of a set of keys, to answer "might one start with this prefix?" without a
// walk over them: never wrong when it says no. (The rules ask it of a block's every key.)
class FirstBytes {
 public:
  void add(std::string_view key) {
    if (!key.empty()) bits_[byte(key) / 64] |= uint64_t{1} << (byte(key) % 64);
  }
  // False when no key added starts with `prefix` (empty prefix: true if any key was added
  // at all, or if one was the empty key: conservatively true).
  bool may_start(std::string_view prefix) const {
    if (prefix.empty()) return true;
    return (bits_[byte(prefix) / 64] >> (byte(prefix) % 64) & 1u) != 0;
  }

 private:
  static unsigned byte(std::string_view s) { return static_cast<uint8_t>(s[0]); }
  uint64_t bits_[4] = {};
};

// What an overlay read from its parent: each key's value the first time it was read (nullopt
// = absent), in the order read, with a hash lookup. A store commit takes it as the undo data
// of the keys the block wrote after reading them, instead of reading the store again.
// Keys and values are kept in an arena of the memo's own (ByteArena).
class ReadMemo {
 public:
  using Entry = EntryView;
  ReadMemo() = default;
  // Moving keeps the entries where they are, so the index (and any FirstWrite pointing at
  // them) stays valid. A copy would not carry those pointers over: there is none.
  ReadMemo(ReadMemo&&) = default;
  ReadMemo& operator=(ReadMemo&&) = default;
  ReadMemo(const ReadMemo&) = delete;
  ReadMemo& operator=(const ReadMemo&) = delete;

  // The value recorded for `key`, or nullptr when it was not read. The index is built on the
  // first call, for the entries added since: an overlay keeps its own index of its reads
  // (OverlayIndex), so a memo it fills is never searched on its hot path.
  const Entry* find(std::string_view key) const;
  // Records (a copy of) `value` for `key`. REQUIRES: `key` is not recorded yet.
  const Entry& add(std::string_view key, std::optional<std::string_view> value);
  // True when a recorded key starts with `prefix` (a walk over them, unless no key recorded
  // starts with the prefix's first byte).
  bool has_prefix(std::string_view prefix) const;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  ByteArena bytes_;            // entries_' keys and values
  std::deque<Entry> entries_;
  FirstBytes first_bytes_;     // of entries_' keys
  mutable EntryIndex index_;   // of entries_[0, indexed_)
  mutable size_t indexed_ = 0;
};

// An overlay's index of the keys it holds: per key, its entry among the writes and its entry
// among the reads (either may be missing), so that a read or a write finds both in one probe
// of a flat table. Open addressing with linear probing, at most half full (tombstones count).
class OverlayIndex {
 public:
  using Entry = EntryView;
  struct Slot {
    uint64_t hash = 0;
    Entry* write = nullptr;        // in the overlay's writes
    const Entry* read = nullptr;   // in its record of reads
    bool tomb = false;             // both null and once used: probes go on past it
    bool empty() const { return write == nullptr && read == nullptr && !tomb; }
    std::string_view key() const { return write != nullptr ? write->first : read->first; }
  };
  static uint64_t hash_of(std::string_view key);
  // The slot of `key`, or the empty slot where it would go: valid until reserve_one() or a
  // clear. Fill an empty one with set(). REQUIRES: reserve_one() since the last new slot.
  Slot& locate(std::string_view key, uint64_t hash);
  const Slot* find(std::string_view key) const;  // nullptr when neither entry is indexed
  // Makes room for one more key (call before locate() when a new key may be added).
  void reserve_one();
  // Makes room for `keys` more keys at once: no growth step by step while they come.
  void reserve(size_t keys);
  // Fills the slot locate() gave for a new key.
  void claim(Slot& slot, uint64_t hash);
  // Forgets the write of `key` (its read stays).
  void clear_write(std::string_view key);
  void clear_writes();
  void clear_reads();

 private:
  size_t probe(std::string_view key, uint64_t hash) const;
  void rebuild(size_t size);

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t used_ = 0;          // slots not empty (tombstones count)
};

class StateReader {
 public:
  virtual ~StateReader() = default;

  // The value, or nullopt if absent. A storage failure reads as absent and is recorded: the
  // caller checks status() before trusting a result built from reads.
  virtual std::optional<std::string> get(std::string_view key) const = 0;

  // Visits, in key order, the entries whose key starts with `prefix` and is >= `start`
  // (start empty = from the prefix), at most `limit` of them; the visitor returns false to stop.
  virtual void scan(std::string_view prefix, std::string_view start, size_t limit,
                    const ScanVisitor& visit) const = 0;

  // OK, or the first storage error a read ran into.
  virtual Status status() const = 0;
};

class StateOverlay final : public StateReader {
 public:
  // REQUIRES: parent outlives this overlay and does not change while it is in use.
  explicit StateOverlay(const StateReader& parent) : parent_(parent) {}
  // Not copyable. An implicit copy constructor would win overload resolution for
  // `StateOverlay child(parent_overlay)` and clone the parent instead of layering over it;
  // with it deleted that line does not compile. Layer with `StateOverlay child(parent.reader())`.
  StateOverlay(const StateOverlay&) = delete;
  StateOverlay& operator=(const StateOverlay&) = delete;

  // This overlay as a parent for a child overlay.
  const StateReader& reader() const { return *this; }
  // What this overlay lies over.
  const StateReader& parent() const { return parent_; }
  // True when this overlay has written or remembered a key starting with `prefix`: when not,
  // reads of such keys may go straight to parent() and skip the overlay's two map lookups.
  bool touches_prefix(std::string_view prefix) const;

  std::optional<std::string> get(std::string_view key) const override;
  // get() without copying the value: the view stays valid until this overlay next writes
  // `key` or rolls back (read it at once).
  std::optional<std::string_view> get_ref(std::string_view key) const;
  // The value get() gives, without recording what the parent held in parent_reads(): for
  // keys whose previous value nobody needs (the store keeps no undo data for tree nodes).
  std::optional<std::string> get_unrecorded(std::string_view key) const;
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override;
  Status status() const override { return parent_.status(); }

  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  // put/erase of a key whose value in the parent the caller already knows, because a record it
  // has read implies it (an index key beside its record): unless this overlay has written or
  // read the key, `before` is remembered as the parent's value, as if read, so the store's
  // undo record takes it instead of reading the store. Debug builds check the claim.
  void put_over(std::string_view key, std::string_view value, std::optional<std::string> before);
  void erase_over(std::string_view key, std::optional<std::string> before);

  // The writes made here, in the order of their first writes, to hand to the store or to a
  // parent overlay.
  const WriteLog& write_log() const { return writes_; }
  // The same as a sorted copy: for tests and one-off callers.
  WriteSet writes() const;
  // Moves the writes out, leaving this overlay empty.
  WriteLog take_writes();
  // Room for about `keys` keys written or read, for a caller that knows (a block's
  // transactions): the index is sized once instead of doubling as they come.
  void reserve(size_t keys) { index_.reserve(keys); }

  // What this overlay read from its parent, per key, the first time (nullopt = absent).
  // A store commit uses it as the undo data for those keys instead of reading them again.
  const ReadMemo& parent_reads() const { return parent_reads_; }
  ReadMemo take_parent_reads() {
    index_.clear_reads();
    return std::exchange(parent_reads_, {});
  }
  // One entry per key written, in the order of their first writes (rolled-back ones gone),
  // since construction or the last take_first_writes(). The views and pointers stay valid
  // while the writes and the reads (or what take_writes() and take_parent_reads() gave) live,
  // wherever those are moved.
  const std::vector<FirstWrite>& first_writes() const { return first_writes_; }
  std::vector<FirstWrite> take_first_writes() { return std::exchange(first_writes_, {}); }
  // Applies this overlay's writes to `target` and clears them. Typically target is the parent.
  void commit_into(StateOverlay& target);

  // A savepoint: the writes made after it can be taken back. A transaction runs between
  // begin_savepoint() and either release_savepoint() (keep its writes) or rollback() (the
  // writes are exactly as at the savepoint again, as if it never ran). Cheaper than a child
  // overlay: each write lands once, and reads find it without a second lookup. One level.
  void begin_savepoint();
  void release_savepoint();
  void rollback();

 private:
  // `claimed_before` (optional): what the caller knows the parent holds at `key` (put_over).
  void write(std::string_view key, std::optional<std::string_view> value,
             const std::optional<std::string>* claimed_before = nullptr);

  const StateReader& parent_;
  WriteLog writes_;
  FirstBytes written_first_bytes_;  // of keys ever in writes_ (rolled back ones too)
  // A memo of reads, not state: see parent_reads(). Indexed, with writes_, by index_.
  mutable ReadMemo parent_reads_;
  mutable OverlayIndex index_;
  // Since the savepoint: each write's entry, and what the entry held before (nullopt: the
  // key was not written yet, and its entry is the newest one).
  struct Undo {
    EntryView* entry;
    std::optional<std::optional<std::string_view>> before;  // the bytes stay in writes_' arena
  };
  bool in_savepoint_ = false;
  std::vector<Undo> journal_;
  std::vector<FirstWrite> first_writes_;
};

}  // namespace ans
