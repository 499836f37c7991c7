#include "node/node.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "consensus/engine.h"
#include "genesis/genesis_json.h"
#include "ledger/state/keys.h"
#include "ledger/store/leveldb_open.h"
#include "rpc/chain_publisher.h"
#include "rpc/grpc_server.h"
#include "rpc/http_server.h"
#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::node {
namespace {

std::atomic<bool> g_stop{false};

// The longest the loop sleeps between looks at the stop flag and the clock.
constexpr uint64_t kMaxSleepMs = 100;
// The chain thread takes peers' messages in slices of this many, and stops taking for a
// turn after this long, so that its own slot and posted RPC work are never far off.
constexpr size_t kInboundSlice = 256;
constexpr auto kInboundBudget = std::chrono::milliseconds(50);

void on_signal(int) { g_stop.store(true); }

uint64_t unix_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

class OsRandomness final : public consensus::Randomness {
 public:
  FixedBytes<32> aux32() override {
    FixedBytes<32> out{};
    os_random(out);
    return out;
  }
};

// One line with the ledger's head, final height and state root, the same at a stop and at
// the next opening: tests compare them.
void log_state(std::string_view when, const Ledger& ledger) {
  auto root = ledger.state_root();
  spdlog::info("state at {}: head {} {} final {} root {}", when, ledger.head_height(),
               to_hex(ledger.db().head_hash()), ledger.final_height(),
               root ? to_hex(*root) : root.status().to_string());
}

// "host:port" with the port actually bound (the configured one may be 0).
std::string host_port(const std::string& configured, int port) {
  return configured.substr(0, configured.rfind(':')) + ":" + std::to_string(port);
}

// The SP whose signing key `key` is: from the genesis, else from the active sets of the
// ledger's head (an SP registered since). Empty when there is none.
std::string sp_of_key(const GenesisConfig& genesis, Ledger& ledger, const PrivateKey& key) {
  const CompressedPubKey pub = key.public_key().compressed();
  for (const auto& sp : genesis.sps) {
    if (sp.signing_key == pub) return sp.sp_id;
  }
  v1::ActiveSetState sets;
  auto raw = ledger.db().get(keys::kActiveSets);
  if (raw && sets.ParseFromString(*raw)) {
    const std::string wanted(pub.begin(), pub.end());
    for (const auto* members : {&sets.active(), &sets.pending()}) {
      for (const auto& m : *members) {
        if (m.signing_key() == wanted) return m.sp_id();
      }
    }
  }
  return {};
}

rpc::NetworkReadings readings_of(const p2p::HostStats& s) {
  rpc::NetworkReadings r;
  r.inbound = s.inbound;
  r.outbound = s.outbound;
  r.banned = s.banned;
  r.bans_total = s.bans_total;
  r.bytes_in = s.bytes_in;
  r.bytes_out = s.bytes_out;
  r.duplicates = s.duplicates;
  r.shed = s.shed;
  r.rate_limited = s.rate_limited;
  r.syncing = s.syncing;
  r.sync_target = s.sync_target;
  r.synced_blocks = s.synced_blocks;
  for (const auto& p : s.peers) {
    v1::PeerInfo& out = r.peers.emplace_back();
    out.set_node_key(p.node_key);
    out.set_address(p.address);
    out.set_outbound(p.outbound);
    out.set_agent(p.agent);
    out.set_head_height(p.head_height);
    out.set_final_height(p.final_height);
    out.set_score(p.score);
    out.set_bytes_in(p.bytes_in);
    out.set_bytes_out(p.bytes_out);
  }
  for (const auto& b : s.bans) {
    v1::BanInfo& out = r.bans.emplace_back();
    out.set_node_key(b.node_key);
    out.set_remaining_s(b.remaining_s);
    out.set_reason(b.reason);
  }
  return r;
}

}  // namespace

