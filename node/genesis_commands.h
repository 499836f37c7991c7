// `ansd genesis ...`: make, check and print genesis files.
#pragma once

#include <CLI/CLI.hpp>

namespace ans::node {

// Adds the `genesis` command group to `app`:
//   genesis testnet --sps N --out DIR [--genesis-time-ms T]   keys and genesis for N local SPs
//   genesis check FILE                                         validate, print chain id and summary
//   genesis dev                                                print the embedded dev genesis
//   genesis chain-id FILE                                      print the chain id
// Each subcommand sets `exit_code` when it runs: 0 on success, 1 with the reason on stderr.
void add_genesis_commands(CLI::App& app, int& exit_code);

}  // namespace ans::node
