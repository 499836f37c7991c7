#include "ledger/state/radix_tree.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <deque>
#include <memory>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace ans {
namespace {

// The deepest node position. An internal node here would put its children at depth 256,
// which neither the one-byte depth of a node key nor a proof can express.
constexpr unsigned kMaxDepth = 255;

// A stored node. Leaf: a = key hash, b = value hash. Internal: a = left hash, b = right hash.
struct Node {
  bool leaf = false;
  Hash256 a{};
  Hash256 b{};
};

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

// ---- pages (docs/state-tree.md, "Node storage") ----
//
// The nodes at depths top..top+3 below one position (top a multiple of 4) are stored
// together, as one page keyed by the position at `top`: 15 slots, slot 0 the node at `top`,
// then its two children, then their four, then their eight, left to right.

constexpr unsigned kPageSlots = (1u << kPageLevels) - 1;
constexpr size_t kPageHeader = 4;  // present mask, leaf mask: 2 bytes each, big-endian
constexpr size_t kSlotBytes = 64;  // a || b

unsigned page_top(unsigned depth) { return depth - depth % kPageLevels; }

unsigned page_slot(unsigned depth, const Hash256& path) {
  const unsigned top = page_top(depth);
  unsigned index = 0;
  for (unsigned i = top; i < depth; ++i) {
    index = (index << 1) | static_cast<unsigned>(state_key_bit(path, i));
  }
  return (1u << (depth - top)) - 1 + index;
}

struct Page {
  uint16_t present = 0;  // bit s: slot s holds a node
  uint16_t leaves = 0;   // bit s: that node is a leaf
  // Only the slots `present` names are ever read, so a page made by default-initialization
  // (ChunkedPool) leaves the others as they are: 960 bytes not zeroed per page written.
  std::array<std::array<uint8_t, kSlotBytes>, kPageSlots> slots;

  void clear(unsigned slot) {
    const auto bit = static_cast<uint16_t>(1u << slot);
    present = static_cast<uint16_t>(present & ~bit);
    leaves = static_cast<uint16_t>(leaves & ~bit);
  }
  // Marks a slot as holding a node and returns where its 64 bytes (a || b) go.
  uint8_t* place(unsigned slot, bool leaf) {
    const auto bit = static_cast<uint16_t>(1u << slot);
    present = static_cast<uint16_t>(present | bit);
    leaves = static_cast<uint16_t>(leaf ? (leaves | bit) : (leaves & ~bit));
    return slots[slot].data();
  }
  void set(unsigned slot, const Node& n) {
    uint8_t* at = place(slot, n.leaf);
    std::copy(n.a.begin(), n.a.end(), at);
    std::copy(n.b.begin(), n.b.end(), at + 32);
  }
  std::string encode() const {
    std::string out(kPageHeader + kSlotBytes * static_cast<size_t>(std::popcount(present)), '\0');
    out[0] = static_cast<char>(present >> 8);
    out[1] = static_cast<char>(present & 0xFF);
    out[2] = static_cast<char>(leaves >> 8);
    out[3] = static_cast<char>(leaves & 0xFF);
    size_t at = kPageHeader;
    for (unsigned s = 0; s < kPageSlots; ++s) {
      if (!(present >> s & 1u)) continue;
      std::memcpy(out.data() + at, slots[s].data(), kSlotBytes);
      at += kSlotBytes;
    }
    return out;
  }
};

uint16_t page_mask(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[at]) << 8 | static_cast<uint8_t>(bytes[at + 1]));
}

// Errors: kCorruption for bytes that are not a page (node-level checks come later).
Status check_page(std::string_view bytes, unsigned top, const Hash256& path) {
  if (bytes.size() < kPageHeader) {
    return corrupt(top, path, "starts a page of " + std::to_string(bytes.size()) + " bytes");
  }
  const uint16_t present = page_mask(bytes, 0);
  const uint16_t leaves = page_mask(bytes, 2);
  if (present == 0 || (present >> kPageSlots) != 0 || (leaves & ~present) != 0) {
    return corrupt(top, path, "starts a page with bad slot masks");
  }
  const size_t want = kPageHeader + kSlotBytes * static_cast<size_t>(std::popcount(present));
  if (bytes.size() != want) {
    return corrupt(top, path, "starts a page of " + std::to_string(bytes.size()) +
                                  " bytes; its masks say " + std::to_string(want));
  }
  return Status::ok();
}

