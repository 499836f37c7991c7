// Builds the state of block 0 from a genesis configuration.
#pragma once

#include "ledger/rules/genesis_config.h"
#include "ledger/store/state_view.h"

namespace ans {

// Writes the genesis state into `state` (which must be empty): balances, the reward pool,
// genesis SPs (with their self stakes) as the first active set, reserved names and their
// records. REQUIRES: `config` passed genesis validation (genesis/genesis_json.h).
Status apply_genesis(const GenesisConfig& config, StateOverlay& state);

}  // namespace ans
