// The committed state in LevelDB.
//
// Each block commits in ONE atomic LevelDB write: its state writes, an undo record holding
// the previous value of every key it wrote, and the new head. So after a crash at any
// moment, reopening gives exactly the state after some committed block, never a mix.
// Blocks above the final height can be undone (fork switch) with their undo records;
// marking a height final deletes the undo records up to it.
//
// Keys starting with 0xFF are the store's own bookkeeping; state keys never start with it.
// One thread owns a StateDb; reads from other threads go through snapshots (later).
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ans/v1/state.pb.h"
#include "ledger/store/state_view.h"

namespace ans {

struct StateDbOptions {
  bool create_if_missing = true;
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
  std::string cached_prefix;
  size_t cached_key_max_bytes = 0;
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
  const WriteSet& restored() const { return overlay_.writes(); }
  StateOverlay& overlay() { return overlay_; }

 private:
  StateOverlay overlay_;
};

class StateDb final : public StateReader {
 public:
  // Errors: kIoError (cannot open), kCorruption (bookkeeping unreadable).
  static Result<std::unique_ptr<StateDb>> open(const std::string& path,
                                               const StateDbOptions& options = {});
  // The LevelDB options the store opens its database with, given its cache and filter (which
  // must outlive the database). Public so that a benchmark can time bare LevelDB work on
  // exactly the store's settings.
  static leveldb::Options leveldb_options(const StateDbOptions& options, leveldb::Cache* cache,
                                          const leveldb::FilterPolicy* filter);
  ~StateDb() override;

  std::optional<std::string> get(std::string_view key) const override;
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override;
  Status status() const override;

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

  // Commits block `height` as already final: no undo record is written (it could never be
  // used), which makes bulk imports and the genesis block cheaper. Same REQUIRES as above.
  Status commit_final_block(uint64_t height, const Hash256& block_hash, const WriteSet& writes);

  // The head block's undo data: each key it wrote (exempt keys aside) and its value before
  // (nullopt = absent). Errors: kInvalidArgument if the head is final.
  Result<WriteSet> head_undo() const;

  // Takes the head block out of the state, restoring every key it wrote, and applies
  // `rebuilt` (the owner's rebuilt exempt keys) in the same atomic write.
  // Errors: kInvalidArgument if the head is final (final blocks are never reverted).
  Status undo_head_block(const WriteSet& rebuilt = {});

  // Marks `height` final and deletes the undo records up to it.
  // REQUIRES: final_height() <= height <= head_height().
  Status set_final(uint64_t height);

  // The state as it was after block `height`, for final_height() <= height <= head_height(),
  // read through the undo records of the blocks above it. Valid until the next commit, undo or
  // set_final.
  Result<std::unique_ptr<HistoricalState>> view_at(uint64_t height) const;

 private:
  StateDb(const StateDbOptions& options, std::unique_ptr<leveldb::Cache> cache,
          std::unique_ptr<const leveldb::FilterPolicy> filter, std::unique_ptr<leveldb::DB> db);
  Status load_meta();
  Result<v1::UndoRecord> read_undo(uint64_t height) const;
  std::string encode_meta(bool has_head, uint64_t head, const Hash256& hash, uint64_t final) const;
  void record_error(const leveldb::Status& s) const;
  bool cacheable(std::string_view key) const;
  // Cacheable keys a batch writes, with their new values (nullopt = deleted); applied to the
  // cache only once the batch is written.
  using CacheWrites = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;
  void update_cache(const CacheWrites& written);
  Status commit(uint64_t height, const Hash256& block_hash, const WriteSet& writes, bool final,
                const std::vector<FirstWrite>* first_writes, const WriteList* exempt_writes);

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
};

}  // namespace ans