// The node in `slot` of a page's bytes (check_page passed): read in place, as most pages an
// operation loads are only read, and most hold a few of their 15 slots.
std::optional<Node> page_node(std::string_view bytes, unsigned slot) {
  const uint16_t present = page_mask(bytes, 0);
  if (!(present >> slot & 1u)) return std::nullopt;
  const size_t at =
      kPageHeader + kSlotBytes * static_cast<size_t>(std::popcount(static_cast<uint16_t>(present & ((1u << slot) - 1))));
  Node n;
  n.leaf = (page_mask(bytes, 2) >> slot & 1u) != 0;
  std::memcpy(n.a.data(), bytes.data() + at, 32);
  std::memcpy(n.b.data(), bytes.data() + at + 32, 32);
  return n;
}

// The whole page into `page`, to change it (check_page passed).
void decode_page(std::string_view bytes, Page& page) {
  page.present = page_mask(bytes, 0);
  page.leaves = page_mask(bytes, 2);
  size_t at = kPageHeader;
  for (unsigned s = 0; s < kPageSlots; ++s) {
    if (!(page.present >> s & 1u)) continue;
    std::memcpy(page.slots[s].data(), bytes.data() + at, kSlotBytes);
    at += kSlotBytes;
  }
}

// Objects that never move, made kChunk at a time by default-initialization. A block's tree
// update loads and writes thousands of pages; std::deque would allocate (and later free) a
// node per few entries, and one per page written, a page being larger than its nodes.
template <typename T, size_t kChunk>
class ChunkedPool {
  static_assert(std::has_single_bit(kChunk));

