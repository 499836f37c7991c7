// bench_net: load on a running ANS network over gRPC, and the single-node apply rate it is
// compared with (docs/benchmarks.md, "Network"). scripts/bench-net.sh runs the whole thing on
// a 4-validator loopback network.
//
//   bench_net load --genesis G --testnet-dir D --nodes H:P,... [--accounts N] [--seconds S]
//                  [--rate R] [--pending K]
//     Funds N accounts from the testnet's owner keys (D/node<i>/owner.key), then sends
//     transfers from them, spread over the nodes: as fast as the network takes them
//     (--rate 0, saturation), or R per second. It follows the final blocks of the first node
//     and prints the final transactions per second over the last S seconds and, for each
//     transaction sent in them, the time from its submission to its final block (p50, p99).
//     Beside them: the ceiling, the 2-core BIP-340 verify rate measured in the same run
//     divided by the number of nodes (each node verifies each transaction once).
//   bench_net apply --genesis G --node H:P --to HEIGHT
//     Fetches the final blocks 1..HEIGHT, then applies them in this process to fresh stores
//     with the node's own engine (as an observer): the single-node apply rate a syncing
//     node is measured against.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ans/v1/rpc.grpc.pb.h"
#include "consensus/engine.h"
#include "genesis/genesis_json.h"
#include "ledger/identity/address.h"
#include "ledger/state/ledger_state.h"
#include "ledger/wire/codec.h"

namespace ans {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kExpiry = 1'000'000'000;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_net: %s\n", why.c_str());
  std::exit(1);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

PrivateKey key_file(const std::string& path) {
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  auto bytes = from_hex(hex);
  if (!bytes) die(path + ": " + bytes.status().to_string());
  auto key = PrivateKey::from_bytes(*bytes);
  if (!key) die(path + ": " + key.status().to_string());
  return *key;
}

std::shared_ptr<grpc::Channel> channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// The 2-core BIP-340 verify rate, measured now.
double verify_rate() {
  PrivateKey k = PrivateKey::generate();
  const Hash256 msg = sha256(as_bytes(std::string("bench")));
  const SchnorrSignature sig = k.sign(msg);
  const PublicKey pub = k.public_key();
  std::atomic<uint64_t> done{0};
  const auto end = Clock::now() + std::chrono::seconds(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      uint64_t n = 0;
      while (Clock::now() < end) {
        for (int i = 0; i < 64; ++i) n += pub.verify(msg, sig) ? 1 : 0;
      }
      done += n;
    });
  }
  for (auto& t : threads) t.join();
  return static_cast<double>(done.load()) / 2.0;
}

struct Args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  std::string need(const std::string& k) const {
    auto it = kv.find(k);
    if (it == kv.end()) die("missing --" + k);
    return it->second;
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

class Sender {
 public:
  Sender(const GenesisConfig& genesis, std::vector<std::string> nodes)
      : genesis_(genesis), chain_(chain_id(genesis)), nodes_(std::move(nodes)) {
    for (const auto& n : nodes_) stubs_.push_back(v1::ChainService::NewStub(channel(n)));
  }

  v1::SignedTransaction transfer(const PrivateKey& from, uint64_t nonce, const EthAddress& to, const Amount& amount) {
    v1::Transaction tx;
    tx.set_sender_key(to_field(from.public_key().compressed()));
    tx.set_nonce(nonce);
    tx.set_fee(to_field(genesis_.params.min_tx_fee.to_bytes()));
    tx.set_expiry_height(kExpiry);
    tx.mutable_transfer()->set_to(to_field(to.bytes()));
    tx.mutable_transfer()->set_amount(LedgerState::amount_bytes(amount));
    return sign_transaction(from, chain_, tx);
  }

  // Submits to node `node`; the gRPC status.
  grpc::Status submit(size_t node, const v1::SignedTransaction& tx) {
    v1::SubmitTransactionRequest req;
    *req.mutable_transaction() = tx;
    v1::SubmitTransactionResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stubs_[node % stubs_.size()]->SubmitTransaction(&ctx, req, &resp);
  }

  uint64_t nonce(const PrivateKey& who) {
    v1::GetAccountRequest req;
    req.set_address(EthAddress::from_public_key(who.public_key()).to_string());
    v1::GetAccountResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = stubs_[0]->GetAccount(&ctx, req, &resp);
    if (!st.ok()) die("GetAccount: " + st.error_message());
    return resp.nonce();
  }

  size_t nodes() const { return nodes_.size(); }
  const ChainId& chain() const { return chain_; }

