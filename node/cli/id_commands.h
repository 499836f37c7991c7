// `ans id ...`: derive and check DIMP identities.
#pragma once

#include <CLI/CLI.hpp>

namespace ans::cli {

// Adds the `id` command group to `app`. Each subcommand sets the process exit code
// through `exit_code` when it runs.
void add_id_commands(CLI::App& app, int& exit_code);

}  // namespace ans::cli
