#include "ledger/state/radix_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include "ledger/testing/map_page_store.h"
#include "ledger/testing/random_hash.h"

namespace ans {
namespace {

// The unit test's edge: pages in a std::map.
using MemStore = testing::MapPageStore;

using Changes = std::map<Hash256, std::optional<Hash256>>;
using Set = std::map<Hash256, Hash256>;  // key hash -> value hash

// ---- an independent reference: the canonical tree computed straight from the set ----

int ref_bit(const Hash256& h, unsigned i) { return (h[i / 8] >> (7 - i % 8)) & 1; }

Hash256 ref_node_hash(uint8_t tag, const Hash256& a, const Hash256& b) {
  Bytes input{tag};
  input.insert(input.end(), a.begin(), a.end());
  input.insert(input.end(), b.begin(), b.end());
  return sha256(input);
}

Hash256 ref_mask(Hash256 path, unsigned depth) {
  for (unsigned i = depth; i < 256; ++i) path[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  return path;
}

// The nodes of a tree by position: (depth, path with bits from depth on zeroed) -> tag || a || b.
using RefNodes = std::map<std::pair<unsigned, Hash256>, std::string>;

// ---- the page format of docs/state-tree.md, written out independently ----

constexpr unsigned kRefPageLevels = 4;

std::string ref_page_key(unsigned depth, const Hash256& path) {
  const unsigned top = depth - depth % kRefPageLevels;
  const Hash256 masked = ref_mask(path, top);
  std::string key = "T";
  key.push_back(static_cast<char>(top));
  key.append(reinterpret_cast<const char*>(masked.data()), (top + 7) / 8);
  return key;
}

unsigned ref_slot(unsigned depth, const Hash256& path) {
  const unsigned top = depth - depth % kRefPageLevels;
  unsigned index = 0;
  for (unsigned i = top; i < depth; ++i) index = index * 2 + static_cast<unsigned>(ref_bit(path, i));
  return (1u << (depth - top)) - 1 + index;
}

// Packs nodes into the pages the store should hold.
std::map<std::string, std::string> ref_pack(const RefNodes& nodes) {
  std::map<std::string, std::map<unsigned, std::string>> slots;
  for (const auto& [pos, node] : nodes) {
    slots[ref_page_key(pos.first, pos.second)][ref_slot(pos.first, pos.second)] = node;
  }
  std::map<std::string, std::string> pages;
  for (const auto& [key, page_slots] : slots) {
    unsigned present = 0, leaves = 0;
    std::string body;
    for (const auto& [slot, node] : page_slots) {  // ascending slots
      present |= 1u << slot;
      if (node[0] == '\0') leaves |= 1u << slot;
      body += node.substr(1);
    }
    std::string page;
    page.push_back(static_cast<char>(present >> 8));
    page.push_back(static_cast<char>(present & 0xFF));
    page.push_back(static_cast<char>(leaves >> 8));
    page.push_back(static_cast<char>(leaves & 0xFF));
    pages[key] = page + body;
  }
  return pages;
}

// The inverse: the nodes a set of well-formed pages holds.
RefNodes ref_unpack(const std::map<std::string, std::string>& pages) {
  RefNodes nodes;
  for (const auto& [key, page] : pages) {
    const unsigned top = static_cast<uint8_t>(key[1]);
    Hash256 prefix{};
    std::copy(key.begin() + 2, key.end(), prefix.begin());
    const unsigned present = static_cast<uint8_t>(page[0]) * 256u + static_cast<uint8_t>(page[1]);
    const unsigned leaves = static_cast<uint8_t>(page[2]) * 256u + static_cast<uint8_t>(page[3]);
    size_t at = 4;
    for (unsigned slot = 0; slot < 15; ++slot) {
      if (!(present >> slot & 1u)) continue;
      unsigned level = 0;
      while ((2u << level) - 1 <= slot) ++level;
      const unsigned index = slot - ((1u << level) - 1);
      Hash256 path = prefix;
      for (unsigned i = 0; i < level; ++i) {
        if (index >> (level - 1 - i) & 1u) path[(top + i) / 8] |= static_cast<uint8_t>(0x80u >> ((top + i) % 8));
      }
      std::string node(1, (leaves >> slot & 1u) ? '\0' : '\x01');
      node += page.substr(at, 64);
      at += 64;
      nodes[{top + level, path}] = node;
    }
  }
  return nodes;
}

// Reads or replaces one node of the store, for the corruption tests.
std::optional<std::string> ref_node(const MemStore& store, unsigned depth, const Hash256& path) {
  RefNodes nodes = ref_unpack(store.pages);
  auto it = nodes.find({depth, ref_mask(path, depth)});
  if (it == nodes.end()) return std::nullopt;
  return it->second;
}
void ref_set_node(MemStore& store, unsigned depth, const Hash256& path,
                  const std::optional<std::string>& node) {
  RefNodes nodes = ref_unpack(store.pages);
  if (node) {
    nodes[{depth, ref_mask(path, depth)}] = *node;
  } else {
    nodes.erase({depth, ref_mask(path, depth)});
  }
  store.pages = ref_pack(nodes);
}

std::string ref_value(uint8_t tag, const Hash256& a, const Hash256& b) {
  std::string v(1, static_cast<char>(tag));
  v.append(reinterpret_cast<const char*>(a.data()), 32);
  v.append(reinterpret_cast<const char*>(b.data()), 32);
  return v;
}

using Items = std::vector<std::pair<Hash256, Hash256>>;

// Root hash of items[lo, hi) at `depth`; fills `nodes` with what the store should hold.
Hash256 ref_build(const Items& items, size_t lo, size_t hi, unsigned depth,
                  RefNodes* nodes) {
  if (lo == hi) return Hash256{};
  const Hash256& path = items[lo].first;
  if (hi - lo == 1) {
    if (nodes) (*nodes)[{depth, ref_mask(path, depth)}] = ref_value(0, items[lo].first, items[lo].second);
    return ref_node_hash(0, items[lo].first, items[lo].second);
  }
  size_t mid = lo;
  while (mid < hi && ref_bit(items[mid].first, depth) == 0) ++mid;
  Hash256 left = ref_build(items, lo, mid, depth + 1, nodes);
  Hash256 right = ref_build(items, mid, hi, depth + 1, nodes);
  if (nodes) (*nodes)[{depth, ref_mask(path, depth)}] = ref_value(1, left, right);
  return ref_node_hash(1, left, right);
}

Hash256 ref_root(const Set& set, RefNodes* nodes = nullptr) {
  Items items(set.begin(), set.end());
  return ref_build(items, 0, items.size(), 0, nodes);
}

// ---- helpers ----

using testing::random_hash;

// A key equal to `base` on its first `bits` bits, differing at bit `bits`, random after.
Hash256 key_diverging_at(const Hash256& base, unsigned bits, std::mt19937_64& rng) {
  Hash256 h = random_hash(rng);
  for (unsigned i = 0; i <= bits; ++i) {
    const auto mask = static_cast<uint8_t>(0x80u >> (i % 8));
    const int want = i < bits ? ref_bit(base, i) : 1 - ref_bit(base, i);
    h[i / 8] = static_cast<uint8_t>(want ? (h[i / 8] | mask) : (h[i / 8] & ~mask));
  }
  return h;
}

Hash256 value_hash_of(const std::string& v) { return sha256(as_bytes(v)); }

void apply_to_set(Set& set, const Changes& changes) {
  for (const auto& [kh, vh] : changes) {
    if (vh) {
      set[kh] = *vh;
    } else {
      set.erase(kh);
    }
  }
}

// Checks the tree against the reference: same root, and exactly the canonical nodes stored,
// in exactly the pages the format gives.
void expect_matches_reference(const MemStore& store, const Set& set) {
  RefNodes expected_nodes;
  const Hash256 expected_root = ref_root(set, &expected_nodes);
  const std::map<std::string, std::string> expected_pages = ref_pack(expected_nodes);
  MemStore copy = store;
  auto root = RadixTree(copy).root_hash();
  ASSERT_TRUE(root.is_ok()) << root.status().to_string();
  EXPECT_EQ(to_hex(*root), to_hex(expected_root));
  EXPECT_TRUE(store.pages == expected_pages)
      << "stored " << store.pages.size() << " pages, canonical tree has " << expected_pages.size()
      << " (" << expected_nodes.size() << " nodes)";
  EXPECT_TRUE(ref_unpack(store.pages) == expected_nodes);
}

// ---- shape and hashing ----

TEST(RadixTree, EmptyTreeHasZeroRoot) {
  MemStore store;
  RadixTree tree(store);
  auto root = tree.root_hash();
  ASSERT_TRUE(root.is_ok());
  EXPECT_EQ(*root, Hash256{});
  ASSERT_TRUE(tree.apply(std::map<Hash256, std::optional<Hash256>>{}).is_ok());
  EXPECT_TRUE(store.pages.empty());
}

TEST(RadixTree, PageKeyLayout) {
  Hash256 path;
  path.fill(0xFF);
  EXPECT_EQ(tree_page_key(0, path), std::string("T\0", 2));
  EXPECT_EQ(tree_page_key(3, path), std::string("T\0", 2));  // depths 0-3 share the root's page
  EXPECT_EQ(tree_page_key(4, path), std::string("T\x04\xF0", 3));
  EXPECT_EQ(tree_page_key(8, path), std::string("T\x08\xFF", 3));
  EXPECT_EQ(tree_page_key(11, path), std::string("T\x08\xFF", 3));
  EXPECT_EQ(tree_page_key(12, path), std::string("T\x0C\xFF\xF0", 4));
  EXPECT_EQ(tree_page_key(255, path).size(), 2u + 32u);  // the page at 252
  EXPECT_EQ(static_cast<uint8_t>(tree_page_key(255, path)[1]), 252);
  EXPECT_EQ(static_cast<uint8_t>(tree_page_key(255, path).back()), 0xF0);
  for (unsigned depth = 0; depth < 256; ++depth) {
    EXPECT_EQ(tree_page_key(depth, path), ref_page_key(depth, path)) << depth;
  }
}

TEST(RadixTree, SingleKeyIsALeafAtTheRoot) {
  MemStore store;
  RadixTree tree(store);
  std::mt19937_64 rng(1);
  const Hash256 kh = random_hash(rng), vh = random_hash(rng);
  ASSERT_TRUE(tree.apply({{kh, vh}}).is_ok());
  ASSERT_EQ(store.pages.size(), 1u);
  EXPECT_EQ(store.pages.begin()->first, std::string("T\0", 2));
  EXPECT_EQ(*tree.root_hash(), ref_node_hash(0, kh, vh));
  EXPECT_EQ(*tree.root_hash(), state_leaf_hash(kh, vh));
}

TEST(RadixTree, DeleteCollapsesLoneLeafButKeepsLoneInternal) {
  std::mt19937_64 rng(2);
  // a = 00.., b = 01.., c = 1..: root splits {a, b} | {c}.
  Hash256 a = random_hash(rng), b, c;
  a[0] = 0x00;
  b = a;
  b[0] = 0x40;
  c = a;
  c[0] = 0x80;
  const Hash256 v = random_hash(rng);

  MemStore store;
  RadixTree tree(store);
  ASSERT_TRUE(tree.apply({{a, v}, {b, v}, {c, v}}).is_ok());
  expect_matches_reference(store, {{a, v}, {b, v}, {c, v}});

  // Removing c leaves an internal node whose only child is internal: it stays.
  ASSERT_TRUE(tree.apply({{c, std::nullopt}}).is_ok());
  expect_matches_reference(store, {{a, v}, {b, v}});
  auto root = ref_node(store, 0, Hash256{});
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ((*root)[0], '\x01');
  EXPECT_EQ(root->substr(33), std::string(32, '\0'));

  // Removing b leaves a lone leaf two levels down: it rises to the root.
  ASSERT_TRUE(tree.apply({{b, std::nullopt}}).is_ok());
  expect_matches_reference(store, {{a, v}});
  EXPECT_EQ(ref_unpack(store.pages).size(), 1u);

  ASSERT_TRUE(tree.apply({{a, std::nullopt}, {c, std::nullopt}}).is_ok());  // c: absent, no-op
  EXPECT_TRUE(store.pages.empty());
  EXPECT_EQ(*tree.root_hash(), Hash256{});
}

// `n` random changes: half inserts of new keys (remembered in `known`), the rest updates
// (or re-inserts) and deletes of known keys, and deletes of absent keys.
Changes random_mixed_batch(std::mt19937_64& rng, int n, std::vector<Hash256>& known) {
  Changes changes;
  for (int i = 0; i < n; ++i) {
    const uint64_t pick = rng() % 10;
    if (pick < 5 || known.empty()) {
      known.push_back(random_hash(rng));
      changes[known.back()] = random_hash(rng);  // insert
    } else if (pick < 7) {
      changes[known[rng() % known.size()]] = random_hash(rng);  // update (or re-insert)
    } else if (pick < 9) {
      changes[known[rng() % known.size()]] = std::nullopt;  // delete
    } else {
      changes[random_hash(rng)] = std::nullopt;  // delete of an absent key
    }
  }
  return changes;
}

TEST(RadixTree, MatchesReferenceOverRandomBatches) {
  std::mt19937_64 rng(20240601);
  MemStore store;
  RadixTree tree(store);
  Set set;
  std::vector<Hash256> known;
  for (int round = 0; round < 60; ++round) {
    const Changes changes = random_mixed_batch(rng, static_cast<int>(rng() % 80), known);
    ASSERT_TRUE(tree.apply(changes).is_ok());
    apply_to_set(set, changes);
    expect_matches_reference(store, set);
  }
  EXPECT_GT(set.size(), 200u);
}

TEST(RadixTree, DeepSharedPrefixes) {
  std::mt19937_64 rng(7);
  MemStore store;
  RadixTree tree(store);
  Set set;
  const Hash256 base = random_hash(rng);
  set[base] = random_hash(rng);
  // Keys diverging from base at every depth, then a second cluster around a deep one.
  for (unsigned bits : {0u, 1u, 7u, 8u, 9u, 63u, 100u, 128u, 200u, 253u, 254u}) {
    set[key_diverging_at(base, bits, rng)] = random_hash(rng);
  }
  const Hash256 deep = key_diverging_at(base, 180, rng);
  set[deep] = random_hash(rng);
  for (unsigned bits : {181u, 190u, 230u, 254u}) {
    set[key_diverging_at(deep, bits, rng)] = random_hash(rng);
  }

  // Insert one at a time, then remove in another order; each step matches the reference.
  Set built;
  for (const auto& [kh, vh] : set) {
    ASSERT_TRUE(tree.apply({{kh, vh}}).is_ok());
    built[kh] = vh;
    expect_matches_reference(store, built);
  }
  std::vector<Hash256> order;
  for (const auto& [kh, vh] : set) order.push_back(kh);
  std::shuffle(order.begin(), order.end(), rng);
  for (const Hash256& kh : order) {
    ASSERT_TRUE(tree.apply({{kh, std::nullopt}}).is_ok());
    built.erase(kh);
    expect_matches_reference(store, built);
  }
  EXPECT_TRUE(store.pages.empty());

  // All at once gives the same tree.
  Changes all;
  for (const auto& [kh, vh] : set) all[kh] = vh;
  ASSERT_TRUE(tree.apply(all).is_ok());
  expect_matches_reference(store, set);
}

TEST(RadixTree, RootIndependentOfOrderAndBatching) {
  std::mt19937_64 rng(11);
  Set set;
  const Hash256 base = random_hash(rng);
  for (int i = 0; i < 300; ++i) set[random_hash(rng)] = random_hash(rng);
  for (unsigned bits = 0; bits < 255; bits += 17) set[key_diverging_at(base, bits, rng)] = random_hash(rng);
  std::vector<std::pair<Hash256, Hash256>> items(set.begin(), set.end());

  MemStore one_batch;
  {
    Changes all(set.begin(), set.end());
    ASSERT_TRUE(RadixTree(one_batch).apply(all).is_ok());
  }
  for (size_t batch_size : {1u, 3u, 50u, 299u}) {
    std::shuffle(items.begin(), items.end(), rng);
    MemStore store;
    RadixTree tree(store);
    for (size_t i = 0; i < items.size(); i += batch_size) {
      Changes batch;
      for (size_t j = i; j < std::min(items.size(), i + batch_size); ++j) {
        batch[items[j].first] = items[j].second;
      }
      ASSERT_TRUE(tree.apply(batch).is_ok());
    }
    EXPECT_TRUE(store.pages == one_batch.pages) << "batch size " << batch_size;
  }
  expect_matches_reference(one_batch, set);
}

TEST(RadixTree, InsertThenDeleteRestoresPreviousRoot) {
  std::mt19937_64 rng(12);
  MemStore store;
  RadixTree tree(store);
  Changes first;
  for (int i = 0; i < 100; ++i) first[random_hash(rng)] = random_hash(rng);
  ASSERT_TRUE(tree.apply(first).is_ok());
  const auto before_nodes = store.pages;
  const Hash256 before = *tree.root_hash();

  Changes more, undo;
  for (int i = 0; i < 40; ++i) {
    const Hash256 kh = random_hash(rng);
    more[kh] = random_hash(rng);
    undo[kh] = std::nullopt;
  }
  ASSERT_TRUE(tree.apply(more).is_ok());
  EXPECT_NE(*tree.root_hash(), before);
  ASSERT_TRUE(tree.apply(undo).is_ok());
  EXPECT_EQ(*tree.root_hash(), before);
  EXPECT_TRUE(store.pages == before_nodes);

  Changes all_gone;
  for (const auto& [kh, vh] : first) all_gone[kh] = std::nullopt;
  ASSERT_TRUE(tree.apply(all_gone).is_ok());
  EXPECT_EQ(*tree.root_hash(), Hash256{});
  EXPECT_TRUE(store.pages.empty());
}

TEST(RadixTree, KeysSharing255BitsAreRejectedWithoutWriting) {
  std::mt19937_64 rng(13);
  const Hash256 a = random_hash(rng);
  Hash256 b = a;
  b[31] ^= 0x01;  // differs only in bit 255
  const Hash256 v = random_hash(rng);
  const Hash256 other = random_hash(rng);

  MemStore store;
  RadixTree tree(store);
  Status s = tree.apply({{a, v}, {b, v}, {other, v}});
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << s.to_string();
  EXPECT_TRUE(store.pages.empty());

  ASSERT_TRUE(tree.apply({{a, v}, {other, v}}).is_ok());
  const auto before = store.pages;
  s = tree.apply({{b, v}});
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << s.to_string();
  EXPECT_TRUE(store.pages == before);

  // Keys sharing 254 bits are fine: the leaves sit at depth 255.
  Hash256 c = a;
  c[31] ^= 0x02;
  ASSERT_TRUE(tree.apply({{c, v}}).is_ok());
  expect_matches_reference(store, {{a, v}, {c, v}, {other, v}});
}

TEST(RadixTree, CorruptNodesAreReportedNotFatal) {
  std::mt19937_64 rng(14);
  const Hash256 kh = random_hash(rng), vh = random_hash(rng);
  const std::string root_key("T\0", 2);
  // Root pages that do not decode, or hold a node that cannot be: too short; no slot present;
  // the 16th slot bit set; a leaf bit on an absent slot; a size that disagrees with the masks;
  // an internal root with two empty children.
  auto header = [](unsigned present, unsigned leaves) {
    return std::string{static_cast<char>(present >> 8), static_cast<char>(present & 0xFF),
                       static_cast<char>(leaves >> 8), static_cast<char>(leaves & 0xFF)};
  };
  for (const std::string& bad :
       {std::string("x"), header(0, 0), header(0x8001, 0) + std::string(128, '\x01'),
        header(1, 2) + std::string(64, '\x01'), header(1, 1) + std::string(65, '\x01'),
        header(1, 1) + std::string(63, '\x01'), header(1, 0) + std::string(64, '\0')}) {
    MemStore store;
    store.pages[root_key] = bad;
    RadixTree tree(store);
    EXPECT_EQ(tree.root_hash().status().code(), Errc::kCorruption);
    EXPECT_EQ(tree.apply({{kh, vh}}).code(), Errc::kCorruption);
    EXPECT_EQ(tree.prove(kh, std::nullopt).status().code(), Errc::kCorruption);
    EXPECT_EQ(tree.value_hash(kh).status().code(), Errc::kCorruption);
  }

  // A missing child below a non-empty hash, and a leaf off its path.
  MemStore store;
  RadixTree tree(store);
  Hash256 left = random_hash(rng), right = random_hash(rng);
  left[0] = 0x00;
  right[0] = 0x80;
  ASSERT_TRUE(tree.apply({{left, vh}, {right, vh}}).is_ok());
  const std::string right_leaf = ref_node(store, 1, right).value();
  ref_set_node(store, 1, right, std::nullopt);
  EXPECT_EQ(tree.prove(right, std::nullopt).status().code(), Errc::kCorruption);
  EXPECT_EQ(tree.apply({{right, std::nullopt}}).code(), Errc::kCorruption);
  EXPECT_EQ(tree.apply({{left, std::nullopt}}).code(), Errc::kCorruption);  // right must rise
  ref_set_node(store, 1, right, ref_value(0, left, vh));  // left's leaf stored on the right
  EXPECT_EQ(tree.value_hash(right).status().code(), Errc::kCorruption);
  ref_set_node(store, 1, right, right_leaf);
  EXPECT_TRUE(tree.apply({{left, std::nullopt}}).is_ok());
}

// The same vectors as state_proof_test.cc, computed by an independent script.
TEST(RadixTree, KnownAnswerRootAndProofs) {
  MemStore store;
  RadixTree tree(store);
  auto kh = [](std::string_view k) { return state_key_hash(as_bytes(k)); };
  ASSERT_TRUE(tree.apply({{kh("Nalice"), value_hash_of("owner=alice")},
                          {kh("Nbob"), value_hash_of("owner=bob")}})
                  .is_ok());
  EXPECT_EQ(to_hex(*tree.root_hash()),
            "4105eeec4dcd46e245580c725bc741214af3587fccd94bfec065e18df5856248");
  EXPECT_EQ(to_hex(encode_state_proof(*tree.prove(kh("Ncarol"), std::nullopt))),
            "000180594d57b4a63a53b93547454062fbd67d93bc6bd4045b4f8f88ab3b92316c6225");
  ASSERT_TRUE(tree.apply({{kh("Ncarol"), value_hash_of("owner=carol")}}).is_ok());
  EXPECT_EQ(to_hex(*tree.root_hash()),
            "4e05856f613403c5d83c9f8d194d369fc8e800023e6c75f22442092e2fe2de93");
  EXPECT_EQ(to_hex(encode_state_proof(*tree.prove(kh("Nbob"), std::string("owner=bob")))),
            "0202c092fda911fda92d905c15b98acd34b026ee4d7811cfdc56d1c532b3f0fec717dbeeeb9c8fe1806b91829"
            "22cdc0849a8305bae9e68e1b24572f7db69cd57fdf1a4000000096f776e65723d626f62");
}

// ---- proofs from the tree ----

struct ProvenTree {
  MemStore store;
  std::map<Hash256, std::string> values;
  Hash256 root{};
};

void fill(ProvenTree& t, int n, std::mt19937_64& rng) {
  Changes changes;
  for (int i = 0; i < n; ++i) {
    std::string value(rng() % 120, '\0');
    for (char& ch : value) ch = static_cast<char>(rng());
    const Hash256 kh = random_hash(rng);
    t.values[kh] = value;
    changes[kh] = value_hash_of(value);
  }
  ASSERT_TRUE(RadixTree(t.store).apply(changes).is_ok());
  t.root = *RadixTree(t.store).root_hash();
}

StateProof prove_or_die(const ProvenTree& t, const Hash256& kh) {
  MemStore copy = t.store;
  auto it = t.values.find(kh);
  auto proof = RadixTree(copy).prove(
      kh, it == t.values.end() ? std::nullopt : std::optional<std::string>(it->second));
  EXPECT_TRUE(proof.is_ok()) << proof.status().to_string();
  return proof.is_ok() ? *proof : StateProof{};
}

TEST(RadixTreeProofs, PresenceAndAbsenceVerify) {
  std::mt19937_64 rng(21);
  ProvenTree t;
  fill(t, 2000, rng);
  int kinds[3] = {0, 0, 0};
  std::vector<Hash256> queries;
  int i = 0;
  for (const auto& [kh, v] : t.values) {
    if (i++ % 10 == 0) queries.push_back(kh);
  }
  for (int j = 0; j < 600; ++j) queries.push_back(random_hash(rng));
  for (const Hash256& kh : queries) {
    const StateProof proof = prove_or_die(t, kh);
    ++kinds[static_cast<int>(proof.kind)];
    const Bytes encoded = encode_state_proof(proof);
    auto decoded = decode_state_proof(encoded);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_TRUE(*decoded == proof);
    auto proven = verify_state_proof(t.root, kh, *decoded);
    ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
    auto it = t.values.find(kh);
    EXPECT_EQ(proven->present, it != t.values.end());
    if (proven->present) {
      EXPECT_EQ(proven->value, it->second);
    }
  }
  EXPECT_EQ(kinds[2], 200);
  EXPECT_GT(kinds[0], 50);
  EXPECT_GT(kinds[1], 50);
}

TEST(RadixTreeProofs, ProveNeedsTheRightValue) {
  std::mt19937_64 rng(22);
  ProvenTree t;
  fill(t, 10, rng);
  RadixTree tree(t.store);
  const auto& [kh, value] = *t.values.begin();
  EXPECT_EQ(tree.prove(kh, std::nullopt).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(tree.prove(kh, value + "x").status().code(), Errc::kInvalidArgument);
  auto vh = tree.value_hash(kh);
  ASSERT_TRUE(vh.is_ok());
  EXPECT_EQ(*vh, std::optional<Hash256>(value_hash_of(value)));
  EXPECT_EQ(*tree.value_hash(random_hash(rng)), std::nullopt);
  // An absent key's proof ignores any value passed.
  auto absent = tree.prove(random_hash(rng), std::string("ignored"));
  ASSERT_TRUE(absent.is_ok());
  EXPECT_TRUE(absent->value.empty());

  // A value too large to carry in a proof.
  const std::string big(kMaxProvenValueSize + 1, 'v');
  const Hash256 big_key = random_hash(rng);
  ASSERT_TRUE(tree.apply({{big_key, value_hash_of(big)}}).is_ok());
  EXPECT_EQ(tree.prove(big_key, big).status().code(), Errc::kTooLarge);
}

// Every single-bit change to the proof, the root or the value must be caught.
void expect_every_flip_fails(const Hash256& root, const Hash256& kh, const StateProof& proof) {
  ASSERT_TRUE(verify_state_proof(root, kh, proof).is_ok());
  const Bytes encoded = encode_state_proof(proof);
  for (size_t bit = 0; bit < encoded.size() * 8; ++bit) {
    Bytes flipped = encoded;
    flipped[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
    auto decoded = decode_state_proof(flipped);
    if (!decoded) continue;
    EXPECT_FALSE(verify_state_proof(root, kh, *decoded).is_ok())
        << "flipped proof bit " << bit << " of " << encoded.size() * 8 << " still verifies";
  }
  for (size_t bit = 0; bit < 256; ++bit) {
    Hash256 other_root = root;
    other_root[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
    auto r = verify_state_proof(other_root, kh, proof);
    ASSERT_FALSE(r.is_ok()) << "flipped root bit " << bit;
    EXPECT_EQ(r.status().code(), Errc::kBadSignature);
  }
  for (size_t bit = 0; bit < proof.value.size() * 8; ++bit) {
    StateProof changed = proof;
    changed.value[bit / 8] = static_cast<char>(changed.value[bit / 8] ^ (0x80 >> (bit % 8)));
    EXPECT_FALSE(verify_state_proof(root, kh, changed).is_ok()) << "flipped value bit " << bit;
  }
  if (proof.kind == StateProof::Kind::kPresent) {
    for (size_t bit = 0; bit < 256; ++bit) {
      Hash256 other_kh = kh;
      other_kh[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
      EXPECT_FALSE(verify_state_proof(root, other_kh, proof).is_ok()) << "flipped key bit " << bit;
    }
  }
}

TEST(RadixTreeProofs, EverySingleBitFlipFails) {
  std::mt19937_64 rng(23);
  ProvenTree t;
  fill(t, 300, rng);
  int done[3] = {0, 0, 0};
  for (int attempts = 0; attempts < 1000 && (done[0] < 2 || done[1] < 2); ++attempts) {
    const Hash256 kh = random_hash(rng);
    const StateProof proof = prove_or_die(t, kh);
    if (done[static_cast<int>(proof.kind)] >= 2) continue;
    ++done[static_cast<int>(proof.kind)];
    expect_every_flip_fails(t.root, kh, proof);
  }
  EXPECT_EQ(done[0], 2);
  EXPECT_EQ(done[1], 2);
  auto it = t.values.begin();
  for (int i = 0; i < 2; ++i, ++it) {
    if (it->second.empty()) ++it;  // want values with bits to flip
    expect_every_flip_fails(t.root, it->first, prove_or_die(t, it->first));
  }

  // Depth-0 proofs: the empty tree, and a tree that is one leaf.
  ProvenTree empty;
  const Hash256 q = random_hash(rng);
  const StateProof none = prove_or_die(empty, q);
  EXPECT_EQ(none.kind, StateProof::Kind::kAbsentEmpty);
  EXPECT_EQ(none.depth, 0);
  expect_every_flip_fails(empty.root, q, none);

  ProvenTree one;
  one.values[random_hash(rng)] = "only";
  ASSERT_TRUE(RadixTree(one.store)
                  .apply({{one.values.begin()->first, value_hash_of("only")}})
                  .is_ok());
  one.root = *RadixTree(one.store).root_hash();
  const StateProof present = prove_or_die(one, one.values.begin()->first);
  EXPECT_EQ(present.kind, StateProof::Kind::kPresent);
  EXPECT_EQ(present.depth, 0);
  expect_every_flip_fails(one.root, one.values.begin()->first, present);
  const StateProof other = prove_or_die(one, q);
  EXPECT_EQ(other.kind, StateProof::Kind::kAbsentOtherLeaf);
  expect_every_flip_fails(one.root, q, other);
}

TEST(RadixTreeProofs, DeepProofsVerify) {
  std::mt19937_64 rng(24);
  ProvenTree t;
  const Hash256 base = random_hash(rng);
  Changes changes;
  Hash256 key90{};
  for (unsigned bits : {3u, 90u, 200u, 254u}) {
    const Hash256 kh = key_diverging_at(base, bits, rng);
    if (bits == 90) key90 = kh;
    t.values[kh] = "v" + std::to_string(bits);
    changes[kh] = value_hash_of(t.values[kh]);
  }
  t.values[base] = "base";
  changes[base] = value_hash_of("base");
  ASSERT_TRUE(RadixTree(t.store).apply(changes).is_ok());
  t.root = *RadixTree(t.store).root_hash();

  const StateProof deepest = prove_or_die(t, base);
  EXPECT_EQ(deepest.depth, 255);
  EXPECT_EQ(deepest.kind, StateProof::Kind::kPresent);
  expect_every_flip_fails(t.root, base, deepest);
  // Absent keys along the deep path: an empty slot and another leaf.
  const StateProof empty_slot = prove_or_die(t, key_diverging_at(base, 120, rng));
  EXPECT_EQ(empty_slot.kind, StateProof::Kind::kAbsentEmpty);
  EXPECT_EQ(empty_slot.depth, 121);
  const StateProof other_leaf = prove_or_die(t, key_diverging_at(key90, 95, rng));
  EXPECT_EQ(other_leaf.kind, StateProof::Kind::kAbsentOtherLeaf);
  EXPECT_EQ(other_leaf.depth, 91);
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// Batches of thousands of mixed changes (inserts, updates, deletes, deletes of absent keys)
// leave the pages a fresh build of the resulting set would write, node for node: the node
// hashes of a big batch are computed a window at a time, out of the descent's order.
TEST(RadixTree, LargeMixedBatchesMatchAFreshBuildNodeForNode) {
  std::mt19937_64 rng(77);
  MemStore store;
  RadixTree tree(store);
  Set set;
  std::vector<Hash256> known;
  for (int round = 0; round < 5; ++round) {
    const Changes changes = random_mixed_batch(rng, 3000, known);
    ASSERT_TRUE(tree.apply(changes).is_ok());
    apply_to_set(set, changes);
    std::vector<std::pair<Hash256, Hash256>> pairs(set.begin(), set.end());
    std::map<std::string, std::string> built;
    auto root = build_tree(pairs, [&](const std::string& k, const std::string& v) { built.emplace(k, v); });
    ASSERT_TRUE(root);
    EXPECT_EQ(*root, tree.root_hash().value()) << "round " << round;
    EXPECT_EQ(built, store.pages) << "round " << round;
  }
  EXPECT_GT(set.size(), 4000u);
}

// build_tree gives exactly the pages and root that incremental application gives.
TEST(BuildTree, MatchesIncrementalApplyNodeForNode) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{100}, size_t{5000}}) {
    std::map<Hash256, std::optional<Hash256>> changes;
    std::vector<std::pair<Hash256, Hash256>> pairs;
    for (size_t i = 0; i < n; ++i) {
      Hash256 kh = sha256(as_bytes("build/key/" + std::to_string(i)));
      Hash256 vh = sha256(as_bytes("build/value/" + std::to_string(i)));
      changes[kh] = vh;
      pairs.emplace_back(kh, vh);
    }
    // Keys sharing a long prefix make chains of one-sided internal nodes.
    if (n >= 100) {
      Hash256 near = pairs[0].first;
      near[20] ^= 0x01;
      changes[near] = sha256(as_bytes("near"));
      pairs.emplace_back(near, sha256(as_bytes("near")));
    }
    std::sort(pairs.begin(), pairs.end());

    MemStore incremental;
    RadixTree tree(incremental);
    ASSERT_TRUE(tree.apply(changes));

    std::map<std::string, std::string> built;
    auto root = build_tree(pairs, [&](const std::string& k, const std::string& v) {
      EXPECT_TRUE(built.emplace(k, v).second) << "a page emitted twice";
    });
    ASSERT_TRUE(root) << root.status().to_string();
    EXPECT_EQ(*root, tree.root_hash().value()) << n << " keys";
    EXPECT_EQ(built, incremental.pages) << n << " keys";
  }
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// The sorted-span form of apply gives what the map form gives, and refuses changes out of
// order or repeated without writing anything.
TEST(RadixTree, SortedChangesApplyAsTheMapDoesAndDisorderIsRefused) {
  std::map<Hash256, std::optional<Hash256>> changes;
  for (int i = 0; i < 300; ++i) {
    changes[sha256(as_bytes("span/key/" + std::to_string(i)))] =
        sha256(as_bytes("span/value/" + std::to_string(i)));
  }
  std::vector<TreeChange> sorted;
  for (const auto& [kh, vh] : changes) sorted.push_back({kh, vh});

  MemStore by_map, by_span;
  RadixTree a(by_map), b(by_span);
  ASSERT_TRUE(a.apply(changes));
  ASSERT_TRUE(b.apply(std::span<const TreeChange>(sorted)));
  EXPECT_EQ(a.root_hash().value(), b.root_hash().value());
  EXPECT_EQ(by_map.pages, by_span.pages);

  MemStore untouched;
  RadixTree c(untouched);
  std::vector<TreeChange> swapped = sorted;
  std::swap(swapped[10], swapped[11]);
  Status st = c.apply(std::span<const TreeChange>(swapped));
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  std::vector<TreeChange> repeated = sorted;
  repeated[11] = repeated[10];
  EXPECT_EQ(c.apply(std::span<const TreeChange>(repeated)).code(), Errc::kInvalidArgument);
  EXPECT_TRUE(untouched.pages.empty());
}

}  // namespace
}  // namespace ans
