// The tree of valid blocks a node knows, from the genesis block, with the two rules that
// read it: finality (derived from headers alone) and fork choice. Plain data and pure
// functions; the Engine (engine.h) owns one and feeds it.
//
// Vocabulary (docs/consensus.md):
//   justify(B)     the block certified by the QC that B's header carries (the genesis block
//                  when it carries none; the genesis block needs no QC).
//   direct pair    blocks P <- C where C's parent is P, C.slot == P.slot + 1 and C's header
//                  carries a QC on P.
//   finality rule  a QC on C, where (P, C) is a direct pair, makes P final, and with it
//                  every ancestor of P.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ans/v1/chain.pb.h"
#include "ans/v1/state.pb.h"
#include "consensus/quorum.h"
#include "consensus/safety.h"

namespace ans::consensus {

struct BlockNode {
  Hash256 hash{};
  uint64_t height = 0;
  uint64_t slot = 0;
  // Shared with the messages that carry it (never null; an empty block for the genesis block).
  std::shared_ptr<const v1::Block> block = std::make_shared<const v1::Block>();
  BlockNode* parent = nullptr;              // null only for the genesis block
  std::vector<BlockNode*> children;
  BlockNode* justify = nullptr;             // null only for the genesis block
  // The final block derived from the headers of this block's chain (this one included).
  BlockNode* header_final = nullptr;
  // The set that schedules this block's slot and votes on it (null for the genesis block),
  // and the active sets in the state after it.
  std::shared_ptr<const ActiveSet> voters;
  v1::ActiveSetState sets_after;
  std::optional<v1::QuorumCertificate> qc;  // a QC on this block, once one is known

  bool is_genesis() const { return parent == nullptr; }
  BlockRef ref() const { return BlockRef{hash, height, slot}; }
};

class BlockTree {
 public:
  BlockTree(const Hash256& genesis_hash, v1::ActiveSetState genesis_sets);
  BlockTree(const BlockTree&) = delete;
  BlockTree& operator=(const BlockTree&) = delete;

  BlockNode& genesis() { return *genesis_; }
  const BlockNode& genesis() const { return *genesis_; }
  BlockNode* find(const Hash256& hash) const;
  size_t size() const { return nodes_.size(); }

  // Adds a block. REQUIRES: `hash` is not in the tree; parent and justify are in it, and
  // justify is the parent or one of its ancestors.
  BlockNode& insert(const Hash256& hash, std::shared_ptr<const v1::Block> block, BlockNode& parent,
                    BlockNode& justify,
                    std::shared_ptr<const ActiveSet> voters, v1::ActiveSetState sets_after);

  // `ancestor` is `block` or one of its ancestors.
  static bool extends(const BlockNode& block, const BlockNode& ancestor);

  // The finality rule: the block a QC on `certified` makes final, or null when `certified`
  // and its parent are not a direct pair.
  static BlockNode* finalized_by_qc_on(const BlockNode& certified);

  // The header rule: the final block known from the headers of a chain ending in a child of
  // `parent` whose header carries a QC on `justify`.
  static BlockNode* header_final(const BlockNode& parent, const BlockNode& justify);

  // Fork choice: among the descendants of `final_block`, start from the block with the
  // newest QC (`newest_qc` when it descends from `final_block`), and take its descendant
  // of greatest height (ties: the lower slot, then the lower hash).
  const BlockNode& head(const BlockNode& final_block, const BlockNode* newest_qc) const;

 private:
  std::map<Hash256, std::unique_ptr<BlockNode>> nodes_;
  BlockNode* genesis_;
};

}  // namespace ans::consensus
