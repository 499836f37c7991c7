#include "ledger/store/state_db.h"

#include <leveldb/write_batch.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>

#include "ans/v1/state.pb.h"
#include "ledger/store/leveldb_open.h"
#include "ledger/store/record_writer.h"
#include "ledger/util/bytes.h"

namespace ans {
namespace {

constexpr std::string_view kMetaKey = "\xff" "meta";
constexpr std::string_view kUndoPrefix = "\xff" "undo";
constexpr std::string_view kJournalPrefix = "\xff" "jrnl";
constexpr std::string_view kSnapshotPrefix = "\xff" "snap";
// A snapshot is split into values of about this size.
constexpr size_t kSnapshotChunkBytes = size_t{1} << 20;
// The nice value of the thread that writes a snapshot in the background.
constexpr int kSnapshotWriterNice = 10;

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string undo_key(uint64_t height) { return std::string(kUndoPrefix) + be64(height); }
std::string journal_key(uint64_t seq) { return std::string(kJournalPrefix) + be64(seq); }
std::string snapshot_prefix(uint64_t seq) { return std::string(kSnapshotPrefix) + be64(seq); }
std::string snapshot_key(uint64_t seq, uint64_t chunk) { return snapshot_prefix(seq) + be64(chunk); }

// JournalRecord.writes and UndoRecord.entries (proto/ans/v1/state.proto).
constexpr uint32_t kJournalWritesField = 2;
constexpr uint32_t kUndoEntriesField = 3;

Status from_leveldb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  Errc code = s.IsCorruption() ? Errc::kCorruption : Errc::kIoError;
  return Status(code, std::string(what) + ": " + s.ToString());
}

leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

// A snapshot being written in the background: the entries of the frozen table, and what
// the writer thread reports back.
struct StateDb::SnapshotJob {
  uint64_t seq = 0;            // the journal record the snapshot goes up to
  uint64_t journal_bytes = 0;  // journal bytes it makes redundant
  std::vector<const MemTable::Entry*> entries;
  std::thread writer;
  std::atomic<bool> done{false};
  std::atomic<bool> stop{false};
  // Written by the writer before `done`; read after it.
  Status status;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
};

// Memory layout: one committed block in the history that snapshots read through.
struct StateDb::HistoryNode {
  uint64_t height = 0;
  Hash256 hash{};
  // The block's undo record (UndoRecord) as written; none for a block committed as final
  // (no undo record) or a node made at opening or after an undo.
  std::optional<std::string> undo_bytes;
  std::weak_ptr<HistoryNode> prev;    // the owning thread only
  std::shared_ptr<HistoryNode> next;  // guarded by view_lock_
  bool undone = false;                // guarded by view_lock_

  // The undo record parsed, its entries sorted by key: made once, by the first reader.
  Result<std::span<const EntryView>> before() const {
    std::call_once(parsed_once_, [this] {
      if (!undo_bytes) {
        parse_status_ = Status(Errc::kNotFound, "the state before block " + std::to_string(height) +
                                                    " is no longer kept");
        return;
      }
      if (!record_.ParseFromString(*undo_bytes) || record_.height() != height) {
        parse_status_ = Status(Errc::kCorruption, "undo record of block " +
                                                      std::to_string(height) + " is unreadable");
        return;
      }
      sorted_.reserve(static_cast<size_t>(record_.entries_size()));
      for (const v1::UndoEntry& e : record_.entries()) {
        sorted_.push_back(EntryView{e.key(), e.existed() ? std::optional<std::string_view>(e.value())
                                                         : std::nullopt});
      }
      std::sort(sorted_.begin(), sorted_.end(),
                [](const EntryView& a, const EntryView& b) { return a.first < b.first; });
    });
    if (!parse_status_) return parse_status_;
    return std::span<const EntryView>(sorted_);
  }

 private:
  mutable std::once_flag parsed_once_;
  mutable Status parse_status_;
  mutable v1::UndoRecord record_;
  mutable std::vector<EntryView> sorted_;
};

namespace {

Status not_on_chain(uint64_t height) {
  return Status(Errc::kNotFound, "the view of block " + std::to_string(height) +
                                     " is no longer on the chain (undone); take the new head");
}

// The entry for `key` in a sorted before-image, or nullptr.
const EntryView* find_before(std::span<const EntryView> sorted, std::string_view key) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                             [](const EntryView& e, std::string_view k) { return e.first < k; });
  return it != sorted.end() && it->first == key ? &*it : nullptr;
}

}  // namespace

class StateDb::LevelDbSnapshot final : public StoreSnapshot {
 public:
  explicit LevelDbSnapshot(const StateDb& db)
      : StoreSnapshot(db.head_height_, db.head_hash_), db_(*db.db_), snapshot_(db_.GetSnapshot()) {}
  ~LevelDbSnapshot() override { db_.ReleaseSnapshot(snapshot_); }

  Result<std::optional<std::string>> get(std::string_view key) const override {
    std::string value;
    leveldb::Status s = db_.Get(options(), slice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    ANS_RETURN_IF_ERROR(from_leveldb(s, "state read (view)"));
    return std::optional<std::string>(std::move(value));
  }

  Status scan(std::string_view prefix, std::string_view start, size_t limit,
              const ScanVisitor& visit) const override {
    std::unique_ptr<leveldb::Iterator> it(db_.NewIterator(options()));
    size_t n = 0;
    for (it->Seek(slice(start.empty() ? prefix : start)); it->Valid() && n < limit; it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (key.substr(0, prefix.size()) != prefix) break;
      ++n;
      if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
    }
    return from_leveldb(it->status(), "state scan (view)");
  }

  Status before_images(uint64_t,
                       const std::function<void(std::span<const EntryView>)>&) const override {
    return Status(Errc::kInvalidArgument, "the LevelDB layout keeps no before-images");
  }

 private:
  leveldb::ReadOptions options() const {
    leveldb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.verify_checksums = true;
    return ro;
  }

  leveldb::DB& db_;
  const leveldb::Snapshot* snapshot_;
};

class StateDb::MemorySnapshot final : public StoreSnapshot {
 public:
  MemorySnapshot(const StateDb& db, std::shared_ptr<const HistoryNode> node)
      : StoreSnapshot(node->height, node->hash), db_(db), node_(std::move(node)) {}

