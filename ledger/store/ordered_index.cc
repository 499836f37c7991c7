#include "ledger/store/ordered_index.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <utility>
#include <vector>

#include "ledger/util/bytes.h"

namespace ans {
namespace {

constexpr unsigned kFanout = OrderedIndex::kFanout;
// Fewer than this many keys in a leaf, or separators in an inner node, and the node borrows
// from a sibling or merges with it (the root excepted). A quarter, not a half: a node at the
// limit does not flip between merging and splitting on alternate writes.
constexpr unsigned kMinFill = kFanout / 4;

// A key's first kHeadWords * 8 bytes as big-endian words: an Item's and a Separator's heads.
void fill_heads(uint64_t (&head)[OrderedIndex::kHeadWords], std::string_view k) {
  for (unsigned w = 0; w < OrderedIndex::kHeadWords; ++w) head[w] = be_word(k, 8 * w);
}

}  // namespace

OrderedIndex::Item::Item(std::string_view k) : key(k) { fill_heads(head, k); }

struct OrderedIndex::Node {
  explicit Node(bool is_leaf) : leaf(is_leaf) {}
  bool leaf;
  unsigned count = 0;  // keys (leaf) or separators (inner: count + 1 children)
};

struct OrderedIndex::Leaf : Node {
  Leaf() : Node(true) {}
  Item items[kFanout];
  Leaf* next = nullptr;  // the leaf to the right, for cursors
};

namespace {

// A separator, with bytes of its own (see the header).
struct Separator {
  Separator() = default;
  explicit Separator(std::string_view k) : key(k) { fill_heads(head, k); }
  uint64_t head[OrderedIndex::kHeadWords] = {};
  std::string key;
};

bool less(const OrderedIndex::Item& a, const Separator& s) {
  for (unsigned w = 0; w < OrderedIndex::kHeadWords; ++w) {
    if (a.head[w] != s.head[w]) return a.head[w] < s.head[w];
  }
  return a.key < std::string_view(s.key);
}

}  // namespace

struct OrderedIndex::Inner : Node {
  Inner() : Node(false) {}
  // seps[i] separates kids[i] (keys below it) from kids[i + 1] (keys at or above it).
  Separator seps[kFanout - 1];
  Node* kids[kFanout] = {};

