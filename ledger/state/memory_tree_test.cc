// MemoryTree against RadixTree, which radix_tree_test.cc checks against an independent
// reference: both must give the same root after every batch, the same value hashes and the
// same proofs, and MemoryTree's proofs must pass the stand-alone verifier.
#include "ledger/state/memory_tree.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "ledger/testing/map_page_store.h"
#include "ledger/testing/random_hash.h"

namespace ans {
namespace {

using Changes = std::map<Hash256, std::optional<Hash256>>;

using testing::random_hash;

// A random key sharing exactly its first `bits` bits with `base`.
Hash256 key_diverging_at(const Hash256& base, unsigned bits, std::mt19937_64& rng) {
  Hash256 h = random_hash(rng);
  for (unsigned i = 0; i < bits; ++i) {
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (i % 8));
    h[i / 8] = static_cast<uint8_t>((h[i / 8] & ~mask) | (base[i / 8] & mask));
  }
  const uint8_t mask = static_cast<uint8_t>(0x80u >> (bits % 8));
  h[bits / 8] = static_cast<uint8_t>(h[bits / 8] ^ ((h[bits / 8] ^ ~base[bits / 8]) & mask));
  return h;
}

std::vector<TreeChange> sorted(const Changes& changes) {
  std::vector<TreeChange> out;
  for (const auto& [kh, vh] : changes) out.push_back({kh, vh});
  return out;
}

// Both trees, changed together and compared after every batch.
struct Pair {
  testing::MapPageStore store;
  RadixTree paged{store};
  MemoryTree memory;
  std::map<Hash256, Hash256> set;  // what should be in them

  void apply(const Changes& changes) {
    const std::vector<TreeChange> batch = sorted(changes);
    ASSERT_TRUE(paged.apply(batch).is_ok());
    ASSERT_TRUE(memory.apply(batch).is_ok());
    for (const auto& [kh, vh] : changes) {
      if (vh) {
        set[kh] = *vh;
      } else {
        set.erase(kh);
      }
    }
    ASSERT_EQ(memory.root_hash(), *paged.root_hash());
    ASSERT_EQ(memory.size(), set.size());
  }
};

TEST(MemoryTree, EmptyTreeHasZeroRoot) {
  MemoryTree tree;
  EXPECT_EQ(tree.root_hash(), Hash256{});
  ASSERT_TRUE(tree.apply({}).is_ok());
  EXPECT_EQ(tree.root_hash(), Hash256{});
  EXPECT_EQ(tree.value_hash(Hash256{}), std::nullopt);
}

TEST(MemoryTree, MatchesThePagedTreeOverRandomMixedBatches) {
  std::mt19937_64 rng(20261122);
  Pair t;
  std::vector<Hash256> known;
  for (int round = 0; round < 120; ++round) {
    Changes changes;
    const int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      const uint64_t pick = rng() % 10;
      if (pick < 5 || known.empty()) {
        known.push_back(random_hash(rng));
        changes[known.back()] = random_hash(rng);
      } else if (pick < 7) {
        changes[known[rng() % known.size()]] = random_hash(rng);
      } else if (pick < 9) {
        changes[known[rng() % known.size()]] = std::nullopt;
      } else {
        changes[random_hash(rng)] = std::nullopt;  // absent: a no-op
      }
    }
    ASSERT_NO_FATAL_FAILURE(t.apply(changes)) << "round " << round;
  }
  EXPECT_GT(t.set.size(), 1000u);
  for (const auto& [kh, vh] : t.set) ASSERT_EQ(t.memory.value_hash(kh), vh);

  // Everything deleted leaves the empty tree, and every node is free again.
  Changes all_gone;
  for (const auto& [kh, vh] : t.set) all_gone[kh] = std::nullopt;
  ASSERT_NO_FATAL_FAILURE(t.apply(all_gone));
  EXPECT_EQ(t.memory.root_hash(), Hash256{});
  EXPECT_EQ(t.memory.nodes(), 0u);
}

