// ansd: the ANS node. `ansd --dev` runs a single-node development chain; `ansd init` makes a
// node's data directory and `ansd config check` checks its config; `ansd genesis ...` makes
// and checks genesis files.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "node/cli/support.h"
#include "node/config.h"
#include "node/dev_node.h"
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
  ans::node::NodeFlags flags;
  ans::node::add_node_flags(app, flags);
  CLI::Option* dev_flag =
      app.add_flag("--dev", dev, "run a single-node development chain from the embedded dev genesis");
  // The dev chain has its own genesis and key, and no config file.
  for (const char* other : {"--config", "--genesis", "--sp-key"}) {
    dev_flag->excludes(other);
  }
  app.add_option("--run-for-ms", dev_options.run_for_ms,
                 "with --dev: stop after this long (0: run until a signal)")
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
    dev_options.state_in_memory = flags.state_layout.value_or("memory") == "memory";
    return ans::node::run_dev_node(dev_options);
  }
  if (app.get_subcommands().empty()) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return ans::cli::kUsageExit;
  }
  return ans::cli::finish_output(exit_code);
}
