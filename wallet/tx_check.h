// The wallet's view of a chain, checked, and its check of a transaction before it is sent:
// the ledger's own state transition (ledger/rules, the code every node runs), run on the state
// entries the transaction reads, fetched from the node by GetState.
#pragma once

#include <string>

#include "ans/v1/rpc.pb.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/rules/tx_status.h"
#include "ledger/wire/codec.h"
#include "wallet/node_client.h"

namespace ans::wallet {

struct Chain {
  GenesisConfig genesis;  // its parameters: fees, prices, periods
  ChainId id{};
  v1::GetInfoResponse info;  // as the node answered when the chain was read
};

// GetInfo and GetGenesis, with the genesis checked against the chain id: the node cannot
// give other parameters for the chain it names. Errors: the node's; kCorruption when the
// genesis does not hash to the chain id.
Result<Chain> read_chain(NodeClient& node);

// The block a transaction sent now would be checked in: the next height, at the slot of the
// wall clock `now_ms` (or the one after the head's, if the clock is behind).
struct NextBlock {
  uint64_t height = 0;
  uint64_t slot = 0;
  uint64_t time_ms = 0;
  std::string producer;
  uint64_t final_height = 0;
};
NextBlock next_block(const Chain& chain, uint64_t now_ms);

// Applies `stx` with the ledger's rules (signature included) on the node's head state, as
// the next block would, and returns the verdict: OK, or the ledger's typed reason (a nonce,
// funds, a taken name...). Nothing is sent. Errors: the node's (reading the state).
Result<TxStatus> check_transaction(NodeClient& node, const Chain& chain, const v1::SignedTransaction& stx,
                                   uint64_t now_ms);

}  // namespace ans::wallet

namespace ans::light { class ActiveSet; }

namespace ans::wallet {

// The genesis active set, computed by the ledger's own genesis code from the checked genesis:
// what a proof bundle's QC must be signed by (light/bundle.h).
Result<light::ActiveSet> genesis_active_set(const Chain& chain);

}  // namespace ans::wallet