  Result<std::optional<std::string>> get(std::string_view key) const override {
    ViewLock::Shared lock(db_.view_lock_);
    if (node_->undone) return not_on_chain(height());
    // The first block above this one that wrote the key holds its value here.
    for (const HistoryNode* n = node_->next.get(); n != nullptr; n = n->next.get()) {
      auto before = n->before();
      if (!before) return before.status();
      if (const EntryView* e = find_before(*before, key)) return to_owned(e->second);
    }
    const MemTable::Entry* e = db_.mem_.find(key);
    if (e == nullptr) return std::optional<std::string>();
    return std::optional<std::string>(std::string(e->value()));
  }

  Status scan(std::string_view prefix, std::string_view start, size_t limit,
              const ScanVisitor& visit) const override {
    if (limit == 0) return Status::ok();
    // Collected under the lock, visited after it.
    std::vector<std::pair<std::string, std::string>> found;
    {
      ViewLock::Shared lock(db_.view_lock_);
      if (node_->undone) return not_on_chain(height());
      const std::string_view from = start.empty() ? prefix : start;
      // The keys in range that blocks above this one wrote, with their values here: the
      // lowest block's before-image wins.
      std::map<std::string_view, std::optional<std::string_view>> here;
      for (const HistoryNode* n = node_->next.get(); n != nullptr; n = n->next.get()) {
        auto before = n->before();
        if (!before) return before.status();
        auto it = std::lower_bound(before->begin(), before->end(), from,
                                   [](const EntryView& e, std::string_view k) { return e.first < k; });
        for (; it != before->end() && it->first.starts_with(prefix); ++it) {
          here.emplace(it->first, it->second);
        }
      }
      auto over = here.begin();
      bool more = true;
      auto emit = [&](std::string_view k, std::string_view v) {
        found.emplace_back(k, v);
        more = found.size() < limit;
        return more;
      };
      // Emits the overriding entries before `key` (all of them when null).
      auto emit_overrides_before = [&](const std::string_view* key) {
        for (; more && over != here.end() && (key == nullptr || over->first < *key); ++over) {
          if (over->second) emit(over->first, *over->second);
        }
      };
      db_.scan(prefix, start, std::numeric_limits<size_t>::max(),
               [&](std::string_view k, std::string_view v) {
                 emit_overrides_before(&k);
                 if (!more) return false;
                 if (over != here.end() && over->first == k) {
                   const std::optional<std::string_view> then = over->second;
                   ++over;
                   return then ? emit(k, *then) : true;
                 }
                 return emit(k, v);
               });
      emit_overrides_before(nullptr);
    }
    for (const auto& [k, v] : found) {
      if (!visit(k, v)) break;
    }
    return Status::ok();
  }

  Status before_images(
      uint64_t up_to, const std::function<void(std::span<const EntryView>)>& visit) const override {
    ViewLock::Shared lock(db_.view_lock_);
    if (node_->undone) return not_on_chain(height());
    uint64_t reached = height();
    for (const HistoryNode* n = node_->next.get(); n != nullptr && n->height <= up_to;
         n = n->next.get()) {
      auto before = n->before();
      if (!before) return before.status();
      visit(*before);
      reached = n->height;
    }
    if (reached != up_to) {
      return Status(Errc::kInvalidArgument, "no history from block " + std::to_string(height()) +
                                                " up to block " + std::to_string(up_to));
    }
    return Status::ok();
  }

 private:
  const StateDb& db_;
  std::shared_ptr<const HistoryNode> node_;
};

Result<std::shared_ptr<const StoreSnapshot>> StateDb::snapshot() const {
  if (!has_head_) return Status(Errc::kInvalidArgument, "the store is empty");
  if (!options_.memory_state) {
    return std::shared_ptr<const StoreSnapshot>(std::make_shared<LevelDbSnapshot>(*this));
  }
  return std::shared_ptr<const StoreSnapshot>(std::make_shared<MemorySnapshot>(*this, head_node_));
}

void StateDb::link_head(std::shared_ptr<HistoryNode> node) {
  if (head_node_) {
    node->prev = head_node_;
    head_node_->next = node;
  }
  head_node_ = std::move(node);
}

StateDb::StateDb(const StateDbOptions& options, std::unique_ptr<leveldb::Cache> cache,
                 std::unique_ptr<const leveldb::FilterPolicy> filter,
                 std::unique_ptr<leveldb::DB> db)
    : options_(options), cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)) {}

StateDb::~StateDb() {
  if (snapshot_job_) {
    // The chunks it wrote are named by nothing; the next opening deletes them.
    snapshot_job_->stop.store(true, std::memory_order_relaxed);
    snapshot_job_->writer.join();
  }
}