 private:
  const GenesisConfig& genesis_;
  ChainId chain_;
  std::vector<std::string> nodes_;
  std::vector<std::unique_ptr<v1::ChainService::Stub>> stubs_;
};

int load(const Args& a) {
  auto genesis = load_genesis_file(a.need("genesis"));
  if (!genesis) die(genesis.status().to_string());
  const std::vector<std::string> nodes = split(a.need("nodes"));
  const std::string dir = a.need("testnet-dir");
  const size_t accounts = std::stoul(a.get("accounts", "1024"));
  const double seconds = std::stod(a.get("seconds", "20"));
  const double rate = std::stod(a.get("rate", "0"));
  const size_t pending = std::stoul(a.get("pending", "16"));
  Sender sender(*genesis, nodes);
  std::vector<PrivateKey> owners;
  for (size_t i = 0; i < genesis->sps.size(); ++i) owners.push_back(key_file(dir + "/node" + std::to_string(i) + "/owner.key"));

  // ---- funding: each owner pays its share of the accounts, in waves the per-sender cap takes
  std::vector<PrivateKey> keys;
  for (size_t i = 0; i < accounts; ++i) {
    auto k = PrivateKey::from_bytes(sha256(as_bytes("bench-account-" + std::to_string(i))));
    keys.push_back(*k);
  }
  std::printf("funding %zu accounts from %zu owners...\n", accounts, owners.size());
  std::fflush(stdout);
  const auto fund_start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (size_t o = 0; o < owners.size(); ++o) {
      threads.emplace_back([&, o] {
        uint64_t n = sender.nonce(owners[o]);
        for (size_t i = o; i < accounts;) {
          size_t wave = 0;
          for (; i < accounts && wave < 48; i += owners.size(), ++wave) {
            auto tx = sender.transfer(owners[o], n++, EthAddress::from_public_key(keys[i].public_key()),
                                      Amount::from_dimt(10'000));
            grpc::Status st = sender.submit(o, tx);
            if (!st.ok()) die("funding: " + st.error_message());
          }
          while (sender.nonce(owners[o]) < n) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  std::printf("funded in %.1f s\n", std::chrono::duration<double>(Clock::now() - fund_start).count());

  // ---- follow the final blocks
  struct Account {
    uint64_t nonce = 0;
    std::atomic<int> in_flight{0};
    Clock::time_point last_final = Clock::now();
  };
  std::vector<Account> state(accounts);
  std::map<Hash256, std::pair<size_t, Clock::time_point>> sent;  // tx id -> account, when
  std::mutex sent_mu;
  std::vector<double> latencies_ms;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> final_txs{0};
  std::atomic<bool> measuring{false};
  std::atomic<uint64_t> measured_txs{0};
  uint64_t start_height = 0;
  {
    auto stub = v1::ChainService::NewStub(channel(nodes[0]));
    grpc::ClientContext ctx;
    v1::GetInfoResponse info;
    if (!stub->GetInfo(&ctx, v1::GetInfoRequest(), &info).ok()) die("GetInfo failed");
    start_height = info.final_height() + 1;
  }
  for (size_t i = 0; i < accounts; ++i) state[i].nonce = sender.nonce(keys[i]);
  std::thread follower([&] {
    auto stub = v1::ChainService::NewStub(channel(nodes[0]));
    grpc::ClientContext ctx;
    v1::StreamBlocksRequest req;
    req.set_from_height(start_height);
    req.set_include_raw(true);
    auto reader = stub->StreamBlocks(&ctx, req);
    v1::BlockInfo b;
    std::thread cancel([&] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ctx.TryCancel();
    });
    while (reader->Read(&b)) {
      const auto now = Clock::now();
      v1::Block block;
      if (!block.ParseFromString(b.raw())) continue;
      final_txs += block.transactions_size();
      if (measuring) measured_txs += block.transactions_size();
      std::lock_guard lock(sent_mu);
      for (const auto& stx : block.transactions()) {
        auto it = sent.find(transaction_id(stx.tx()));
        if (it == sent.end()) continue;
        state[it->second.first].in_flight--;
        state[it->second.first].last_final = now;
        if (measuring) latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second.second).count());
        sent.erase(it);
      }
    }
    cancel.join();
  });

  // ---- send
  const auto t0 = Clock::now();
  const auto warmup = std::chrono::seconds(5);
  const auto end = t0 + warmup + std::chrono::duration<double>(seconds);
  std::atomic<uint64_t> submitted{0}, refused{0};
  const unsigned threads_n = static_cast<unsigned>(std::stoul(a.get("threads", "48")));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      const EthAddress back = EthAddress::from_public_key(owners[0].public_key());
      size_t next_node = t;
      auto pace = Clock::now();
      const auto gap = rate > 0 ? std::chrono::duration<double>(threads_n / rate) : std::chrono::duration<double>(0);
      while (Clock::now() < end) {
        bool any = false;
        for (size_t i = t; i < accounts && Clock::now() < end; i += threads_n) {
          Account& acc = state[i];
          if (acc.in_flight >= static_cast<int>(pending)) {
            // Lost (dropped or refused): start again from the chain's nonce.
            if (Clock::now() - acc.last_final > std::chrono::seconds(15)) {
              acc.nonce = sender.nonce(keys[i]);
              acc.in_flight = 0;
              acc.last_final = Clock::now();
            }
            continue;
          }
          if (rate > 0) {
            pace += std::chrono::duration_cast<Clock::duration>(gap);
            std::this_thread::sleep_until(pace);
          }
          auto tx = sender.transfer(keys[i], acc.nonce, back, Amount::from_units(1));
          const Hash256 id = transaction_id(tx.tx());
          {
            std::lock_guard lock(sent_mu);
            sent[id] = {i, Clock::now()};
          }
          grpc::Status st = sender.submit(next_node++, tx);
          if (st.ok()) {
            ++acc.nonce;
            ++acc.in_flight;
            ++submitted;
            any = true;
          } else {
            ++refused;
            std::lock_guard lock(sent_mu);
            sent.erase(id);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }
        if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  std::this_thread::sleep_until(t0 + warmup);
  measuring = true;
  const auto m0 = Clock::now();
  for (auto& t : threads) t.join();
  const double window = std::chrono::duration<double>(Clock::now() - m0).count();
  measuring = false;
  // The transactions sent last get time to become final before the latencies are read.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  stop = true;
  follower.join();
  const double tps = static_cast<double>(measured_txs.load()) / window;
  const double v = verify_rate();
  const double interval_ms = static_cast<double>(genesis->params.block_interval_ms);
  std::printf("nodes %zu, accounts %zu, %s, window %.1f s\n", sender.nodes(), accounts,
              rate > 0 ? ("offered " + std::to_string(static_cast<int>(rate)) + " tx/s").c_str() : "saturation",
              window);
  std::printf("submitted %llu (refused %llu)\n", static_cast<unsigned long long>(submitted.load()),
              static_cast<unsigned long long>(refused.load()));
  std::printf("final tx/s: %.0f\n", tps);
  std::lock_guard lock(sent_mu);
  std::printf("submit-to-final latency over %zu tx: p50 %.0f ms (%.2f intervals), p99 %.0f ms (%.2f intervals)\n",
              latencies_ms.size(), percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.5) / interval_ms,
              percentile(latencies_ms, 0.99), percentile(latencies_ms, 0.99) / interval_ms);
  std::printf("ceiling: 2-core BIP-340 verify rate %.0f/s in this run, / %zu nodes = %.0f tx/s; block limit %.0f tx/s\n",
              v, sender.nodes(), v / static_cast<double>(sender.nodes()),
              5000.0 * 1000.0 / interval_ms);
  return 0;
}

class NoNetwork final : public consensus::Network {
 public:
  void broadcast(const consensus::Message&) override {}
  void send(int, const consensus::Message&) override {}
  void relay(int, const consensus::Message&) override {}
};
class Rand final : public consensus::Randomness {
 public:
  FixedBytes<32> aux32() override { return {}; }
};

int apply(const Args& a) {
  auto genesis = load_genesis_file(a.need("genesis"));
  if (!genesis) die(genesis.status().to_string());
  const uint64_t to = std::stoull(a.need("to"));
  auto stub = v1::ChainService::NewStub(channel(a.need("node")));
  std::vector<std::shared_ptr<const v1::Block>> blocks;
  uint64_t txs = 0;
  for (uint64_t h = 1; h <= to; ++h) {
    v1::GetBlockRequest req;
    req.set_height(h);
    req.set_include_raw(true);
    v1::GetBlockResponse resp;
    grpc::ClientContext ctx;
    grpc::Status st = stub->GetBlock(&ctx, req, &resp);
    if (!st.ok()) die("GetBlock " + std::to_string(h) + ": " + st.error_message());
    auto b = std::make_shared<v1::Block>();
    if (!b->ParseFromString(resp.block().raw())) die("block " + std::to_string(h) + " does not parse");
    txs += static_cast<uint64_t>(b->transactions_size());
    blocks.push_back(std::move(b));
  }
  const std::string dir = (std::filesystem::temp_directory_path() / ("bench-net-apply-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const ChainId id = chain_id(*genesis);
  auto ledger = Ledger::open(dir + "/ledger", *genesis, id, StateDbOptions{});
  if (!ledger) die(ledger.status().to_string());
  auto store = consensus::ConsensusStore::open(dir + "/consensus");
  if (!store) die(store.status().to_string());
  NoNetwork net;
  Rand rnd;
  consensus::EngineOptions eo;
  auto engine = consensus::Engine::open(**ledger, **store, net, rnd, genesis->genesis_time_ms, eo);
  if (!engine) die(engine.status().to_string());
  const uint64_t now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count());
  const auto start = Clock::now();
  for (const auto& b : blocks) {
    consensus::Verdict v = (*engine)->on_message(1, consensus::Message::of(b), now_ms);
    if (!v.is(consensus::Verdict::Kind::kAccepted)) die("block not accepted: " + v.reason().to_string());
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("single-node apply of blocks 1..%llu (%llu tx): %.2f s, %.0f blocks/s, %.0f tx/s\n",
              static_cast<unsigned long long>(to), static_cast<unsigned long long>(txs), secs,
              static_cast<double>(to) / secs, static_cast<double>(txs) / secs);
  { auto owned = std::move(engine).value(); }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace ans

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_net load|apply --key value ...\n");
    return 2;
  }
  ans::Args a;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (!k.starts_with("--")) ans::die("expected --key value, got " + k);
    a.kv[k.substr(2)] = argv[i + 1];
  }
  std::string mode = argv[1];
  if (mode == "load") return ans::load(a);
  if (mode == "apply") return ans::apply(a);
  ans::die("unknown mode " + mode);
}
