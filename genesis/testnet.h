// A local N-SP testnet: fresh keys and a genesis for N nodes on 127.0.0.1, made by
// `ansd genesis testnet --sps N --out DIR`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/crypto/keys.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/util/status.h"

namespace ans {

// The reward pool of generated testnets and of genesis/mainnet.json: 10 years of the
// default rewards, 1,024,000 DIMT/day x 365 x 10.
inline constexpr uint64_t kTenYearRewardPoolDimt = 1'024'000ULL * 365 * 10;

// The slot and epoch lengths of a testnet: the spec's by default; short ones make a local
// network quick to watch and to test.
struct TestnetTiming {
  uint64_t block_interval_ms = ChainParams{}.block_interval_ms;
  uint64_t epoch_length_blocks = ChainParams{}.epoch_length_blocks;
};

// The longest block interval make_testnet accepts: a minute, far below what would let a
// commitment (commit_max_age_s, a day) expire before it is commit_min_blocks old.
inline constexpr uint64_t kMaxTestnetBlockIntervalMs = 60'000;

struct TestnetNodeKeys {
  PrivateKey validator;  // signs the node's blocks and votes (the SP's signing key)
  PrivateKey owner;      // the SP owner account; the SP's ISP-type ID is derived from it
};

// The genesis of a testnet with one SP per node, node i having:
//   sp_id       "testnet-sp<i>@<ISP (0x03) address of the owner key>", owner the owner account;
//   a station   "testnet-station<i>@<station (0x02) address of the validator key>" on
//               127.0.0.1 port 9394 + i; signing key the validator key;
//   self stake  params.min_self_stake (5,000,000 DIMT).
// The reward pool holds kTenYearRewardPoolDimt; the rest of the 10B supply is split evenly
// between the owner accounts (node 0 takes the indivisible remainder). Reserved names are the
// shipped list, with founder -> moky@anywhere. Spec default params, except the block
// interval and epoch length, which come from `timing`.
// REQUIRES: 1 <= nodes.size() <= 1024.
GenesisConfig testnet_genesis(const std::vector<TestnetNodeKeys>& nodes, uint64_t genesis_time_ms,
                              const TestnetTiming& timing = {});

// Makes `sps` fresh key pairs and writes, for each node i in 0..sps-1,
//   out_dir/node<i>/validator.key and out_dir/node<i>/owner.key
// (the 32-byte secret as 64 lowercase hex digits and a newline, mode 0600), then
//   out_dir/genesis.json (testnet_genesis, chain "ans-testnet").
// out_dir and the node directories are created as needed. Nothing is overwritten: if
// genesis.json or any key file exists, nothing is written.
// Errors: kInvalidArgument (sps outside 1..1024, genesis_time_ms 0, a timing of 0 or a block
// interval over kMaxTestnetBlockIntervalMs, or a file that already exists), kIoError (a
// directory or file could not be made).
Status make_testnet(int sps, const std::string& out_dir, uint64_t genesis_time_ms,
                    const TestnetTiming& timing = {});

}  // namespace ans
