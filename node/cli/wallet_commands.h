// `ans` commands that talk to a node: queries (info, account, tx, resolve, reverse, name
// show/list, sp list/show, stations) and one command per transaction, each checked with the
// ledger's rules before it is signed (wallet/tx_check.h). docs/wallet.md has them all.
#pragma once

#include <CLI/CLI.hpp>

namespace ans::cli {

void add_wallet_commands(CLI::App& app, int& exit_code);

}  // namespace ans::cli
