#include "ledger/store/state_db.h"

#include <google/protobuf/arena.h>
#include <leveldb/write_batch.h>

#include "ans/v1/state.pb.h"
#include "ledger/util/bytes.h"

namespace ans {
namespace {

constexpr std::string_view kMetaKey = "\xff" "meta";
constexpr std::string_view kUndoPrefix = "\xff" "undo";

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string undo_key(uint64_t height) { return std::string(kUndoPrefix) + be64(height); }

Status from_leveldb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  Errc code = s.IsCorruption() ? Errc::kCorruption : Errc::kIoError;
  return Status(code, std::string(what) + ": " + s.ToString());
}

leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

StateDb::StateDb(const StateDbOptions& options, std::unique_ptr<leveldb::Cache> cache,
                 std::unique_ptr<const leveldb::FilterPolicy> filter,
                 std::unique_ptr<leveldb::DB> db)
    : options_(options), cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)) {}

StateDb::~StateDb() = default;

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
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options lo = leveldb_options(options, cache.get(), filter.get());
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, path, &raw);
  if (!s.ok()) return from_leveldb(s, "opening state store at " + path);
  std::unique_ptr<StateDb> out(new StateDb(options, std::move(cache), std::move(filter),
                                           std::unique_ptr<leveldb::DB>(raw)));
  ANS_RETURN_IF_ERROR(out->load_meta());
  return out;
}

Status StateDb::load_meta() {
  std::string raw;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), slice(kMetaKey), &raw);
  if (s.IsNotFound()) return Status::ok();
  ANS_RETURN_IF_ERROR(from_leveldb(s, "reading store metadata"));
  v1::StoreMeta meta;
  if (!meta.ParseFromString(raw) || (meta.has_head() && meta.head_hash().size() != 32)) {
    return Status(Errc::kCorruption, "store metadata is unreadable");
  }
  has_head_ = meta.has_head();
  head_height_ = meta.head_height();
  final_height_ = meta.final_height();
  if (has_head_) std::copy(meta.head_hash().begin(), meta.head_hash().end(), head_hash_.begin());
  return Status::ok();
}

std::string StateDb::encode_meta(bool has_head, uint64_t head, const Hash256& hash,
                                 uint64_t final) const {
  v1::StoreMeta meta;
  meta.set_has_head(has_head);
  meta.set_head_height(head);
  if (has_head) meta.set_head_hash(std::string(hash.begin(), hash.end()));
  meta.set_final_height(final);
  return meta.SerializeAsString();
}

void StateDb::record_error(const leveldb::Status& s) const {
  if (first_error_.is_ok()) first_error_ = from_leveldb(s, "state read");
}

bool StateDb::cacheable(std::string_view key) const {
  return !options_.cached_prefix.empty() && key.size() <= options_.cached_key_max_bytes &&
         key.starts_with(options_.cached_prefix);
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
  const bool cached = cacheable(key);
  if (cached) {
    if (auto it = cache_values_.find(key); it != cache_values_.end()) return it->second;
  }
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), slice(key), &value);
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
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
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

Status StateDb::commit_block(uint64_t height, const Hash256& block_hash, const WriteSet& writes,
                             const std::vector<FirstWrite>* first_writes, const WriteList* exempt_writes) {
  return commit(height, block_hash, writes, /*final=*/false, first_writes, exempt_writes);
}

Status StateDb::commit_final_block(uint64_t height, const Hash256& block_hash,
                                   const WriteSet& writes) {
  return commit(height, block_hash, writes, /*final=*/true, nullptr, nullptr);
}

