// ansd: the ANS node. For now only its `genesis` commands.
#include <CLI/CLI.hpp>

#include "node/genesis_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ansd — the ANS name registry node"};
  app.require_subcommand(1);
  int exit_code = 0;
  ans::node::add_genesis_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Prints usage or the parse error. Usage errors exit 2, as is conventional.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
