// The embedded development genesis (`ansd --dev`), its well-known keys, and the pieces the
// generated genesis files share: the shipped reserved-name list and key-derived IDs.
//
// THE DEV KEYS ARE PUBLIC. Anyone can recompute them; never hold anything of value with them.
//   validator key (signs the dev SP's blocks):  secret = SHA-256("ans/dev/validator")
//   dev account i, i = 0..4 (funded):           secret = SHA-256("ans/dev/account/<i>")
// where the hashed bytes are the ASCII text without a terminating NUL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto/keys.h"
#include "ledger/identity/entity_type.h"
#include "ledger/rules/genesis_config.h"

namespace ans {

inline constexpr size_t kDevAccountCount = 5;
// 2026-01-01T00:00:00Z. Fixed, so the dev chain id never changes between runs or machines.
inline constexpr uint64_t kDevGenesisTimeMs = 1'767'225'600'000ULL;
inline constexpr uint16_t kDefaultStationPort = 9394;

PrivateKey dev_validator_key();
// The kDevAccountCount dev accounts, in order; account 0 owns the dev SP.
std::vector<PrivateKey> dev_account_keys();

// The dev chain: "ans-dev", 500 ms blocks, shortened periods (docs/genesis.md lists them), one
// SP "dev-sp@<ISP address of dev account 0>" owned by dev account 0, signing with the dev
// validator key, with one station on 127.0.0.1:9394; 5 dev accounts with 1,000,000,000 DIMT
// each, a 5,000,000 DIMT self stake, a 4,995,000,000 DIMT reward pool (10B in all), the
// shipped reserved names and founder -> moky@anywhere. It passes validate_genesis.
GenesisConfig dev_genesis();

// genesis/reserved-names.txt (the spec's list), embedded at build time, in file order.
std::vector<std::string> shipped_reserved_names();

// "name@address" where the address is the BTC-style address of `key`'s 33-byte compressed
// form with network `type`. REQUIRES: `name` is a valid DIMP ID name (or empty, for a bare
// address).
std::string id_for_key(std::string_view name, const PublicKey& key, EntityType type);

}  // namespace ans
