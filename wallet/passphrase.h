// Where a wallet command gets its passphrase from, and wiping one when done with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/util/status.h"

namespace ans::wallet {

// Reads a passphrase, from the first source there is:
//   1. `file` if non-empty: its first line, without the line end;
//   2. the environment variable ANS_PASSPHRASE, if set;
//   3. a prompt on /dev/tty with echo off, showing `prompt`; with `confirm` (a new key) it
//      asks twice and the two must match.
// An empty passphrase is refused. Errors: kNotFound or kIoError (the file, named),
// kInvalidArgument (empty, too long, or the two entries differ), kFailedPrecondition (no
// file, no ANS_PASSPHRASE and no terminal to ask on).
Result<std::string> read_passphrase(const std::string& file, std::string_view prompt, bool confirm);

// Overwrites the bytes of `secret` (so the optimizer cannot skip it) and empties it.
void wipe(std::string& secret);
void wipe(std::vector<uint8_t>& secret);

}  // namespace ans::wallet
