// The genesis file: a JSON document that fixes everything a chain is born with, its loader
// (which validates and says where and why a file is wrong), its writers, and the chain id.
// docs/genesis.md describes the format field by field.
//
// Shape (every key is required, except inside "params", where a missing field takes the
// spec default of ChainParams; an unknown or duplicated key anywhere is an error):
//   { "chain_name": "ans-mainnet", "genesis_time_ms": 1767225600000,
//     "params": { "block_interval_ms": 1000, "total_supply": "10000000000", ... },
//     "allocations": [ { "account": "0x...", "amount": "1000" } ],
//     "reward_pool": "3737600000",
//     "sps": [ { "sp_id": "name@addr", "owner": "0x...", "display_name": "...", "url": "...",
//                "stations": [ { "id": "...", "host": "...", "port": 9394 } ],
//                "signing_key": "02...66 hex", "self_stake": "5000000" } ],
//     "reserved_names": [ "all", ... ], "records": [ { "name": "founder", "target": "..." } ] }
// Amounts are JSON strings of decimal DIMT ("5000000", "0.001"), never JSON numbers.
// Times, intervals, counts and ports are JSON unsigned integers.
#pragma once

#include <string>
#include <string_view>

#include "ledger/crypto/hash.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/util/status.h"

namespace ans {

// The largest genesis text parse_genesis_json and load_genesis_file read.
inline constexpr size_t kMaxGenesisBytes = 16u << 20;
// The deepest nesting of arrays and objects accepted (the format itself needs 5).
inline constexpr size_t kMaxGenesisJsonDepth = 8;

// Parses and validates a genesis document. Every error message starts with the JSON path of
// the offending value ("sps[0].stations[1].port: ..."). Errors:
//   kTooLarge        text over kMaxGenesisBytes, nesting over kMaxGenesisJsonDepth, or more
//                    SPs / stations than the params allow;
//   kInvalidArgument malformed JSON (with the parser's line, column and byte), a wrong JSON
//                    type, a missing, unknown or duplicated key, or a rule of
//                    validate_genesis broken;
//   kOverflow        an integer out of its field's range, or amounts that sum past 2^128 - 1;
//   and the errors of the field parsers (amounts, addresses, IDs, keys, names), wrapped with
//   the path.
Result<GenesisConfig> parse_genesis_json(std::string_view text);

// The semantic rules of a genesis, applied by parse_genesis_json and usable on a config
// built in code. Paths in messages are the JSON paths of the same fields. The rules:
//   - chain_name is 1-64 printable ASCII bytes without spaces; genesis_time_ms > 0;
//   - params are sane: block_interval_ms, epoch_length_blocks, year_s, premium_halving_s,
//     commit_max_age_s > 0; 1 <= max_active_producers <= max_sps; commit_min_blocks >= 1 and
//     a commitment can mature before it expires; max_years >= 1 and max_years * year_s fits
//     64 bits; slash_percent <= 100; total_supply, min_self_stake and the four fee tiers
//     non-zero; max_sps, max_stations, max_votes and the record-size limits >= 1;
//   - allocations: amounts > 0, accounts unique;
//   - sps: at least one, at most params.max_sps; sp_id a canonical DIMP ID of SP type (0x03
//     or legacy 0x76) without a terminal, unique; display_name 1-64 bytes of UTF-8; url at
//     most 256 bytes; at most params.max_stations stations, each with a valid DIMP ID, a host
//     of 1-253 printable ASCII bytes without spaces and a port 1..65535; signing_key a valid
//     point, unique across SPs; self_stake >= params.min_self_stake;
//   - reserved_names valid registry names, unique; records: each name reserved, at most one
//     record per name, target a valid DIMP ID;
//   - params.total_supply == sum(allocations) + reward_pool + sum(sps self_stake), exactly.
Status validate_genesis(const GenesisConfig& config);

// Indented JSON with the keys in the order of the format (for files and people), ending in a
// newline. parse_genesis_json(genesis_to_json(c)) == c for any valid c.
std::string genesis_to_json(const GenesisConfig& config);

// The one canonical text of a config: keys sorted bytewise, no whitespace, amounts in their
// shortest decimal form, keys lowercase hex, accounts EIP-55, every params field written.
// Two configs are equal exactly when their canonical texts are.
std::string canonical_genesis_json(const GenesisConfig& config);

// tagged_hash("ANS/v1/chain-id", canonical_genesis_json(config)). Every signature on the
// chain is domain-separated by it (docs/protocol.md, "Signing domains").
Hash256 chain_id(const GenesisConfig& config);

// Reads (at most kMaxGenesisBytes) and parses a genesis file. Messages start with the file
// path. Errors: kNotFound (no such file), kIoError (unreadable or not a regular file),
// kTooLarge, and those of parse_genesis_json.
Result<GenesisConfig> load_genesis_file(const std::string& path);

}  // namespace ans
