// The committed state in LevelDB.
//
// Each block commits in ONE atomic LevelDB write: its state writes, an undo record holding
// the previous value of every key it wrote, and the new head. So after a crash at any
// moment, reopening gives exactly the state after some committed block, never a mix.
// Blocks above the final height can be undone (fork switch) with their undo records;
// marking a height final deletes the undo records up to it.
//
// Two layouts, chosen when the store is created (StateDbOptions::memory_state):
//  - LevelDB: every key is its own LevelDB key; reads go to LevelDB.
//  - memory: every key is held in memory and read from there. LevelDB keeps a journal, one
//    record per block holding its state writes, written in the block's atomic batch, and
//    from time to time a snapshot of the whole state, after which the journal before it is
//    deleted. Opening loads the snapshot and replays the journal. docs/state.md, "Layouts".
//
// Keys starting with 0xFF are the store's own bookkeeping; state keys never start with it.
// One thread owns a StateDb and is the only one to call its methods; other threads read
// through snapshots (StoreSnapshot, below).
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ans/v1/state.pb.h"
#include "ledger/store/mem_table.h"
#include "ledger/store/ordered_index.h"
#include "ledger/store/record_writer.h"
#include "ledger/store/state_view.h"
#include "ledger/util/view_lock.h"

namespace ans {

struct StateDbOptions {
  bool create_if_missing = true;  // in an absent or empty directory only
  // fsync each block commit. Off only for benchmarks and tests that do not need machine-crash
  // durability: a process crash (SIGKILL) never loses a committed block either way.
  bool sync = true;
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 64 << 20;
  // Snappy. Off by default: tree nodes are hashes and do not compress, and on a 2-core node
  // the CPU that compaction would spend compressing competes with block application.
  bool compression = false;
  // Keys with this prefix get no undo data: their owner rebuilds them on undo and in
  // historical views (the ledger's tree nodes, "T": the tree is a function of the state).
  // Empty: every key gets undo data.
  std::string undo_exempt_prefix;
  // The file system LevelDB runs on; null = the real one. The consensus simulator gives each
  // node an in-memory one (leveldb::NewMemEnv): the same store code, kept across a simulated
  // crash and restart, at memory speed. Not owned; must outlive the store.
  leveldb::Env* env = nullptr;
  // Values (and absences) of keys that start with this prefix and are at most
  // cached_key_max_bytes long are kept in memory once read or written, so later reads skip
  // LevelDB (the ledger keeps its tree's upper levels there). Empty: nothing is cached.
  // Must not start with 0xFF.
  // (LevelDB layout only: the memory layout holds every key in memory anyway.)
  std::string cached_prefix;
  size_t cached_key_max_bytes = 0;
  // The memory layout (see the top of this file). It journals every key, so it takes no
  // undo_exempt_prefix (refused at opening), and opening a store created with the other
  // layout is refused.
  bool memory_state = false;
  // Memory layout: a snapshot is written when the journal since the last one has grown past
  // the larger of this and the last snapshot's size, so that snapshots cost at most about
  // as many bytes as the journal, and opening replays at most about a snapshot's worth.
  size_t snapshot_min_journal_bytes = size_t{256} << 20;
  // Memory layout: the snapshots commits take are written by a thread of their own from a
  // frozen view of the state (MemTable::freeze), while blocks go on being applied; the next
  // commit after the writer is done adopts the snapshot. Off: the commit writes it.
  bool background_snapshots = true;
  // Tests: called on the snapshot writer's thread before it writes anything.
  std::function<void()> snapshot_writer_hook;
  // Memory layout: keys under these prefixes are kept in a hash map only, not also in key
  // order, which makes their inserts and deletions cheaper; a scan that covers any of them
  // sorts the matching keys first, at a cost that grows with the whole state. For keys that
  // are read and written by key but not scanned, outside tests (the ledger's name
  // records and commitments).
  std::vector<std::string> unordered_prefixes;
};

// The state after a past block: the head with the undo values of the blocks above it laid
// over it. Keys under the store's undo_exempt_prefix still read as at the head.
class HistoricalState final : public StateReader {
 public:
  explicit HistoricalState(const StateReader& head) : overlay_(head) {}
  std::optional<std::string> get(std::string_view key) const override { return overlay_.get(key); }
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override {
    overlay_.scan(prefix, start, limit, visit);
  }
  Status status() const override { return overlay_.status(); }
  // The keys that differ from the head, with their values then (nullopt = absent then).
  const WriteLog& restored() const { return overlay_.write_log(); }
  StateOverlay& overlay() { return overlay_; }