 public:
  // The next object, as default-initialization made it or as pop_back() left it.
  T& add() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique_for_overwrite<T[]>(kChunk));
    return (*this)[size_++];
  }
  void pop_back() { --size_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

// The pages one operation reads and writes. Reads always see the pages as the store held
// them when the operation began; writes are kept apart until take_writes().
class Pages {
 public:
  explicit Pages(const TreeNodeStore& store) : store_(store) {}

  // The node stored at a position before this operation: nullopt when none is. Anything that
  // is not a node that could sit at this position is corruption.
  Result<std::optional<Node>> old_node(unsigned depth, const Hash256& path) {
    auto entry = load(depth, path);
    if (!entry) return entry.status();
    const Entry& e = **entry;
    std::optional<Node> node = e.existed ? page_node(e.old, page_slot(depth, path)) : std::nullopt;
    if (!node) return node;
    if (node->leaf && !share_prefix(node->a, path, depth)) {
      return corrupt(depth, path, "holds key " + to_hex(node->a) + ", which is not on its path");
    }
    if (!node->leaf && depth >= kMaxDepth) {
      return corrupt(depth, path, "is internal at the deepest level");
    }
    if (!node->leaf && is_zero(node->a) && is_zero(node->b)) {
      return corrupt(depth, path, "is internal with two empty children");
    }
    return node;
  }

  // Clears the node at a position, in this operation's writes.
  Status clear(unsigned depth, const Hash256& path) {
    auto page = written_page(depth, path);
    if (!page) return page.status();
    (*page)->clear(page_slot(depth, path));
    return Status::ok();
  }

  // Places a node (a leaf or an internal one) at a position, in this operation's writes, and
  // returns where its 64 bytes (a || b) go: they are the caller's to fill, and stay where
  // they are for the rest of the operation.
  Result<uint8_t*> place(unsigned depth, const Hash256& path, bool leaf) {
    auto page = written_page(depth, path);
    if (!page) return page.status();
    return (*page)->place(page_slot(depth, path), leaf);
  }

  // The pages written, encoded, or nullopt for a page left empty. Unchanged pages are left out.
  std::vector<std::pair<std::string, std::optional<std::string>>> take_writes() {
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    for (size_t n = 0; n < entries_.size(); ++n) {
      auto& [id, e] = entries_[n];
      if (!e.now) continue;
      std::string key = tree_page_key(id.top, id.prefix);
      if (e.now->present == 0) {
        if (e.existed) out.emplace_back(std::move(key), std::nullopt);
        continue;
      }
      std::string bytes = e.now->encode();
      if (e.existed && bytes == e.old) continue;
      out.emplace_back(std::move(key), std::move(bytes));
    }
    return out;
  }

 private:
  struct Entry {
    bool existed = false;
    std::string_view old;   // the page's bytes before this operation (check_page passed):
    std::string old_copy;   // in the store, or here when the store gave a copy
    Page* now = nullptr;    // set by the first write (in written_)
  };
  // A page's position: its top depth and the path with the bits from there on zeroed.
  struct PageId {
    unsigned top = 0;
    Hash256 prefix{};
    bool operator==(const PageId&) const = default;
  };
  struct PageIdHash {
    size_t operator()(const PageId& id) const noexcept {
      uint64_t head = 0;
      std::memcpy(&head, id.prefix.data(), sizeof head);
      return static_cast<size_t>(head * 0x9E3779B97F4A7C15ULL ^ id.top);
    }
  };

  // The page holding a position as this operation writes it: its old content on the first write.
  Result<Page*> written_page(unsigned depth, const Hash256& path) {
    auto entry = load(depth, path);
    if (!entry) return entry.status();
    Entry& e = **entry;
    if (!e.now) {
      e.now = &written_.add();
      if (e.existed) {
        decode_page(e.old, *e.now);
      } else {
        e.now->present = e.now->leaves = 0;
      }
    }
    return e.now;
  }

  static PageId page_id(unsigned depth, const Hash256& path) {
    PageId id;
    id.top = page_top(depth);
    const unsigned whole = id.top / 8;
    std::copy_n(path.begin(), whole, id.prefix.begin());
    if (id.top % 8 != 0) {
      id.prefix[whole] = static_cast<uint8_t>(path[whole] & (0xFF << (8 - id.top % 8)));
    }
    return id;
  }

  // The slot of `id` in index_, or the empty slot where a search for it ends.
  size_t probe(const PageId& id) const {
    const size_t mask = index_.size() - 1;
    for (size_t i = PageIdHash{}(id) & mask;; i = (i + 1) & mask) {
      if (index_[i] == 0 || entries_[index_[i] - 1].first == id) return i;
    }
  }
  void grow() {
    index_.assign(std::max<size_t>(256, index_.size() * 2), 0);
    for (size_t n = 0; n < entries_.size(); ++n) {
      index_[probe(entries_[n].first)] = static_cast<uint32_t>(n + 1);
    }
  }

  Result<Entry*> load(unsigned depth, const Hash256& path) {
    PageId id = page_id(depth, path);
    if (last_ != nullptr && id == last_id_) return last_;
    if ((entries_.size() + 1) * 2 > index_.size()) grow();
    const size_t slot = probe(id);
    if (index_[slot] == 0) {
      auto& added = entries_.add();
      added = {id, Entry()};
      Entry& e = added.second;
      const std::string key = tree_page_key(id.top, id.prefix);
      std::optional<std::string_view> in_store;
      if (store_.find_page(key, &in_store)) {
        if (in_store) {
          e.existed = true;
          e.old = *in_store;
        }
      } else if (auto bytes = store_.get_page(key)) {
        e.existed = true;
        e.old_copy = std::move(*bytes);
        e.old = e.old_copy;
      }
      if (e.existed) {
        if (Status st = check_page(e.old, id.top, id.prefix); !st) {
          entries_.pop_back();
          return st;
        }
      }
      index_[slot] = static_cast<uint32_t>(entries_.size());
    }
    last_id_ = id;
    last_ = &entries_[index_[slot] - 1].second;
    return last_;
  }

  const TreeNodeStore& store_;
  // The pages loaded, in the order loaded (entries never move), and a flat hash index of
  // them (slot: entry number + 1, 0 empty; at most half full): an operation loads thousands,
  // and node-based maps cost an allocation and a free per page.
  ChunkedPool<std::pair<PageId, Entry>, 256> entries_;
  std::vector<uint32_t> index_;
  ChunkedPool<Page, 64> written_;  // the new contents of the pages written
  // The page of the previous call: descents read several nodes of one page in a row.
  PageId last_id_;
  Entry* last_ = nullptr;
};

// Loads a child that the parent's hash says is non-empty: its absence is corruption.
Result<Node> load_child(Pages& pages, unsigned depth, const Hash256& path) {
  auto node = pages.old_node(depth, path);
  if (!node) return node.status();
  if (!node->has_value()) return corrupt(depth, path, "is missing below a non-empty hash");
  return **node;
}

Hash256 node_hash(const Node& node) {
  return node.leaf ? state_leaf_hash(node.a, node.b) : state_internal_hash(node.a, node.b);
}

using Change = TreeChange;
struct Entry {
  Hash256 kh;
  Hash256 value_hash;
};

// The node hashes of one batch, computed a window at a time rather than as the descent makes
// them: SHA-256 on the x86 SHA extensions is bound by the latency of its rounds, and two
// independent hashes at once (state_node_hash_x2) take little more time than one. Within
// a window, the hashes that need nothing else pending go first, two at a time, then those
// that needed only those, and so on. The nodes' bytes are filled in the same way: each write
// of a node is a patch applied in the order written, once the hashes it copies are known.
class NodeHashes {
 public:
  // A hash: known, or to be known by the end of the batch. An index into values_.
  using Ref = uint32_t;

  NodeHashes() { empty_ = known(kEmptyStateHash); }

  Ref empty() const { return empty_; }
  Ref known(const Hash256& h) {
    values_.push_back(h);
    level_.push_back(0);
    return static_cast<Ref>(values_.size() - 1);
  }
  // The hash of a node whose a and b are those refs (pending or known).
  Ref node(bool leaf, Ref a, Ref b) {
    const Ref out = known(Hash256{});
    level_[out] = static_cast<uint16_t>(1 + std::max(level_[a], level_[b]));
    jobs_.push_back({leaf, a, b, out});
    if (jobs_.size() >= kWindow) flush();
    return out;
  }
  // Fills the 64 bytes at `to` with a || b once both are known.
  void copy_when_known(uint8_t* to, Ref a, Ref b) {
    if (level_[a] == 0 && level_[b] == 0 && patches_.empty()) {
      std::memcpy(to, values_[a].data(), 32);
      std::memcpy(to + 32, values_[b].data(), 32);
      return;
    }
    patches_.push_back({to, a, b});
  }

  // A known hash's value.
  const Hash256& value(Ref r) const { return values_[r]; }
  // How many refs there are: a mark for forget_after().
  size_t mark() const { return values_.size(); }
  // Forgets the refs made since `mark`: a finished subtree's hashes are needed no more once
  // flushed, but for its root's (which the caller keeps as a new ref). This keeps the memory
  // of a batch of millions of changes (a replayed journal) to its upper levels.
  // REQUIRES: flushed since those refs were made.
  void forget_after(size_t mark) {
    values_.resize(mark);
    level_.resize(mark);
  }

  // Computes every pending hash and applies every pending patch.
  void flush() {
    if (!jobs_.empty()) {
      // By level (counting sort): a job's inputs are all of lower levels.
      uint16_t top = 0;
      for (const Job& j : jobs_) top = std::max(top, level_[j.out]);
      by_level_.assign(top + 2, 0);
      for (const Job& j : jobs_) ++by_level_[level_[j.out] + 1];
      for (size_t l = 1; l < by_level_.size(); ++l) by_level_[l] += by_level_[l - 1];
      order_.resize(jobs_.size());
      for (const Job& j : jobs_) order_[by_level_[level_[j.out]]++] = &j;
      // by_level_[l] is now the end of level l's run.
      size_t at = 0;
      for (uint16_t l = 1; l <= top; ++l) {
        const size_t end = by_level_[l];
        for (; at + 1 < end; at += 2) {
          const Job& x = *order_[at];
          const Job& y = *order_[at + 1];
          state_node_hash_x2({x.leaf, values_[x.a], values_[x.b]},
                             {y.leaf, values_[y.a], values_[y.b]}, values_[x.out], values_[y.out]);
        }
        if (at < end) {
          const Job& x = *order_[at++];
          values_[x.out] = x.leaf ? state_leaf_hash(values_[x.a], values_[x.b])
                                  : state_internal_hash(values_[x.a], values_[x.b]);
        }
      }
      for (const Job& j : jobs_) level_[j.out] = 0;
      jobs_.clear();
    }
    for (const Patch& p : patches_) {
      std::memcpy(p.to, values_[p.a].data(), 32);
      std::memcpy(p.to + 32, values_[p.b].data(), 32);
    }
    patches_.clear();
  }

 private:
  // Pending hashes per window: enough to pair nearly all of them, few enough that their
  // inputs and the pages they patch are still in cache.
  static constexpr size_t kWindow = 256;
  struct Job {
    bool leaf;
    Ref a, b, out;
  };
  struct Patch {
    uint8_t* to;
    Ref a, b;
  };

  std::vector<Hash256> values_;
  std::vector<uint16_t> level_;  // 0: known; else 1 + the higher of its inputs' levels
  std::vector<Job> jobs_;        // pending, in the order made
  std::vector<Patch> patches_;   // in the order written
  std::vector<size_t> by_level_;
  std::vector<const Job*> order_;
  Ref empty_ = 0;
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
  NodeHashes::Ref hash = 0;  // kInternal (pending or known), kUntouched (known)
  bool had_node = false;  // a node was stored at this position before the batch
};

// One batch: a single descent over the sorted changes. Writes are buffered and reach the
// store only when the whole descent succeeds.
class BatchApplier {
 public:
  explicit BatchApplier(Pages& pages) : pages_(pages) {}

  // Updates the subtree at (depth, path), whose stored node is `old`, with `changes` (all on
  // this path, sorted, non-empty).
  Result<Subtree> update(unsigned depth, const Hash256& path, const std::optional<Node>& old,
                         std::span<const Change> changes) {
    if (!old || old->leaf) {
      // Nothing below this position is stored: rebuild it from the surviving keys.
      // Usually one or two keys reach an empty or leaf position: no allocation for them.
      boost::container::small_vector<Entry, 4> entries;
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
      return build(depth, path, std::span<const Entry>(entries.data(), entries.size()),
                   old.has_value());
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
          sides[bit].hash = hashes_.known(old_hashes[bit]);
          sides[bit].had_node = true;
        }
        continue;
      }
      const Hash256 cpath = child_path(path, depth, bit);
      std::optional<Node> child;
      if (!is_zero(old_hashes[bit])) {
        auto loaded = load_child(pages_, depth + 1, cpath);
        if (!loaded) return loaded.status();
        child = *loaded;
      }
      auto side = scoped(side_changes[bit].size(), [&] {
        return update(depth + 1, cpath, child, side_changes[bit]);
      });
      if (!side) return side.status();
      sides[bit] = *side;
    }
    return combine(depth, path, sides[0], sides[1], /*had_node=*/true);
  }

  // Places a leaf result at the root (nothing above can lift it), and fills in every node
  // written. Returns the first error a write ran into (a page that did not decode).
  Status finish(const Subtree& root) {
    if (root.kind == Subtree::Kind::kLeaf) put_leaf(0, Hash256{}, root.kh, root.value_hash);
    hashes_.flush();
    return first_error_;
  }

 private:
  // Runs `body`, the update or build of a subtree with `items` changes or keys. The first
  // subtree on a path with at most kScope of them is finished on its own: its hashes flushed
  // and then forgotten but for its root's, so that memory stays bounded however big the batch.
  // (Larger subtrees above are few: their hashes stay until the end.)
  template <typename Body>
  Result<Subtree> scoped(size_t items, Body&& body) {
    if (in_scope_ || items > kScope) return body();
    in_scope_ = true;
    const size_t mark = hashes_.mark();
    auto result = body();
    in_scope_ = false;
    if (!result) return result;
    hashes_.flush();
    Subtree out = *result;
    if (out.kind == Subtree::Kind::kInternal) {
      const Hash256 root = hashes_.value(out.hash);
      hashes_.forget_after(mark);
      out.hash = hashes_.known(root);
    } else {
      hashes_.forget_after(mark);
    }
    return out;
  }

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
    auto left = scoped(split, [&] {
      return build(depth + 1, child_path(path, depth, 0), entries.first(split), false);
    });
    if (!left) return left.status();
    auto right = scoped(entries.size() - split, [&] {
      return build(depth + 1, child_path(path, depth, 1), entries.subspan(split), false);
    });
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
      auto node = load_child(pages_, depth + 1, child_path(path, depth, bit));
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

    NodeHashes::Ref refs[2];
    for (int bit = 0; bit < 2; ++bit) {
      const Subtree& side = *sides[bit];
      switch (side.kind) {
        case Kind::kEmpty: refs[bit] = hashes_.empty(); break;
        case Kind::kInternal:
        case Kind::kUntouched: refs[bit] = side.hash; break;
        case Kind::kLeaf:
          refs[bit] = put_leaf(depth + 1, child_path(path, depth, bit), side.kh, side.value_hash);
          break;
      }
    }
    put(depth, path, /*leaf=*/false, refs[0], refs[1]);
    out.kind = Kind::kInternal;
    out.hash = hashes_.node(/*leaf=*/false, refs[0], refs[1]);
    return out;
  }

  // Writes a leaf; returns its hash (pending).
  NodeHashes::Ref put_leaf(unsigned depth, const Hash256& path, const Hash256& kh,
                           const Hash256& value_hash) {
    const NodeHashes::Ref a = hashes_.known(kh);
    const NodeHashes::Ref b = hashes_.known(value_hash);
    put(depth, path, /*leaf=*/true, a, b);
    return hashes_.node(/*leaf=*/true, a, b);
  }
  void put(unsigned depth, const Hash256& path, bool leaf, NodeHashes::Ref a, NodeHashes::Ref b) {
    auto to = pages_.place(depth, path, leaf);
    if (!to) {
      record(to.status());
      return;
    }
    hashes_.copy_when_known(*to, a, b);
  }
  void erase(unsigned depth, const Hash256& path) { record(pages_.clear(depth, path)); }
  void record(const Status& s) {
    if (!s && first_error_) first_error_ = s;
  }

  // Subtrees with at most this many changes or keys are finished one at a time (scoped()):
  // a few hundred hashes each, enough to pair nearly all of them.
  static constexpr size_t kScope = 64;

  Pages& pages_;
  NodeHashes hashes_;
  bool in_scope_ = false;
  Status first_error_;
};

