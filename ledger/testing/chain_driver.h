// Drives a real Ledger with random blocks, the way a producer and a validator would:
// the producer tries generated transactions one by one on the block's overlay and keeps
// those that apply; the validator then re-executes the kept ones with prepare_block.
// Test-only; used by the property, undo and crash tests.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "ledger/chain/ledger.h"
#include "ledger/testing/tx_generator.h"

namespace ans::testing {

struct DriverStats {
  size_t tried = 0;
  size_t included = 0;
  size_t rejected = 0;
  std::map<int, size_t> included_by_body;  // v1::Transaction::BodyCase -> count
  std::map<TxError, size_t> rejected_by_reason;
};

class ChainDriver {
 public:
  ChainDriver(Ledger& ledger, uint64_t seed, size_t txs_per_block);

  // Produces, validates and commits the next block. Returns its transactions. Every check
  // that fails is reported with the seed and height through `failure` (empty when fine):
  // a rejected transaction that left writes behind, a repeated nonce, a block the validator
  // disagrees with, a supply that does not add up.
  std::vector<v1::SignedTransaction> produce_block(std::string& failure);
  // The context of the next block (after produce_block has not yet been called for it).
  BlockContext next_context();

  const DriverStats& stats() const { return stats_; }
  const std::vector<Hash256>& roots() const { return roots_; }

  // Keeps finality `lag` blocks behind the head (0 = every block final at once).
  void set_finality_lag(uint64_t lag) { finality_lag_ = lag; }

 private:
  Ledger& ledger_;
  RandomTxGenerator generator_;
  size_t txs_per_block_;
  uint64_t slot_ = 0;
  uint64_t finality_lag_ = 2;
  DriverStats stats_;
  std::vector<Hash256> roots_;
  std::map<std::string, std::set<uint64_t>> nonces_;  // sender key -> nonces included
};

// A stable hash of every state key and value (the store's own 0xFF bookkeeping aside).
Hash256 state_digest(const StateReader& state);

// Store options for the property and crash tests (and the crash test's child): no fsync (a
// process crash loses nothing LevelDB has accepted); with `memory`, the memory layout,
// snapshotting every few blocks.
inline StateDbOptions test_store_options(bool memory) {
  StateDbOptions o;
  o.sync = false;
  o.memory_state = memory;
  o.snapshot_min_journal_bytes = 64 << 10;
  return o;
}

// The block hash the driver gives block `height` with root `state_root` (tests have no
// headers): tagged_hash("ANS/test/block", height || root).
Hash256 test_block_hash(uint64_t height, const Hash256& state_root);

}  // namespace ans::testing
