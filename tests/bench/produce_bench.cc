// Block production: how long a producer takes to build, sign and commit a full block from
// its mempool (docs/benchmarks.md, "Block production").
//
//   bench_produce [--block B] [--rounds R] [--no-budget] [--memory]
//
// A one-SP chain whose genesis funds 2,000 accounts, on a real LevelDB store, with the real
// consensus engine. Each round submits B signed transfers (from the 2,000 accounts in turn)
// to the producer's mempool through Engine::submit, as its RPC would, then gives it its slot
// (Engine::on_tick) and times that: choosing the transactions, building and signing the
// block, accepting it (header checks, the ledger's commit) and voting. By default the
// engine's production budget applies (200 ms of choosing, on the real monotonic clock), and
// the figure to read is how many of the B transactions it fits; --no-budget lets it take
// them all, to time a full block.
//
// Two more nodes (observers) receive each block as a validator does (Engine::on_message),
// timed too: one that also got the round's transactions into its mempool first, as gossip
// gives them to it, and takes their verdicts from there (KnownVerdicts); one that did not,
// and verifies every signature on its 2 threads.
//
// The ceiling, measured in the same run: libsecp256k1's verification of the same
// transactions' signatures on one thread (keys parsed, messages hashed), i.e. what verifying
// a block's transactions once, serially, costs.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "ledger/chain/ledger.h"
#include "ledger/wire/codec.h"
#include "tests/bench/bench_genesis.h"

using namespace ans;
using namespace ans::consensus;
using Clock = std::chrono::steady_clock;

namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Silent : Network {
  void broadcast(const Message&) override {}
  void send(int, const Message&) override {}
  void relay(int, const Message&) override {}
};

struct FixedRandom : Randomness {
  FixedBytes<32> aux32() override { return FixedBytes<32>{}; }
};

}  // namespace

