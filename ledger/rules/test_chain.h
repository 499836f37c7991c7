// Test harness for the state transition: a chain on a MemoryStore, started from a small
// genesis, with named keys, automatic nonces and blocks whose time the test controls.
// Test-only (linked into ledger test binaries, never into the node).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ledger/chain/genesis_config.h"
#include "ledger/rules/genesis_state.h"
#include "ledger/rules/queries.h"
#include "ledger/rules/supply.h"
#include "ledger/rules/transition.h"
#include "ledger/state/ledger_state.h"
#include "ledger/store/memory_store.h"

namespace ans::testing {

// Spec parameters, but with a 1 s interval and an epoch of 10 blocks so tests stay short.
ChainParams test_params();

// A deterministic key: secret = SHA-256("ans/test/" + label).
PrivateKey test_key(const std::string& label);
EthAddress address_of(const PrivateKey& key);
// An ISP-type (0x03) DIMP ID for `label`, e.g. "sp-one@<btc address of its key>".
std::string sp_id_for(const std::string& label);

class TestChain {
 public:
  // Genesis: accounts "alice", "bob", "carol", "dave" with 100M DIMT each, one SP "genesis-sp"
  // (owner "sp-owner", 5M stake) in the active set, reserved names "founder" (-> moky@anywhere)
  // and "admin", and the rest of the 10B in the reward pool.
  explicit TestChain(ChainParams params = test_params());

  const ChainParams& params() const { return params_; }
  const ChainId& chain_id() const { return chain_id_; }
  const GenesisConfig& genesis() const { return genesis_; }

  // The block being built. Transactions go into it until next_block().
  const BlockContext& block() const { return block_; }
  // Ends the current block (end_block, commit to the store) and begins the next one
  // `slots_later` slots on (time = genesis + slot * interval).
  void next_block(uint64_t slots_later = 1);
  // Moves time forward by at least `seconds` (as one block that many slots later).
  void advance_seconds(uint64_t seconds);
  // Advances blocks until the current block height is a multiple of the epoch length, and
  // closes it, so epoch processing has run.
  void run_to_epoch_end();

  // Builds, signs and applies a transaction from `who` with the next nonce.
  TxStatus submit(const PrivateKey& who, const std::function<void(v1::Transaction&)>& body,
                  const Amount& fee = Amount());
  v1::SignedTransaction make_tx(const PrivateKey& who,
                                const std::function<void(v1::Transaction&)>& body,
                                const Amount& fee = Amount());
  TxStatus apply(const v1::SignedTransaction& stx);

  // Reads through the current block.
  const StateReader& state() const { return *block_state_; }
  LedgerState ledger() { return LedgerState(*block_state_); }
  Amount balance(const PrivateKey& who);
  uint64_t nonce(const PrivateKey& who);
  Resolution resolve(const std::string& name) const;
  // The supply total must equal params().total_supply: checked by callers after each block.
  SupplyBreakdown supply() const;

  // Convenience: commit + register after the minimum commit age.
  TxStatus register_name(const PrivateKey& who, const std::string& name, uint32_t years,
                         const std::string& target, const std::string& salt_label = "salt");
  Hash256 salt(const std::string& label) const { return sha256(as_bytes(label)); }

  MemoryStore& store() { return store_; }

 private:
  void begin();

  ChainParams params_;
  ChainId chain_id_{};
  GenesisConfig genesis_;
  MemoryStore store_;
  BlockContext block_;
  std::unique_ptr<StateOverlay> block_state_;
};

}  // namespace ans::testing
