// What a transaction's body handler works with: the environment, the block, the state seen
// through the transaction's own overlay, and the sender.
#pragma once

#include "ledger/rules/context.h"
#include "ledger/rules/tx_status.h"
#include "ledger/state/ledger_state.h"

namespace ans {

struct TxScope {
  const ApplyEnv& env;
  const BlockContext& block;
  LedgerState& state;
  EthAddress sender;

  const ChainParams& params() const { return env.params; }
  uint64_t now_s() const { return block.now_s(); }

  // Moves `amount` from the sender's spendable balance into the reward pool.
  TxStatus pay_to_pool(const Amount& amount, std::string_view what);
  // The same, on the sender's account record the caller has read and will write back: one
  // read and one write of the record for several changes to it.
  TxStatus pay_to_pool(v1::AccountState& sender_account, const Amount& amount, std::string_view what);
  // Moves `amount` from the sender's spendable balance out (to a stake), or fails.
  TxStatus debit_sender(const Amount& amount, std::string_view what);
  void credit(const EthAddress& account, const Amount& amount);

 private:
  // Takes `amount` off `account`'s spendable balance in memory, or fails.
  TxStatus debit(v1::AccountState& account, const Amount& amount, std::string_view what);
};

}  // namespace ans
