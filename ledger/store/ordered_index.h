// The memory layout's keys in byte order, for scans (ledger/store/state_db.h): a B+ tree of
// views of keys that live elsewhere (the MemTable's entries), which the caller keeps alive
// while they are in the index.
//
// A red-black tree (std::set) spends a node allocation per key and a dependent cache miss per
// level, about twenty levels at a hundred thousand keys. Here a leaf holds up to kFanout keys
// side by side and an inner node up to kFanout children: three or four levels at millions of
// keys, each a short binary search over adjacent memory. Each key is kept with its first 32
// bytes as big-endian integers, which decide most comparisons without reading the key.
//
// Inner nodes keep their own copies of the separating keys: a key that separated two
// subtrees may be erased (and its bytes freed) while the separator still stands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ans {

class OrderedIndex {
 public:
  static constexpr unsigned kFanout = 32;

  OrderedIndex();
  ~OrderedIndex();
  OrderedIndex(const OrderedIndex&) = delete;
  OrderedIndex& operator=(const OrderedIndex&) = delete;

  // Adds `key` (a view the index keeps). Returns false, and keeps the view it had, when an
  // equal key is there.
  bool insert(std::string_view key);
  // Removes the key equal to `key`. Returns whether one was there.
  bool erase(std::string_view key);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear();

  struct Leaf;
  // A position in key order; valid() until the end. Any insert or erase invalidates it.
  class Cursor {
   public:
    bool valid() const { return leaf_ != nullptr; }
    std::string_view key() const;
    void next();

   private:
    friend class OrderedIndex;
    Cursor(const Leaf* leaf, unsigned at);
    const Leaf* leaf_;
    unsigned at_;
  };
  // The first key not less than `from`.
  Cursor lower_bound(std::string_view from) const;
  Cursor begin() const { return lower_bound({}); }

  // Checks the tree's invariants (order, fill, depth, counts, leaf links); for tests.
  // Returns an empty string when they hold, else what is wrong.
  std::string check() const;

  // A key with its first kHeadWords * 8 bytes as big-endian integers (zero-padded). Orders
  // exactly as the bytes do (compared unsigned, a prefix first). 32 bytes: index keys share
  // long prefixes (an owner's names share 22 bytes, "io" and the owner), and a comparison the
  // heads do not decide reads the key itself, a cache miss into the table's entry.
  static constexpr unsigned kHeadWords = 4;
  struct Item {
    Item() = default;
    explicit Item(std::string_view k);
    bool operator<(const Item& o) const {
      for (unsigned w = 0; w < kHeadWords; ++w) {
        if (head[w] != o.head[w]) return head[w] < o.head[w];
      }
      return key < o.key;
    }
    uint64_t head[kHeadWords] = {};
    std::string_view key;
  };

 private:
  struct Node;
  struct Inner;
  struct Split;  // what an insert into a full node hands up to its parent

  bool insert_into(Node* node, const Item& item, Split& split);
  bool erase_from(Node* node, const Item& item);
  // After an erase below inner->kids[i]: restores the child's fill by borrowing from or
  // merging with a sibling.
  void rebalance(Inner* inner, unsigned i);
  static void destroy(Node* node);

  Node* root_;
  size_t size_ = 0;
};

}  // namespace ans