leveldb::Options StateDb::leveldb_options(const StateDbOptions& options, leveldb::Cache* cache,
                                          const leveldb::FilterPolicy* filter) {
  leveldb::Options lo;
  lo.create_if_missing = options.create_if_missing;
  lo.paranoid_checks = true;
  lo.block_cache = cache;
  lo.filter_policy = filter;
  lo.write_buffer_size = options.write_buffer_bytes;
  lo.compression = options.compression ? leveldb::kSnappyCompression : leveldb::kNoCompression;
  lo.max_open_files = 500;
  if (options.env != nullptr) lo.env = options.env;
  return lo;
}

Result<std::unique_ptr<StateDb>> StateDb::open(const std::string& path,
                                               const StateDbOptions& options) {
  if (options.memory_state && !options.undo_exempt_prefix.empty()) {
    return Status(Errc::kInvalidArgument,
                  "the memory layout keeps no undo-exempt keys: every key is journaled");
  }
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options lo = leveldb_options(options, cache.get(), filter.get());
  auto db = open_leveldb_store(lo, path, options.create_if_missing, "state store");
  if (!db) return db.status();
  std::unique_ptr<StateDb> out(
      new StateDb(options, std::move(cache), std::move(filter), std::move(db).value()));
  ANS_RETURN_IF_ERROR(out->load_meta());
  if (!out->has_head_) {
    // No block committed: the database must be empty, or it is not a state store (another
    // program's, or one whose metadata is lost) and the genesis must not be written into it.
    std::unique_ptr<leveldb::Iterator> it(out->db_->NewIterator(verified_reads()));
    it->SeekToFirst();
    ANS_RETURN_IF_ERROR(from_leveldb(it->status(), "reading the state store at " + path));
    if (it->Valid()) {
      return Status(Errc::kCorruption, "the state store at " + path +
                                           " is damaged or not an ANS store: it holds keys but "
                                           "no store metadata");
    }
  }
  if (options.memory_state) {
    ANS_RETURN_IF_ERROR(out->load_memory());
    if (out->has_head_) {
      out->head_node_ = std::make_shared<HistoryNode>();
      out->head_node_->height = out->head_height_;
      out->head_node_->hash = out->head_hash_;
    }
  }
  return out;
}

Status StateDb::load_meta() {
  std::string raw;
  leveldb::Status s = db_->Get(verified_reads(), slice(kMetaKey), &raw);
  if (s.IsNotFound()) return Status::ok();
  ANS_RETURN_IF_ERROR(from_leveldb(s, "reading store metadata"));
  v1::StoreMeta meta;
  if (!meta.ParseFromString(raw) || (meta.has_head() && meta.head_hash().size() != 32)) {
    return Status(Errc::kCorruption, "store metadata is unreadable");
  }
  if (meta.memory_layout() != options_.memory_state) {
    return Status(Errc::kInvalidArgument,
                  std::string("the state store was created with the ") +
                      (meta.memory_layout() ? "memory" : "LevelDB") +
                      " layout and cannot be opened with the other one");
  }
  has_head_ = meta.has_head();
  head_height_ = meta.head_height();
  final_height_ = meta.final_height();
  if (has_head_) std::copy(meta.head_hash().begin(), meta.head_hash().end(), head_hash_.begin());
  journal_seq_ = meta.journal_seq();
  snapshot_seq_ = meta.snapshot_seq();
  snapshot_chunks_ = meta.snapshot_chunks();
  snapshot_bytes_ = meta.snapshot_bytes();
  if (snapshot_seq_ > journal_seq_ || (snapshot_seq_ == 0) != (snapshot_chunks_ == 0)) {
    return Status(Errc::kCorruption, "store metadata is inconsistent (journal and snapshot)");
  }
  return Status::ok();
}

Status StateDb::load_memory() {
  // Snapshot chunks of another sequence number are left over from a snapshot that a crash
  // interrupted before its meta was written, and chunks past the count the meta gives from
  // a failed attempt at the same one: nothing refers to them.
  {
    leveldb::WriteBatch orphans;
    size_t n_orphans = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(verified_reads()));
    const std::string keep = snapshot_seq_ ? snapshot_prefix(snapshot_seq_) : std::string();
    auto named = [&](const leveldb::Slice& key) {
      if (keep.empty() || !key.starts_with(slice(keep)) || key.size() != keep.size() + 8) return false;
      uint64_t chunk = 0;
      for (size_t i = keep.size(); i < key.size(); ++i) chunk = (chunk << 8) | static_cast<uint8_t>(key[i]);
      return chunk < snapshot_chunks_;
    };
    for (it->Seek(slice(kSnapshotPrefix)); it->Valid() && it->key().starts_with(slice(kSnapshotPrefix));
         it->Next()) {
      if (!named(it->key())) {
        orphans.Delete(it->key());
        ++n_orphans;
      }
    }
    ANS_RETURN_IF_ERROR(from_leveldb(it->status(), "listing snapshots"));
    if (n_orphans > 0) {
      ANS_RETURN_IF_ERROR(from_leveldb(db_->Write(leveldb::WriteOptions(), &orphans),
                                       "deleting an interrupted snapshot"));
    }
  }
  // Reads and parses the record at `key`; returns its size.
  auto read_record = [&](const std::string& key, uint64_t seq, std::string_view what,
                         v1::JournalRecord& record) -> Result<size_t> {
    std::string raw;
    leveldb::Status s = db_->Get(verified_reads(), slice(key), &raw);
    if (s.IsNotFound()) {
      return Status(Errc::kCorruption, std::string(what) + " " + std::to_string(seq) + " is missing");
    }
    ANS_RETURN_IF_ERROR(from_leveldb(s, "reading " + std::string(what)));
    if (!record.ParseFromString(raw) || record.seq() != seq) {
      return Status(Errc::kCorruption, std::string(what) + " " + std::to_string(seq) + " is unreadable");
    }
    return raw.size();
  };
  v1::JournalRecord record;
  std::vector<std::string_view> in_order;
  for (uint64_t chunk = 0; chunk < snapshot_chunks_; ++chunk) {
    auto read = read_record(snapshot_key(snapshot_seq_, chunk), snapshot_seq_,
                            "snapshot chunk of", record);
    if (!read) return read.status();
    for (const v1::StateWrite& w : record.writes()) {
      if (!storable(w.key()) || !w.present()) {
        return Status(Errc::kCorruption, "snapshot chunk " + std::to_string(chunk) +
                                             " holds an entry a snapshot cannot hold");
      }
      const MemTable::Put put = mem_.put(w.key(), w.value());
      if (!put.added) {
        MemTable::release(put.replaced);  // nothing views it
        return Status(Errc::kCorruption, "the snapshot holds a key twice");
      }
      if (kept_in_order(put.entry->key())) in_order.push_back(put.entry->key());
    }
  }
  std::sort(in_order.begin(), in_order.end());
  for (std::string_view key : in_order) ordered_.insert(key);
  for (uint64_t seq = snapshot_seq_ + 1; seq <= journal_seq_; ++seq) {
    auto read = read_record(journal_key(seq), seq, "journal record", record);
    if (!read) return read.status();
    journal_bytes_ += *read;
    for (const v1::StateWrite& w : record.writes()) {
      if (!storable(w.key())) {
        return Status(Errc::kCorruption, "journal record " + std::to_string(seq) +
                                             " writes a key the journal cannot hold");
      }
    }
    for (const v1::StateWrite& w : record.writes()) {
      std::optional<std::string_view> value;
      if (w.present()) value = w.value();
      mem_put(w.key(), value);
    }
  }
  return Status::ok();
}

