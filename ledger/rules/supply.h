// Where every unit of DIMT is (spec section 2's invariant):
// spendable + SP stakes + voter stakes + unbonding + unclaimed rewards + reward pool
// = total supply.
#pragma once

#include "ledger/store/state_view.h"
#include "ledger/token/amount.h"

namespace ans {

struct SupplyBreakdown {
  Amount spendable;
  Amount sp_stakes;        // self stakes of SPs that are not unbonding
  Amount voter_stakes;
  Amount unbonding;        // voter unbonding entries and unbonding SP self stakes
  Amount unclaimed_rewards;
  Amount reward_pool;

  // Errors: kOverflow (cannot happen for a consistent state).
  Result<Amount> total() const;
};

// Scans the whole state. Errors: kCorruption for a record that does not decode.
Result<SupplyBreakdown> compute_supply(const StateReader& state);

}  // namespace ans