int main(int argc, char** argv) {
  size_t block = 5000;
  size_t rounds = 4;
  bool budget = true;
  bool memory = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--block") && i + 1 < argc) block = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--no-budget")) budget = false;
    else if (!std::strcmp(argv[i], "--memory")) memory = true;
    else {
      std::fprintf(stderr, "usage: bench_produce [--block B] [--rounds R] [--no-budget] [--memory]\n");
      return 2;
    }
  }
  if (block == 0 || rounds == 0) {
    std::fprintf(stderr, "--block and --rounds must be at least 1\n");
    return 2;
  }
  constexpr size_t kAccounts = 2'000;

  std::vector<PrivateKey> keys;
  const GenesisConfig g = bench::bench_genesis("bench produce key ", kAccounts, keys);
  const PrivateKey sp_key = bench::bench_key("bench produce key ", bench::kBenchSpKey);
  const ChainId chain_id = sha256(as_bytes("ans bench produce chain"));

  const std::string dir = (std::filesystem::temp_directory_path() / "ans-bench-produce").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StateDbOptions options;
  options.sync = false;
  options.memory_state = memory;
  auto ledger = Ledger::open(dir + "/ledger", g, chain_id, options);
  if (!ledger) {
    std::fprintf(stderr, "ledger: %s\n", ledger.status().to_string().c_str());
    return 1;
  }
  auto store = ConsensusStore::open(dir + "/consensus", false);
  if (!store) {
    std::fprintf(stderr, "consensus store: %s\n", store.status().to_string().c_str());
    return 1;
  }
  Silent network;
  FixedRandom random;
  EngineOptions eo;
  eo.sp_id = g.sps[0].sp_id;
  eo.signing_key = sp_key;
  eo.max_block_transactions = block;
  eo.mempool.capacity = block;
  if (budget) {
    eo.monotonic_us = [] {
      return static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count());
    };
  }
  auto engine = Engine::open(**ledger, **store, network, random, g.genesis_time_ms, eo);
  if (!engine) {
    std::fprintf(stderr, "engine: %s\n", engine.status().to_string().c_str());
    return 1;
  }
  Engine& e = **engine;

  // The two validating observers: [0] gets the transactions by "gossip" first, [1] does not.
  struct Observer {
    std::unique_ptr<Ledger> ledger;
    std::unique_ptr<ConsensusStore> store;
    std::unique_ptr<Engine> engine;
    double wall = 0, cpu = 0;
  };
  Observer observers[2];
  for (int i = 0; i < 2; ++i) {
    const std::string sub = dir + "/observer" + std::to_string(i);
    std::filesystem::create_directories(sub);
    auto l = Ledger::open(sub + "/ledger", g, chain_id, options);
    auto st = ConsensusStore::open(sub + "/consensus", false);
    if (!l || !st) {
      std::fprintf(stderr, "observer stores: %s\n", (!l ? l.status() : st.status()).to_string().c_str());
      return 1;
    }
    observers[i].ledger = std::move(l).value();
    observers[i].store = std::move(st).value();
    EngineOptions oo;
    oo.mempool.capacity = block;
    auto oe = Engine::open(*observers[i].ledger, *observers[i].store, network, random, g.genesis_time_ms, oo);
    if (!oe) {
      std::fprintf(stderr, "observer engine: %s\n", oe.status().to_string().c_str());
      return 1;
    }
    observers[i].engine = std::move(oe).value();
  }

  // Transfers of 1 unit to the next account, B per round, the accounts in turn.
  std::vector<uint64_t> nonces(kAccounts, 0);
  size_t next_sender = 0;
  auto transfer = [&]() {
    const size_t i = next_sender;
    next_sender = (next_sender + 1) % kAccounts;
    v1::Transaction tx;
    tx.set_sender_key(to_field(keys[i].public_key().compressed()));
    tx.set_nonce(nonces[i]++);
    tx.set_fee(to_field(g.params.min_tx_fee.to_bytes()));
    tx.set_expiry_height(1'000'000);
    tx.mutable_transfer()->set_to(to_field(EthAddress::from_public_key(keys[(i + 1) % kAccounts].public_key()).bytes()));
    tx.mutable_transfer()->set_amount(to_field(Amount::from_units(1).to_bytes()));
    return sign_transaction(keys[i], chain_id, tx);
  };

  std::printf("block production: %zu rounds of %zu transfers in the mempool, one SP, %s layout, %s\n",
              rounds, block, memory ? "memory" : "LevelDB",
              budget ? "the engine's production budget (200 ms of choosing)" : "no production budget");
  double total_wall = 0, total_cpu = 0;
  size_t total_included = 0;
  std::vector<v1::SignedTransaction> last_round;
  for (size_t round = 1; round <= rounds; ++round) {
    std::vector<v1::SignedTransaction> txs;
    // Whatever the last block left in the pool is still there: top it up to B.
    const size_t want = block - e.mempool().size();
    for (size_t n = 0; n < want; ++n) txs.push_back(transfer());
    auto t0 = Clock::now();
    for (const auto& tx : txs) {
      auto added = e.submit(tx);
      if (!added || !*added) {
        std::fprintf(stderr, "submit refused: %s\n", added ? "duplicate" : added.status().to_string().c_str());
        return 1;
      }
    }
    const double submit_s = std::chrono::duration<double>(Clock::now() - t0).count();
    for (const auto& tx : txs) {
      if (!observers[0].engine->submit(tx)) {
        std::fprintf(stderr, "the observer's mempool refused a transaction\n");
        return 1;
      }
    }
    const uint64_t produced = e.stats().blocks_produced;
    const uint64_t slot = round;
    const double cpu0 = thread_cpu_s();
    t0 = Clock::now();
    e.on_tick(g.genesis_time_ms + slot * g.params.block_interval_ms);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = thread_cpu_s() - cpu0;
    if (e.stats().blocks_produced != produced + 1) {
      std::fprintf(stderr, "round %zu: no block produced\n", round);
      return 1;
    }
    const size_t included = static_cast<size_t>(e.head().block->transactions_size());
    std::printf("  round %zu: submitted %zu in %.3f s (%.1f us each); produced height %llu with %zu of %zu transactions in %.3f s (%.3f s on the producing thread's CPU), %.1f us per included transaction\n",
                round, txs.size(), submit_s, 1e6 * submit_s / static_cast<double>(txs.size()),
                static_cast<unsigned long long>(e.head().height), included, block, wall, cpu,
                1e6 * wall / static_cast<double>(std::max<size_t>(1, included)));
    const uint64_t now = g.genesis_time_ms + slot * g.params.block_interval_ms + 10;
    const Message m = Message::of(e.head().block);
    for (int i = 0; i < 2; ++i) {
      Observer& o = observers[i];
      const double ocpu0 = thread_cpu_s();
      const auto ot0 = Clock::now();
      o.engine->on_message(0, m, now);
      const double owall = std::chrono::duration<double>(Clock::now() - ot0).count();
      const double ocpu = thread_cpu_s() - ocpu0;
      if (o.engine->head().hash != e.head().hash) {
        std::fprintf(stderr, "round %zu: observer %d did not accept the block\n", round, i);
        return 1;
      }
      std::printf("           validator %s: accepted it in %.3f s (%.3f s on its thread's CPU), %.1f us per transaction\n",
                  i == 0 ? "holding its transactions (mempool)" : "that had not seen them      ", owall, ocpu,
                  1e6 * owall / static_cast<double>(std::max<size_t>(1, included)));
      o.wall += owall;
      o.cpu += ocpu;
    }
    total_wall += wall;
    total_cpu += cpu;
    total_included += included;
    last_round = std::move(txs);
  }
  std::printf("  engine: %llu transactions' signatures checked to apply blocks, %llu own blocks committed as built\n",
              static_cast<unsigned long long>(e.stats().transactions_checked),
              static_cast<unsigned long long>(e.stats().own_blocks_committed_as_built));
  std::printf("  mean: %.1f transactions per block, %.3f s per block (%.3f s CPU), %.1f us per included transaction\n",
              static_cast<double>(total_included) / static_cast<double>(rounds),
              total_wall / static_cast<double>(rounds), total_cpu / static_cast<double>(rounds),
              1e6 * total_wall / static_cast<double>(std::max<size_t>(1, total_included)));

  for (int i = 0; i < 2; ++i) {
    const Observer& o = observers[i];
    std::printf("  validator %s: %.3f s per block (%.3f s on its thread's CPU); %llu signatures verified, %llu verdicts from its mempool\n",
                i == 0 ? "holding the transactions" : "that had not seen them  ", o.wall / static_cast<double>(rounds),
                o.cpu / static_cast<double>(rounds), static_cast<unsigned long long>(o.engine->stats().transactions_checked),
                static_cast<unsigned long long>(o.engine->stats().transactions_known));
  }
  // Ceiling: the same signatures verified once, on this one thread.
  std::vector<PublicKey> pubs;
  std::vector<Hash256> hashes;
  std::vector<SchnorrSignature> sigs;
  for (const auto& tx : last_round) {
    pubs.push_back(PublicKey::parse(as_bytes(tx.tx().sender_key())).value());
    hashes.push_back(transaction_signing_hash(chain_id, tx.tx()));
    SchnorrSignature s{};
    std::memcpy(s.data(), tx.signature().data(), s.size());
    sigs.push_back(s);
  }
  const auto v0 = Clock::now();
  size_t ok = 0;
  for (size_t i = 0; i < pubs.size(); ++i) ok += pubs[i].verify(hashes[i], sigs[i]) ? 1 : 0;
  const double verify_s = std::chrono::duration<double>(Clock::now() - v0).count();
  if (ok != pubs.size()) {
    std::fprintf(stderr, "ceiling: %zu of %zu signatures failed\n", pubs.size() - ok, pubs.size());
    return 1;
  }
  std::printf("  ceiling: libsecp256k1 verification alone on 1 thread: %.0f/s, i.e. %.3f s to verify a block of %zu once\n",
              static_cast<double>(pubs.size()) / verify_s, verify_s * static_cast<double>(block) / static_cast<double>(pubs.size()),
              block);
  for (Observer& o : observers) {
    o.engine.reset();
    o.store.reset();
    o.ledger.reset();
  }
  engine.value().reset();
  store.value().reset();
  ledger.value().reset();
  std::filesystem::remove_all(dir);
  return 0;
}
