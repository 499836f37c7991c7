// SP and staking rules (spec section 4) and slashing evidence (spec section 5): the
// transactions, and the active-set computation used at epoch boundaries.
#pragma once

#include <vector>

#include "ans/v1/state.pb.h"
#include "ledger/rules/tx_scope.h"

namespace ans {

TxStatus apply_sp_register(TxScope& s, const v1::SpRegister& body);
TxStatus apply_sp_update(TxScope& s, const v1::SpUpdate& body);
TxStatus apply_sp_unregister(TxScope& s, const v1::SpUnregister& body);
TxStatus apply_stake(TxScope& s, const v1::Stake& body);
TxStatus apply_unstake(TxScope& s, const v1::Unstake& body);
TxStatus apply_vote(TxScope& s, const v1::Vote& body);
TxStatus apply_claim_rewards(TxScope& s, const v1::ClaimRewards& body);
TxStatus apply_unjail(TxScope& s, const v1::Unjail& body);
TxStatus apply_evidence(TxScope& s, const v1::Evidence& body);

// An SP's weight: self stake plus the stakes of the voters that chose it.
Amount sp_weight(const LedgerState& st, const v1::SpState& sp);
// Eligible to produce: registered, not retired, not unbonding, not jailed.
bool sp_eligible(const v1::SpState& sp);
// The top `max_active` eligible SPs by weight (ties: smaller sp_id first), in that order.
std::vector<v1::ActiveSetMember> compute_active_set(const LedgerState& st, uint32_t max_active);

}  // namespace ans
