// ansd: the ANS node. `ansd --dev` runs a single-node development chain; `ansd genesis ...`
// makes and checks genesis files.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "node/cli/support.h"
#include "node/dev_node.h"
#include "node/node.h"
#include "genesis/genesis_json.h"
#include <fstream>
#include "node/genesis_commands.h"

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
  app.add_flag("--dev", dev, "run a single-node development chain from the embedded dev genesis");
  app.add_option("--data-dir", dev_options.data_dir, "where --dev keeps its stores")
      ->capture_default_str();
  app.add_option("--run-for-ms", dev_options.run_for_ms,
                 "with --dev: stop after this long (0: run until a signal)")
      ->check(ans::cli::whole_number(0, UINT64_MAX));
  app.add_option("--grpc-listen", dev_options.grpc_listen, "gRPC address (host:port; port 0: any)")
      ->capture_default_str();
  app.add_option("--http-listen", dev_options.http_listen,
                 "HTTP/JSON and explorer address (host:port; port 0: any)")
      ->capture_default_str();
  app.add_option("--admin-listen", dev_options.admin_listen,
                 "gRPC AdminService address, loopback only (host:port; port 0: any)")
      ->capture_default_str();
  app.add_option("--p2p-listen", dev_options.p2p_listen, "P2P address (host:port; port 0: any)")
      ->capture_default_str();
  app.add_option("--peers", dev_options.peers, "peers to dial and keep connected (host:port, comma separated)")
      ->delimiter(',');
  std::string genesis_path, sp_key_path;
  app.add_option("--genesis", genesis_path, "genesis JSON file (without --dev)");
  app.add_option("--sp-key", sp_key_path, "SP signing key file (hex)");
  std::string state_layout = "memory";
  app.add_option("--state-layout", state_layout,
                 "layout of a new state store: memory (state in memory, LevelDB as its journal "
                 "and snapshots) or leveldb (every key in LevelDB); an existing store must be "
                 "opened with the layout it was made with")
      ->check(CLI::IsMember({"memory", "leveldb"}))
      ->capture_default_str();
  std::string log_level = "info";
  app.add_option("--log-level", log_level,
                 "the least severe log lines shown: trace, debug (adds an access log line per "
                 "HTTP request), info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.require_subcommand(0, 1);
  int exit_code = 0;
  ans::node::add_genesis_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ans::cli::usage_error(app, e);
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (dev) {
    if (!app.get_subcommands().empty()) {
      std::fprintf(stderr, "ansd: --dev takes no subcommand\n");
      return ans::cli::kUsageExit;
    }
    dev_options.state_in_memory = state_layout == "memory";
    return ans::node::run_dev_node(dev_options);
  }
  if (!genesis_path.empty()) {
    auto genesis = ans::load_genesis_file(genesis_path);
    if (!genesis) {
      std::fprintf(stderr, "ansd: %s\n", genesis.status().to_string().c_str());
      return 1;
    }
    ans::node::NodeOptions o;
    o.genesis = *genesis;
    o.data_dir = dev_options.data_dir;
    o.grpc_listen = dev_options.grpc_listen;
    o.http_listen = dev_options.http_listen;
    o.admin_listen = dev_options.admin_listen;
    o.p2p.listen = dev_options.p2p_listen;
    o.p2p.peers = dev_options.peers;
    o.run_for_ms = dev_options.run_for_ms;
    if (!sp_key_path.empty()) {
      std::ifstream in(sp_key_path);
      std::string hex;
      in >> hex;
      auto bytes = ans::from_hex(hex);
      auto key = bytes ? ans::PrivateKey::from_bytes(*bytes) : ans::Result<ans::PrivateKey>(bytes.status());
      if (!key) {
        std::fprintf(stderr, "ansd: %s: %s\n", sp_key_path.c_str(), key.status().to_string().c_str());
        return 1;
      }
      o.sp_key = *key;
    }
    o.mode = o.sp_key ? "validator" : "observer";
    return ans::node::run_node(std::move(o));
  }
  if (app.get_subcommands().empty()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return ans::cli::kUsageExit;
  }
  return ans::cli::finish_output(exit_code);
}
