// What peers send the consensus engine (blocks, votes, evidence, block requests) and the
// stored voter safety state: decoded or rejected, never a crash, and the engine's chain never
// moves on garbage. The first byte picks the kind; the rest is the encoded message.
#include <cstdio>
#include <cstdlib>

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
  void relay(int, const ans::consensus::Message&) override {}
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
    validator = keys[0].validator;
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
  ans::PrivateKey validator = ans::PrivateKey::from_bytes(ans::sha256(ans::as_bytes("placeholder"))).value();
  Silent io;
  std::unique_ptr<ans::Ledger> ledger;
  std::unique_ptr<ans::consensus::ConsensusStore> store;
  std::unique_ptr<ans::consensus::Engine> engine;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void write_seed(const std::string& dir, const std::string& name, uint8_t kind, const std::string& body) {
  std::string bytes(1, static_cast<char>(kind));
  bytes += body;
  if (FILE* out = std::fopen((dir + "/seed-" + name).c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
  }
}

// With ANS_FUZZ_WRITE_SEEDS=DIR, writes genuine inputs made by the fixture's own validator
// (a block of its slot, its vote, a double proposal, a safety state) into DIR, so the fuzzer
// starts past the signature checks. scripts/fuzz.sh does this before each run.
void write_seeds(const std::string& dir) {
  Fixture& f = fixture();
  const auto& active = f.engine->tree().genesis().sets_after.active();
  uint64_t slot = 1;
  while (active[static_cast<int>(slot % static_cast<uint64_t>(active.size()))].sp_id() != f.genesis.sps[0].sp_id) ++slot;
  auto block = f.engine->build_block(f.ledger->chain_id(), slot, {});
  if (!block) return;
  write_seed(dir, "block", 0, block->SerializeAsString());
  ans::v1::SignedBlockVote vote;
  ans::v1::BlockVote* v = vote.mutable_vote();
  v->set_block_hash(ans::to_field(ans::block_hash(block->header().header())));
  v->set_height(1);
  v->set_slot(slot);
  v->set_voter(f.genesis.sps[0].sp_id);
  vote.set_signature(ans::to_field(f.validator.sign(ans::vote_signing_hash(f.ledger->chain_id(), *v))));
  write_seed(dir, "vote", 1, vote.SerializeAsString());
  ans::v1::Block other = *block;
  other.mutable_header()->mutable_header()->set_timestamp_ms(block->header().header().timestamp_ms() + 1);
  ans::v1::Evidence ev;
  *ev.mutable_double_proposal()->mutable_first() = block->header();
  *ev.mutable_double_proposal()->mutable_second() = other.header();
  write_seed(dir, "evidence", 2, ev.SerializeAsString());
  write_seed(dir, "safety", 3, ans::consensus::encode_safety_state(f.engine->safety()));
  write_seed(dir, "request", 4, std::string(32, '\x01'));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("ANS_FUZZ_WRITE_SEEDS")) write_seeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = fixture();
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
      m.block = std::make_shared<const ans::v1::Block>(*block);
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
