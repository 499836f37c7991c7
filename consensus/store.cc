#include "consensus/store.h"

#include <cstring>

#include <leveldb/write_batch.h>

#include "ledger/store/leveldb_open.h"

namespace ans::consensus {
namespace {

constexpr char kSafetyKey[] = "s";
constexpr char kBlockPrefix = 'b';

// Every message names the store: a node fault's log line says which store failed.
Status io_error(const leveldb::Status& s, const std::string& what) {
  return leveldb_error(s, "consensus store: " + what);
}

std::string block_key(const Hash256& hash) {
  std::string key(1, kBlockPrefix);
  key.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return key;
}

// Record: 4-byte big-endian length of the block, the block, then the active sets.
std::string encode_record(const v1::Block& b, const v1::ActiveSetState& sets_after) {
  std::string block = b.SerializeAsString();
  std::string sets = sets_after.SerializeAsString();
  std::string out;
  uint32_t n = static_cast<uint32_t>(block.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out += block;
  out += sets;
  return out;
}

std::optional<StoredBlock> decode_record(std::string_view raw) {
  if (raw.size() < 4) return std::nullopt;
  uint32_t n = 0;
  for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(raw[i]);
  if (raw.size() - 4 < n) return std::nullopt;
  StoredBlock b;
  if (!b.block.ParseFromArray(raw.data() + 4, static_cast<int>(n)) ||
      !b.sets_after.ParseFromArray(raw.data() + 4 + n, static_cast<int>(raw.size() - 4 - n))) {
    return std::nullopt;
  }
  return b;
}

}  // namespace

Result<std::unique_ptr<ConsensusStore>> ConsensusStore::open(const std::string& path, bool sync,
                                                             leveldb::Env* env) {
  leveldb::Options options;
  options.paranoid_checks = true;
  if (env != nullptr) options.env = env;
  auto db = open_leveldb_store(options, path, /*create=*/true, "consensus store");
  if (!db) return db.status();
  return std::unique_ptr<ConsensusStore>(new ConsensusStore(std::move(db).value(), sync));
}

Result<std::optional<SafetyState>> ConsensusStore::load_safety() const {
  std::string raw;
  leveldb::Status s = db_->Get(verified_reads(), kSafetyKey, &raw);
  if (s.IsNotFound()) return std::optional<SafetyState>();
  if (!s.ok()) return io_error(s, "reading the voter safety state");
  auto state = decode_safety_state(raw);
  if (!state) return state.status();
  return std::optional<SafetyState>(*state);
}

Status ConsensusStore::save_safety(const SafetyState& state) {
  leveldb::WriteOptions options;
  options.sync = sync_;
  leveldb::Status s = db_->Put(options, kSafetyKey, encode_safety_state(state));
  if (!s.ok()) return io_error(s, "writing the voter safety state");
  return Status::ok();
}

Status ConsensusStore::put_block(const Hash256& hash, const v1::Block& block,
                                 const v1::ActiveSetState& sets_after) {
  leveldb::Status s =
      db_->Put(leveldb::WriteOptions(), block_key(hash), encode_record(block, sets_after));
  if (!s.ok()) return io_error(s, "writing block " + to_hex(hash));
  return Status::ok();
}

Status ConsensusStore::for_each_block(
    const std::function<void(const Hash256&, StoredBlock)>& visit) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(verified_reads()));
  std::string prefix(1, kBlockPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 33) return Status(Errc::kCorruption, "consensus store: a block key of the wrong length");
    Hash256 hash{};
    std::memcpy(hash.data(), it->key().data() + 1, 32);
    auto record = decode_record(std::string_view(it->value().data(), it->value().size()));
    if (!record) return Status(Errc::kCorruption, "consensus store: unreadable block " + to_hex(hash));
    visit(hash, std::move(*record));
  }
  if (!it->status().ok()) return io_error(it->status(), "reading stored blocks");
  return Status::ok();
}

}  // namespace ans::consensus
