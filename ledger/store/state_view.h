// Reading and writing state as key/value pairs.
//
// The state transition reads through StateReader and writes into a StateOverlay; it never
// touches storage directly. A block gets one overlay over the committed store; each
// transaction runs behind a savepoint of it, and a rejected transaction's writes are rolled
// back, so it leaves no trace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/util/status.h"

namespace ans {

// Key -> new value, or nullopt for a deletion.
using WriteSet = std::map<std::string, std::optional<std::string>, std::less<>>;

using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// A hash index over the entries of an overlay's two maps, so that a lookup costs one probe of
// a flat table instead of two descents of ordered maps that hold a whole block's keys. Open
// addressing with linear probing; it stores the key as a view of the map node's key (nodes do
// not move) and a pointer to the entry. Removal leaves a tombstone (only rollbacks remove).
class OverlayIndex {
 public:
  struct Found {
    WriteSet::value_type* entry = nullptr;
    bool written = false;  // the entry is in the overlay's writes, not its record of reads
  };
  // The entry for `key`, or {nullptr}.
  Found find(std::string_view key) const;
  // Points `key` at `entry`, replacing what it pointed at. `entry->first` is `key` and must
  // stay where it is while it is indexed.
  void set(WriteSet::value_type* entry, bool written);
  // Forgets `key`.
  void remove(std::string_view key);
  void clear();

 private:
  enum class State : uint8_t { kEmpty, kFull, kTomb };
  struct Slot {
    uint64_t hash = 0;
    WriteSet::value_type* entry = nullptr;
    State state = State::kEmpty;
    bool written = false;
  };
  static uint64_t hash_of(std::string_view key);
  // The slot holding `key`, or the empty slot where a search for it ends.
  size_t probe(std::string_view key, uint64_t hash) const;
  void grow();

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t used_ = 0;          // full slots and tombstones
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
  // The value get() gives, without recording what the parent held in parent_reads(): for
  // keys whose previous value nobody needs (the store keeps no undo data for tree nodes).
  std::optional<std::string> get_unrecorded(std::string_view key) const;
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override;
  Status status() const override { return parent_.status(); }

  void put(std::string_view key, std::string value);
  void erase(std::string_view key);

  // The writes made here, to hand to the store or to a parent overlay.
  const WriteSet& writes() const { return writes_; }
  // Moves the writes out, leaving this overlay empty.
  WriteSet take_writes();

  // What this overlay read from its parent, per key, the first time (nullopt = absent).
  // A store commit uses it as the undo data for those keys instead of reading them again.
  const WriteSet& parent_reads() const { return parent_reads_; }
  WriteSet take_parent_reads();
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
  void write(std::string_view key, std::optional<std::string> value);

  // Marks index_ for a rebuild from what is left after one of the maps was moved out.
  void reindex();
  // index_, rebuilt first if it is stale.
  const OverlayIndex& index() const;

  const StateReader& parent_;
  WriteSet writes_;
  mutable WriteSet parent_reads_;  // a memo of reads, not state: see parent_reads()
  // Every key of writes_ and parent_reads_, pointing at the writes_ entry if there is one.
  mutable OverlayIndex index_;
  mutable bool index_stale_ = false;
  // Since the savepoint: each write's entry, and what the entry held before (nullopt: the
  // key was not written yet). Map nodes stay where they are until their entry is erased.
  struct Undo {
    WriteSet::value_type* entry;
    std::optional<std::optional<std::string>> before;
  };
  bool in_savepoint_ = false;
  std::vector<Undo> journal_;
};

}  // namespace ans