Status StateDb::commit(uint64_t height, const Hash256& block_hash, const WriteSet& writes,
                       bool final, const std::vector<FirstWrite>* first_writes, const WriteList* exempt_writes) {
  if (has_head_ ? height != head_height_ + 1 : height != 0) {
    return Status(Errc::kInvalidArgument,
                  "block " + std::to_string(height) + " does not extend the head (" +
                      (has_head_ ? std::to_string(head_height_) : std::string("empty")) + ")");
  }
  // A block's undo record holds tens of thousands of small entries: on an arena they are
  // allocated in bulk and freed at once instead of one by one.
  google::protobuf::Arena arena;
  v1::UndoRecord& undo = *google::protobuf::Arena::CreateMessage<v1::UndoRecord>(&arena);
  undo.set_height(height);
  if (has_head_) undo.set_prev_head_hash(std::string(head_hash_.begin(), head_hash_.end()));
  // The value `key` has in the store now: `known` when given, else read.
  auto value_now = [&](std::string_view key, const std::optional<std::string>* known,
                       std::string& out) -> Result<bool> {
    if (known != nullptr) {
      if (!*known) return false;
      out = **known;
      return true;
    }
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), slice(key), &out);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return from_leveldb(s, "reading for undo");
    return true;
  };
  auto is_exempt = [&](std::string_view key) {
    return !options_.undo_exempt_prefix.empty() && key.starts_with(options_.undo_exempt_prefix);
  };
  if (exempt_writes) {
    if (options_.undo_exempt_prefix.empty()) {
      return Status(Errc::kInvalidArgument, "this store has no undo-exempt keys");
    }
    for (size_t i = 0; i < exempt_writes->size(); ++i) {
      const std::string& key = (*exempt_writes)[i].first;
      if (!is_exempt(key) || (i > 0 && !((*exempt_writes)[i - 1].first < key))) {
        return Status(Errc::kInvalidArgument,
                      "exempt writes must be sorted, unique and under the exempt prefix");
      }
    }
  }
  auto add_undo = [&](std::string_view key, const std::optional<std::string>* known) -> Status {
    v1::UndoEntry* entry = undo.add_entries();
    entry->set_key(std::string(key));
    auto existed = value_now(key, known, *entry->mutable_value());
    if (!existed) return existed.status();
    entry->set_existed(*existed);
    if (!*existed) entry->clear_value();
    return Status::ok();
  };
  leveldb::WriteBatch batch;
  CacheWrites cache_writes;
  auto put = [&](const std::string& key, const std::optional<std::string>& value) {
    if (cacheable(key)) cache_writes.emplace_back(key, value);
    if (value) {
      batch.Put(slice(key), slice(*value));
    } else {
      batch.Delete(slice(key));
    }
  };
  // The batch gets its keys in order, the exempt writes merged in where they fall. Returns
  // false when the next exempt write has `key` itself: the two lists must be apart.
  size_t next_exempt = 0;
  auto put_exempt_before = [&](const std::string* key) {
    for (; exempt_writes && next_exempt < exempt_writes->size(); ++next_exempt) {
      const auto& [k, v] = (*exempt_writes)[next_exempt];
      if (key && !(k < *key)) return k != *key;
      put(k, v);
    }
    return true;
  };
  for (const auto& [key, value] : writes) {
    if (!key.empty() && static_cast<uint8_t>(key[0]) == 0xff) {
      return Status(Errc::kInvalidArgument, "state keys may not start with 0xFF");
    }
    if (!put_exempt_before(&key)) {
      return Status(Errc::kInvalidArgument, "key " + to_hex(as_bytes(key)) +
                                                " is both an exempt write and a write of the block");
    }
    if (!final && !first_writes && !is_exempt(key)) {
      ANS_RETURN_IF_ERROR(add_undo(key, nullptr));
    }
    put(key, value);
  }
  put_exempt_before(nullptr);
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
    batch.Put(slice(undo_key(height)), undo.SerializeAsString());
  }
  batch.Put(slice(kMetaKey), encode_meta(true, height, block_hash, new_final));
  leveldb::WriteOptions wo;
  wo.sync = options_.sync;
  ANS_RETURN_IF_ERROR(from_leveldb(db_->Write(wo, &batch), "committing block"));
  update_cache(cache_writes);
  has_head_ = true;
  head_height_ = height;
  head_hash_ = block_hash;
  final_height_ = new_final;
  return Status::ok();
}

Result<v1::UndoRecord> StateDb::read_undo(uint64_t height) const {
  std::string raw;
  ANS_RETURN_IF_ERROR(from_leveldb(
      db_->Get(leveldb::ReadOptions(), slice(undo_key(height)), &raw), "reading undo record"));
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
  auto undo = read_undo(head_height_);
  if (!undo) return undo.status();
  leveldb::WriteBatch batch;
  CacheWrites cache_writes;
  for (const auto& e : undo->entries()) {
    if (cacheable(e.key())) {
      cache_writes.emplace_back(e.key(), e.existed() ? std::optional<std::string_view>(e.value())
                                                     : std::nullopt);
    }
    if (e.existed()) {
      batch.Put(slice(e.key()), slice(e.value()));
    } else {
      batch.Delete(slice(e.key()));
    }
  }
  for (const auto& [key, value] : rebuilt) {
    if (cacheable(key)) cache_writes.emplace_back(key, value);
    if (value) {
      batch.Put(slice(key), slice(*value));
    } else {
      batch.Delete(slice(key));
    }
  }
  batch.Delete(slice(undo_key(head_height_)));
  // Block 0 is always final, so the undone block has a predecessor.
  Hash256 prev{};
  if (undo->prev_head_hash().size() == 32) {
    std::copy(undo->prev_head_hash().begin(), undo->prev_head_hash().end(), prev.begin());
  }
  uint64_t new_head = head_height_ - 1;
  batch.Put(slice(kMetaKey), encode_meta(true, new_head, prev, final_height_));
  leveldb::WriteOptions wo;
  wo.sync = options_.sync;
  ANS_RETURN_IF_ERROR(from_leveldb(db_->Write(wo, &batch), "undoing block"));
  update_cache(cache_writes);
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
  batch.Put(slice(kMetaKey), encode_meta(true, head_height_, head_hash_, height));
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
