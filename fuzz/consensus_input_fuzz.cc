// What peers send the consensus engine (blocks, votes, evidence, block requests) and the
// stored voter safety state: decoded or rejected, never a crash, and the engine's chain never
// moves on garbage. The first byte picks the kind; the rest is the encoded message.
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <spdlog/spdlog.h>

#include "consensus/engine.h"
#include "fuzz/fuzz_check.h"
#include "genesis/genesis_json.h"
#include "genesis/testnet.h"

namespace {

constexpr uint64_t kGenesisMs = 1'800'000'000'000ULL;

struct Silent : ans::consensus::Network, ans::consensus::Randomness {
  void broadcast(const ans::consensus::Message&) override {}
  void send(int, const ans::consensus::Message&) override {}
  ans::FixedBytes<32> aux32() override { return {}; }
};

struct Fixture {
  Fixture() : env(leveldb::NewMemEnv(leveldb::Env::Default())) {
    spdlog::set_level(spdlog::level::off);
    std::vector<ans::TestnetNodeKeys> keys;
    for (int i = 0; i < 4; ++i) {
      auto k = [&](const std::string& l) {
        return ans::PrivateKey::from_bytes(ans::sha256(ans::as_bytes("fuzz " + l + std::to_string(i)))).value();
      };
      keys.push_back({k("validator"), k("owner")});
    }
    genesis = ans::testnet_genesis(keys, kGenesisMs);
    genesis.reserved_names.clear();
    genesis.records.clear();
    ans::StateDbOptions options;
    options.sync = false;
    options.env = env.get();
    ledger = ans::Ledger::open("/ledger", genesis, ans::chain_id(genesis), options).value();
    store = ans::consensus::ConsensusStore::open("/consensus", false, env.get()).value();
    ans::consensus::EngineOptions o;
    o.sp_id = genesis.sps[0].sp_id;
    o.signing_key = keys[0].validator;
    o.account_key = keys[0].owner;
    engine = ans::consensus::Engine::open(*ledger, *store, io, io, kGenesisMs, o).value();
  }
  std::unique_ptr<leveldb::Env> env;
  ans::GenesisConfig genesis;
  Silent io;
  std::unique_ptr<ans::Ledger> ledger;
  std::unique_ptr<ans::consensus::ConsensusStore> store;
  std::unique_ptr<ans::consensus::Engine> engine;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  if (size == 0) return 0;
  ans::ByteView body(data + 1, size - 1);
  using Kind = ans::consensus::Message::Kind;
  ans::consensus::Message m;
  uint64_t now = kGenesisMs + 10 * f.genesis.params.block_interval_ms;
  switch (data[0] % 5) {
    case 0: {
      auto block = ans::decode_block(body);
      if (!block) return 0;
      m.kind = Kind::kBlock;
      m.block = *block;
      break;
    }
    case 1: {
      auto vote = ans::decode_vote(body);
      if (!vote) return 0;
      m.kind = Kind::kVote;
      m.vote = *vote;
      break;
    }
    case 2: {
      if (!m.evidence.ParseFromArray(body.data(), static_cast<int>(body.size()))) return 0;
      m.kind = Kind::kEvidence;
      break;
    }
    case 3: {
      auto state = ans::consensus::decode_safety_state(ans::as_chars(body));
      if (state) FUZZ_CHECK(ans::consensus::encode_safety_state(*state) == ans::as_chars(body));
      return 0;
    }
    default: {
      if (body.size() != 32) return 0;
      m.kind = Kind::kBlockRequest;
      std::copy(body.begin(), body.end(), m.request.begin());
      break;
    }
  }
  f.engine->on_message(1, m, now);
  f.engine->on_tick(now);
  // Nobody here can sign for the other validators, so nothing becomes final.
  FUZZ_CHECK(f.engine->final_block().height == 0);
  return 0;
}
