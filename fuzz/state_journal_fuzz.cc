// The memory layout's journal and snapshots (ledger/store/state_db.h): whatever bytes the
// store finds under a journal record or a snapshot chunk, opening the ledger either fails with
// a Status or gives a ledger that answers reads, scans, roots and proofs without crashing.
//
// Input: a selector byte, then the bytes of the value. Selector bit 0 clear: the bytes are
// journal record 2, replayed after the genesis block's record 1. Set: they are the only chunk
// of a snapshot at sequence 1 (the genesis block's record then lies inside it). The rest of
// the store is a genuine dev-genesis ledger on an in-memory LevelDB.
//
// With ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets it), the target first writes genuine
// seeds there: the genesis state as a snapshot chunk, and a journal record of a few writes.
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "ans/v1/state.pb.h"
#include "fuzz/fuzz_check.h"
#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "ledger/chain/ledger.h"
#include "ledger/state/keys.h"

namespace {

std::string be64(uint64_t v) { return ans::keys::be64(v); }

ans::StateDbOptions options(leveldb::Env* env) {
  ans::StateDbOptions o;
  o.sync = false;
  o.memory_state = true;
  o.env = env;
  return o;
}

void write_seed(const std::string& path, char selector, const ans::v1::JournalRecord& record) {
  std::ofstream out(path, std::ios::binary);
  out << selector << record.SerializeAsString();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("ANS_FUZZ_WRITE_SEEDS");
  if (dir == nullptr) return 0;
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  const ans::GenesisConfig genesis = ans::dev_genesis();
  auto ledger = ans::Ledger::open("/state", genesis, ans::chain_id(genesis), options(env.get()));
  FUZZ_CHECK(ledger.is_ok());
  ans::v1::JournalRecord snapshot;
  snapshot.set_seq(1);
  (*ledger)->db().scan({}, {}, SIZE_MAX, [&](std::string_view k, std::string_view v) {
    ans::v1::StateWrite* w = snapshot.add_writes();
    w->set_key(std::string(k));
    w->set_value(std::string(v));
    w->set_present(true);
    return true;
  });
  write_seed(std::string(dir) + "/seed-genesis-snapshot", 1, snapshot);
  ans::v1::JournalRecord record;
  record.set_seq(2);
  ans::v1::StateWrite* pool = record.add_writes();
  pool->set_key(std::string(ans::keys::kRewardPool));
  pool->set_value(std::string(32, '\x01'));
  pool->set_present(true);
  ans::v1::StateWrite* gone = record.add_writes();
  gone->set_key(ans::keys::name("moky"));
  ans::v1::StateWrite* added = record.add_writes();
  added->set_key("ix" + be64(1'900'000'000) + "seedname");
  added->set_present(true);
  write_seed(std::string(dir) + "/seed-journal-writes", 0, record);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const ans::GenesisConfig genesis = ans::dev_genesis();
  static const ans::ChainId id = ans::chain_id(genesis);
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  {
    auto ledger = ans::Ledger::open("/state", genesis, id, options(env.get()));
    FUZZ_CHECK(ledger.is_ok());
  }
  const bool as_snapshot = (data[0] & 1) != 0;
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  {
    leveldb::Options lo;
    lo.env = env.get();
    leveldb::DB* raw = nullptr;
    FUZZ_CHECK(leveldb::DB::Open(lo, "/state", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string meta_bytes;
    FUZZ_CHECK(db->Get(leveldb::ReadOptions(), "\xff" "meta", &meta_bytes).ok());
    ans::v1::StoreMeta meta;
    FUZZ_CHECK(meta.ParseFromString(meta_bytes));
    if (as_snapshot) {
      meta.set_snapshot_seq(1);
      meta.set_snapshot_chunks(1);
      meta.set_snapshot_bytes(value.size());
      FUZZ_CHECK(db->Put(leveldb::WriteOptions(), "\xff" "snap" + be64(1) + be64(0), value).ok());
    } else {
      meta.set_journal_seq(2);
      FUZZ_CHECK(db->Put(leveldb::WriteOptions(), "\xff" "jrnl" + be64(2), value).ok());
    }
    FUZZ_CHECK(db->Put(leveldb::WriteOptions(), "\xff" "meta", meta.SerializeAsString()).ok());
  }
  auto ledger = ans::Ledger::open("/state", genesis, id, options(env.get()));
  if (!ledger.is_ok()) return 0;
  ans::Ledger& l = **ledger;
  (void)l.state_root();
  (void)l.prove(ans::keys::name("moky"));
  (void)l.prove(std::string(ans::keys::kRewardPool));
  size_t seen = 0;
  l.db().scan({}, {}, 1000, [&](std::string_view, std::string_view) { return ++seen < 1000; });
  l.db().scan("ix", {}, 10, [](std::string_view, std::string_view) { return true; });
  return 0;
}
