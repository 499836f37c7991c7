// ans: the command-line wallet and tool.
#include <CLI/CLI.hpp>

#include "node/cli/id_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ans — wallet and tools for the ANS name registry chain"};
  app.require_subcommand(1);
  int exit_code = 0;
  ans::cli::add_id_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Prints usage or the parse error. Usage errors exit 2, as is conventional.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