 private:
  StateOverlay overlay_;
};

// The committed state after one block, immutable, for any number of threads at once
// (docs/state.md, "Read views"). StateDb::snapshot() makes one.
//  - LevelDB layout: a LevelDB snapshot, read with checksums verified; never blocks.
//  - memory layout: the live state read under the store's view lock (taken shared), with
//    the before-images of the blocks committed since laid over it. A read can wait for the
//    in-memory part of a commit or undo (applying its writes to the hash table and the
//    ordered index), never for the rest of a block's application.
// REQUIRES: every snapshot is destroyed before its store.
class StoreSnapshot {
 public:
  virtual ~StoreSnapshot() = default;
  uint64_t height() const { return height_; }
  const Hash256& block_hash() const { return block_hash_; }

  // The value at `key` (nullopt: absent). Errors: kIoError or kCorruption from LevelDB (a
  // checksum mismatch among them); kNotFound when the memory layout can no longer answer
  // for this block (it was undone by a fork switch, or its history is gone).
  virtual Result<std::optional<std::string>> get(std::string_view key) const = 0;
  // As StateReader::scan. The visitor runs without any lock held. Errors as get().
  virtual Status scan(std::string_view prefix, std::string_view start, size_t limit,
                      const ScanVisitor& visit) const = 0;
  // Memory layout: calls `visit` with the before-image of each block in (height(), up_to],
  // lowest first: every key the block wrote, with its value before the block (nullopt:
  // absent), sorted by key. For the ledger's proofs at this height. Errors: as get();
  // kInvalidArgument for the LevelDB layout, or when up_to is past the store's head.
  virtual Status before_images(
      uint64_t up_to, const std::function<void(std::span<const EntryView>)>& visit) const = 0;

 protected:
  StoreSnapshot(uint64_t height, const Hash256& block_hash)
      : height_(height), block_hash_(block_hash) {}

 private:
  uint64_t height_;
  Hash256 block_hash_;
};

class StateDb final : public StateReader {
 public:
  // Creates a store only in an absent or empty directory (ledger/store/leveldb_open.h); every
  // read verifies LevelDB's checksums. Errors: kIoError (cannot open), kCorruption (damaged:
  // a checksum, the bookkeeping, or a directory that is not a store), kNotFound (absent and
  // not create_if_missing).
  static Result<std::unique_ptr<StateDb>> open(const std::string& path,
                                               const StateDbOptions& options = {});
  // The LevelDB options the store opens its database with, given its cache and filter (which
  // must outlive the database). Public so that a benchmark can time bare LevelDB work on
  // exactly the store's settings.
  static leveldb::Options leveldb_options(const StateDbOptions& options, leveldb::Cache* cache,
                                          const leveldb::FilterPolicy* filter);
  ~StateDb() override;

