// The genesis the benchmarks share (bench_block_apply, bench_produce, bench_state_scale).
#pragma once

#include <string>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/crypto/keys.h"
#include "ledger/identity/address.h"
#include "ledger/rules/genesis_config.h"

namespace ans::bench {

// The key `label` + i names: a benchmark's accounts are 0..n-1, its SP is 999,999.
inline PrivateKey bench_key(const std::string& label, size_t i) {
  return PrivateKey::from_bytes(sha256(as_bytes(label + std::to_string(i)))).value();
}

inline constexpr size_t kBenchSpKey = 999'999;

// `accounts` accounts of 1,000,000 DIMT each (their keys in `keys`), one SP (its key
// bench_key(label, kBenchSpKey)) with the minimum self-stake, the rest in the reward pool,
// and epochs too long to end inside a run.
inline GenesisConfig bench_genesis(const std::string& label, size_t accounts,
                                   std::vector<PrivateKey>& keys) {
  GenesisConfig g;
  g.chain_name = "ans-bench";
  g.genesis_time_ms = 1'767'225'600'000ULL;
  g.params.epoch_length_blocks = 1'000'000;  // no epoch work inside the measurement
  Amount allocated;
  keys.clear();
  for (size_t i = 0; i < accounts; ++i) {
    keys.push_back(bench_key(label, i));
    g.allocations.push_back({EthAddress::from_public_key(keys.back().public_key()), Amount::from_dimt(1'000'000)});
    allocated = allocated.checked_add(Amount::from_dimt(1'000'000)).value();
  }
  const PrivateKey sp_key = bench_key(label, kBenchSpKey);
  GenesisSp sp;
  sp.sp_id = "bench@" + BtcAddress::from_public_key(sp_key.public_key().compressed(), 0x03).value().to_string();
  sp.owner = EthAddress::from_public_key(sp_key.public_key());
  sp.display_name = "bench";
  sp.signing_key = sp_key.public_key().compressed();
  sp.self_stake = g.params.min_self_stake;
  g.sps.push_back(sp);
  g.reward_pool = g.params.total_supply.checked_sub(allocated).value().checked_sub(sp.self_stake).value();
  return g;
}

}  // namespace ans::bench