// Where the walk from the root along kh ends.
struct Descent {
  std::optional<Node> terminal;  // the leaf found, or nullopt for an empty slot
  unsigned depth = 0;
  std::vector<std::optional<Hash256>> siblings;
};

Result<Descent> descend(const TreeNodeStore& store, const Hash256& kh, bool want_siblings) {
  Pages pages(store);
  Descent out;
  Hash256 path{};
  auto root = pages.old_node(0, path);
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
    auto child = load_child(pages, out.depth, path);
    if (!child) return child.status();
    node = *child;
  }
  out.terminal = node;
  return out;
}

}  // namespace

std::string tree_page_key(unsigned depth, const Hash256& path) {
  depth = page_top(depth);
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
  Pages pages(store_);
  auto root = pages.old_node(0, Hash256{});
  if (!root) return root.status();
  return root->has_value() ? node_hash(**root) : kEmptyStateHash;
}

Status RadixTree::apply(const std::map<Hash256, std::optional<Hash256>>& changes) {
  std::vector<Change> sorted;
  sorted.reserve(changes.size());
  for (const auto& [kh, value_hash] : changes) sorted.push_back({kh, value_hash});
  return apply(std::span<const Change>(sorted));
}

namespace {

using PageWrites = std::vector<std::pair<std::string, std::optional<std::string>>>;

void write_pages(TreeNodeStore& store, PageWrites writes) {
  for (auto& [key, page] : writes) {
    if (page) {
      store.put_page(key, std::move(*page));
    } else {
      store.delete_page(key);
    }
  }
}

}  // namespace