bool StateDb::storable(std::string_view key) {
  return key.empty() || static_cast<uint8_t>(key[0]) != 0xff;  // 0xFF: bookkeeping
}

bool StateDb::kept_in_order(std::string_view key) const {
  for (const std::string& prefix : options_.unordered_prefixes) {
    if (prefix.empty() || has_prefix(key, prefix)) return false;
  }
  return true;
}

void StateDb::mem_put(std::string_view key, std::optional<std::string_view> value) {
  if (!value) {
    // The ordered set views the entry's key: out of it before the entry goes.
    if (kept_in_order(key)) ordered_.erase(key);
    mem_.erase(key);
    return;
  }
  const MemTable::Put put = mem_.put(key, *value);
  if ((put.added || put.moved) && kept_in_order(key)) {
    // A key moved to a new entry: the ordered set views the new one's key instead, before
    // the old entry goes (now, or if frozen for a snapshot, when that is done).
    if (put.moved) ordered_.erase(key);
    ordered_.insert(put.entry->key());
  }
  MemTable::release(put.replaced);
}

void StateDb::scan_sorting(std::string_view prefix, std::string_view start, size_t limit,
                           const ScanVisitor& visit) const {
  const std::string_view from = start.empty() ? prefix : start;
  std::vector<const MemTable::Entry*> matching;
  mem_.for_each([&](const MemTable::Entry& e) {
    if (e.key().starts_with(prefix) && e.key() >= from) matching.push_back(&e);
  });
  std::sort(matching.begin(), matching.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  for (size_t i = 0; i < matching.size() && i < limit; ++i) {
    if (!visit(matching[i]->key(), matching[i]->value())) break;
  }
}

std::optional<EntryRecordWriter> StateDb::new_journal_record(std::string buffer) const {
  if (!options_.memory_state) return std::nullopt;
  return EntryRecordWriter(journal_seq_ + 1, kJournalWritesField, std::move(buffer));
}

Status StateDb::write_block_batch(leveldb::WriteBatch& batch, const EntryRecordWriter* record,
                                  uint64_t head, const Hash256& hash, uint64_t final,
                                  std::string_view what) {
  const uint64_t seq = record ? journal_seq_ + 1 : journal_seq_;
  size_t journaled = 0;
  if (record) {
    batch.Put(slice(journal_key(seq)), slice(record->bytes()));
    journaled = record->bytes().size();
  }
  batch.Put(slice(kMetaKey), encode_meta(true, head, hash, final, seq));
  leveldb::WriteOptions wo;
  wo.sync = options_.sync;
  ANS_RETURN_IF_ERROR(from_leveldb(db_->Write(wo, &batch), what));
  journal_seq_ = seq;
  journal_bytes_ += journaled;
  return Status::ok();
}

void StateDb::start_snapshot() {
  auto job = std::make_unique<SnapshotJob>();
  job->seq = journal_seq_;
  job->journal_bytes = journal_bytes_;
  {
    ViewLock::Exclusive lock(view_lock_);
    job->entries = mem_.freeze();
  }
  SnapshotJob* raw = job.get();
  job->writer = std::thread([this, raw] { write_snapshot_chunks(*raw); });
  snapshot_job_ = std::move(job);
}

// On the writer thread: reads only the frozen entries and writes only the job's own keys.
void StateDb::write_snapshot_chunks(SnapshotJob& job) {
  // Below block application and the signature checks: a snapshot can wait, a block cannot.
  // (Linux: a thread's nice value is its own.) Best effort; it only slows the writer.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kSnapshotWriterNice);
  if (options_.snapshot_writer_hook) options_.snapshot_writer_hook();
  // Each chunk is a JournalRecord numbered with the snapshot's sequence number, written in a
  // batch of its own: until the meta names them (finish_snapshot), a crash leaves them
  // orphaned (deleted at the next opening), never half-adopted.
  EntryRecordWriter chunk(job.seq, kJournalWritesField);
  auto flush = [&]() -> Status {
    job.bytes += chunk.bytes().size();
    leveldb::WriteBatch batch;
    batch.Put(slice(snapshot_key(job.seq, job.chunks++)), slice(chunk.bytes()));
    chunk = EntryRecordWriter(job.seq, kJournalWritesField);
    return from_leveldb(db_->Write(leveldb::WriteOptions(), &batch), "writing a snapshot");
  };
  Status st;
  for (const MemTable::Entry* e : job.entries) {
    chunk.add(e->key(), e->value());
    if (chunk.bytes().size() < kSnapshotChunkBytes) continue;
    if (job.stop.load(std::memory_order_relaxed)) {
      st = Status(Errc::kIoError, "snapshot abandoned: the store is closing");
      break;
    }
    if (st = flush(); !st) break;
  }
  if (st && (chunk.entries() > 0 || job.chunks == 0)) st = flush();
  job.status = std::move(st);
  job.done.store(true, std::memory_order_release);
}

Status StateDb::finish_snapshot() {
  std::unique_ptr<SnapshotJob> job = std::move(snapshot_job_);
  job->writer.join();
  job->entries = {};
  {
    ViewLock::Exclusive lock(view_lock_);
    mem_.thaw();
  }
  if (!job->status) {
    // Best effort: the chunks written are named by nothing; the next opening deletes what
    // is left of them.
    leveldb::WriteBatch batch;
    for (uint64_t c = 0; c < job->chunks; ++c) batch.Delete(slice(snapshot_key(job->seq, c)));
    (void)db_->Write(leveldb::WriteOptions(), &batch);
    return job->status;
  }
  // Atomically: the meta names the new snapshot, and the journal it holds and the old
  // snapshot go. The journal after job->seq (blocks committed while it was written) stays.
  leveldb::WriteBatch batch;
  for (uint64_t s = snapshot_seq_ + 1; s <= job->seq; ++s) batch.Delete(slice(journal_key(s)));
  for (uint64_t c = 0; c < snapshot_chunks_; ++c) batch.Delete(slice(snapshot_key(snapshot_seq_, c)));
  const uint64_t old_seq = snapshot_seq_, old_chunks = snapshot_chunks_, old_bytes = snapshot_bytes_;
  snapshot_seq_ = job->seq;
  snapshot_chunks_ = job->chunks;
  snapshot_bytes_ = job->bytes;
  batch.Put(slice(kMetaKey), encode_meta(true, head_height_, head_hash_, final_height_, journal_seq_));
  leveldb::WriteOptions wo;
  wo.sync = options_.sync;
  Status written = from_leveldb(db_->Write(wo, &batch), "adopting a snapshot");
  if (!written) {
    snapshot_seq_ = old_seq;
    snapshot_chunks_ = old_chunks;
    snapshot_bytes_ = old_bytes;
    return written;
  }
  journal_bytes_ -= std::min(journal_bytes_, job->journal_bytes);
  return Status::ok();
}

Status StateDb::write_snapshot() {
  if (!options_.memory_state) return Status(Errc::kInvalidArgument, "only the memory layout has snapshots");
  ANS_RETURN_IF_ERROR(await_snapshot());
  ANS_RETURN_IF_ERROR(begin_snapshot());
  return await_snapshot();
}

Status StateDb::await_snapshot() {
  if (!snapshot_job_) return Status::ok();
  return finish_snapshot();
}

Status StateDb::maybe_snapshot() {
  if (!options_.memory_state) return Status::ok();
  if (snapshot_job_) {
    if (!snapshot_job_->done.load(std::memory_order_acquire)) return Status::ok();
    ANS_RETURN_IF_ERROR(finish_snapshot());
  }
  if (journal_bytes_ < std::max<uint64_t>(options_.snapshot_min_journal_bytes, snapshot_bytes_)) {
    return Status::ok();
  }
  if (!options_.background_snapshots) return write_snapshot();
  return begin_snapshot();
}

Status StateDb::begin_snapshot() {
  if (!options_.memory_state) return Status(Errc::kInvalidArgument, "only the memory layout has snapshots");
  if (snapshot_job_ || !has_head_ || journal_seq_ == snapshot_seq_) return Status::ok();
  start_snapshot();
  return Status::ok();
}

bool StateDb::snapshot_in_progress() const { return snapshot_job_ != nullptr; }

bool StateDb::snapshot_ready() const {
  return snapshot_job_ != nullptr && snapshot_job_->done.load(std::memory_order_acquire);
}

std::string StateDb::encode_meta(bool has_head, uint64_t head, const Hash256& hash,
                                 uint64_t final, uint64_t journal_seq) const {
  v1::StoreMeta meta;
  meta.set_has_head(has_head);
  meta.set_head_height(head);
  if (has_head) meta.set_head_hash(std::string(hash.begin(), hash.end()));
  meta.set_final_height(final);
  if (options_.memory_state) {
    meta.set_memory_layout(true);
    meta.set_journal_seq(journal_seq);
    meta.set_snapshot_seq(snapshot_seq_);
    meta.set_snapshot_chunks(snapshot_chunks_);
    meta.set_snapshot_bytes(snapshot_bytes_);
  }
  return meta.SerializeAsString();
}

void StateDb::record_error(const leveldb::Status& s) const {
  if (first_error_.is_ok()) first_error_ = from_leveldb(s, "state read");
}

bool StateDb::cacheable(std::string_view key) const {
  return !options_.cached_prefix.empty() && key.size() <= options_.cached_key_max_bytes &&
         has_prefix(key, options_.cached_prefix);
}

void StateDb::update_cache(const CacheWrites& written) {
  for (const auto& [key, value] : written) {
    auto it = cache_values_.find(key);
    if (it == cache_values_.end()) it = cache_values_.emplace(std::string(key), std::nullopt).first;
    std::optional<std::string>& slot = it->second;
    if (!value) {
      slot.reset();
    } else if (slot) {
      slot->assign(value->data(), value->size());  // reuses the buffer: nodes keep their size
    } else {
      slot.emplace(*value);
    }
  }
}

std::optional<std::string> StateDb::get(std::string_view key) const {
  if (options_.memory_state) {
    const MemTable::Entry* e = mem_.find(key);
    if (e == nullptr) return std::nullopt;
    return std::string(e->value());
  }
  const bool cached = cacheable(key);
  if (cached) {
    if (auto it = cache_values_.find(key); it != cache_values_.end()) return it->second;
  }
  std::string value;
  leveldb::Status s = db_->Get(verified_reads(), slice(key), &value);
  if (s.ok()) {
    if (cached) cache_values_.emplace(std::string(key), value);
    return value;
  }
  if (!s.IsNotFound()) {
    record_error(s);
  } else if (cached) {
    cache_values_.emplace(std::string(key), std::nullopt);
  }
  return std::nullopt;
}

void StateDb::scan(std::string_view prefix, std::string_view start, size_t limit,
                   const ScanVisitor& visit) const {
  if (options_.memory_state) {
    for (const std::string& unordered : options_.unordered_prefixes) {
      if (unordered.starts_with(prefix) || prefix.starts_with(unordered)) {
        return scan_sorting(prefix, start, limit, visit);
      }
    }
    size_t n = 0;
    for (auto it = ordered_.lower_bound(start.empty() ? prefix : start);
         it.valid() && n < limit && it.key().starts_with(prefix); it.next()) {
      ++n;
      if (!visit(it.key(), mem_.find(it.key())->value())) break;
    }
    return;
  }
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(verified_reads()));
  size_t n = 0;
  for (it->Seek(slice(start.empty() ? prefix : start)); it->Valid() && n < limit; it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;
    ++n;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  if (!it->status().ok()) record_error(it->status());
}

Status StateDb::status() const { return first_error_; }

namespace {

// A write's value as a view, whichever way the writes hold it.
std::optional<std::string_view> value_view(const std::optional<std::string>& value) {
  return to_view(value);
}
std::optional<std::string_view> value_view(std::optional<std::string_view> value) { return value; }

}  // namespace

Status StateDb::commit_block(uint64_t height, const Hash256& block_hash, const WriteSet& writes,
                             const std::vector<FirstWrite>* first_writes,
                             const WriteList* exempt_writes) {
  return commit(height, block_hash, writes, /*final=*/false, first_writes, exempt_writes);
}

Status StateDb::commit_block(uint64_t height, const Hash256& block_hash, const WriteLog& writes,
                             const std::vector<FirstWrite>* first_writes,
                             const WriteList* exempt_writes) {
  return commit(height, block_hash, writes, /*final=*/false, first_writes, exempt_writes);
}

Status StateDb::commit_final_block(uint64_t height, const Hash256& block_hash,
                                   const WriteSet& writes) {
  return commit(height, block_hash, writes, /*final=*/true, nullptr, nullptr);
}

Status StateDb::commit_final_block(uint64_t height, const Hash256& block_hash,
                                   const WriteLog& writes) {
  return commit(height, block_hash, writes, /*final=*/true, nullptr, nullptr);
}

template <typename Writes>
Status StateDb::commit(uint64_t height, const Hash256& block_hash, const Writes& writes,
                       bool final, const std::vector<FirstWrite>* first_writes, const WriteList* exempt_writes) {
  if (has_head_ ? height != head_height_ + 1 : height != 0) {
    return Status(Errc::kInvalidArgument,
                  "block " + std::to_string(height) + " does not extend the head (" +
                      (has_head_ ? std::to_string(head_height_) : std::string("empty")) + ")");
  }
  // The undo record (UndoRecord), encoded as it is built. It, the journal record and the batch
  // reuse the last block's buffers: megabytes each, which grown afresh every block cost
  // copies on every doubling and page faults on the new memory.
  EntryRecordWriter undo(height, kUndoEntriesField, std::move(undo_buffer_));
  if (has_head_) {
    undo.set_field2(std::string_view(reinterpret_cast<const char*>(head_hash_.data()), head_hash_.size()));
  }
  if (exempt_writes) {
    if (options_.undo_exempt_prefix.empty()) {
      return Status(Errc::kInvalidArgument, "this store has no undo-exempt keys");
    }
    for (size_t i = 0; i < exempt_writes->size(); ++i) {
      const std::string_view key = (*exempt_writes)[i].first;
      if (!is_exempt(key) || (i > 0 && !((*exempt_writes)[i - 1].first < key))) {
        return Status(Errc::kInvalidArgument,
                      "exempt writes must be sorted, unique and under the exempt prefix");
      }
    }
  }
  // Records the value `key` has in the store now: `known` when given, else read.
  std::string read_value;
  auto add_undo = [&](std::string_view key, const std::optional<std::string_view>* known) -> Status {
    if (known != nullptr) {
      undo.add(key, *known);
      return Status::ok();
    }
    auto existed = stored(key, read_value);
    if (!existed) return existed.status();
    undo.add(key, *existed ? std::optional<std::string_view>(read_value) : std::nullopt);
    return Status::ok();
  };
  const bool memory = options_.memory_state;
  if (block_batch_.ApproximateSize() > kKeptBufferBytes) block_batch_ = leveldb::WriteBatch();
  leveldb::WriteBatch& batch = block_batch_;
  batch.Clear();
  // LevelDB layout: the cached keys written. Memory layout: every key written, applied to
  // memory once the batch (with the journal record of the non-exempt ones) is written.
  CacheWrites mem_writes;
  std::optional<EntryRecordWriter> record = new_journal_record(std::move(journal_buffer_));
  auto put = [&](std::string_view key, std::optional<std::string_view> value) {
    stage_write(batch, record ? &*record : nullptr, mem_writes, key, value);
  };
  // The two lists must be apart: an exempt key among the writes must not be an exempt write.
  auto among_exempt_writes = [&](std::string_view key) {
    if (!exempt_writes || !is_exempt(key)) return false;
    auto it = std::lower_bound(exempt_writes->begin(), exempt_writes->end(), key,
                               [](const auto& w, std::string_view k) { return w.first < k; });
    return it != exempt_writes->end() && it->first == key;
  };
  // The LevelDB layout's batch goes into LevelDB's memtable, which takes keys in order much
  // faster than in any order: its keys are sorted (a WriteSet is already). The memory layout
  // takes the writes as they come: they go into a hash table and one journal record.
  std::vector<const typename Writes::value_type*> order;
  order.reserve(writes.size());
  for (const auto& entry : writes) order.push_back(&entry);
  if (!memory && !std::is_same_v<Writes, WriteSet>) {
    std::sort(order.begin(), order.end(),
              [](const auto* x, const auto* y) { return x->first < y->first; });
  }
  for (const typename Writes::value_type* entry : order) {
    const auto& [key, value] = *entry;
    if (!key.empty() && static_cast<uint8_t>(key[0]) == 0xff) {
      return Status(Errc::kInvalidArgument, "state keys may not start with 0xFF");
    }
    if (among_exempt_writes(key)) {
      return Status(Errc::kInvalidArgument, "key " + to_hex(as_bytes(key)) +
                                                " is both an exempt write and a write of the block");
    }
    if (!final && !first_writes && !is_exempt(key)) {
      ANS_RETURN_IF_ERROR(add_undo(key, nullptr));
    }
    put(key, value_view(value));
  }
  if (exempt_writes) {
    for (const auto& [key, value] : *exempt_writes) put(key, value);
  }
  if (!final && first_writes) {
    // In the order written: each entry's old value is at hand, no search needed.
    if (first_writes->size() != writes.size()) {
      return Status(Errc::kInvalidArgument, "the first writes do not match the block's writes");
    }
    for (const FirstWrite& w : *first_writes) {
      if (!is_exempt(w.key)) ANS_RETURN_IF_ERROR(add_undo(w.key, w.before));
    }
  }
  uint64_t new_final = final_height_;
  if (final) {
    new_final = height;
  } else {
    batch.Put(slice(undo_key(height)), slice(undo.bytes()));
  }
  std::shared_ptr<HistoryNode> node;
  if (memory) {
    node = std::make_shared<HistoryNode>();
    node->height = height;
    node->hash = block_hash;
    if (!final) node->undo_bytes = undo.bytes();
  }
  ANS_RETURN_IF_ERROR(write_block_batch(batch, record ? &*record : nullptr, height, block_hash,
                                        new_final, "committing block"));
  if (memory) {
    ViewLock::Exclusive lock(view_lock_);
    apply_written(mem_writes);
    link_head(std::move(node));
  } else {
    apply_written(mem_writes);
  }
  // Kept for the next block, unless a bulk write made them larger than blocks need.
  if (undo.bytes().capacity() <= kKeptBufferBytes) undo_buffer_ = undo.take_buffer();
  if (record && record->bytes().capacity() <= kKeptBufferBytes) {
    journal_buffer_ = record->take_buffer();
  }
  has_head_ = true;
  head_height_ = height;
  head_hash_ = block_hash;
  final_height_ = new_final;
  if (memory) {
    // The block is in either way: a failed snapshot leaves the journal, and is tried again.
    snapshot_status_ = maybe_snapshot();
  }
  return Status::ok();
}

void StateDb::stage_write(leveldb::WriteBatch& batch, EntryRecordWriter* record,
                          CacheWrites& written, std::string_view key,
                          std::optional<std::string_view> value) const {
  if (options_.memory_state) {
    written.emplace_back(key, value);
    record->add(key, value);
    return;
  }
  if (cacheable(key)) written.emplace_back(key, value);
  if (value) {
    batch.Put(slice(key), slice(*value));
  } else {
    batch.Delete(slice(key));
  }
}

void StateDb::apply_written(const CacheWrites& written) {
  if (!options_.memory_state) {
    update_cache(written);
    return;
  }
  // A block writes tens of thousands of keys, each lookup a few cache misses (its slot, its
  // entry, the entry's key): fetch them some keys ahead so that the misses overlap.
  constexpr size_t kSlotAhead = 16, kEntryAhead = 8;
  std::vector<uint64_t> hashes(written.size());
  for (size_t i = 0; i < written.size(); ++i) hashes[i] = MemTable::hash_of(written[i].first);
  for (size_t i = 0; i < written.size(); ++i) {
    if (i + kSlotAhead < written.size()) mem_.prefetch_slot(hashes[i + kSlotAhead]);
    if (i + kEntryAhead < written.size()) mem_.prefetch_entry(hashes[i + kEntryAhead]);
    mem_put(written[i].first, written[i].second);
  }
}

Result<bool> StateDb::stored(std::string_view key, std::string& out) const {
  if (options_.memory_state) {
    const MemTable::Entry* e = mem_.find(key);
    if (e == nullptr) return false;
    out.assign(e->value());
    return true;
  }
  leveldb::Status s = db_->Get(verified_reads(), slice(key), &out);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return from_leveldb(s, "reading for undo");
  return true;
}

Result<v1::UndoRecord> StateDb::read_undo(uint64_t height) const {
  std::string raw;
  ANS_RETURN_IF_ERROR(from_leveldb(
      db_->Get(verified_reads(), slice(undo_key(height)), &raw), "reading undo record"));
  v1::UndoRecord undo;
  if (!undo.ParseFromString(raw) || undo.height() != height) {
    return Status(Errc::kCorruption, "undo record of block " + std::to_string(height) +
                                         " is unreadable");
  }
  return undo;
}

Result<WriteSet> StateDb::head_undo() const {
  if (!has_head_ || head_height_ <= final_height_) {
    return Status(Errc::kInvalidArgument, "the head block is final and has no undo data");
  }
  auto undo = read_undo(head_height_);
  if (!undo) return undo.status();
  WriteSet out;
  for (const auto& e : undo->entries()) {
    out[e.key()] = e.existed() ? std::optional<std::string>(e.value()) : std::nullopt;
  }
  return out;
}

Status StateDb::undo_head_block(const WriteSet& rebuilt) {
  if (!has_head_) return Status(Errc::kInvalidArgument, "nothing to undo: the store is empty");
  if (head_height_ <= final_height_) {
    return Status(Errc::kInvalidArgument, "block " + std::to_string(head_height_) +
                                              " is final and cannot be undone");
  }
  for (const auto& [key, value] : rebuilt) {
    if (!is_exempt(key)) {
      return Status(Errc::kInvalidArgument,
                    "rebuilt key " + to_hex(as_bytes(key)) + " is not under the exempt prefix");
    }
  }
  auto undo = read_undo(head_height_);
  if (!undo) return undo.status();
  leveldb::WriteBatch batch;
  CacheWrites written;  // as in commit()
  std::optional<EntryRecordWriter> record = new_journal_record();
  for (const auto& e : undo->entries()) {
    stage_write(batch, record ? &*record : nullptr, written, e.key(),
                e.existed() ? std::optional<std::string_view>(e.value()) : std::nullopt);
  }
  for (const auto& [key, value] : rebuilt) {
    stage_write(batch, record ? &*record : nullptr, written, key,
                value ? std::optional<std::string_view>(*value) : std::nullopt);
  }
  batch.Delete(slice(undo_key(head_height_)));
  // Block 0 is always final, so the undone block has a predecessor.
  Hash256 prev{};
  if (undo->prev_head_hash().size() == 32) {
    std::copy(undo->prev_head_hash().begin(), undo->prev_head_hash().end(), prev.begin());
  }
  uint64_t new_head = head_height_ - 1;
  ANS_RETURN_IF_ERROR(write_block_batch(batch, record ? &*record : nullptr, new_head, prev,
                                        final_height_, "undoing block"));
  if (options_.memory_state) {
    ViewLock::Exclusive lock(view_lock_);
    apply_written(written);
    // Views of the undone block refuse from now on; the block below is the head again, and
    // the next commit links to it.
    head_node_->undone = true;
    std::shared_ptr<HistoryNode> below = head_node_->prev.lock();
    if (below && below->height == new_head) {
      below->next.reset();
    } else {
      // No view holds it, and so none below it: a node of its own, with no history.
      below = std::make_shared<HistoryNode>();
      below->height = new_head;
      below->hash = prev;
    }
    head_node_ = std::move(below);
  } else {
    apply_written(written);
  }
  head_height_ = new_head;
  head_hash_ = prev;
  return Status::ok();
}

Status StateDb::set_final(uint64_t height) {
  if (!has_head_ || height > head_height_ || height < final_height_) {
    return Status(Errc::kInvalidArgument, "cannot mark height " + std::to_string(height) +
                                              " final (final " + std::to_string(final_height_) +
                                              ", head " + std::to_string(head_height_) + ")");
  }
  leveldb::WriteBatch batch;
  // Undo records exist only above the previous final height.
  for (uint64_t h = final_height_ + 1; h <= height; ++h) batch.Delete(slice(undo_key(h)));
  batch.Put(slice(kMetaKey), encode_meta(true, head_height_, head_hash_, height, journal_seq_));
  leveldb::WriteOptions wo;
  wo.sync = options_.sync;
  ANS_RETURN_IF_ERROR(from_leveldb(db_->Write(wo, &batch), "marking final"));
  final_height_ = height;
  return Status::ok();
}

Result<std::unique_ptr<HistoricalState>> StateDb::view_at(uint64_t height) const {
  if (!has_head_ || height > head_height_ || height < final_height_) {
    return Status(Errc::kInvalidArgument, "no state kept for height " + std::to_string(height) +
                                              " (final " + std::to_string(final_height_) +
                                              ", head " + std::to_string(head_height_) + ")");
  }
  auto view = std::make_unique<HistoricalState>(*this);
  // Walk down from the head: a lower block's undo value is the older one, so it wins.
  for (uint64_t h = head_height_; h > height; --h) {
    auto undo = read_undo(h);
    if (!undo) return undo.status();
    for (const auto& e : undo->entries()) {
      if (e.existed()) {
        view->overlay().put(e.key(), e.value());
      } else {
        view->overlay().erase(e.key());
      }
    }
  }
  return view;
}

}  // namespace ans