  std::optional<std::string> get(std::string_view key) const override;
  // Memory layout: how many keys the state holds (0 for the LevelDB layout).
  size_t keys_in_memory() const { return mem_.size(); }
  // Memory layout: visits every key held and its value, in no particular order (the views
  // are valid during the call). The visitor must not change the store.
  // LevelDB layout: visits nothing.
  template <typename Visit>
  void for_each_in_memory(Visit&& visit) const {
    mem_.for_each([&](const MemTable::Entry& e) { visit(e.key(), e.value()); });
  }
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override;
  // The first read error since the store opened or clear_read_error() (reads that fail
  // answer as if the key were absent, so a caller checks this before trusting them).
  Status status() const override;
  // Forgets the read error: for a caller that has given up everything it read since (a
  // block whose preparation failed) and reads afresh, so that a store that works again is
  // usable again.
  void clear_read_error() const { first_error_ = Status::ok(); }

  bool has_head() const { return has_head_; }
  uint64_t head_height() const { return head_height_; }
  const Hash256& head_hash() const { return head_hash_; }
  uint64_t final_height() const { return final_height_; }

  // Commits block `height` atomically. REQUIRES: height == head_height() + 1, or height == 0
  // (genesis) on an empty store. No key in `writes` may start with 0xFF.
  // `first_writes` (optional) lists every key of `writes` once (its overlay's first_writes()),
  // with the value the store holds now where the overlay knew it; the undo record takes those
  // from there instead of reading the store. REQUIRES: they are current.
  // `exempt_writes` (optional) are more writes, all of keys under undo_exempt_prefix (tree
  // pages), kept apart from `writes` by whoever built them: sorted by key, no key twice and
  // none in `writes`.
  Status commit_block(uint64_t height, const Hash256& block_hash, const WriteSet& writes,
                      const std::vector<FirstWrite>* first_writes = nullptr,
                      const WriteList* exempt_writes = nullptr);
  // The same for an overlay's writes as it keeps them (StateOverlay::take_writes()).
  Status commit_block(uint64_t height, const Hash256& block_hash, const WriteLog& writes,
                      const std::vector<FirstWrite>* first_writes = nullptr,
                      const WriteList* exempt_writes = nullptr);

  // Commits block `height` as already final: no undo record is written (it could never be
  // used), which makes bulk imports and the genesis block cheaper. Same REQUIRES as above.
  Status commit_final_block(uint64_t height, const Hash256& block_hash, const WriteSet& writes);
  Status commit_final_block(uint64_t height, const Hash256& block_hash, const WriteLog& writes);

  // The head block's undo data: each key it wrote (exempt keys aside) and its value before
  // (nullopt = absent). Errors: kInvalidArgument if the head is final.
  Result<WriteSet> head_undo() const;

  // Takes the head block out of the state, restoring every key it wrote, and applies
  // `rebuilt` (the owner's rebuilt exempt keys) in the same atomic write.
  // Errors: kInvalidArgument if the head is final (final blocks are never reverted) or a
  // rebuilt key is not under undo_exempt_prefix; nothing changes then.
  Status undo_head_block(const WriteSet& rebuilt = {});

  // Marks `height` final and deletes the undo records up to it.
  // REQUIRES: final_height() <= height <= head_height().
  Status set_final(uint64_t height);

  // The head state as an immutable snapshot for other threads (see StoreSnapshot).
  // Errors: kInvalidArgument when the store is empty.
  Result<std::shared_ptr<const StoreSnapshot>> snapshot() const;

  // The state as it was after block `height`, for final_height() <= height <= head_height(),
  // read through the undo records of the blocks above it. Valid until the next commit, undo or
  // set_final.
  Result<std::unique_ptr<HistoricalState>> view_at(uint64_t height) const;

