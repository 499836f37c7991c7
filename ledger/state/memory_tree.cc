#include "ledger/state/memory_tree.h"

#include <algorithm>

#include "ledger/util/bytes.h"

namespace ans {
namespace {

constexpr unsigned kMaxDepth = 255;  // leaves sit at depth <= 255, internal nodes <= 254

Status near_collision(unsigned depth) {
  return Status(Errc::kInvalidArgument,
                "two key hashes share their first " + std::to_string(depth) +
                    " bits; the tree cannot separate them");
}

// The first change whose key hash has bit `depth` set: the split between the left and the
// right child of a position (the changes all share the bits before `depth`).
size_t split_at(std::span<const TreeChange> changes, unsigned depth) {
  auto it = std::partition_point(changes.begin(), changes.end(), [depth](const TreeChange& c) {
    return state_key_bit(c.kh, depth) == 0;
  });
  return static_cast<size_t>(it - changes.begin());
}

}  // namespace

const Hash256& MemoryTree::hash_of(Ref r) const {
  if (r == kEmpty) return kEmptyStateHash;
  return is_leaf(r) ? leaves_[index(r)].hash : inner_[index(r)].hash;
}

bool MemoryTree::stale(Ref r) const {
  if (r == kEmpty) return false;
  return is_leaf(r) ? leaves_[index(r)].stale : inner_[index(r)].stale;
}

Hash256 MemoryTree::root_hash() const { return hash_of(root_); }

MemoryTree::Ref MemoryTree::new_leaf(const Hash256& kh, const Hash256& vh) {
  uint32_t i;
  if (!free_leaves_.empty()) {
    i = free_leaves_.back();
    free_leaves_.pop_back();
    note(Undo::Op::kAllocated, (i + 1) | kLeafBit);
  } else {
    i = static_cast<uint32_t>(leaves_.size());
    leaves_.grow();
    note(Undo::Op::kGrown, (i + 1) | kLeafBit);
  }
  leaves_[i] = Leaf{kh, vh, {}, true};
  stale_leaves_.push_back((i + 1) | kLeafBit);
  return (i + 1) | kLeafBit;
}

MemoryTree::Ref MemoryTree::new_inner(unsigned depth, Ref left, Ref right) {
  uint32_t i;
  if (!free_inner_.empty()) {
    i = free_inner_.back();
    free_inner_.pop_back();
    note(Undo::Op::kAllocated, i + 1);
  } else {
    i = static_cast<uint32_t>(inner_.size());
    inner_.grow();
    note(Undo::Op::kGrown, i + 1);
  }
  inner_[i] = Inner{{}, {left, right}, true};
  stale_inner_[depth].push_back(i + 1);
  return i + 1;
}

void MemoryTree::free_node(Ref r) {
  if (is_leaf(r)) {
    if (note(Undo::Op::kFreed, r)) saved_leaves_.push_back(leaves_[index(r)]);
    free_leaves_.push_back(index(r));
  } else {
    if (note(Undo::Op::kFreed, r)) saved_inner_.push_back(inner_[index(r)]);
    free_inner_.push_back(index(r));
  }
}

MemoryTree::Leaf& MemoryTree::leaf_for_change(Ref r) {
  Leaf& l = leaves_[index(r)];
  if (note(Undo::Op::kLeafChanged, r)) saved_leaves_.push_back(l);
  return l;
}

MemoryTree::Inner& MemoryTree::inner_for_change(Ref r) {
  Inner& n = inner_[index(r)];
  if (note(Undo::Op::kInnerChanged, r)) saved_inner_.push_back(n);
  return n;
}

bool MemoryTree::note(Undo::Op op, Ref r) {
  if (!journaling_) return false;
  undo_.push_back({op, r});
  return true;
}

void MemoryTree::forget_undo() {
  undo_.clear();
  saved_leaves_.clear();
  saved_inner_.clear();
}

void MemoryTree::rollback() {
  if (!journaling_) {  // the batch began on an empty tree: no node of it is kept
    leaves_.clear();
    inner_.clear();
    free_leaves_.clear();
    free_inner_.clear();
    return;
  }
  auto restore_leaf = [&](uint32_t i) {
    leaves_[i] = saved_leaves_.back();
    saved_leaves_.pop_back();
  };
  auto restore_inner = [&](uint32_t i) {
    inner_[i] = saved_inner_.back();
    saved_inner_.pop_back();
  };
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    const bool leaf = is_leaf(it->ref);
    const uint32_t i = index(it->ref);
    switch (it->op) {
      case Undo::Op::kLeafChanged:
        restore_leaf(i);
        break;
      case Undo::Op::kInnerChanged:
        restore_inner(i);
        break;
      case Undo::Op::kAllocated:  // taken from the back of its free list: put it back
        (leaf ? free_leaves_ : free_inner_).push_back(i);
        break;
      case Undo::Op::kGrown:  // the last slot of its pool
        if (leaf) {
          leaves_.pop_back();
        } else {
          inner_.pop_back();
        }
        break;
      case Undo::Op::kFreed:  // the last entry of its free list, steps being undone in order
        if (leaf) {
          free_leaves_.pop_back();
          restore_leaf(i);
        } else {
          free_inner_.pop_back();
          restore_inner(i);
        }
        break;
    }
  }
  forget_undo();
}