  // The child whose keys' range holds `item`: the number of separators at or below it.
  unsigned child_for(const Item& item) const {
    unsigned lo = 0, hi = count;
    while (lo < hi) {
      const unsigned mid = (lo + hi) / 2;
      if (less(item, seps[mid])) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
  void insert_at(unsigned i, Separator sep, Node* right_kid) {
    for (unsigned j = count; j > i; --j) {
      seps[j] = std::move(seps[j - 1]);
      kids[j + 1] = kids[j];
    }
    seps[i] = std::move(sep);
    kids[i + 1] = right_kid;
    ++count;
  }
  // Removes seps[i] and kids[i + 1].
  void remove_at(unsigned i) {
    for (unsigned j = i; j + 1 < count; ++j) {
      seps[j] = std::move(seps[j + 1]);
      kids[j + 1] = kids[j + 2];
    }
    --count;
    seps[count] = Separator();
    kids[count + 1] = nullptr;
  }
};

struct OrderedIndex::Split {
  bool happened = false;
  Separator sep;  // the lowest key of `right`'s range
  Node* right = nullptr;
};

OrderedIndex::OrderedIndex() : root_(new Leaf()) {}

OrderedIndex::~OrderedIndex() { destroy(root_); }

void OrderedIndex::destroy(Node* node) {
  if (node->leaf) {
    delete static_cast<Leaf*>(node);
    return;
  }
  auto* inner = static_cast<Inner*>(node);
  for (unsigned i = 0; i <= inner->count; ++i) destroy(inner->kids[i]);
  delete inner;
}

void OrderedIndex::clear() {
  destroy(root_);
  root_ = new Leaf();
  size_ = 0;
}

bool OrderedIndex::insert(std::string_view key) {
  const Item item(key);
  Split split;
  if (!insert_into(root_, item, split)) return false;
  ++size_;
  if (split.happened) {
    auto* root = new Inner();
    root->kids[0] = root_;
    root->insert_at(0, std::move(split.sep), split.right);
    root_ = root;
  }
  return true;
}

bool OrderedIndex::insert_into(Node* node, const Item& item, Split& split) {
  if (node->leaf) {
    auto* leaf = static_cast<Leaf*>(node);
    Item* end = leaf->items + leaf->count;
    Item* at = std::lower_bound(leaf->items, end, item);
    if (at != end && !(item < *at)) return false;  // equal
    const auto pos = static_cast<unsigned>(at - leaf->items);
    if (leaf->count < kFanout) {
      std::move_backward(at, end, end + 1);
      *at = item;
      ++leaf->count;
      return true;
    }
    // Full: the upper half moves to a new leaf on the right, then the item goes in its half.
    auto* right = new Leaf();
    constexpr unsigned kKeep = kFanout / 2;
    std::copy(leaf->items + kKeep, leaf->items + kFanout, right->items);
    right->count = kFanout - kKeep;
    leaf->count = kKeep;
    right->next = leaf->next;
    leaf->next = right;
    Leaf* target = pos <= kKeep ? leaf : right;
    const unsigned tpos = pos <= kKeep ? pos : pos - kKeep;
    std::move_backward(target->items + tpos, target->items + target->count,
                       target->items + target->count + 1);
    target->items[tpos] = item;
    ++target->count;
    split.happened = true;
    split.sep = Separator(right->items[0].key);
    split.right = right;
    return true;
  }
  auto* inner = static_cast<Inner*>(node);
  const unsigned i = inner->child_for(item);
  Split below;
  if (!insert_into(inner->kids[i], item, below)) return false;
  if (!below.happened) return true;
  if (inner->count < kFanout - 1) {
    inner->insert_at(i, std::move(below.sep), below.right);
    return true;
  }
  // Full: lay out all separators and children with the new ones, keep the lower half here,
  // hand the middle separator up and the upper half to a new node.
  std::vector<Separator> seps;
  std::vector<Node*> kids;
  seps.reserve(kFanout);
  kids.reserve(kFanout + 1);
  kids.push_back(inner->kids[0]);
  for (unsigned j = 0; j < inner->count; ++j) {
    if (j == i) {
      seps.push_back(std::move(below.sep));
      kids.push_back(below.right);
    }
    seps.push_back(std::move(inner->seps[j]));
    kids.push_back(inner->kids[j + 1]);
  }
  if (i == inner->count) {
    seps.push_back(std::move(below.sep));
    kids.push_back(below.right);
  }
  const unsigned mid = static_cast<unsigned>(seps.size() / 2);
  auto* right = new Inner();
  inner->count = 0;
  inner->kids[0] = kids[0];
  for (unsigned j = 0; j < mid; ++j) {
    inner->seps[j] = std::move(seps[j]);
    inner->kids[j + 1] = kids[j + 1];
  }
  inner->count = mid;
  for (unsigned j = mid; j < kFanout - 1; ++j) {
    inner->seps[j] = Separator();
    inner->kids[j + 1] = nullptr;
  }
  right->kids[0] = kids[mid + 1];
  for (unsigned j = mid + 1; j < seps.size(); ++j) {
    right->seps[right->count] = std::move(seps[j]);
    right->kids[right->count + 1] = kids[j + 1];
    ++right->count;
  }
  split.happened = true;
  split.sep = std::move(seps[mid]);
  split.right = right;
  return true;
}

bool OrderedIndex::erase(std::string_view key) {
  if (!erase_from(root_, Item(key))) return false;
  --size_;
  if (!root_->leaf && root_->count == 0) {
    auto* old = static_cast<Inner*>(root_);
    root_ = old->kids[0];
    delete old;
  }
  return true;
}

bool OrderedIndex::erase_from(Node* node, const Item& item) {
  if (node->leaf) {
    auto* leaf = static_cast<Leaf*>(node);
    Item* end = leaf->items + leaf->count;
    Item* at = std::lower_bound(leaf->items, end, item);
    if (at == end || item < *at) return false;
    std::move(at + 1, end, at);
    --leaf->count;
    return true;
  }
  auto* inner = static_cast<Inner*>(node);
  const unsigned i = inner->child_for(item);
  if (!erase_from(inner->kids[i], item)) return false;
  if (inner->kids[i]->count < kMinFill) rebalance(inner, i);
  return true;
}

void OrderedIndex::rebalance(Inner* inner, unsigned i) {
  Node* child = inner->kids[i];
  Node* left = i > 0 ? inner->kids[i - 1] : nullptr;
  Node* right = i < inner->count ? inner->kids[i + 1] : nullptr;
  if (child->leaf) {
    auto* c = static_cast<Leaf*>(child);
    auto* l = static_cast<Leaf*>(left);
    auto* r = static_cast<Leaf*>(right);
    if (l != nullptr && l->count > kMinFill) {
      std::move_backward(c->items, c->items + c->count, c->items + c->count + 1);
      c->items[0] = l->items[--l->count];
      ++c->count;
      inner->seps[i - 1] = Separator(c->items[0].key);
    } else if (r != nullptr && r->count > kMinFill) {
      c->items[c->count++] = r->items[0];
      std::move(r->items + 1, r->items + r->count, r->items);
      --r->count;
      inner->seps[i] = Separator(r->items[0].key);
    } else if (l != nullptr) {  // merge the child into its left sibling
      std::copy(c->items, c->items + c->count, l->items + l->count);
      l->count += c->count;
      l->next = c->next;
      delete c;
      inner->remove_at(i - 1);
    } else if (r != nullptr) {  // merge the right sibling into the child
      std::copy(r->items, r->items + r->count, c->items + c->count);
      c->count += r->count;
      c->next = r->next;
      delete r;
      inner->remove_at(i);
    }
    return;
  }
  auto* c = static_cast<Inner*>(child);
  auto* l = static_cast<Inner*>(left);
  auto* r = static_cast<Inner*>(right);
  if (l != nullptr && l->count > kMinFill) {
    // The parent's separator comes down in front of the child; the left sibling's last
    // separator goes up in its place, its last child moving over with it.
    for (unsigned j = c->count; j > 0; --j) c->seps[j] = std::move(c->seps[j - 1]);
    for (unsigned j = c->count + 1; j > 0; --j) c->kids[j] = c->kids[j - 1];
    c->seps[0] = std::move(inner->seps[i - 1]);
    c->kids[0] = l->kids[l->count];
    ++c->count;
    inner->seps[i - 1] = std::move(l->seps[l->count - 1]);
    l->seps[l->count - 1] = Separator();
    l->kids[l->count] = nullptr;
    --l->count;
  } else if (r != nullptr && r->count > kMinFill) {
    c->seps[c->count] = std::move(inner->seps[i]);
    c->kids[c->count + 1] = r->kids[0];
    ++c->count;
    inner->seps[i] = std::move(r->seps[0]);
    for (unsigned j = 0; j + 1 < r->count; ++j) r->seps[j] = std::move(r->seps[j + 1]);
    for (unsigned j = 0; j < r->count; ++j) r->kids[j] = r->kids[j + 1];
    r->seps[r->count - 1] = Separator();
    r->kids[r->count] = nullptr;
    --r->count;
  } else {
    // Merge: the right one of the pair into the left, the parent's separator between them.
    Inner* into = l != nullptr ? l : c;
    Inner* from = l != nullptr ? c : r;
    const unsigned sep_at = l != nullptr ? i - 1 : i;
    if (from == nullptr) return;  // an only child (the root collapses it)
    into->seps[into->count] = std::move(inner->seps[sep_at]);
    into->kids[into->count + 1] = from->kids[0];
    ++into->count;
    for (unsigned j = 0; j < from->count; ++j) {
      into->seps[into->count] = std::move(from->seps[j]);
      into->kids[into->count + 1] = from->kids[j + 1];
      ++into->count;
    }
    delete from;
    inner->remove_at(sep_at);
  }
}

OrderedIndex::Cursor::Cursor(const Leaf* leaf, unsigned at) : leaf_(leaf), at_(at) {
  while (leaf_ != nullptr && at_ >= leaf_->count) {
    leaf_ = leaf_->next;
    at_ = 0;
  }
}

std::string_view OrderedIndex::Cursor::key() const { return leaf_->items[at_].key; }

void OrderedIndex::Cursor::next() {
  if (++at_ < leaf_->count) return;
  *this = Cursor(leaf_->next, 0);
}

OrderedIndex::Cursor OrderedIndex::lower_bound(std::string_view from) const {
  const Item item(from);
  const Node* node = root_;
  while (!node->leaf) {
    const auto* inner = static_cast<const Inner*>(node);
    node = inner->kids[inner->child_for(item)];
  }
  const auto* leaf = static_cast<const Leaf*>(node);
  const Item* at = std::lower_bound(leaf->items, leaf->items + leaf->count, item);
  return Cursor(leaf, static_cast<unsigned>(at - leaf->items));
}

std::string OrderedIndex::check() const {
  std::string problem;
  int leaf_depth = -1;
  size_t counted = 0;
  std::vector<const Leaf*> leaves;
  // Keys under `node` must lie in [lo, hi) (nullopt: unbounded).
  auto walk = [&](auto&& self, const Node* node, int depth, std::optional<std::string_view> lo,
                  std::optional<std::string_view> hi) -> void {
    if (!problem.empty()) return;
    const bool is_root = node == root_;
    if (node->leaf) {
      const auto* leaf = static_cast<const Leaf*>(node);
      if (leaf_depth < 0) leaf_depth = depth;
      if (depth != leaf_depth) problem = "leaves at different depths";
      if (!is_root && leaf->count < std::max(kMinFill, 1u)) problem = "an underfull leaf";
      for (unsigned j = 0; j < leaf->count; ++j) {
        const Item& it = leaf->items[j];
        if (!std::equal(it.head, it.head + kHeadWords, Item(it.key).head)) problem = "a stale head";
        if (j > 0 && !(leaf->items[j - 1] < it)) problem = "leaf keys out of order";
        if (lo && it.key < *lo) problem = "a key below its separator";
        if (hi && !(it.key < *hi)) problem = "a key at or above the next separator";
      }
      counted += leaf->count;
      leaves.push_back(leaf);
      return;
    }
    const auto* inner = static_cast<const Inner*>(node);
    if (inner->count == 0 || inner->count > kFanout - 1) problem = "an inner node's count";
    if (!is_root && inner->count < std::max(kMinFill, 1u)) problem = "an underfull inner node";
    for (unsigned j = 0; j < inner->count; ++j) {
      if (j > 0 && !(inner->seps[j - 1].key < inner->seps[j].key)) problem = "separators out of order";
      const Separator fresh(inner->seps[j].key);
      if (!std::equal(fresh.head, fresh.head + kHeadWords, inner->seps[j].head)) {
        problem = "a stale separator head";
      }
    }
    for (unsigned j = 0; j <= inner->count; ++j) {
      if (inner->kids[j] == nullptr) {
        problem = "a missing child";
        return;
      }
      std::optional<std::string_view> klo = j == 0 ? lo : std::optional<std::string_view>(inner->seps[j - 1].key);
      std::optional<std::string_view> khi =
          j == inner->count ? hi : std::optional<std::string_view>(inner->seps[j].key);
      self(self, inner->kids[j], depth + 1, klo, khi);
    }
  };
  walk(walk, root_, 0, std::nullopt, std::nullopt);
  if (!problem.empty()) return problem;
  if (counted != size_) return "size " + std::to_string(size_) + " but " + std::to_string(counted) + " keys";
  for (size_t j = 0; j < leaves.size(); ++j) {
    const Leaf* want = j + 1 < leaves.size() ? leaves[j + 1] : nullptr;
    if (leaves[j]->next != want) return "a broken leaf link";
  }
  return {};
}

}  // namespace ans