  bool memory_state() const { return options_.memory_state; }
  // Memory layout: the last journal record written, and the last one the snapshot holds.
  uint64_t journal_seq() const { return journal_seq_; }
  uint64_t snapshot_seq() const { return snapshot_seq_; }
  // Memory layout: writes a snapshot now and adopts it, after waiting for one being written
  // in the background (commits take them on their own, see
  // StateDbOptions::snapshot_min_journal_bytes). For tests and for a clean shutdown.
  Status write_snapshot();
  // Memory layout: starts a snapshot in the background now, unless one is in progress or the
  // journal holds nothing since the last one. The state is frozen (the one pause of the
  // applying thread: a walk over the table's slots) and a writer thread writes it; the next
  // commit after it is written, await_snapshot() or write_snapshot() adopts it.
  // Errors: kInvalidArgument for the LevelDB layout.
  Status begin_snapshot();
  // Memory layout: waits for the snapshot in progress, if any, and adopts it. Errors: why it
  // could not be written or adopted (the journal then keeps every block).
  Status await_snapshot();
  // Memory layout: OK, or why the last snapshot a commit tried failed (the commit itself
  // stands: the journal keeps its blocks, and a later commit tries again).
  const Status& snapshot_status() const { return snapshot_status_; }
  // Memory layout: a snapshot is being written in the background, or written and waiting
  // for the next commit (or write_snapshot) to adopt it.
  bool snapshot_in_progress() const;
  // Memory layout: a background snapshot is written and waits to be adopted.
  bool snapshot_ready() const;

 private:
  class LevelDbSnapshot;
  class MemorySnapshot;
  struct HistoryNode;
  // Memory layout, under view_lock_ held exclusively: `node` (block head_height_, just
  // committed) follows the head's node.
  void link_head(std::shared_ptr<HistoryNode> node);
  StateDb(const StateDbOptions& options, std::unique_ptr<leveldb::Cache> cache,
          std::unique_ptr<const leveldb::FilterPolicy> filter, std::unique_ptr<leveldb::DB> db);
  Status load_meta();
  Result<v1::UndoRecord> read_undo(uint64_t height) const;
  // The meta record; the memory layout's snapshot fields are the store's current ones.
  std::string encode_meta(bool has_head, uint64_t head, const Hash256& hash, uint64_t final,
                          uint64_t journal_seq) const;
  void record_error(const leveldb::Status& s) const;
  bool cacheable(std::string_view key) const;
  // Cacheable keys a batch writes, with their new values (nullopt = deleted); applied to the
  // cache only once the batch is written.
  using CacheWrites = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;
  void update_cache(const CacheWrites& written);
  // Stages one write of a block's batch (a commit or an undo). LevelDB layout: into `batch`,
  // and into `written` if cacheable. Memory layout: into `written` (applied to memory once the
  // batch is written) and into the journal `record`.
  void stage_write(leveldb::WriteBatch& batch, EntryRecordWriter* record, CacheWrites& written,
                   std::string_view key, std::optional<std::string_view> value) const;
  // After a batch is written: the memory layout applies `written` to memory, the LevelDB
  // layout to its cache.
  void apply_written(const CacheWrites& written);
  // Writes: WriteSet or WriteLog (one entry per key either way).
  template <typename Writes>
  Status commit(uint64_t height, const Hash256& block_hash, const Writes& writes, bool final,
                const std::vector<FirstWrite>* first_writes, const WriteList* exempt_writes);
  // key.starts_with(prefix) for a non-empty prefix. The store's prefixes are one byte, and a
  // block asks this several times of each key it writes: the first byte decides without a
  // call to memcmp.
  static bool has_prefix(std::string_view key, std::string_view prefix) {
    if (key.empty() || key[0] != prefix[0]) return false;
    return prefix.size() == 1 || key.starts_with(prefix);
  }
  bool is_exempt(std::string_view key) const {
    return !options_.undo_exempt_prefix.empty() && has_prefix(key, options_.undo_exempt_prefix);
  }
  // The value of `key` in the store now, from memory or LevelDB. Returns whether present.
  Result<bool> stored(std::string_view key, std::string& out) const;
  // Memory layout:
  Status load_memory();  // the snapshot and the journal after it, at opening
  // Sets or deletes `key` in memory.
  void mem_put(std::string_view key, std::optional<std::string_view> value);
  // Whether a snapshot or a journal record may hold `key`: not the store's own 0xFF keys.
  static bool storable(std::string_view key);
  // Whether `key` is kept in ordered_ (not under one of the unordered prefixes).
  bool kept_in_order(std::string_view key) const;
  // A scan over keys some of which are not kept in order: collects and sorts them.
  void scan_sorting(std::string_view prefix, std::string_view start, size_t limit,
                    const ScanVisitor& visit) const;
  // Finishes and writes a block's batch (a commit or an undo): adds `record` (memory layout;
  // null for the LevelDB layout) as the next journal record and the meta of the new head;
  // on success the journal has advanced.
  Status write_block_batch(leveldb::WriteBatch& batch, const EntryRecordWriter* record,
                           uint64_t head, const Hash256& hash, uint64_t final,
                           std::string_view what);
  // After a commit: adopts a background snapshot that is done, and starts one when the
  // journal has grown enough (StateDbOptions::snapshot_min_journal_bytes).
  Status maybe_snapshot();
  struct SnapshotJob;
  // Freezes the state and starts a writer thread on it (memory layout, none in progress).
  void start_snapshot();
  void write_snapshot_chunks(SnapshotJob& job);  // the writer thread
  // Waits for the writer, thaws the state and, if the writer succeeded, makes the meta name
  // the snapshot and deletes the journal it holds and the previous snapshot.
  Status finish_snapshot();
  // Memory layout: the next journal record (numbered journal_seq() + 1), empty. LevelDB
  // layout: none.
  std::optional<EntryRecordWriter> new_journal_record(std::string buffer = {}) const;

