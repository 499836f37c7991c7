// Test harness for the state transition: a chain on a MemoryStore, started from a small
// genesis, with named keys, automatic nonces and blocks whose time the test controls.
// Test-only (linked into ledger test binaries, never into the node).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ledger/rules/genesis_config.h"
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

// The signing key of the SP registered under `label` (the genesis SP's is "genesis-sp").
PrivateKey sp_signing_key(const std::string& label);
// An SpRegister body for sp_id_for(label): display name, URL, one station, the signing key
// sp_signing_key(label) and `self_stake`.
v1::SpRegister sp_register_body(const std::string& label, const Amount& self_stake);
// A block header for `producer` at `slot`, signed by `signer` for `chain_id`. Headers that
// differ in `variant` (hashed into the state root) are different blocks.
v1::SignedBlockHeader signed_header(const PrivateKey& signer, const ChainId& chain_id,
                                    const std::string& producer, uint64_t slot,
                                    const std::string& variant);
// A vote by `voter` at `height` for the block named by `variant`, signed by `signer`.
v1::SignedBlockVote signed_vote(const PrivateKey& signer, const ChainId& chain_id,
                                const std::string& voter, uint64_t height,
                                const std::string& variant);

// The genesis TestChain starts from (see TestChain), for tests that run a real Ledger.
GenesisConfig make_test_genesis(const ChainParams& params);
ChainId test_chain_id();

class TestChain {
 public:
  // Genesis: accounts "alice", "bob", "carol", "dave" with 100M DIMT each, one SP "genesis-sp"
  // (owner "sp-owner", 5M stake) in the active set, reserved names "founder" (-> moky@anywhere)
  // and "admin", and the rest of the 10B in the reward pool.
  explicit TestChain(ChainParams params = test_params());
  // The same genesis, then changed by `customize` (which must keep allocations + SP stakes +
  // pool equal to params.total_supply).
  TestChain(ChainParams params, const std::function<void(GenesisConfig&)>& customize);

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
  // Moves to one block whose slot starts exactly at `time_s` (Unix seconds).
  // REQUIRES: time_s is after the current block's time, a whole number of intervals from genesis.
  void advance_to_time(uint64_t time_s);
  uint64_t now_s() const { return block_.now_s(); }
  // The producer of the blocks begun from now on (default: the first genesis SP).
  void set_producer(std::string sp_id) { producer_ = std::move(sp_id); }
  // For the blocks begun from now on, final_height = height - lag (default 1: the parent).
  void set_finality_lag(uint64_t blocks) { finality_lag_ = blocks; }
  // From now on, checks spec section 2's invariant (supply().total() == total_supply) on the
  // committed state after every block; supply_errors() describes each block where it failed.
  void check_supply_every_block() { check_supply_ = true; }
  const std::vector<std::string>& supply_errors() const { return supply_errors_; }

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
  void check_committed_supply();

  ChainParams params_;
  ChainId chain_id_{};
  GenesisConfig genesis_;
  MemoryStore store_;
  BlockContext block_;
  std::unique_ptr<StateOverlay> block_state_;
  std::string producer_;
  uint64_t finality_lag_ = 1;
  bool check_supply_ = false;
  std::vector<std::string> supply_errors_;
};

}  // namespace ans::testing

namespace ans {
// Readable values in test failure messages.
inline void PrintTo(const Amount& a, std::ostream* os) { *os << a.to_string() << " DIMT"; }
inline void PrintTo(TxError e, std::ostream* os) { *os << tx_error_name(e); }
}  // namespace ans
