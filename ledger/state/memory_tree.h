// The authenticated state tree held as linked nodes in memory: the same tree as RadixTree
// (docs/state-tree.md: the canonical shape, the node hashes, the proofs), without pages.
//
// RadixTree keeps its nodes in pages stored by key, so an update looks each page up in the
// store, checks and decodes it, and encodes it again for the write. Here a node holds its
// children directly and its hash: an update follows one link a level, changes nodes in place
// and hashes only the nodes it changed. The memory layout's ledger keeps its tree this way
// (docs/state-tree.md, "The memory layout's tree").
//
// A leaf knows nothing of its position, so a leaf that moves up or down as keys come and go
// is relinked, not copied. Nodes live in two pools (leaves, internal nodes) addressed by
// 32-bit references, with freed slots reused.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/proof/state_proof.h"
#include "ledger/state/radix_tree.h"
#include "ledger/util/status.h"

namespace ans {

class MemoryTree {
 public:
  MemoryTree() = default;
  MemoryTree(const MemoryTree&) = delete;
  MemoryTree& operator=(const MemoryTree&) = delete;

  // The root hash (all zeros for the empty tree).
  Hash256 root_hash() const;

  // Applies one batch of changes, sorted by key hash, each key hash once (tree_changes()):
  // a new value hash, or nullopt to delete (deleting an absent key is a no-op). The result is
  // the tree RadixTree::apply gives for the same batch. All-or-nothing. Errors:
  //   kInvalidArgument  the changes are not sorted and unique, or two key hashes share their
  //                     first 255 bits (a SHA-256 near-collision; never by chance).
  Status apply(std::span<const TreeChange> sorted);

  // A batch applied for now: as apply(), but what it changed is kept until keep_staged()
  // forgets it or unstage() puts the tree back as it was. A ledger stages a prepared block's
  // changes and keeps them when the block commits. REQUIRES: nothing staged.
  Status stage(std::span<const TreeChange> sorted);
  bool staged() const { return staged_; }
  void keep_staged();
  void unstage();
  // The root before the staged batch (root_hash() when nothing is staged).
  Hash256 unstaged_root() const { return staged_ ? unstaged_root_ : root_hash(); }

  // The value hash stored for kh, or nullopt when kh is absent.
  std::optional<Hash256> value_hash(const Hash256& kh) const;

  // A proof for kh against root_hash(), as RadixTree::prove makes it (and with its errors:
  // kInvalidArgument for a present key without its value or with a value that does not hash
  // to the stored one, kTooLarge above kMaxProvenValueSize).
  Result<StateProof> prove(const Hash256& kh,
                           const std::optional<std::string>& value_for_presence) const;

  // Read-only questions about another tree: this one with `sorted` applied (changes sorted
  // by key hash, each once, as for apply()), answered without changing this one. Only the
  // subtrees that the changes touch are hashed again. A read view proves at a past height
  // with the reverse of the blocks since (docs/state.md, "Read views"). Errors as apply()
  // and prove().
  Result<Hash256> root_with(std::span<const TreeChange> sorted) const;
  Result<StateProof> prove_with(std::span<const TreeChange> sorted, const Hash256& kh,
                                const std::optional<std::string>& value_for_presence) const;

  // The changes that put back the staged batch: each key hash it changed, with its value
  // hash before (nullopt: absent), sorted by key hash. Empty when nothing is staged.
  // Errors: kInvalidArgument when the batch was staged on an empty tree (it keeps no record
  // of what it changed).
  Result<std::vector<TreeChange>> staged_reverse() const;

  size_t size() const { return leaves_.size() - free_leaves_.size(); }
  // Nodes in use: leaves and internal nodes.
  size_t nodes() const { return size() + inner_.size() - free_inner_.size(); }

 private:
  // A reference: 0 is the empty subtree; otherwise the low 31 bits are a pool index + 1 and
  // the top bit says which pool (set: leaves).
  using Ref = uint32_t;
  static constexpr Ref kEmpty = 0;
  static constexpr Ref kLeafBit = 0x80000000u;
  static bool is_leaf(Ref r) { return (r & kLeafBit) != 0; }
  static uint32_t index(Ref r) { return (r & ~kLeafBit) - 1; }

  struct Leaf {
    Hash256 kh;
    Hash256 vh;
    Hash256 hash;  // state_leaf_hash(kh, vh), unless stale
    bool stale;
  };
  struct Inner {
    Hash256 hash;  // state_internal_hash of the children, unless stale
    Ref child[2];
    bool stale;
  };