int run_node(NodeOptions options) {
  const GenesisConfig& genesis = options.genesis;
  ChainId id = chain_id(genesis);
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", options.data_dir, ec.message());
    return 1;
  }
  const std::string ledger_path = options.data_dir + "/ledger";
  const std::string consensus_path = options.data_dir + "/consensus";
  // Both stores are checked before either is opened, so that a damaged one is refused
  // before LevelDB has written to the other.
  for (const auto& [path, what] : {std::pair{ledger_path, "ledger store"},
                                   std::pair{consensus_path, "consensus store"}}) {
    if (auto dir = inspect_store_dir(*leveldb::Env::Default(), path, what); !dir) {
      spdlog::error("cannot open the {}: {}", what, dir.status().to_string());
      return 1;
    }
  }
  StateDbOptions state_options;
  state_options.memory_state = options.state_in_memory;
  const auto open_start = std::chrono::steady_clock::now();
  auto ledger = Ledger::open(ledger_path, genesis, id, state_options);
  if (!ledger) {
    spdlog::error("cannot open the ledger store: {}", ledger.status().to_string());
    return 1;
  }
  // The memory layout loads its snapshot, replays the journal and builds the state tree here:
  // seconds per million names (docs/operator.md).
  spdlog::info("ledger opened in {:.1f} s ({} layout)",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count(),
               state_options.memory_state ? "memory" : "LevelDB");
  auto store = consensus::ConsensusStore::open(consensus_path);
  if (!store) {
    spdlog::error("cannot open the consensus store: {}", store.status().to_string());
    return 1;
  }
  rpc::ChainBoard board;
  rpc::ChainPublisher publisher(**store, board);

  p2p::HostOptions& po = options.p2p;
  po.identity.chain_id = id;
  po.identity.chain_name = genesis.chain_name;
  po.identity.agent = "ansd/0.1";
  auto started_host = p2p::Host::start(po, **store, [&board] { board.wake(); });
  if (!started_host) {
    spdlog::error("cannot start P2P: {}", started_host.status().to_string());
    return 1;
  }
  std::unique_ptr<p2p::Host> host = std::move(started_host).value();
  spdlog::info("P2P on {} as node {}", po.listen.empty() ? "no listener" : host_port(po.listen, host->port()),
               to_hex(host->node_key()));

  OsRandomness randomness;
  // Declared after the ledger: destroyed (with every view it holds) before it.
  ViewRegistry views;
  consensus::EngineOptions eo;
  if (options.sp_key) {
    eo.sp_id = sp_of_key(genesis, **ledger, *options.sp_key);
    if (eo.sp_id.empty()) {
      spdlog::warn("the SP key {} is the signing key of no SP in the genesis or the active set: "
                   "running as a non-validating node",
                   to_hex(options.sp_key->public_key().compressed()));
    } else {
      eo.signing_key = options.sp_key;
    }
  }
  eo.account_key = options.account_key;
  eo.views = &views;
  eo.mempool.capacity = options.mempool_capacity;
  eo.mempool.per_sender_cap = options.mempool_per_sender;
  // Pending transactions are written here at a clean stop and taken back at the next start.
  eo.mempool_path = options.data_dir + "/mempool.bin";
  eo.monotonic_us = [] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  };
  auto opened = consensus::Engine::open(**ledger, **store, *host, randomness, genesis.genesis_time_ms, eo,
                                        &publisher);
  if (!opened) {
    spdlog::error("cannot start consensus: {}", opened.status().to_string());
    return 1;
  }
  std::unique_ptr<consensus::Engine> engine = std::move(opened).value();
  spdlog::info("ansd {}: chain {} ({}), data in {}, head {} final {}, {}", options.mode, genesis.chain_name,
               to_hex(id), options.data_dir, (*ledger)->head_height(), (*ledger)->final_height(),
               eo.sp_id.empty() ? std::string("not validating") : "validating as " + eo.sp_id);
  log_state("opening", **ledger);
  publisher.start(*engine);

  rpc::NodeContext context;
  context.genesis = genesis;
  context.chain_id = id;
  context.producer = eo.sp_id;
  context.views = &views;
  context.board = &board;
  context.store = store->get();
  context.submit_on_chain = [&engine](const v1::SignedTransaction& tx) { return engine->submit(tx); };
  p2p::Host* host_ptr = host.get();
  context.network = [host_ptr] { return readings_of(host_ptr->stats()); };
  rpc::NodeApi api(std::move(context));
  rpc::Metrics metrics;
  // Servers stop (their calls end) before the board closes and the engine goes.
  struct Servers {
    std::unique_ptr<rpc::GrpcServer> grpc;
    std::unique_ptr<rpc::HttpServer> http;
  } servers;
  {
    rpc::GrpcOptions go;
    go.listen = options.grpc_listen;
    go.admin_listen = options.admin_listen;
    auto started_grpc = rpc::GrpcServer::start(api, metrics, go);
    if (!started_grpc) {
      spdlog::error("cannot start gRPC on {}: {}", options.grpc_listen, started_grpc.status().to_string());
      return 1;
    }
    servers.grpc = std::move(started_grpc).value();
    spdlog::info("gRPC on {} (AdminService on {})", host_port(options.grpc_listen, servers.grpc->port()),
                 host_port(options.admin_listen, servers.grpc->admin_port()));
  }
  {
    rpc::HttpOptions ho;
    ho.listen = options.http_listen;
    auto started_http = rpc::HttpServer::start(api, metrics, ho);
    if (!started_http) {
      spdlog::error("cannot start HTTP on {}: {}", options.http_listen, started_http.status().to_string());
      return 1;
    }
    servers.http = std::move(started_http).value();
    spdlog::info("HTTP/JSON and the explorer on http://{}/", servers.http->address());
  }
  spdlog::info("stop with Ctrl-C");

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  int exit_code = 0;

  uint64_t started = unix_ms();
  std::string last_snapshot_error = Status::ok().to_string();
  while (!g_stop.load()) {
    uint64_t now = unix_ms();
    if (options.run_for_ms != 0 && now - started >= options.run_for_ms) break;
    board.run_posted();
    // Peers' messages, oldest first, each judged by the engine; its verdict scores the peer.
    const auto inbound_deadline = std::chrono::steady_clock::now() + kInboundBudget;
    for (;;) {
      std::vector<p2p::Inbound> batch = host->take_inbound(kInboundSlice);
      for (p2p::Inbound& in : batch) {
        consensus::Verdict verdict = engine->on_message(in.peer, in.message, unix_ms());
        host->report(in.peer, verdict, in.message.kind);
        if (verdict.is(consensus::Verdict::Kind::kInvalid)) {
          spdlog::debug("rejected a {} from peer {}: {}", in.message.kind == consensus::Message::Kind::kBlock ? "block" : "message",
                        in.peer, verdict.reason().to_string());
        }
      }
      if (batch.size() < kInboundSlice || std::chrono::steady_clock::now() >= inbound_deadline) break;
    }
    now = unix_ms();
    engine->on_tick(now);
    if (const auto& index_error = publisher.index_error()) {
      spdlog::critical("node fault in the consensus store at {}: {}; stopping", consensus_path,
                       index_error->to_string());
      exit_code = 1;
      break;
    }
    publisher.publish(*engine);
    const consensus::BlockNode& final_block = engine->final_block();
    host->set_local_status(engine->head().height, final_block.height, final_block.hash);
    if (const std::optional<Status>& fault = engine->node_fault()) {
      // The consensus store's messages name it; any other fault is the ledger store's.
      const bool consensus = (*ledger)->db().status() && fault->message().starts_with("consensus store");
      spdlog::critical("node fault in the {} at {}: {}; stopping (restore the data directory "
                       "from a backup, or start a new one)",
                       consensus ? "consensus store" : "ledger store",
                       consensus ? consensus_path : ledger_path, fault->to_string());
      exit_code = 1;
      break;
    }
    // A snapshot that failed leaves the journal growing (blocks are safe): say so once.
    const Status& snapshot = (*ledger)->db().snapshot_status();
    if (snapshot.to_string() != last_snapshot_error) {
      last_snapshot_error = snapshot.to_string();
      if (!snapshot) {
        spdlog::warn("state snapshot failed: {}; the journal keeps every block and the next "
                     "commit tries again", last_snapshot_error);
      } else {
        spdlog::info("state snapshots work again");
      }
    }
    // Until the engine next has something to do, in slices short enough to notice a signal
    // or the end of --run-for-ms promptly.
    const uint64_t after = unix_ms();
    const uint64_t wake = engine->next_wakeup_ms().value_or(after + kMaxSleepMs);
    // Posted RPC work and peers' messages wake it at once.
    board.wait_for_tasks(std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::clamp<uint64_t>(wake > after ? wake - after : 0, 1, kMaxSleepMs)));
  }
  board.close();
  servers = Servers{};
  host->stop();  // no more messages to or from the engine
  if (exit_code == 0) {
    if (Status st = engine->save_mempool(); !st) {
      spdlog::warn("could not save the mempool ({}); its transactions are lost", st.to_string());
    } else if (engine->mempool().size() > 0) {
      spdlog::info("saved {} pending transactions for the next start", engine->mempool().size());
    }
  }
  spdlog::info("stopping: head {} final {}", (*ledger)->head_height(), (*ledger)->final_height());
  engine.reset();  // before the stores it uses
  host.reset();
  if (exit_code != 0) return exit_code;  // nothing more is written to a store that failed
  log_state("stopping", **ledger);
  if ((*ledger)->db().memory_state()) {
    // The next start then loads this snapshot instead of replaying the journal.
    if (Status st = (*ledger)->db().write_snapshot(); !st) {
      spdlog::warn("could not write a state snapshot at shutdown ({}); the journal keeps every "
                   "block, and the next start replays it", st.to_string());
    }
  }
  return exit_code;
}

}  // namespace ans::node