Result<MemoryTree::Ref> MemoryTree::build(unsigned depth, std::span<const TreeChange> changes) {
  // Deletions of keys that are not there change nothing: count what is inserted.
  const TreeChange* only = nullptr;
  size_t inserts = 0;
  for (const TreeChange& c : changes) {
    if (!c.value_hash) continue;
    if (++inserts == 1) only = &c;
    if (inserts == 2) break;
  }
  if (inserts == 0) return kEmpty;
  if (inserts == 1) return new_leaf(only->kh, *only->value_hash);
  if (depth >= kMaxDepth) return near_collision(depth);
  const size_t mid = split_at(changes, depth);
  auto left = build(depth + 1, changes.first(mid));
  if (!left) return left;
  auto right = build(depth + 1, changes.subspan(mid));
  if (!right) return right;
  return new_inner(depth, *left, *right);
}

Result<MemoryTree::Ref> MemoryTree::update(Ref node, unsigned depth,
                                           std::span<const TreeChange> changes) {
  if (changes.empty()) return node;
  if (node == kEmpty) return build(depth, changes);

  Ref kids[2];
  if (is_leaf(node)) {
    const Hash256 kh = leaves_[index(node)].kh;
    // The changes that do something here: deletions of other keys are no-ops.
    const TreeChange* own = nullptr;
    bool others = false;
    for (const TreeChange& c : changes) {
      if (c.kh == kh) {
        own = &c;
      } else if (c.value_hash) {
        others = true;
      }
    }
    if (!others) {
      if (own == nullptr) return node;
      if (!own->value_hash) {
        free_node(node);
        return kEmpty;
      }
      if (*own->value_hash != leaves_[index(node)].vh) {
        Leaf& l = leaf_for_change(node);
        l.vh = *own->value_hash;
        l.stale = true;
        stale_leaves_.push_back(node);
      }
      return node;
    }
    // Another key arrives where this leaf is alone: go on as if an internal node were here
    // with the leaf one level down, and let the result settle below.
    if (depth >= kMaxDepth) return near_collision(depth);
    kids[0] = kids[1] = kEmpty;
    kids[state_key_bit(kh, depth)] = node;
  } else {
    if (depth >= kMaxDepth) return near_collision(depth);  // a node out of place
    kids[0] = inner_[index(node)].child[0];
    kids[1] = inner_[index(node)].child[1];
  }

  const size_t mid = split_at(changes, depth);
  auto left = update(kids[0], depth + 1, changes.first(mid));
  if (!left) return left;
  auto right = update(kids[1], depth + 1, changes.subspan(mid));
  if (!right) return right;

  const bool was_inner = !is_leaf(node);
  // The canonical shape: nothing below is empty; a single leaf below rises to this position.
  if ((*left == kEmpty && (*right == kEmpty || is_leaf(*right))) ||
      (*right == kEmpty && is_leaf(*left))) {
    if (was_inner) free_node(node);
    return *left == kEmpty ? *right : *left;
  }
  if (!was_inner) return new_inner(depth, *left, *right);
  if (*left == kids[0] && *right == kids[1] && !stale(*left) && !stale(*right)) return node;
  Inner& n = inner_for_change(node);
  n.child[0] = *left;
  n.child[1] = *right;
  n.stale = true;
  stale_inner_[depth].push_back(node);
  return node;
}