  StateDbOptions options_;
  // LevelDB does not own its cache and filter policy; they must outlive db_ (declared after).
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  bool has_head_ = false;
  uint64_t head_height_ = 0;
  Hash256 head_hash_{};
  uint64_t final_height_ = 0;
  mutable Status first_error_;
  // Hashes std::string and std::string_view alike, so lookups by view build no string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  // See StateDbOptions::cached_prefix: always equal to what LevelDB holds.
  mutable std::unordered_map<std::string, std::optional<std::string>, KeyHash, std::equal_to<>>
      cache_values_;

  // Memory layout. mem_ holds every present key; ordered_ views its keys (entries do not
  // move) in order, for scan(), except those under the unordered prefixes.
  MemTable mem_;
  // Views of mem_'s keys in order (ledger/store/ordered_index.h), each behind its first 32
  // bytes as integers: index keys share long prefixes within a block (an expiry or
  // commitment-age entry: prefix and the block's time) or an owner (prefix and the owner's
  // 20 bytes).
  OrderedIndex ordered_;
  uint64_t journal_seq_ = 0;
  uint64_t snapshot_seq_ = 0;
  uint64_t snapshot_chunks_ = 0;
  uint64_t snapshot_bytes_ = 0;
  uint64_t journal_bytes_ = 0;  // since the snapshot, as far as this process knows
  // A block commit's batch and the buffers of its undo and journal records, kept between
  // commits (see commit()) while no larger than kKeptBufferBytes.
  static constexpr size_t kKeptBufferBytes = 64 << 20;
  leveldb::WriteBatch block_batch_;
  std::string undo_buffer_;
  std::string journal_buffer_;
  Status snapshot_status_;
  std::unique_ptr<SnapshotJob> snapshot_job_;  // a snapshot being written, if any

  // Memory layout: snapshots read mem_ and ordered_ holding this shared; every change to
  // them (a commit's or undo's writes, freeze and thaw) holds it exclusively, and so does
  // every change to the history nodes' links. The owning thread reads without it.
  mutable ViewLock view_lock_;
  // Memory layout: the head block's history node. Each node links to the next block's;
  // a snapshot holds its block's node, and so every later one (docs/state.md, "Read views").
  std::shared_ptr<HistoryNode> head_node_;
};

}  // namespace ans
