#include "consensus/block_tree.h"

namespace ans::consensus {

BlockTree::BlockTree(const Hash256& genesis_hash, v1::ActiveSetState genesis_sets) {
  auto node = std::make_unique<BlockNode>();
  node->hash = genesis_hash;
  node->header_final = node.get();
  node->sets_after = std::move(genesis_sets);
  genesis_ = node.get();
  nodes_.emplace(genesis_hash, std::move(node));
}

BlockNode* BlockTree::find(const Hash256& hash) const {
  auto it = nodes_.find(hash);
  return it == nodes_.end() ? nullptr : it->second.get();
}

BlockNode& BlockTree::insert(const Hash256& hash, std::shared_ptr<const v1::Block> block,
                             BlockNode& parent, BlockNode& justify, std::shared_ptr<const ActiveSet> voters,
                             v1::ActiveSetState sets_after) {
  auto node = std::make_unique<BlockNode>();
  node->hash = hash;
  node->height = parent.height + 1;
  node->slot = block->header().header().slot();
  node->block = std::move(block);
  node->parent = &parent;
  node->justify = &justify;
  node->header_final = header_final(parent, justify);
  node->voters = std::move(voters);
  node->sets_after = std::move(sets_after);
  BlockNode* raw = node.get();
  parent.children.push_back(raw);
  nodes_.emplace(hash, std::move(node));
  return *raw;
}

bool BlockTree::extends(const BlockNode& block, const BlockNode& ancestor) {
  const BlockNode* at = &block;
  while (at != nullptr && at->height > ancestor.height) at = at->parent;
  return at == &ancestor;
}

BlockNode* BlockTree::finalized_by_qc_on(const BlockNode& certified) {
  if (certified.is_genesis()) return nullptr;
  BlockNode* parent = certified.parent;
  if (certified.justify != parent || certified.slot != parent->slot + 1) return nullptr;
  return parent;
}

BlockNode* BlockTree::header_final(const BlockNode& parent, const BlockNode& justify) {
  BlockNode* best = parent.header_final;
  BlockNode* by_qc = finalized_by_qc_on(justify);
  if (by_qc != nullptr && by_qc->height > best->height) best = by_qc;
  return best;
}

const BlockNode& BlockTree::head(const BlockNode& final_block, const BlockNode* newest_qc) const {
  const BlockNode* base = &final_block;
  if (newest_qc != nullptr && extends(*newest_qc, final_block)) base = newest_qc;
  const BlockNode* best = base;
  std::vector<const BlockNode*> stack{base};
  while (!stack.empty()) {
    const BlockNode* at = stack.back();
    stack.pop_back();
    if (at->height > best->height ||
        (at->height == best->height &&
         (at->slot < best->slot || (at->slot == best->slot && at->hash < best->hash)))) {
      best = at;
    }
    for (const BlockNode* child : at->children) stack.push_back(child);
  }
  return *best;
}

}  // namespace ans::consensus
