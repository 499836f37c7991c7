// Everything a chain is born with: parameters, allocations, SPs, reserved names and records.
// Plain data. genesis/ loads and writes it as JSON; the ledger applies it to an empty state.
// Every number of spec sections 2-5 is a field here, with the spec's default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/crypto/keys.h"
#include "ledger/identity/address.h"
#include "ledger/identity/id.h"
#include "ledger/token/amount.h"

namespace ans {

struct ChainParams {
  // Slots and epochs (spec section 5; --dev shortens the interval to 500 ms).
  uint64_t block_interval_ms = 1000;
  uint64_t epoch_length_blocks = 600;
  uint32_t max_active_producers = 21;

  // Token and rewards (spec sections 2 and 4).
  Amount total_supply = Amount::from_dimt(10'000'000'000ULL);
  Amount rewards_per_day = Amount::from_dimt(1'024'000);
  Amount min_tx_fee = Amount::parse("0.001").value();

  // Names (spec section 3).
  uint64_t commit_min_blocks = 3;
  uint64_t commit_max_age_s = 86'400;
  uint32_t max_years = 10;
  uint64_t year_s = 365 * 86'400ULL;
  uint64_t grace_s = 30 * 86'400ULL;
  Amount release_premium_start = Amount::from_dimt(100'000'000);
  uint64_t premium_halving_s = 86'400;
  uint64_t premium_duration_s = 21 * 86'400ULL;
  // Yearly fee by name length in bytes: index 2, 3, 4, and 5-or-more.
  Amount fee_len2 = Amount::from_dimt(6'400);
  Amount fee_len3 = Amount::from_dimt(640);
  Amount fee_len4 = Amount::from_dimt(160);
  Amount fee_len5_plus = Amount::from_dimt(10);
  uint32_t max_text_records = 16;
  uint32_t max_text_key_bytes = 32;
  uint32_t max_text_value_bytes = 256;
  uint32_t max_record_set_bytes = 2048;

  // SPs and staking (spec section 4).
  Amount min_self_stake = Amount::from_dimt(5'000'000);
  uint32_t max_sps = 1024;
  uint32_t max_stations = 16;
  uint32_t max_votes = 30;
  uint64_t unbonding_s = 3 * 86'400ULL;
  uint64_t jail_s = 86'400;
  uint32_t slash_percent = 10;

  bool operator==(const ChainParams&) const = default;
};

struct GenesisAllocation {
  EthAddress account;
  Amount amount;
  bool operator==(const GenesisAllocation&) const = default;
};

struct GenesisStation {
  std::string id;  // DIMP ID text
  std::string host;
  uint16_t port = 9394;
  bool operator==(const GenesisStation&) const = default;
};

struct GenesisSp {
  std::string sp_id;        // DIMP ID of type ISP (0x03) or legacy provider (0x76)
  EthAddress owner;         // the account that controls it and claims its rewards
  std::string display_name;
  std::string url;
  std::vector<GenesisStation> stations;
  CompressedPubKey signing_key{};
  Amount self_stake;        // taken from the supply, not from an allocation
  bool operator==(const GenesisSp&) const = default;
};

// A reserved name with a record set at genesis (e.g. founder -> moky@anywhere).
struct GenesisRecord {
  std::string name;
  std::string target;  // DIMP ID text
  bool operator==(const GenesisRecord&) const = default;
};

struct GenesisConfig {
  std::string chain_name;      // e.g. "ans-mainnet", "ans-dev"
  uint64_t genesis_time_ms = 0;  // Unix milliseconds of slot 0
  ChainParams params;
  std::vector<GenesisAllocation> allocations;
  Amount reward_pool;
  std::vector<GenesisSp> sps;
  std::vector<std::string> reserved_names;  // the spec's list plus any additions
  std::vector<GenesisRecord> records;       // each name must also be reserved

  bool operator==(const GenesisConfig&) const = default;
};

}  // namespace ans