Status RadixTree::apply(std::span<const TreeChange> sorted) {
  if (sorted.empty()) return Status::ok();
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (!(sorted[i - 1].kh < sorted[i].kh)) {
      return Status(Errc::kInvalidArgument, "tree changes must be sorted by key hash, each once");
    }
  }
  Pages pages(store_);
  auto root = pages.old_node(0, Hash256{});
  if (!root) return root.status();
  BatchApplier applier(pages);
  auto result = applier.update(0, Hash256{}, *root, sorted);
  if (!result) return result.status();
  ANS_RETURN_IF_ERROR(applier.finish(*result));
  write_pages(store_, pages.take_writes());
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
  return end_proof_at_leaf(std::move(proof), kh, leaf.a, leaf.b, value_for_presence);
}

Result<StateProof> end_proof_at_leaf(StateProof proof, const Hash256& kh, const Hash256& leaf_kh,
                                     const Hash256& leaf_vh,
                                     const std::optional<std::string>& value_for_presence) {
  if (leaf_kh != kh) {
    proof.kind = StateProof::Kind::kAbsentOtherLeaf;
    proof.other_key_hash = leaf_kh;
    proof.other_value_hash = leaf_vh;
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
  if (sha256(as_bytes(*value_for_presence)) != leaf_vh) {
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

// The build is depth-first and emits a node after everything below it, so along the current
// path only one page per page level is open, and a page is complete once its top node is set.
class PageBuilder {
 public:
  explicit PageBuilder(const Emit& emit) : emit_(emit) {}
  void set(unsigned depth, const Hash256& path, const Node& node) {
    Page& page = open_[depth / kPageLevels];
    page.set(page_slot(depth, path), node);
    if (depth % kPageLevels != 0) return;
    emit_(tree_page_key(depth, path), page.encode());
    page = Page{};
  }

 private:
  const Emit& emit_;
  std::array<Page, (kMaxDepth + kPageLevels) / kPageLevels> open_{};
};

Result<Hash256> build_subtree(Pairs pairs, unsigned depth, PageBuilder& out) {
  if (pairs.empty()) return kEmptyStateHash;
  const auto& first = pairs.front();
  if (pairs.size() == 1) {
    out.set(depth, first.first, Node{true, first.first, first.second});
    return state_leaf_hash(first.first, first.second);
  }
  if (depth >= kMaxDepth) {
    return Status(Errc::kInvalidArgument, "two key hashes share their first 255 bits");
  }
  auto split = std::partition_point(pairs.begin(), pairs.end(), [&](const auto& p) {
    return state_key_bit(p.first, depth) == 0;
  });
  auto left = build_subtree(Pairs(pairs.begin(), split), depth + 1, out);
  if (!left) return left;
  auto right = build_subtree(Pairs(split, pairs.end()), depth + 1, out);
  if (!right) return right;
  out.set(depth, first.first, Node{false, *left, *right});
  return state_internal_hash(*left, *right);
}

}  // namespace

Result<Hash256> build_tree(std::span<const std::pair<Hash256, Hash256>> sorted, const Emit& emit) {
  auto builder = std::make_unique<PageBuilder>(emit);  // 64 open pages: ~62 KB, off the stack
  return build_subtree(sorted, 0, *builder);
}

}  // namespace ans