void MemoryTree::hash_stale() {
  auto input = [this](Ref r) {
    if (is_leaf(r)) {
      const Leaf& l = leaves_[index(r)];
      return StateNodeInput{true, l.kh, l.vh};
    }
    const Inner& n = inner_[index(r)];
    return StateNodeInput{false, hash_of(n.child[0]), hash_of(n.child[1])};
  };
  auto settle = [this](Ref r, const Hash256& h) {
    if (is_leaf(r)) {
      leaves_[index(r)].hash = h;
      leaves_[index(r)].stale = false;
    } else {
      inner_[index(r)].hash = h;
      inner_[index(r)].stale = false;
    }
  };
  auto hash_all = [&](std::vector<Ref>& refs) {
    size_t i = 0;
    for (; i + 1 < refs.size(); i += 2) {
      Hash256 ha, hb;
      state_node_hash_x2(input(refs[i]), input(refs[i + 1]), ha, hb);
      settle(refs[i], ha);
      settle(refs[i + 1], hb);
    }
    if (i < refs.size()) {
      const StateNodeInput in = input(refs[i]);
      settle(refs[i], in.leaf ? state_leaf_hash(in.a, in.b) : state_internal_hash(in.a, in.b));
    }
    refs.clear();
  };
  hash_all(stale_leaves_);
  for (size_t depth = stale_inner_.size(); depth-- > 0;) {
    if (!stale_inner_[depth].empty()) hash_all(stale_inner_[depth]);
  }
}

Status MemoryTree::stage(std::span<const TreeChange> sorted) {
  if (staged_) return Status(Errc::kInvalidArgument, "a batch is staged already");
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (!(sorted[i - 1].kh < sorted[i].kh)) {
      return Status(Errc::kInvalidArgument, "tree changes are not sorted by key hash, each once");
    }
  }
  forget_undo();
  // A batch on an empty tree (the tree built at a ledger's opening) keeps no journal: putting
  // the tree back means emptying the pools.
  journaling_ = root_ != kEmpty;
  const Ref before = root_;
  const Hash256 before_hash = root_hash();
  auto root = update(root_, 0, sorted);
  if (!root) {
    rollback();
    stale_leaves_.clear();
    for (auto& level : stale_inner_) level.clear();
    return root.status();
  }
  root_ = *root;
  hash_stale();
  staged_ = true;
  unstaged_ref_ = before;
  unstaged_root_ = before_hash;
  return Status::ok();
}

void MemoryTree::keep_staged() {
  forget_undo();
  staged_ = false;
}

void MemoryTree::unstage() {
  if (!staged_) return;
  rollback();
  root_ = unstaged_ref_;
  staged_ = false;
}

Status MemoryTree::apply(std::span<const TreeChange> sorted) {
  ANS_RETURN_IF_ERROR(stage(sorted));
  keep_staged();
  return Status::ok();
}

std::optional<Hash256> MemoryTree::value_hash(const Hash256& kh) const {
  Ref r = root_;
  for (unsigned depth = 0; r != kEmpty; ++depth) {
    if (is_leaf(r)) {
      const Leaf& l = leaves_[index(r)];
      if (l.kh == kh) return l.vh;
      return std::nullopt;
    }
    r = inner_[index(r)].child[state_key_bit(kh, depth)];
  }
  return std::nullopt;
}

Result<StateProof> MemoryTree::prove(const Hash256& kh,
                                     const std::optional<std::string>& value_for_presence) const {
  StateProof proof;
  Ref r = root_;
  unsigned depth = 0;
  while (r != kEmpty && !is_leaf(r)) {
    const Inner& n = inner_[index(r)];
    const int bit = state_key_bit(kh, depth);
    const Ref sibling = n.child[1 - bit];
    if (sibling == kEmpty) {
      proof.siblings.emplace_back(std::nullopt);
    } else {
      proof.siblings.emplace_back(hash_of(sibling));
    }
    r = n.child[bit];
    ++depth;
  }
  proof.depth = static_cast<uint8_t>(depth);
  if (r == kEmpty) {
    proof.kind = StateProof::Kind::kAbsentEmpty;
    return proof;
  }
  const Leaf& leaf = leaves_[index(r)];
  return end_proof_at_leaf(std::move(proof), kh, leaf.kh, leaf.vh, value_for_presence);
}

