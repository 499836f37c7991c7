// The authenticated state tree (docs/state-tree.md): a binary radix tree over 256-bit key
// hashes in the manner of Handshake's urkel tree. Its root is the state_root of a block header.
//
// The shape is canonical: it depends only on the set of (key hash, value hash) pairs, never
// on the order or batching of changes. A subtree with no keys is empty, with one key is a
// leaf at that position, with two or more is an internal node. The tree keeps value hashes
// only; the values themselves live in the state store.
//
// Node hashes and the proof format are those of ledger/proof/state_proof.h.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <optional>
#include <string>

#include "ledger/crypto/hash.h"
#include "ledger/proof/state_proof.h"
#include "ledger/util/status.h"

namespace ans {

// Nodes are stored in pages of kPageLevels levels: the page at a position whose depth is a
// multiple of kPageLevels holds that node and the nodes of the next kPageLevels - 1 levels
// below it (up to 15). One key per page instead of one per node: a block's tree update
// writes about a third as many keys. The layout is in docs/state-tree.md, "Node storage".
inline constexpr unsigned kPageLevels = 4;

// Where the tree keeps its pages, by key. Implementations must make a put or delete visible
// to later gets through the same store.
class TreeNodeStore {
 public:
  virtual ~TreeNodeStore() = default;
  virtual std::optional<std::string> get_page(const std::string& page_key) const = 0;
  // get_page() without the copy, where the store can: true when it answered, with `*out`
  // viewing the page (nullopt: absent). The page must stay where it is, unchanged, until the
  // store's next put or delete. The default cannot: false.
  virtual bool find_page(const std::string& page_key,
                         std::optional<std::string_view>* out) const {
    (void)page_key;
    (void)out;
    return false;
  }
  virtual void put_page(const std::string& page_key, std::string page) = 0;
  virtual void delete_page(const std::string& page_key) = 0;
};

// The storage key of the page holding the node at `depth` (0..255) on `path`. With
// top = depth rounded down to a multiple of kPageLevels: "T", one byte of top, then the first
// ceil(top / 8) bytes of path with the bits at and past `top` zeroed. The root's page is "T\0".
std::string tree_page_key(unsigned depth, const Hash256& path);

// Builds a whole tree bottom-up from (key hash, value hash) pairs, without reading anything:
// the shape is canonical, so it yields exactly the pages and root that applying the same pairs
// to an empty tree with RadixTree::apply would. Each page goes to `emit(page_key, page)`.
// For bulk imports and for rebuilding or checking a tree from the state.
// REQUIRES: `sorted` is sorted by key hash with no duplicates.
// Errors: kInvalidArgument for two key hashes sharing their first 255 bits.
Result<Hash256> build_tree(std::span<const std::pair<Hash256, Hash256>> sorted,
                           const std::function<void(const std::string& node_key,
                                                    const std::string& node)>& emit);

// One change of a batch: a key hash's new value hash, or nullopt to delete it.
struct TreeChange {
  Hash256 kh;
  std::optional<Hash256> value_hash;
};

class RadixTree {
 public:
  // The store must outlive the tree. An absent root page means the empty tree.
  explicit RadixTree(TreeNodeStore& store) : store_(store) {}

  // Errors: kCorruption when the stored root page or node does not decode.
  Result<Hash256> root_hash() const;

  // Applies one block's changes: key hash -> new value hash, or nullopt to delete.
  // Deleting an absent key is a no-op. One sorted descent touches each affected node once.
  // All-or-nothing: on error the store is left untouched. Errors:
  //   kCorruption      a stored page or node does not decode, or a node is out of place;
  //   kInvalidArgument two key hashes share their first 255 bits, which the 256 depths of
  //                    the tree cannot separate (a SHA-256 near-collision; never by chance).
  Status apply(const std::map<Hash256, std::optional<Hash256>>& changes);
  // The same for changes already sorted by key hash, each key hash once (tree_changes()).
  // Errors as above, and kInvalidArgument when they are not sorted and unique (nothing is
  // written then).
  Status apply(std::span<const TreeChange> sorted);

  // The value hash stored for kh, or nullopt when kh is absent. A caller that wants a
  // presence proof looks the key up first, fetches its value, then calls prove().
  Result<std::optional<Hash256>> value_hash(const Hash256& kh) const;

  // A proof for kh against the current root. When kh is present, `value_for_presence`
  // must hold its value bytes (the tree keeps only their hash); when absent it is ignored.
  // Errors: kCorruption as above; kInvalidArgument when kh is present and no value, or a
  // value that does not hash to the stored value hash, was passed; kTooLarge when the value
  // exceeds kMaxProvenValueSize.
  Result<StateProof> prove(const Hash256& kh,
                           const std::optional<std::string>& value_for_presence) const;

 private:
  TreeNodeStore& store_;
};

// The end of a proof whose path reached a leaf (the tree's two kinds share it): absent, with
// that leaf's key and value hashes, when it is another key's; present, with the value passed,
// when it is kh's own. Errors as RadixTree::prove for the value.
Result<StateProof> end_proof_at_leaf(StateProof proof, const Hash256& kh, const Hash256& leaf_kh,
                                     const Hash256& leaf_vh,
                                     const std::optional<std::string>& value_for_presence);

}  // namespace ans
