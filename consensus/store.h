// The consensus store: what a node must find again after a crash besides the ledger state.
//
//   - the voter's safety state (safety.h), written with a synced write before any vote that
//     depends on it leaves the process;
//   - every valid block the node has accepted, with the active sets after it, so the block
//     tree (and with it fork choice and finality) is rebuilt on restart.
//
// A LevelDB of its own beside the ledger's state store.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <leveldb/db.h>

#include "ans/v1/chain.pb.h"
#include "ans/v1/state.pb.h"
#include "consensus/safety.h"

namespace ans::consensus {

// Where a final transaction sits.
struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

// What the final-chain index holds per height: the block's hash and a QC on it (absent only
// for the genesis block).
struct FinalEntry {
  Hash256 hash{};
  std::optional<v1::QuorumCertificate> qc;
};

struct StoredBlock {
  v1::Block block;               // empty (default) for the genesis record
  v1::ActiveSetState sets_after; // the active sets in the state after the block
};

class ConsensusStore {
 public:
  // `sync`: fsync the safety state on every save. Off only where no machine crash is
  // simulated (the simulator's in-memory file system). `env`: as StateDbOptions::env.
  // Created only in an absent or empty directory (ledger/store/leveldb_open.h); every read
  // verifies checksums. Errors name the store: kCorruption (damaged, or not a store),
  // kIoError.
  static Result<std::unique_ptr<ConsensusStore>> open(const std::string& path, bool sync = true,
                                                      leveldb::Env* env = nullptr);

  // nullopt when the node has never voted on this store.
  Result<std::optional<SafetyState>> load_safety() const;
  // Returns only after the state is written (synced when `sync`). Errors: kIoError.
  Status save_safety(const SafetyState& state);

  Status put_block(const Hash256& hash, const v1::Block& block, const v1::ActiveSetState& sets_after);
  Status put_block(const Hash256& hash, const StoredBlock& b) {
    return put_block(hash, b.block, b.sets_after);
  }
  // The final chain's index, for queries and sync: height -> (hash, QC), and each final
  // transaction's place. Written by the chain thread as blocks become final, in height order.
  Status put_final(uint64_t height, const Hash256& hash, const v1::Block& block,
                   const v1::QuorumCertificate* qc);
  // The highest height indexed (0: none beyond genesis, or nothing yet).
  Result<uint64_t> indexed_final_height() const;

  // Reads for any thread, while the chain thread writes (LevelDB's reads are thread-safe,
  // and what they read of the final chain never changes). nullopt: not stored.
  Result<std::optional<FinalEntry>> final_at(uint64_t height) const;
  Result<std::optional<StoredBlock>> get_block(const Hash256& hash) const;
  Result<std::optional<TxLocation>> transaction_location(const Hash256& tx_id) const;

  // Every stored block, in no particular order. Errors: kCorruption (an unreadable record),
  // kIoError.
  Status for_each_block(const std::function<void(const Hash256&, StoredBlock)>& visit) const;

 private:
  ConsensusStore(std::unique_ptr<leveldb::DB> db, bool sync) : db_(std::move(db)), sync_(sync) {}
  std::unique_ptr<leveldb::DB> db_;
  bool sync_;
};

}  // namespace ans::consensus