  // A pool of nodes in one block of memory grown by realloc. Past glibc's mmap threshold a
  // block of its own is grown by mremap: the pages are moved, not copied. A vector's
  // doubling copies the whole pool into fresh memory instead, inside one block, with both
  // copies held meanwhile.
  template <typename T>
  class Pool {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

   public:
    Pool() = default;
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    ~Pool() { std::free(data_); }
    T& operator[](uint32_t i) { return data_[i]; }
    const T& operator[](uint32_t i) const { return data_[i]; }
    size_t size() const { return size_; }
    // A slot at the end, its content unset.
    void grow() {
      if (size_ == capacity_) {
        const size_t capacity = capacity_ == 0 ? 1024 : capacity_ * 2;
        void* p = std::realloc(data_, capacity * sizeof(T));
        if (p == nullptr) throw std::bad_alloc();
        data_ = static_cast<T*>(p);
        capacity_ = capacity;
      }
      ++size_;
    }
    void pop_back() { --size_; }
    void clear() {
      std::free(data_);
      data_ = nullptr;
      size_ = capacity_ = 0;
    }

   private:
    T* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  // What a staged batch changed, to put it back: each entry reverses one step, newest last.
  // The contents a step overwrote or freed are saved beside, in the same order.
  struct Undo {
    enum class Op : uint8_t { kLeafChanged, kInnerChanged, kAllocated, kGrown, kFreed };
    Op op;
    Ref ref;
  };

  // A subtree of the tree that root_with() and prove_with() describe: empty, one key (its
  // leaf, wherever it sits), or more (with its hash).
  struct Summary {
    enum class Kind : uint8_t { kEmpty, kOne, kMany } kind = Kind::kEmpty;
    Hash256 kh{}, vh{};  // kOne
    Hash256 hash{};      // kMany
    Hash256 node_hash() const;
  };
  // The subtree at `node`'s position (at `depth`) with `changes` (all under it) applied.
  Result<Summary> summarize(Ref node, unsigned depth, std::span<const TreeChange> changes) const;
  // The keys under `node` (a leaf or empty) with `changes` applied, as (key hash, value
  // hash) pairs sorted by key hash.
  std::vector<std::pair<Hash256, Hash256>> keys_with(Ref node,
                                                     std::span<const TreeChange> changes) const;
  static Result<Summary> summarize_keys(unsigned depth,
                                        std::span<const std::pair<Hash256, Hash256>> keys);
  static Summary combine(const Summary& left, const Summary& right);

  const Hash256& hash_of(Ref r) const;
  bool stale(Ref r) const;
  Leaf& leaf_for_change(Ref r);
  Inner& inner_for_change(Ref r);
  // Journals one step (false, and nothing journaled, when the batch keeps no journal).
  bool note(Undo::Op op, Ref r);
  void forget_undo();
  void rollback();
  Ref new_leaf(const Hash256& kh, const Hash256& vh);
  Ref new_inner(unsigned depth, Ref left, Ref right);
  void free_node(Ref r);
  // The subtree at `depth` (0..255) after `changes`, all on its path. The nodes it makes or
  // changes are stale, and listed for hash_stale().
  Result<Ref> update(Ref node, unsigned depth, std::span<const TreeChange> changes);
  // A subtree of new keys only (the deletions among `changes` are no-ops).
  Result<Ref> build(unsigned depth, std::span<const TreeChange> changes);
  // Hashes every stale node: the leaves, then the internal nodes level by level from the
  // deepest up (a node's children are a level below it), two at a time (sha256_x2).
  void hash_stale();

  Pool<Leaf> leaves_;
  Pool<Inner> inner_;
  std::vector<uint32_t> free_leaves_;
  std::vector<uint32_t> free_inner_;
  Ref root_ = kEmpty;
  std::vector<Undo> undo_;
  std::vector<Leaf> saved_leaves_;  // kLeafChanged, and kFreed of a leaf: the content before
  std::vector<Inner> saved_inner_;  // kInnerChanged, and kFreed of an internal node
  bool journaling_ = true;
  bool staged_ = false;
  Ref unstaged_ref_ = kEmpty;
  Hash256 unstaged_root_{};
  std::vector<Ref> stale_leaves_;
  std::vector<std::vector<Ref>> stale_inner_ = std::vector<std::vector<Ref>>(256);  // by depth
};

}  // namespace ans