Hash256 MemoryTree::Summary::node_hash() const {
  switch (kind) {
    case Kind::kEmpty:
      return kEmptyStateHash;
    case Kind::kOne:
      return state_leaf_hash(kh, vh);
    case Kind::kMany:
      break;
  }
  return hash;
}

MemoryTree::Summary MemoryTree::combine(const Summary& left, const Summary& right) {
  using Kind = Summary::Kind;
  // The canonical shape: a single key with nothing beside it rises to this position.
  if (left.kind == Kind::kEmpty && right.kind != Kind::kMany) return right;
  if (right.kind == Kind::kEmpty && left.kind == Kind::kOne) return left;
  Summary out;
  out.kind = Kind::kMany;
  out.hash = state_internal_hash(left.node_hash(), right.node_hash());
  return out;
}

std::vector<std::pair<Hash256, Hash256>> MemoryTree::keys_with(
    Ref node, std::span<const TreeChange> changes) const {
  std::vector<std::pair<Hash256, Hash256>> keys;
  keys.reserve(changes.size() + 1);
  const Leaf* leaf = node != kEmpty ? &leaves_[index(node)] : nullptr;
  bool leaf_placed = leaf == nullptr;
  for (const TreeChange& c : changes) {
    if (!leaf_placed && !(c.kh < leaf->kh)) {
      leaf_placed = true;
      if (c.kh != leaf->kh) keys.emplace_back(leaf->kh, leaf->vh);
    }
    if (c.value_hash) keys.emplace_back(c.kh, *c.value_hash);
  }
  if (!leaf_placed) keys.emplace_back(leaf->kh, leaf->vh);
  return keys;
}

Result<MemoryTree::Summary> MemoryTree::summarize_keys(
    unsigned depth, std::span<const std::pair<Hash256, Hash256>> keys) {
  Summary out;
  if (keys.empty()) return out;
  if (keys.size() == 1) {
    out.kind = Summary::Kind::kOne;
    out.kh = keys[0].first;
    out.vh = keys[0].second;
    return out;
  }
  if (depth >= kMaxDepth) return near_collision(depth);
  auto it = std::partition_point(keys.begin(), keys.end(), [depth](const auto& k) {
    return state_key_bit(k.first, depth) == 0;
  });
  const size_t mid = static_cast<size_t>(it - keys.begin());
  auto left = summarize_keys(depth + 1, keys.first(mid));
  if (!left) return left;
  auto right = summarize_keys(depth + 1, keys.subspan(mid));
  if (!right) return right;
  return combine(*left, *right);
}

Result<MemoryTree::Summary> MemoryTree::summarize(Ref node, unsigned depth,
                                                  std::span<const TreeChange> changes) const {
  Summary out;
  if (changes.empty()) {
    if (node == kEmpty) return out;
    if (is_leaf(node)) {
      out.kind = Summary::Kind::kOne;
      out.kh = leaves_[index(node)].kh;
      out.vh = leaves_[index(node)].vh;
    } else {
      out.kind = Summary::Kind::kMany;
      out.hash = inner_[index(node)].hash;
    }
    return out;
  }
  if (node == kEmpty || is_leaf(node)) return summarize_keys(depth, keys_with(node, changes));
  if (depth >= kMaxDepth) return near_collision(depth);  // a node out of place
  const size_t mid = split_at(changes, depth);
  const Inner& n = inner_[index(node)];
  auto left = summarize(n.child[0], depth + 1, changes.first(mid));
  if (!left) return left;
  auto right = summarize(n.child[1], depth + 1, changes.subspan(mid));
  if (!right) return right;
  return combine(*left, *right);
}

namespace {

Status check_sorted(std::span<const TreeChange> sorted) {
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (!(sorted[i - 1].kh < sorted[i].kh)) {
      return Status(Errc::kInvalidArgument, "tree changes are not sorted by key hash, each once");
    }
  }
  return Status::ok();
}

}  // namespace

