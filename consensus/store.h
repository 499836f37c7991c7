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
  // Every stored block, in no particular order. Errors: kCorruption (an unreadable record),
  // kIoError.
  Status for_each_block(const std::function<void(const Hash256&, StoredBlock)>& visit) const;

 private:
  ConsensusStore(std::unique_ptr<leveldb::DB> db, bool sync) : db_(std::move(db)), sync_(sync) {}
  std::unique_ptr<leveldb::DB> db_;
  bool sync_;
};

}  // namespace ans::consensus
