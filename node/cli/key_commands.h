// `ans key ...`: the wallet's keystore (wallet/keystore.h): create, import, list, show,
// export and choose the default key.
#pragma once

#include <CLI/CLI.hpp>

namespace ans::cli {

// Adds the `key` command group to `app`. Each subcommand sets the process exit code
// through `exit_code` when it runs.
void add_key_commands(CLI::App& app, int& exit_code);

}  // namespace ans::cli
