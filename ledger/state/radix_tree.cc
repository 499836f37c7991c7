#include "ledger/state/radix_tree.h"

#include <algorithm>
#include <span>
#include <utility>
#include <vector>

namespace ans {
namespace {

// The deepest node position. An internal node here would put its children at depth 256,
// which neither the one-byte depth of a node key nor a proof can express.
constexpr unsigned kMaxDepth = 255;
constexpr size_t kNodeSize = 1 + 32 + 32;
constexpr uint8_t kLeafTag = 0x00;
constexpr uint8_t kInternalTag = 0x01;

// A stored node. Leaf: a = key hash, b = value hash. Internal: a = left hash, b = right hash.
struct Node {
  bool leaf = false;
  Hash256 a{};
  Hash256 b{};
};

std::string encode_node(uint8_t tag, const Hash256& a, const Hash256& b) {
  std::string out;
  out.reserve(kNodeSize);
  out.push_back(static_cast<char>(tag));
  out.append(reinterpret_cast<const char*>(a.data()), a.size());
  out.append(reinterpret_cast<const char*>(b.data()), b.size());
  return out;
}

bool is_zero(const Hash256& h) {
  return std::all_of(h.begin(), h.end(), [](uint8_t x) { return x == 0; });
}

// True when a and b agree on their first `bits` bits.
bool share_prefix(const Hash256& a, const Hash256& b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

Hash256 child_path(const Hash256& path, unsigned depth, int bit) {
  Hash256 out = path;
  if (bit != 0) out[depth / 8] |= static_cast<uint8_t>(0x80u >> (depth % 8));
  return out;
}

std::string where(unsigned depth, const Hash256& path) {
  const size_t n = (depth + 7) / 8;
  return "tree node at depth " + std::to_string(depth) +
         (n == 0 ? std::string(" (root)")
                 : " path " + to_hex(ByteView(path.data(), n)));
}

Status corrupt(unsigned depth, const Hash256& path, const std::string& why) {
  return Status(Errc::kCorruption, where(depth, path) + " " + why);
}

// Reads the node stored at a position: nullopt when none is stored. Anything that is not a
// node that could sit at this position is corruption.
Result<std::optional<Node>> load_node(const TreeNodeStore& store, unsigned depth,
                                      const Hash256& path) {
  auto bytes = store.get_node(tree_node_key(depth, path));
  if (!bytes) return std::optional<Node>();
  if (bytes->size() != kNodeSize) {
    return corrupt(depth, path, "has " + std::to_string(bytes->size()) + " bytes, expected " +
                                    std::to_string(kNodeSize));
  }
  const auto tag = static_cast<uint8_t>((*bytes)[0]);
  if (tag != kLeafTag && tag != kInternalTag) {
    return corrupt(depth, path, "has unknown tag " + std::to_string(tag));
  }
  Node node;
  node.leaf = tag == kLeafTag;
  std::copy_n(bytes->begin() + 1, 32, node.a.begin());
  std::copy_n(bytes->begin() + 33, 32, node.b.begin());
  if (node.leaf && !share_prefix(node.a, path, depth)) {
    return corrupt(depth, path, "holds key " + to_hex(node.a) + ", which is not on its path");
  }
  if (!node.leaf && depth >= kMaxDepth) {
    return corrupt(depth, path, "is internal at the deepest level");
  }
  if (!node.leaf && is_zero(node.a) && is_zero(node.b)) {
    return corrupt(depth, path, "is internal with two empty children");
  }
  return std::optional<Node>(node);
}

// Loads a child that the parent's hash says is non-empty: its absence is corruption.
Result<Node> load_child(const TreeNodeStore& store, unsigned depth, const Hash256& path) {
  auto node = load_node(store, depth, path);
  if (!node) return node.status();
  if (!node->has_value()) return corrupt(depth, path, "is missing below a non-empty hash");
  return **node;
}

Hash256 node_hash(const Node& node) {
  return node.leaf ? state_leaf_hash(node.a, node.b) : state_internal_hash(node.a, node.b);
}

struct Change {
  Hash256 kh;
  std::optional<Hash256> value_hash;  // nullopt: delete
};
struct Entry {
  Hash256 kh;
  Hash256 value_hash;
};

// The new content of one position after the batch, as its parent sees it.
struct Subtree {
  enum class Kind {
    kEmpty,      // nothing; the position's old node, if any, is already deleted
    kLeaf,       // one key, not yet written: the parent places it here or lifts it higher
    kInternal,   // written at this position
    kUntouched,  // no change reached it; `hash` is the old hash (never the empty hash)
  };
  Kind kind = Kind::kEmpty;
  Hash256 kh{};          // kLeaf
  Hash256 value_hash{};  // kLeaf
  Hash256 hash{};        // kInternal, kUntouched
  bool had_node = false;  // a node was stored at this position before the batch
};

// One batch: a single descent over the sorted changes. Writes are buffered and reach the
// store only when the whole descent succeeds.
class BatchApplier {
 public:
  explicit BatchApplier(const TreeNodeStore& store) : store_(store) {}

  // Updates the subtree at (depth, path), whose stored node is `old`, with `changes` (all on
  // this path, sorted, non-empty).
  Result<Subtree> update(unsigned depth, const Hash256& path, const std::optional<Node>& old,
                         std::span<const Change> changes) {
    if (!old || old->leaf) {
      // Nothing below this position is stored: rebuild it from the surviving keys.
      std::vector<Entry> entries;
      entries.reserve(changes.size() + 1);
      bool old_leaf_pending = old.has_value();
      for (const Change& c : changes) {
        if (old_leaf_pending && !(c.kh < old->a)) {
          if (old->a != c.kh) entries.push_back({old->a, old->b});  // else c replaces it
          old_leaf_pending = false;
        }
        if (c.value_hash) entries.push_back({c.kh, *c.value_hash});
      }
      if (old_leaf_pending) entries.push_back({old->a, old->b});
      return build(depth, path, entries, old.has_value());
    }

    const auto split = split_point(changes, depth);
    Subtree sides[2];
    const Hash256 old_hashes[2] = {old->a, old->b};
    const std::span<const Change> side_changes[2] = {changes.first(split),
                                                     changes.subspan(split)};
    for (int bit = 0; bit < 2; ++bit) {
      if (side_changes[bit].empty()) {
        if (!is_zero(old_hashes[bit])) {
          sides[bit].kind = Subtree::Kind::kUntouched;
          sides[bit].hash = old_hashes[bit];
          sides[bit].had_node = true;
        }
        continue;
      }
      const Hash256 cpath = child_path(path, depth, bit);
      std::optional<Node> child;
      if (!is_zero(old_hashes[bit])) {
        auto loaded = load_child(store_, depth + 1, cpath);
        if (!loaded) return loaded.status();
        child = *loaded;
      }
      auto side = update(depth + 1, cpath, child, side_changes[bit]);
      if (!side) return side.status();
      sides[bit] = *side;
    }
    return combine(depth, path, sides[0], sides[1], /*had_node=*/true);
  }

  // Places a leaf result at the root (nothing above can lift it) and hands back the writes.
  std::vector<std::pair<std::string, std::optional<std::string>>> finish(const Subtree& root) {
    if (root.kind == Subtree::Kind::kLeaf) {
      put(0, Hash256{}, encode_node(kLeafTag, root.kh, root.value_hash));
    }
    return std::move(writes_);
  }

 private:
  // Index of the first change whose bit `depth` is 1 (changes are sorted and share the path).
  template <typename T>
  static size_t split_point(std::span<const T> items, unsigned depth) {
    auto it = std::partition_point(items.begin(), items.end(), [depth](const T& item) {
      return state_key_bit(item.kh, depth) == 0;
    });
    return static_cast<size_t>(it - items.begin());
  }

  // The canonical subtree holding exactly `entries` (sorted, on this path) at a position
  // below which nothing is stored.
  Result<Subtree> build(unsigned depth, const Hash256& path, std::span<const Entry> entries,
                        bool had_node) {
    Subtree out;
    out.had_node = had_node;
    if (entries.empty()) {
      if (had_node) erase(depth, path);
      return out;
    }
    if (entries.size() == 1) {
      out.kind = Subtree::Kind::kLeaf;
      out.kh = entries[0].kh;
      out.value_hash = entries[0].value_hash;
      return out;
    }
    if (depth >= kMaxDepth) {
      return Status(Errc::kInvalidArgument,
                    "key hashes " + to_hex(entries[0].kh) + " and " + to_hex(entries[1].kh) +
                        " share their first 255 bits; the state tree cannot hold both");
    }
    const size_t split = split_point(entries, depth);
    auto left = build(depth + 1, child_path(path, depth, 0), entries.first(split), false);
    if (!left) return left.status();
    auto right = build(depth + 1, child_path(path, depth, 1), entries.subspan(split), false);
    if (!right) return right.status();
    return combine(depth, path, *left, *right, had_node);
  }

  // Joins two child results into the content of (depth, path), keeping the shape canonical:
  // a lone leaf below rises to this position; anything else makes this an internal node.
  Result<Subtree> combine(unsigned depth, const Hash256& path, Subtree left, Subtree right,
                          bool had_node) {
    using Kind = Subtree::Kind;
    Subtree* sides[2] = {&left, &right};
    // An untouched child beside an empty one rises too if it is a leaf: look at it.
    for (int bit = 0; bit < 2; ++bit) {
      Subtree& side = *sides[bit];
      if (side.kind != Kind::kUntouched || sides[1 - bit]->kind != Kind::kEmpty) continue;
      auto node = load_child(store_, depth + 1, child_path(path, depth, bit));
      if (!node) return node.status();
      if (node->leaf) {
        side.kind = Kind::kLeaf;
        side.kh = node->a;
        side.value_hash = node->b;
      }
    }

    Subtree out;
    out.had_node = had_node;
    if (left.kind == Kind::kEmpty && right.kind == Kind::kEmpty) {
      if (had_node) erase(depth, path);
      return out;
    }
    for (int bit = 0; bit < 2; ++bit) {
      const Subtree& side = *sides[bit];
      if (side.kind != Kind::kLeaf || sides[1 - bit]->kind != Kind::kEmpty) continue;
      if (side.had_node) erase(depth + 1, child_path(path, depth, bit));
      out.kind = Kind::kLeaf;
      out.kh = side.kh;
      out.value_hash = side.value_hash;
      return out;
    }

    Hash256 hashes[2];
    for (int bit = 0; bit < 2; ++bit) {
      const Subtree& side = *sides[bit];
      switch (side.kind) {
        case Kind::kEmpty: hashes[bit] = kEmptyStateHash; break;
        case Kind::kInternal:
        case Kind::kUntouched: hashes[bit] = side.hash; break;
        case Kind::kLeaf:
          put(depth + 1, child_path(path, depth, bit),
              encode_node(kLeafTag, side.kh, side.value_hash));
          hashes[bit] = state_leaf_hash(side.kh, side.value_hash);
          break;
      }
    }
    put(depth, path, encode_node(kInternalTag, hashes[0], hashes[1]));
    out.kind = Kind::kInternal;
    out.hash = state_internal_hash(hashes[0], hashes[1]);
    return out;
  }

  void put(unsigned depth, const Hash256& path, std::string node) {
    writes_.emplace_back(tree_node_key(depth, path), std::move(node));
  }
  void erase(unsigned depth, const Hash256& path) {
    writes_.emplace_back(tree_node_key(depth, path), std::nullopt);
  }

  const TreeNodeStore& store_;
  std::vector<std::pair<std::string, std::optional<std::string>>> writes_;
};

// Where the walk from the root along kh ends.
struct Descent {
  std::optional<Node> terminal;  // the leaf found, or nullopt for an empty slot
  unsigned depth = 0;
  std::vector<std::optional<Hash256>> siblings;
};

Result<Descent> descend(const TreeNodeStore& store, const Hash256& kh, bool want_siblings) {
  Descent out;
  Hash256 path{};
  auto root = load_node(store, 0, path);
  if (!root) return root.status();
  std::optional<Node> node = *root;
  while (node && !node->leaf) {
    const int bit = state_key_bit(kh, out.depth);
    const Hash256& next = bit == 0 ? node->a : node->b;
    if (want_siblings) {
      const Hash256& sibling = bit == 0 ? node->b : node->a;
      out.siblings.push_back(is_zero(sibling) ? std::nullopt : std::optional<Hash256>(sibling));
    }
    path = child_path(path, out.depth, bit);
    ++out.depth;
    if (is_zero(next)) {
      node.reset();
      break;
    }
    auto child = load_child(store, out.depth, path);
    if (!child) return child.status();
    node = *child;
  }
  out.terminal = node;
  return out;
}

}  // namespace

std::string tree_node_key(unsigned depth, const Hash256& path) {
  const size_t n = (depth + 7) / 8;
  std::string key;
  key.reserve(2 + n);
  key.push_back('T');
  key.push_back(static_cast<char>(static_cast<uint8_t>(depth)));
  key.append(reinterpret_cast<const char*>(path.data()), n);
  if (depth % 8 != 0) {
    key.back() = static_cast<char>(static_cast<uint8_t>(key.back()) &
                                   static_cast<uint8_t>(0xFF << (8 - depth % 8)));
  }
  return key;
}

Result<Hash256> RadixTree::root_hash() const {
  auto root = load_node(store_, 0, Hash256{});
  if (!root) return root.status();
  return root->has_value() ? node_hash(**root) : kEmptyStateHash;
}

Status RadixTree::apply(const std::map<Hash256, std::optional<Hash256>>& changes) {
  if (changes.empty()) return Status::ok();
  std::vector<Change> sorted;
  sorted.reserve(changes.size());
  for (const auto& [kh, value_hash] : changes) sorted.push_back({kh, value_hash});

  auto root = load_node(store_, 0, Hash256{});
  if (!root) return root.status();
  BatchApplier applier(store_);
  auto result = applier.update(0, Hash256{}, *root, sorted);
  if (!result) return result.status();
  for (auto& [key, node] : applier.finish(*result)) {
    if (node) {
      store_.put_node(key, *node);
    } else {
      store_.delete_node(key);
    }
  }
  return Status::ok();
}

Result<std::optional<Hash256>> RadixTree::value_hash(const Hash256& kh) const {
  auto found = descend(store_, kh, /*want_siblings=*/false);
  if (!found) return found.status();
  if (found->terminal && found->terminal->a == kh) return std::optional<Hash256>(found->terminal->b);
  return std::optional<Hash256>();
}

Result<StateProof> RadixTree::prove(const Hash256& kh,
                                    const std::optional<std::string>& value_for_presence) const {
  auto found = descend(store_, kh, /*want_siblings=*/true);
  if (!found) return found.status();
  StateProof proof;
  proof.depth = static_cast<uint8_t>(found->depth);
  proof.siblings = std::move(found->siblings);
  if (!found->terminal) {
    proof.kind = StateProof::Kind::kAbsentEmpty;
    return proof;
  }
  const Node& leaf = *found->terminal;
  if (leaf.a != kh) {
    proof.kind = StateProof::Kind::kAbsentOtherLeaf;
    proof.other_key_hash = leaf.a;
    proof.other_value_hash = leaf.b;
    return proof;
  }
  if (!value_for_presence) {
    return Status(Errc::kInvalidArgument,
                  "key " + to_hex(kh) + " is present; a presence proof needs its value");
  }
  if (value_for_presence->size() > kMaxProvenValueSize) {
    return Status(Errc::kTooLarge, "value of " + std::to_string(value_for_presence->size()) +
                                       " bytes exceeds the proof limit of " +
                                       std::to_string(kMaxProvenValueSize));
  }
  if (sha256(as_bytes(*value_for_presence)) != leaf.b) {
    return Status(Errc::kInvalidArgument,
                  "the value passed for key " + to_hex(kh) +
                      " does not hash to the value hash the state tree holds");
  }
  proof.kind = StateProof::Kind::kPresent;
  proof.value = *value_for_presence;
  return proof;
}

namespace {

using Pairs = std::span<const std::pair<Hash256, Hash256>>;
using Emit = std::function<void(const std::string&, const std::string&)>;

Result<Hash256> build_subtree(Pairs pairs, unsigned depth, const Emit& emit) {
  if (pairs.empty()) return kEmptyStateHash;
  const auto& first = pairs.front();
  if (pairs.size() == 1) {
    emit(tree_node_key(depth, first.first), encode_node(kLeafTag, first.first, first.second));
    return state_leaf_hash(first.first, first.second);
  }
  if (depth >= 255) {
    return Status(Errc::kInvalidArgument, "two key hashes share their first 255 bits");
  }
  auto split = std::partition_point(pairs.begin(), pairs.end(), [&](const auto& p) {
    return state_key_bit(p.first, depth) == 0;
  });
  auto left = build_subtree(Pairs(pairs.begin(), split), depth + 1, emit);
  if (!left) return left;
  auto right = build_subtree(Pairs(split, pairs.end()), depth + 1, emit);
  if (!right) return right;
  emit(tree_node_key(depth, first.first), encode_node(kInternalTag, *left, *right));
  return state_internal_hash(*left, *right);
}

}  // namespace

Result<Hash256> build_tree(std::span<const std::pair<Hash256, Hash256>> sorted, const Emit& emit) {
  return build_subtree(sorted, 0, emit);
}

}  // namespace ans