Result<Hash256> MemoryTree::root_with(std::span<const TreeChange> sorted) const {
  ANS_RETURN_IF_ERROR(check_sorted(sorted));
  auto root = summarize(root_, 0, sorted);
  if (!root) return root.status();
  return root->node_hash();
}

Result<StateProof> MemoryTree::prove_with(std::span<const TreeChange> sorted, const Hash256& kh,
                                          const std::optional<std::string>& value_for_presence) const {
  ANS_RETURN_IF_ERROR(check_sorted(sorted));
  StateProof proof;
  // Down kh's path: a node of this tree with the changes under it, until the position holds
  // only keys listed outright (below a leaf or an empty position of this tree).
  Ref node = root_;
  std::span<const TreeChange> changes = sorted;
  std::vector<std::pair<Hash256, Hash256>> listed;
  bool in_tree = true;
  for (unsigned depth = 0;; ++depth) {
    if (in_tree && (node == kEmpty || is_leaf(node)) && !changes.empty()) {
      listed = keys_with(node, changes);
      in_tree = false;
    }
    auto here = in_tree ? summarize(node, depth, changes) : summarize_keys(depth, listed);
    if (!here) return here.status();
    if (here->kind == Summary::Kind::kEmpty) {
      proof.kind = StateProof::Kind::kAbsentEmpty;
      proof.depth = static_cast<uint8_t>(depth);
      return proof;
    }
    if (here->kind == Summary::Kind::kOne) {
      proof.depth = static_cast<uint8_t>(depth);
      return end_proof_at_leaf(std::move(proof), kh, here->kh, here->vh, value_for_presence);
    }
    if (depth >= kMaxDepth) return near_collision(depth);
    const int bit = state_key_bit(kh, depth);
    Result<Summary> sibling = Summary{};
    if (in_tree) {
      const size_t mid = split_at(changes, depth);
      const Inner& n = inner_[index(node)];
      sibling = summarize(n.child[1 - bit], depth + 1, bit ? changes.first(mid) : changes.subspan(mid));
      node = n.child[bit];
      changes = bit ? changes.subspan(mid) : changes.first(mid);
    } else {
      auto it = std::partition_point(listed.begin(), listed.end(), [depth](const auto& k) {
        return state_key_bit(k.first, depth) == 0;
      });
      const size_t mid = static_cast<size_t>(it - listed.begin());
      std::span<const std::pair<Hash256, Hash256>> all(listed);
      sibling = summarize_keys(depth + 1, bit ? all.first(mid) : all.subspan(mid));
      listed = bit ? std::vector<std::pair<Hash256, Hash256>>(listed.begin() + static_cast<std::ptrdiff_t>(mid), listed.end())
                   : std::vector<std::pair<Hash256, Hash256>>(listed.begin(), listed.begin() + static_cast<std::ptrdiff_t>(mid));
    }
    if (!sibling) return sibling.status();
    if (sibling->kind == Summary::Kind::kEmpty) {
      proof.siblings.emplace_back(std::nullopt);
    } else {
      proof.siblings.emplace_back(sibling->node_hash());
    }
  }
}

Result<std::vector<TreeChange>> MemoryTree::staged_reverse() const {
  std::vector<TreeChange> out;
  if (!staged_) return out;
  if (!journaling_) {
    return Status(Errc::kInvalidArgument, "a batch staged on an empty tree keeps no record");
  }
  // Leaves that the batch changed or freed were saved with their content before; leaves it
  // made are new keys. (A slot freed and reused within the batch shows up as both.)
  size_t saved = 0;
  for (const Undo& u : undo_) {
    if (!is_leaf(u.ref)) continue;
    switch (u.op) {
      case Undo::Op::kLeafChanged:
      case Undo::Op::kFreed: {
        const Leaf& before = saved_leaves_[saved++];
        out.push_back(TreeChange{before.kh, before.vh});
        break;
      }
      case Undo::Op::kAllocated:
      case Undo::Op::kGrown:
        out.push_back(TreeChange{leaves_[index(u.ref)].kh, std::nullopt});
        break;
      case Undo::Op::kInnerChanged:
        break;
    }
  }
  std::sort(out.begin(), out.end(), [](const TreeChange& a, const TreeChange& b) { return a.kh < b.kh; });
  return out;
}

}  // namespace ans
