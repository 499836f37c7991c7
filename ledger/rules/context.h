// What the state transition is given besides the state: the chain's parameters and id, and
// the block being applied. Nothing else: no clock, no randomness, no network.
#pragma once

#include <string>

#include "ledger/rules/genesis_config.h"
#include "ledger/wire/codec.h"

namespace ans {

struct ApplyEnv {
  const ChainParams& params;
  const ChainId& chain_id;
};

struct BlockContext {
  uint64_t height = 0;
  uint64_t slot = 0;
  uint64_t time_ms = 0;       // the slot's start time: genesis_time + slot * interval
  std::string producer;       // SP id; empty only for the genesis block
  // The highest height known final when this block was made (derived by consensus from the
  // QCs carried in headers). A pending active set fixed at or below it takes effect.
  uint64_t final_height = 0;

  uint64_t now_s() const { return time_ms / 1000; }
};

}  // namespace ans
