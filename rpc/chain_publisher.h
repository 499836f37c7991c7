// The chain thread's side of the ChainBoard: it tells the RPC threads what the engine did.
// As the engine's observer, it indexes each final block in the consensus store (for
// GetBlock, GetTransaction, StreamBlocks and proofs) and reports transactions the mempool
// dropped; after each step of the engine, publish() puts a new ChainStatus on the board when
// anything a query reads has changed.
//
// Owned by the chain thread, like the engine.
#pragma once

#include <optional>

#include "consensus/engine.h"
#include "rpc/node_api.h"

namespace ans::rpc {

class ChainPublisher final : public consensus::EngineObserver {
 public:
  // `log_final`: an info line per final block (the node's log), or quiet (tests).
  ChainPublisher(consensus::ConsensusStore& store, ChainBoard& board, bool log_final = true)
      : store_(store), board_(board), log_final_(log_final) {}

  // Indexes final blocks the store's index lacks (a store from before the index, or a crash
  // between finality and the index write), then publishes. Call once after Engine::open.
  void start(const consensus::Engine& engine);
  // Publishes a new ChainStatus when the head, the final block, the mempool or the node
  // fault changed.
  void publish(const consensus::Engine& engine);
  // Set when an index write failed: a node fault of the consensus store.
  const std::optional<Status>& index_error() const { return index_error_; }

  void on_final(const consensus::BlockNode& block, uint64_t now_ms) override;
  void on_conflicting_final(const consensus::BlockNode& block, uint64_t now_ms) override;
  void on_dropped(const Hash256& tx_id, const TxStatus& why) override;

 private:
  void index(const consensus::BlockNode& block);

  consensus::ConsensusStore& store_;
  ChainBoard& board_;
  bool log_final_;
  std::optional<Status> index_error_;
};

}  // namespace ans::rpc
