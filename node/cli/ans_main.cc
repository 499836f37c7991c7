// ans: the command-line wallet and tool.
#include <CLI/CLI.hpp>
#include <signal.h>

#include "node/cli/id_commands.h"
#include "node/cli/key_commands.h"
#include "node/cli/support.h"
#include "node/cli/wallet_commands.h"

int main(int argc, char** argv) {
  // A closed pipe makes a write fail (reported by finish_output), not kill the process.
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"ans — wallet and tools for the ANS name registry chain", "ans"};
  app.footer(ans::cli::kExitCodesHelp);
  app.require_subcommand(1);
  int exit_code = 0;
  ans::cli::add_id_commands(app, exit_code);
  ans::cli::add_key_commands(app, exit_code);
  ans::cli::add_wallet_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ans::cli::usage_error(app, e);
  }
  return ans::cli::finish_output(exit_code);
}
