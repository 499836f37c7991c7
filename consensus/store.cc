#include "consensus/store.h"

#include <cstring>

#include <leveldb/write_batch.h>

#include "ledger/store/leveldb_open.h"
#include "ledger/wire/codec.h"

namespace ans::consensus {
namespace {

constexpr char kSafetyKey[] = "s";
constexpr char kBlockPrefix = 'b';
constexpr char kFinalPrefix = 'f';  // + be64(height) -> hash (32) + QC bytes
constexpr char kTxPrefix = 't';     // + tx id -> be64(height) + be32(index)

std::string be_bytes(uint64_t v, int n) {
  std::string out;
  for (int shift = 8 * (n - 1); shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  return out;
}
uint64_t read_be(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}
std::string final_key(uint64_t height) { return std::string(1, kFinalPrefix) + be_bytes(height, 8); }
std::string tx_key(const Hash256& id) {
  return std::string(1, kTxPrefix) + std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

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

Status ConsensusStore::put_final(uint64_t height, const Hash256& hash, const v1::Block& block,
                                 const v1::QuorumCertificate* qc) {
  leveldb::WriteBatch batch;
  std::string entry(reinterpret_cast<const char*>(hash.data()), hash.size());
  if (qc != nullptr) entry += qc->SerializeAsString();
  batch.Put(final_key(height), entry);
  for (int i = 0; i < block.transactions_size(); ++i) {
    batch.Put(tx_key(transaction_id(block.transactions(i).tx())),
              be_bytes(height, 8) + be_bytes(static_cast<uint64_t>(i), 4));
  }
  leveldb::Status s = db_->Write(leveldb::WriteOptions(), &batch);
  if (!s.ok()) return io_error(s, "indexing final block " + std::to_string(height));
  return Status::ok();
}

Result<uint64_t> ConsensusStore::indexed_final_height() const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(verified_reads()));
  it->Seek(std::string(1, static_cast<char>(kFinalPrefix + 1)));
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  if (!it->status().ok()) return io_error(it->status(), "reading the final index");
  if (!it->Valid() || it->key().size() != 9 || it->key()[0] != kFinalPrefix) return uint64_t{0};
  return read_be(std::string_view(it->key().data() + 1, 8));
}

Result<std::optional<FinalEntry>> ConsensusStore::final_at(uint64_t height) const {
  std::string raw;
  leveldb::Status s = db_->Get(verified_reads(), final_key(height), &raw);
  if (s.IsNotFound()) return std::optional<FinalEntry>();
  if (!s.ok()) return io_error(s, "reading the final index at " + std::to_string(height));
  FinalEntry entry;
  if (raw.size() < 32) return Status(Errc::kCorruption, "consensus store: a final index entry too short");
  std::memcpy(entry.hash.data(), raw.data(), 32);
  if (raw.size() > 32) {
    v1::QuorumCertificate qc;
    if (!qc.ParseFromArray(raw.data() + 32, static_cast<int>(raw.size() - 32))) {
      return Status(Errc::kCorruption, "consensus store: an unreadable QC at final height " +
                                           std::to_string(height));
    }
    entry.qc = std::move(qc);
  }
  return std::optional<FinalEntry>(std::move(entry));
}

Result<std::optional<StoredBlock>> ConsensusStore::get_block(const Hash256& hash) const {
  std::string raw;
  leveldb::Status s = db_->Get(verified_reads(), block_key(hash), &raw);
  if (s.IsNotFound()) return std::optional<StoredBlock>();
  if (!s.ok()) return io_error(s, "reading block " + to_hex(hash));
  auto record = decode_record(raw);
  if (!record) return Status(Errc::kCorruption, "consensus store: unreadable block " + to_hex(hash));
  return std::optional<StoredBlock>(std::move(*record));
}

Result<std::optional<TxLocation>> ConsensusStore::transaction_location(const Hash256& tx_id) const {
  std::string raw;
  leveldb::Status s = db_->Get(verified_reads(), tx_key(tx_id), &raw);
  if (s.IsNotFound()) return std::optional<TxLocation>();
  if (!s.ok()) return io_error(s, "reading the transaction index");
  if (raw.size() != 12) return Status(Errc::kCorruption, "consensus store: a transaction index entry of the wrong size");
  return std::optional<TxLocation>(TxLocation{read_be(std::string_view(raw).substr(0, 8)),
                                              static_cast<uint32_t>(read_be(std::string_view(raw).substr(8)))});
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