TEST(MemoryTree, DeepSharedPrefixesOneKeyAtATimeAndAllAtOnce) {
  std::mt19937_64 rng(7);
  const Hash256 base = random_hash(rng);
  Changes keys{{base, random_hash(rng)}};
  for (unsigned bits : {0u, 1u, 7u, 8u, 9u, 63u, 100u, 128u, 200u, 253u, 254u}) {
    keys[key_diverging_at(base, bits, rng)] = random_hash(rng);
  }
  const Hash256 deep = key_diverging_at(base, 180, rng);
  keys[deep] = random_hash(rng);
  for (unsigned bits : {181u, 190u, 230u, 254u}) keys[key_diverging_at(deep, bits, rng)] = random_hash(rng);

  Pair t;
  for (const auto& [kh, vh] : keys) ASSERT_NO_FATAL_FAILURE(t.apply({{kh, vh}}));
  std::vector<Hash256> order;
  for (const auto& [kh, vh] : keys) order.push_back(kh);
  std::shuffle(order.begin(), order.end(), rng);
  for (const Hash256& kh : order) ASSERT_NO_FATAL_FAILURE(t.apply({{kh, std::nullopt}}));
  EXPECT_EQ(t.memory.nodes(), 0u);
  ASSERT_NO_FATAL_FAILURE(t.apply(keys));
}

