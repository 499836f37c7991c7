// ansd: the ANS node. `ansd --config FILE` (or --genesis and the other flags) runs a node of
// a network, a validator or an observer; `ansd --dev` runs a single-node development chain;
// `ansd init` makes a
// node's data directory and `ansd config check` checks its config; `ansd genesis ...` makes
// and checks genesis files.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "node/cli/support.h"
#include "node/config.h"
#include "genesis/genesis_json.h"
#include "node/dev_node.h"
#include "node/genesis_commands.h"
#include "node/node.h"

namespace {

int fail(const std::string& what) {
  spdlog::error("{}", what);
  return 1;
}

// The node key: read from its file, or made there on the first start.
ans::Result<ans::PrivateKey> node_key(const std::string& path) {
  auto key = ans::node::load_key_file(path);
  if (key || key.status().code() != ans::Errc::kNotFound) return key;
  ans::PrivateKey fresh = ans::PrivateKey::generate();
  if (ans::Status st = ans::node::write_key_file(path, fresh); !st) return st;
  spdlog::info("made a new node key in {}", path);
  return fresh;
}

// `ansd` with a config file and/or flags: a validator (with an SP key) or an observer.
int run_configured(const ans::node::NodeFlags& flags, uint64_t run_for_ms) {
  auto config = ans::node::resolve_node_config(flags);
  if (!config) return fail(config.status().to_string());
  const ans::node::NodeConfig& c = *config;
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  if (c.genesis.empty()) {
    return fail("no genesis: set node.genesis in " +
                (ans::node::config_file_for(flags).empty() ? std::string("a config file")
                                                           : ans::node::config_file_for(flags)) +
                ", or pass --genesis FILE (or run ansd --dev)");
  }
  auto genesis = ans::load_genesis_file(c.genesis);
  if (!genesis) return fail(genesis.status().to_string());
  ans::node::NodeOptions o;
  o.genesis = std::move(genesis).value();
  o.data_dir = c.data_dir;
  o.state_in_memory = c.state_layout == "memory";
  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) return fail("cannot create data directory " + c.data_dir + ": " + ec.message());
  auto nk = node_key(c.node_key);
  if (!nk) return fail(nk.status().to_string());
  o.p2p.identity.node_key = *nk;
  for (const auto& [path, out] : {std::pair{&c.sp_key, &o.sp_key}, std::pair{&c.account_key, &o.account_key}}) {
    if (path->empty()) continue;
    auto key = ans::node::load_key_file(*path);
    if (!key) return fail(key.status().to_string());
    *out = *key;
  }
  o.grpc_listen = c.grpc_listen;
  o.http_listen = c.http_listen;
  o.admin_listen = c.admin_listen;
  o.p2p.listen = c.p2p_listen;
  o.p2p.external_address = c.external_address;
  o.p2p.peers = c.peers;
  o.p2p.seeds = c.seeds;
  o.p2p.max_inbound = c.max_inbound;
  o.p2p.max_outbound = c.max_outbound;
  o.p2p.max_per_ip = c.max_per_ip;
  o.p2p.pex = c.pex;
  o.p2p.max_frame_bytes = c.max_frame_bytes;
  o.p2p.peer_msgs_per_s = c.peer_msgs_per_s;
  o.p2p.peer_bytes_per_s = c.peer_bytes_per_s;
  o.p2p.ban_score = c.ban_score;
  o.p2p.ban_seconds = c.ban_seconds;
  o.mempool_capacity = c.mempool_capacity;
  o.mempool_per_sender = c.mempool_per_sender;
  o.run_for_ms = run_for_ms;
  o.mode = o.sp_key ? "validator" : "observer";
  return ans::node::run_node(std::move(o));
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr; stdout is for a command's output. A closed pipe on either makes writes
  // fail (and the commands report it) instead of killing the process, and a hangup (the
  // terminal closing) does not stop a node: it logs to stderr and has no log file to reopen.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  CLI::App app{"ansd — the ANS name registry node", "ansd"};
  app.footer(ans::cli::kExitCodesHelp);
  bool dev = false;
  ans::node::DevNodeOptions dev_options;
  ans::node::NodeFlags flags;
  ans::node::add_node_flags(app, flags);
  CLI::Option* dev_flag =
      app.add_flag("--dev", dev, "run a single-node development chain from the embedded dev genesis");
  // The dev chain has its own genesis and key, and no config file.
  for (const char* other : {"--config", "--genesis", "--sp-key"}) {
    dev_flag->excludes(other);
  }
  app.add_option("--run-for-ms", dev_options.run_for_ms,
                 "stop after this long (0: run until a signal)")
      ->check(ans::cli::whole_number(0, UINT64_MAX));
  app.require_subcommand(0, 1);
  int exit_code = 0;
  ans::node::add_genesis_commands(app, exit_code);
  ans::node::add_init_command(app, exit_code);
  ans::node::add_config_command(app, flags, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ans::cli::usage_error(app, e);
  }
  spdlog::set_level(spdlog::level::from_str(flags.log_level.value_or("info")));
  if (dev) {
    if (!app.get_subcommands().empty()) {
      std::fprintf(stderr, "ansd: --dev takes no subcommand\n");
      return ans::cli::kUsageExit;
    }
    dev_options.data_dir = flags.data_dir.value_or(dev_options.data_dir);
    dev_options.grpc_listen = flags.grpc_listen.value_or(dev_options.grpc_listen);
    dev_options.http_listen = flags.http_listen.value_or(dev_options.http_listen);
    dev_options.admin_listen = flags.admin_listen.value_or(dev_options.admin_listen);
    dev_options.p2p_listen = flags.p2p_listen.value_or(dev_options.p2p_listen);
    dev_options.peers = flags.peers.value_or(dev_options.peers);
    dev_options.state_in_memory = flags.state_layout.value_or("memory") == "memory";
    return ans::node::run_dev_node(dev_options);
  }
  if (app.get_subcommands().empty()) {
    // A node from its config: a config file (--config, or the data dir's), or --genesis.
    if (!flags.genesis && ans::node::config_file_for(flags).empty()) {
      std::fprintf(stderr, "%s", app.help().c_str());
      return ans::cli::kUsageExit;
    }
    return run_configured(flags, dev_options.run_for_ms);
  }
  return ans::cli::finish_output(exit_code);
}
