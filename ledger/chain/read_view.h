// Read views: the committed state after one block, immutable, that any number of threads
// query while the chain thread applies further blocks (docs/state.md, "Read views").
//
// The ledger makes a view of its head after each commit (Ledger::read_view()); a publisher
// (ViewRegistry) hands views to the threads that answer queries. A view answers every
// state query (ledger/rules/queries.h and the typed reads of ledger/state/ledger_state.h
// through reader()) and proves any key against its own state root.
//
// REQUIRES: every view is destroyed before the ledger that made it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ledger/proof/state_proof.h"
#include "ledger/state/memory_tree.h"
#include "ledger/store/state_db.h"
#include "ledger/util/view_lock.h"

namespace ans {

struct ProvenRead {
  uint64_t height = 0;      // the block whose state root the proof is against
  Hash256 state_root{};
  std::optional<std::string> value;  // the value, or nullopt when the key is absent
  StateProof proof;
};

// The memory layout's tree as the ledger shares it with views. The chain thread changes
// `tree` only with `lock` held exclusively, and reads it without; views read it with the
// lock held shared.
struct LiveTree {
  MemoryTree tree;
  // The height of `tree` with its staged batch, if any, put back (guarded by lock).
  uint64_t height = 0;
  mutable ViewLock lock;
};

class ReadView {
 public:
  // A view over a store snapshot. `state_root` is the root after the snapshot's block.
  // `live_tree`: the memory layout's tree (proofs reverse the blocks above this one on it);
  // null for the LevelDB layout (proofs read the tree's pages from the snapshot).
  ReadView(std::shared_ptr<const StoreSnapshot> state, const Hash256& state_root,
           const LiveTree* live_tree);

  uint64_t height() const { return state_->height(); }
  const Hash256& block_hash() const { return state_->block_hash(); }
  const Hash256& state_root() const { return state_root_; }
  // The bytes of the block header that holds state_root(), as the publisher attached them
  // (with_header); empty when none was.
  const std::string& header() const { return header_; }
  // This view with `header` attached: the same state, shared.
  std::shared_ptr<const ReadView> with_header(std::string header) const;

  // The value at `key` (nullopt: absent). Errors: storage errors (a checksum mismatch among
  // them), and kNotFound when the memory layout no longer holds this block's state (the
  // block was undone by a fork switch: take the new head).
  Result<std::optional<std::string>> get(std::string_view key) const;
  Status scan(std::string_view prefix, std::string_view start, size_t limit,
              const ScanVisitor& visit) const;
  // The value at `state_key` and its proof against state_root(). Errors: as get(); those of
  // RadixTree::prove (kTooLarge for a value above kMaxProvenValueSize).
  Result<ProvenRead> prove(std::string_view state_key) const;

  // The view as a StateReader for the queries, for one thread at a time (it records the
  // first error its reads meet, as StateReader requires). Cheap: make one per query.
  class Reader final : public StateReader {
   public:
    explicit Reader(const ReadView& view) : view_(view) {}
    std::optional<std::string> get(std::string_view key) const override;
    void scan(std::string_view prefix, std::string_view start, size_t limit,
              const ScanVisitor& visit) const override;
    Status status() const override { return error_; }

   private:
    void record(const Status& s) const {
      if (error_.is_ok() && !s.is_ok()) error_ = s;
    }
    const ReadView& view_;
    mutable Status error_;
  };
  Reader reader() const { return Reader(*this); }

 private:
  Result<StateProof> prove_in_memory_tree(const Hash256& kh,
                                          const std::optional<std::string>& value) const;

  std::shared_ptr<const StoreSnapshot> state_;
  Hash256 state_root_;
  const LiveTree* live_tree_;
  std::string header_;
};

// Where the node publishes views for the threads that answer queries: the head view, the
// final view, and the last few final ones (proofs at a recent height). The chain thread
// publishes after each commit, undo and finality step; any thread reads. Publishing swaps
// pointers under a mutex that readers hold only to copy one.
class ViewRegistry {
 public:
  // Keeps the last `kept_final` final views (at least 1).
  explicit ViewRegistry(size_t kept_final = 8);

  // `head` is the new head (after a commit, or after an undo: views above it go) and
  // `final_height` the final height now. The view at the final height becomes the final
  // view if this registry holds it (it was published as a head before); views of non-final
  // blocks stay until they become final or are undone.
  void publish(std::shared_ptr<const ReadView> head, uint64_t final_height);

  std::shared_ptr<const ReadView> head() const;
  // The newest final view, or null when none is held (after opening, until a head that was
  // published becomes final).
  std::shared_ptr<const ReadView> final_view() const;
  // The view at `height`: the head, a block between the final one and the head, or one of
  // the kept final ones; null when none is held for that height.
  std::shared_ptr<const ReadView> at(uint64_t height) const;

 private:
  mutable std::mutex mutex_;
  size_t kept_final_;
  std::shared_ptr<const ReadView> head_;               // guarded by mutex_
  std::shared_ptr<const ReadView> final_;              // guarded by mutex_
  std::map<uint64_t, std::shared_ptr<const ReadView>> by_height_;  // guarded by mutex_
};

}  // namespace ans