TEST(MemoryTree, ProofsMatchThePagedTreesAndVerify) {
  std::mt19937_64 rng(3);
  Pair t;
  Changes changes;
  std::map<Hash256, std::string> values;
  for (int i = 0; i < 500; ++i) {
    std::string value = "value " + std::to_string(rng());
    const Hash256 kh = random_hash(rng);
    changes[kh] = sha256(as_bytes(value));
    values[kh] = value;
  }
  const Hash256 base = changes.begin()->first;
  for (unsigned bits : {30u, 120u, 254u}) {
    const Hash256 kh = key_diverging_at(base, bits, rng);
    changes[kh] = sha256(as_bytes(std::string("deep")));
    values[kh] = "deep";
  }
  ASSERT_NO_FATAL_FAILURE(t.apply(changes));
  const Hash256 root = t.memory.root_hash();

  std::vector<std::pair<Hash256, std::optional<std::string>>> asks;
  for (const auto& [kh, value] : values) asks.emplace_back(kh, value);
  for (int i = 0; i < 200; ++i) asks.emplace_back(random_hash(rng), std::nullopt);
  asks.emplace_back(key_diverging_at(base, 253, rng), std::nullopt);  // absent, deep
  for (const auto& [kh, value] : asks) {
    auto mine = t.memory.prove(kh, value);
    auto theirs = t.paged.prove(kh, value);
    ASSERT_TRUE(mine.is_ok()) << mine.status().to_string();
    ASSERT_TRUE(theirs.is_ok());
    EXPECT_EQ(*mine, *theirs);
    auto decoded = decode_state_proof(encode_state_proof(*mine));
    ASSERT_TRUE(decoded.is_ok());
    auto proven = verify_state_proof(root, kh, *decoded);
    ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
    EXPECT_EQ(proven->present, value.has_value());
    if (value) {
      EXPECT_EQ(proven->value, *value);
    }
  }

  const Hash256 present = values.begin()->first;
  EXPECT_EQ(t.memory.prove(present, std::nullopt).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(t.memory.prove(present, std::string("not it")).status().code(), Errc::kInvalidArgument);
}

TEST(MemoryTree, KeysSharing255BitsAreRejectedAndNothingChanges) {
  std::mt19937_64 rng(13);
  const Hash256 a = random_hash(rng);
  Hash256 b = a;
  b[31] ^= 0x01;  // differs only in bit 255
  const Hash256 v = random_hash(rng);

  MemoryTree tree;
  Changes start;
  for (int i = 0; i < 300; ++i) start[random_hash(rng)] = random_hash(rng);
  ASSERT_TRUE(tree.apply(sorted(start)).is_ok());
  const Hash256 before = tree.root_hash();
  const size_t nodes = tree.nodes();

  // Both in one batch, with other changes that were applied before the error was found.
  Changes batch;
  for (const auto& [kh, vh] : start) batch[kh] = (kh < a) ? std::optional<Hash256>() : v;
  batch[a] = v;
  batch[b] = v;
  Status s = tree.apply(sorted(batch));
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << s.to_string();
  EXPECT_EQ(tree.root_hash(), before);
  EXPECT_EQ(tree.nodes(), nodes);

  // One already in the tree, the other arriving later.
  ASSERT_TRUE(tree.apply(sorted({{a, v}})).is_ok());
  const Hash256 with_a = tree.root_hash();
  s = tree.apply(sorted({{b, v}}));
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_EQ(tree.root_hash(), with_a);

  // After a refused batch the tree goes on as the paged one does.
  Pair t;
  ASSERT_NO_FATAL_FAILURE(t.apply(start));
  EXPECT_FALSE(t.memory.apply(sorted(batch)).is_ok());
  Hash256 c = a;
  c[31] ^= 0x02;  // shares 254 bits with a: fine
  ASSERT_NO_FATAL_FAILURE(t.apply({{a, v}, {c, v}}));
}

// A staged batch is put back exactly: the root, the proofs and the nodes in use are those
// from before, and the tree then goes on as the paged one does (freed and reused slots
// included). A batch on an empty tree keeps no journal; putting it back empties the tree.
TEST(MemoryTree, UnstagingPutsTheTreeBackAndItGoesOn) {
  std::mt19937_64 rng(21);
  MemoryTree empty;
  Changes first;
  for (int i = 0; i < 500; ++i) first[random_hash(rng)] = random_hash(rng);
  ASSERT_TRUE(empty.stage(sorted(first)).is_ok());
  EXPECT_TRUE(empty.staged());
  EXPECT_EQ(empty.unstaged_root(), Hash256{});
  EXPECT_NE(empty.root_hash(), Hash256{});
  empty.unstage();
  EXPECT_EQ(empty.root_hash(), Hash256{});
  EXPECT_EQ(empty.nodes(), 0u);
  // A refused batch on an empty tree leaves it empty, too.
  Hash256 a = random_hash(rng), b = a;
  b[31] ^= 0x01;
  Changes clash = first;
  clash[a] = random_hash(rng);
  clash[b] = random_hash(rng);
  EXPECT_EQ(empty.apply(sorted(clash)).code(), Errc::kInvalidArgument);
  EXPECT_EQ(empty.nodes(), 0u);
  EXPECT_EQ(empty.stage(sorted(first)).code(), Errc::kOk);
  empty.keep_staged();

  Pair t;
  ASSERT_NO_FATAL_FAILURE(t.apply(first));
  EXPECT_EQ(empty.root_hash(), t.memory.root_hash());
  std::vector<Hash256> keys;
  for (const auto& [kh, vh] : first) keys.push_back(kh);
  for (int round = 0; round < 30; ++round) {
    // Deletions, updates and inserts, staged then put back.
    Changes batch;
    for (int i = 0; i < 60; ++i) {
      const Hash256& kh = keys[rng() % keys.size()];
      batch[kh] = (rng() % 2 == 0) ? std::optional<Hash256>() : random_hash(rng);
    }
    for (int i = 0; i < 40; ++i) batch[random_hash(rng)] = random_hash(rng);
    const Hash256 before = t.memory.root_hash();
    const size_t nodes = t.memory.nodes();
    const Hash256 probe = random_hash(rng);  // absent: its proof shows its neighbourhood
    const Bytes proof_before = encode_state_proof(t.memory.prove(probe, std::nullopt).value());
    ASSERT_TRUE(t.memory.stage(sorted(batch)).is_ok());
    EXPECT_EQ(t.memory.stage(sorted(batch)).code(), Errc::kInvalidArgument) << "staged twice";
    EXPECT_EQ(t.memory.unstaged_root(), before);
    t.memory.unstage();
    EXPECT_FALSE(t.memory.staged());
    ASSERT_EQ(t.memory.root_hash(), before);
    ASSERT_EQ(t.memory.nodes(), nodes);
    ASSERT_EQ(encode_state_proof(t.memory.prove(probe, std::nullopt).value()), proof_before);
    // Then every other round the batch is applied for good, and both trees agree.
    if (round % 2 == 1) {
      ASSERT_NO_FATAL_FAILURE(t.apply(batch));
      for (const auto& [kh, vh] : batch) {
        if (vh) keys.push_back(kh);
      }
    }
  }
  // A batch that grows both pools several times over (their blocks are realloc'ed), staged,
  // put back, then applied for good: the nodes already there are intact throughout.
  Changes big;
  for (int i = 0; i < 5000; ++i) big[random_hash(rng)] = random_hash(rng);
  const Hash256 before = t.memory.root_hash();
  const size_t nodes = t.memory.nodes();
  ASSERT_TRUE(t.memory.stage(sorted(big)).is_ok());
  EXPECT_GT(t.memory.nodes(), nodes + 9000);
  t.memory.unstage();
  ASSERT_EQ(t.memory.root_hash(), before);
  ASSERT_EQ(t.memory.nodes(), nodes);
  ASSERT_NO_FATAL_FAILURE(t.apply(big));
  for (const auto& [kh, vh] : t.set) ASSERT_EQ(t.memory.value_hash(kh), vh);
}

TEST(MemoryTree, UnsortedOrRepeatedChangesAreRefused) {
  std::mt19937_64 rng(5);
  const Hash256 x = random_hash(rng), y = random_hash(rng), v = random_hash(rng);
  const auto [lo, hi] = std::minmax(x, y);
  MemoryTree tree;
  EXPECT_EQ(tree.apply(std::vector<TreeChange>{{hi, v}, {lo, v}}).code(), Errc::kInvalidArgument);
  EXPECT_EQ(tree.apply(std::vector<TreeChange>{{lo, v}, {lo, v}}).code(), Errc::kInvalidArgument);
  EXPECT_EQ(tree.root_hash(), Hash256{});
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// A tree with values whose hashes it holds, so that presence proofs can be asked for.
struct ValuedTree {
  MemoryTree tree;
  std::map<Hash256, std::string> values;

  Changes changes_to(const std::map<Hash256, std::optional<std::string>>& writes) const {
    Changes out;
    for (const auto& [kh, v] : writes) {
      out[kh] = v ? std::optional<Hash256>(sha256(as_bytes(*v))) : std::nullopt;
    }
    return out;
  }
  void apply(const std::map<Hash256, std::optional<std::string>>& writes) {
    ASSERT_TRUE(tree.apply(sorted(changes_to(writes))).is_ok());
    for (const auto& [kh, v] : writes) {
      if (v) {
        values[kh] = *v;
      } else {
        values.erase(kh);
      }
    }
  }
  std::optional<std::string> value(const Hash256& kh) const {
    auto it = values.find(kh);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

// The proofs and root of "this tree with these changes", computed without changing it, are
// those of a tree that has the changes applied; and the staged batch's reverse, applied the
// same way to the staged tree, gives back the tree before it (what read views rely on).
TEST(MemoryTree, ProofsWithChangesMatchTheChangedTreeAndTheStagedReverseUndoes) {
  std::mt19937_64 rng(20261207);
  int counter = 0;
  auto value = [&] { return "v" + std::to_string(counter++); };
  for (int round = 0; round < 60; ++round) {
    // Small trees (0, 1, 2 keys) as well as large ones; some keys with long shared prefixes.
    const size_t base_size = round < 6 ? static_cast<size_t>(round % 3) : 1 + rng() % 400;
    ValuedTree base;
    std::map<Hash256, std::optional<std::string>> initial;
    for (size_t i = 0; i < base_size; ++i) initial[random_hash(rng)] = value();
    if (!initial.empty() && round % 4 == 0) {
      const Hash256 near = key_diverging_at(initial.begin()->first, static_cast<unsigned>(100 + round), rng);
      initial[near] = value();
    }
    ASSERT_NO_FATAL_FAILURE(base.apply(initial));
    std::vector<Hash256> known;
    for (const auto& [kh, v] : base.values) known.push_back(kh);

    std::map<Hash256, std::optional<std::string>> writes;
    const size_t n = rng() % 60;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t pick = rng() % 10;
      if (pick < 3 || known.empty()) {
        writes[random_hash(rng)] = value();  // a new key
      } else if (pick < 5) {
        writes[known[rng() % known.size()]] = value();  // a new value
      } else if (pick < 6) {
        const Hash256& kh = known[rng() % known.size()];
        writes[kh] = base.values[kh];  // the same value again: no change
      } else if (pick < 8) {
        writes[known[rng() % known.size()]] = std::nullopt;  // a deletion
      } else if (pick < 9) {
        writes[random_hash(rng)] = std::nullopt;  // deleting an absent key: no change
      } else {
        writes[key_diverging_at(known[rng() % known.size()], static_cast<unsigned>(1 + rng() % 250), rng)] = value();
      }
    }
    if (round == 7) {
      for (const Hash256& kh : known) writes[kh] = std::nullopt;  // everything goes
    }
    const std::vector<TreeChange> changes = sorted(base.changes_to(writes));
    ValuedTree after;
    {
      std::map<Hash256, std::optional<std::string>> all(writes);
      for (const auto& [kh, v] : base.values) all.emplace(kh, v);
      ASSERT_NO_FATAL_FAILURE(after.apply(all));
    }

    auto root = base.tree.root_with(changes);
    ASSERT_TRUE(root) << root.status().to_string();
    ASSERT_EQ(*root, after.tree.root_hash()) << "round " << round;

    std::vector<Hash256> probes(known);
    for (const auto& [kh, v] : writes) probes.push_back(kh);
    for (int i = 0; i < 5; ++i) probes.push_back(random_hash(rng));
    for (const Hash256& kh : probes) {
      auto with = base.tree.prove_with(changes, kh, after.value(kh));
      auto expected = after.tree.prove(kh, after.value(kh));
      ASSERT_TRUE(with && expected) << "round " << round;
      ASSERT_EQ(*with, *expected) << "round " << round;
      auto verified = verify_state_proof(after.tree.root_hash(), kh, *with);
      ASSERT_TRUE(verified) << verified.status().to_string();
      ASSERT_EQ(verified->present, after.value(kh).has_value());
    }

    // Staged on the base tree, the batch's reverse leads back to the base.
    const Hash256 base_root = base.tree.root_hash();
    ASSERT_TRUE(base.tree.stage(changes).is_ok());
    ASSERT_EQ(base.tree.root_hash(), after.tree.root_hash());
    auto reverse = base.tree.staged_reverse();
    if (base_size == 0) {
      EXPECT_FALSE(reverse) << "a batch on an empty tree keeps no record";
      base.tree.unstage();
      continue;
    }
    ASSERT_TRUE(reverse) << reverse.status().to_string();
    auto back = base.tree.root_with(*reverse);
    ASSERT_TRUE(back);
    ASSERT_EQ(*back, base_root) << "round " << round;
    for (const Hash256& kh : probes) {
      auto with = base.tree.prove_with(*reverse, kh, base.value(kh));
      ASSERT_TRUE(with) << with.status().to_string();
      auto verified = verify_state_proof(base_root, kh, *with);
      ASSERT_TRUE(verified) << verified.status().to_string();
      ASSERT_EQ(verified->present, base.value(kh).has_value());
    }
    base.tree.unstage();
    ASSERT_EQ(base.tree.root_hash(), base_root);
    ASSERT_TRUE(base.tree.staged_reverse()->empty());
  }
}

TEST(MemoryTree, ProofsWithUnsortedChangesAreRefused) {
  std::mt19937_64 rng(3);
  MemoryTree tree;
  const Hash256 a = random_hash(rng), b = random_hash(rng);
  std::vector<TreeChange> twice{{a, std::nullopt}, {a, std::nullopt}};
  std::vector<TreeChange> unsorted{{std::max(a, b), std::nullopt}, {std::min(a, b), std::nullopt}};
  EXPECT_FALSE(tree.prove_with(twice, a, std::nullopt));
  EXPECT_FALSE(tree.root_with(unsorted));
}

}  // namespace
}  // namespace ans
