// The ledger as a whole: the committed state (StateDb), the authenticated tree over it, and
// the state transition. Consensus drives it: prepare a block on the head, learn its state
// root, commit it under its block hash, undo non-final blocks on a fork switch, and mark
// blocks final.
//
// Owned by one thread (the chain strand); other threads read through the views it makes
// (read_view()); see docs/state.md.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ledger/chain/read_view.h"
#include "ledger/proof/state_proof.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/rules/transition.h"
#include "ledger/state/memory_tree.h"
#include "ledger/state/radix_tree.h"
#include "ledger/store/state_db.h"

namespace ans {

// Move-only: first_writes points into writes and read_before.
struct PreparedBlock {
  PreparedBlock() = default;
  PreparedBlock(PreparedBlock&&) = default;
  PreparedBlock& operator=(PreparedBlock&&) = default;
  PreparedBlock(const PreparedBlock&) = delete;
  PreparedBlock& operator=(const PreparedBlock&) = delete;

  BlockContext context;
  Hash256 parent_hash{};    // the head it was prepared on; commit refuses any other
  WriteLog writes;          // state writes, ready to commit
  WriteList tree_writes;    // tree pages, sorted by key: they carry no undo data (LevelDB
                            // layout; the memory layout stores no pages)
  // Memory layout: the block's tree changes, and the ledger's number for them while they are
  // staged in its tree (commit keeps them, or applies them again if another block's changes
  // were staged since).
  std::vector<TreeChange> tree_changes;
  uint64_t tree_stage = 0;
  ReadMemo read_before;     // values the block read from the head state (undo data for free)
  std::vector<FirstWrite> first_writes;  // each key of writes, with its old value if read
  Hash256 state_root{};     // the root after the block: goes into its header
  std::vector<Hash256> tx_ids;
};

class Ledger {
 public:
  // Opens (or creates) the store at `path`. An empty store gets the genesis state as block 0
  // (final, with block hash = chain id). A store made for another chain is refused
  // (kInvalidArgument), so a node never mixes two chains' state.
  static Result<std::unique_ptr<Ledger>> open(const std::string& path, const GenesisConfig& genesis,
                                              const ChainId& chain_id,
                                              const StateDbOptions& options = {});

  const ChainParams& params() const { return genesis_.params; }
  const ChainId& chain_id() const { return chain_id_; }
  const StateDb& db() const { return *db_; }
  StateDb& db() { return *db_; }
  uint64_t head_height() const { return db_->head_height(); }
  uint64_t final_height() const { return db_->final_height(); }

  // The state root after the head block.
  Result<Hash256> state_root() const;
  // The state root after block `height` (final_height() <= height <= head_height()).
  Result<Hash256> state_root_at(uint64_t height) const;

  // Applies `txs` as block context.height on top of the head without committing anything.
  // Errors: those of apply_block (an invalid transaction makes the block invalid), and
  // storage errors.
  Result<PreparedBlock> prepare_block(const BlockContext& context,
                                      std::span<const v1::SignedTransaction> txs,
                                      const std::vector<VerifiedSender>* verified = nullptr) const;
  // The same with each transaction's verdict taken as its turn comes: the block can be
  // applied while its signatures are still being checked (SenderVerification).
  Result<PreparedBlock> prepare_block(const BlockContext& context,
                                      std::span<const v1::SignedTransaction> txs,
                                      VerdictSource& verdicts) const;

  // Commits a prepared block. REQUIRES: prepared on the current head.
  Status commit_block(const PreparedBlock& block, const Hash256& block_hash);
  // Takes the head block out. Its undo record restores the state keys; the tree nodes carry
  // no undo data and are rebuilt by applying the restored values to the tree (its shape is a
  // function of the state alone), in the same atomic write (LevelDB layout) or in memory.
  Status undo_head_block();
  Status set_final(uint64_t height) { return db_->set_final(height); }

  // The state after block `height` (final_height() <= height <= head_height()); with the
  // LevelDB layout, its tree pages included.
  Result<std::unique_ptr<StateReader>> view_at(uint64_t height) const;

  // A value and its proof against the state root of block `height` (default: the head).
  Result<ProvenRead> prove(std::string_view state_key, std::optional<uint64_t> height = {}) const;

  // An immutable view of the head state for other threads (ledger/chain/read_view.h), made
  // after a commit or undo and handed to a ViewRegistry. Cheap: a LevelDB snapshot, or a
  // reference to the memory layout's history. REQUIRES: the view dies before the ledger.
  Result<std::shared_ptr<const ReadView>> read_view() const;

 private:
  // prepare_block with the state transition given: the tree update and the rest around it.
  // `txs`: how many transactions the transition applies (sizes the block's overlay).
  Result<PreparedBlock> prepare_with(
      const BlockContext& context, size_t txs,
      const std::function<Result<BlockOutcome>(const ApplyEnv&, StateOverlay&)>& transition) const;
  Ledger(std::unique_ptr<StateDb> db, GenesisConfig genesis, const ChainId& chain_id)
      : db_(std::move(db)), genesis_(std::move(genesis)), chain_id_(chain_id) {}
  // Memory layout, at opening: builds the tree from the state (the store keeps no pages).
  Status build_memory_tree();
  // Memory layout: the tree as it is after the head block, a prepared block's staged changes
  // put back.
  MemoryTree& head_tree() const;
  // Memory layout: calls `use` with the tree after block `height` (the undo values of the
  // blocks above it staged on the head's tree, and put back afterwards).
  Status with_tree_at(uint64_t height, const std::function<Status(const MemoryTree&)>& use) const;

  std::unique_ptr<StateDb> db_;
  GenesisConfig genesis_;
  ChainId chain_id_;
  // Memory layout: the authenticated tree as linked nodes (docs/state-tree.md, "The memory
  // layout's tree"), shared with read views; null with the LevelDB layout. Changed by
  // prepare_block (staged), hence mutable: the ledger is owned by one thread, and every
  // change holds the tree's lock exclusively (views read it).
  mutable std::unique_ptr<LiveTree> live_tree_;
  mutable uint64_t staged_for_ = 0;  // the prepared block whose changes are staged (0: none)
  mutable uint64_t stages_ = 0;      // prepared blocks numbered so far
};

// The tree changes a block's writes imply: key hash -> value hash (or deletion) for every
// authenticated key written.
std::vector<TreeChange> tree_changes(const WriteLog& writes);
std::vector<TreeChange> tree_changes(const WriteSet& writes);

}  // namespace ans
