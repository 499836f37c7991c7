// Radix tree benchmark: inserts/s, proofs/s, verifications/s and proof sizes, with an
// in-memory page store (the memory layout's table) so the figures are the tree's own cost, not the disk's. Then the same
// inserts, and block-like batches (a third each new keys, changed values and deletions), on
// the paged tree and on MemoryTree (linked nodes, no pages), their roots compared.
// Ceiling, measured in the same run: SHA-256 of 65-byte inputs per second (every tree node
// written costs one such hash; a page holds up to 15 nodes).
//
//   bench_tree [--keys N] [--batch B] [--proofs P] [--seed S] [--block C] [--blocks R]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/proof/state_proof.h"
#include "ledger/state/memory_tree.h"
#include "ledger/state/radix_tree.h"
#include "ledger/store/mem_table.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Pages in the memory layout's table (ledger/store/mem_table.h), lent in place as the
// memory layout lends them to a block's tree update.
class MemStore : public ans::TreeNodeStore {
 public:
  std::optional<std::string> get_page(const std::string& key) const override {
    const ans::MemTable::Entry* e = pages_.find(key);
    if (e == nullptr) return std::nullopt;
    return std::string(e->value());
  }
  bool find_page(const std::string& key, std::optional<std::string_view>* out) const override {
    const ans::MemTable::Entry* e = pages_.find(key);
    *out = e == nullptr ? std::nullopt : std::optional<std::string_view>(e->value());
    return true;
  }
  void put_page(const std::string& key, std::string page) override {
    ans::MemTable::release(pages_.put(key, page).replaced);
    ++writes_;
  }
  void delete_page(const std::string& key) override {
    pages_.erase(key);
    ++writes_;
  }
  size_t size() const { return pages_.size(); }
  uint64_t writes() const { return writes_; }

 private:
  ans::MemTable pages_;
  uint64_t writes_ = 0;
};

struct Options {
  uint64_t keys = 1'000'000;
  uint64_t batch = 1'000;
  uint64_t proofs = 100'000;
  uint64_t seed = 1;
  uint64_t block = 15'000;  // changes per block-like batch: a block of 5,000 registrations
  uint64_t blocks = 20;
};

bool parse_u64(const char* text, uint64_t* out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v == 0) return false;
  *out = v;
  return true;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    uint64_t* target = arg == "--keys"     ? &o.keys
                       : arg == "--batch"  ? &o.batch
                       : arg == "--proofs" ? &o.proofs
                       : arg == "--seed"   ? &o.seed
                       : arg == "--block"  ? &o.block
                       : arg == "--blocks" ? &o.blocks
                                           : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_u64(argv[i + 1], target)) {
      std::fprintf(stderr,
                   "usage: bench_tree [--keys N] [--batch B] [--proofs P] [--seed S]"
                   " [--block C] [--blocks R] (positive integers)\n");
      return std::nullopt;
    }
    ++i;
  }
  return o;
}

// The value stored under key i: short, like a name record's hash-sized fields.
std::string value_of(uint64_t i) { return "value-" + std::to_string(i); }

ans::Hash256 random_hash(std::mt19937_64& rng) {
  ans::Hash256 h;
  for (size_t i = 0; i < h.size(); i += 8) {
    const uint64_t r = rng();
    std::memcpy(h.data() + i, &r, 8);
  }
  return h;
}

size_t percentile(std::vector<size_t> v, double p) {
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[idx];
}

double sha256_ceiling() {
  std::array<uint8_t, 65> input{};
  const auto start = Clock::now();
  uint64_t n = 0;
  while (true) {
    for (int i = 0; i < 10'000; ++i) {
      const ans::Hash256 out = ans::sha256(input);
      input[1 + (n++ % 64)] ^= out[0];  // keep the compiler from hoisting the hash
    }
    if (seconds_since(start) >= 1.0) break;
  }
  return static_cast<double>(n) / seconds_since(start);
}

void print_sizes(const char* what, const std::vector<size_t>& sizes) {
  if (sizes.empty()) return;
  std::printf("  %-26s p50 %zu B, p99 %zu B, max %zu B (%zu proofs)\n", what,
              percentile(sizes, 0.50), percentile(sizes, 0.99),
              *std::max_element(sizes.begin(), sizes.end()), sizes.size());
}

using Batch = std::vector<ans::TreeChange>;

// Applies `batch` to both trees, timing each; false (and a message) if either fails or the
// roots differ.
bool apply_both(const Batch& batch, ans::RadixTree& paged, ans::MemoryTree& linked,
                double* paged_s, double* linked_s) {
  auto start = Clock::now();
  ans::Status a = paged.apply(batch);
  *paged_s += seconds_since(start);
  start = Clock::now();
  ans::Status b = linked.apply(batch);
  *linked_s += seconds_since(start);
  auto root = paged.root_hash();
  if (!a.is_ok() || !b.is_ok() || !root || *root != linked.root_hash()) {
    std::fprintf(stderr, "the paged and the linked tree disagree (%s / %s)\n",
                 a.to_string().c_str(), b.to_string().c_str());
    return false;
  }
  return true;
}

// The same inserts into MemoryTree, then block-like batches on both trees.
bool compare_memory_tree(const Options& opts, std::vector<ans::Hash256>& keys, MemStore& store,
                         ans::RadixTree& paged, std::mt19937_64& rng) {
  ans::MemoryTree linked;
  double linked_s = 0;
  double slowest_s = 0;  // the pools' growth lands in some batch
  for (uint64_t first = 0; first < opts.keys; first += opts.batch) {
    Batch batch;
    const uint64_t end = std::min(opts.keys, first + opts.batch);
    for (uint64_t i = first; i < end; ++i) {
      batch.push_back({keys[i], ans::sha256(ans::as_bytes(value_of(i)))});
    }
    std::sort(batch.begin(), batch.end(),
              [](const ans::TreeChange& x, const ans::TreeChange& y) { return x.kh < y.kh; });
    const auto start = Clock::now();
    if (ans::Status s = linked.apply(batch); !s.is_ok()) {
      std::fprintf(stderr, "linked apply failed: %s\n", s.to_string().c_str());
      return false;
    }
    const double batch_s = seconds_since(start);
    linked_s += batch_s;
    slowest_s = std::max(slowest_s, batch_s);
  }
  if (linked.root_hash() != *paged.root_hash()) {
    std::fprintf(stderr, "the linked tree's root differs from the paged tree's\n");
    return false;
  }
  std::printf("linked in memory (MemoryTree), the same inserts: %.0f keys/s (%.1f s; %zu nodes; "
              "slowest batch of %llu: %.0f ms)\n",
              static_cast<double>(opts.keys) / linked_s, linked_s, linked.nodes(),
              static_cast<unsigned long long>(opts.batch), slowest_s * 1e3);

  // Block-like batches: a third new keys, a third new values of present keys, a third
  // deletions of present keys (the tree's size stays about where it is).
  double paged_s = 0;
  linked_s = 0;
  const uint64_t writes_before = store.writes();
  uint64_t changes = 0;
  for (uint64_t b = 0; b < opts.blocks; ++b) {
    std::map<ans::Hash256, std::optional<ans::Hash256>> picked;
    std::vector<size_t> deleted;
    while (picked.size() < opts.block) {
      const uint64_t kind = rng() % 3;
      if (kind == 0) {
        keys.push_back(random_hash(rng));
        picked[keys.back()] = random_hash(rng);
        continue;
      }
      const size_t i = rng() % keys.size();
      if (picked.count(keys[i]) != 0) continue;
      if (kind == 1) {
        picked[keys[i]] = random_hash(rng);
      } else {
        picked[keys[i]] = std::nullopt;
        deleted.push_back(i);
      }
    }
    // Deleted keys leave the list (swap with the last, largest index first).
    std::sort(deleted.rbegin(), deleted.rend());
    for (size_t i : deleted) {
      keys[i] = keys.back();
      keys.pop_back();
    }
    Batch batch;
    for (const auto& [kh, vh] : picked) batch.push_back({kh, vh});
    changes += batch.size();
    if (!apply_both(batch, paged, linked, &paged_s, &linked_s)) return false;
  }
  const double per_paged = paged_s / static_cast<double>(changes) * 1e6;
  const double per_linked = linked_s / static_cast<double>(changes) * 1e6;
  std::printf("block-like batches of %llu changes at ~%zu keys (%llu batches), per change:\n",
              static_cast<unsigned long long>(opts.block), keys.size(),
              static_cast<unsigned long long>(opts.blocks));
  std::printf("  paged tree (pages in a MemTable) %6.2f us (%.2f page writes per change)\n",
              per_paged,
              static_cast<double>(store.writes() - writes_before) / static_cast<double>(changes));
  std::printf("  linked in memory (MemoryTree)    %6.2f us = %.2f of the paged tree's time\n",
              per_linked, per_linked / per_paged);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse_args(argc, argv);
  if (!opts) return 2;
  std::mt19937_64 rng(opts->seed);

  std::printf("radix tree bench: %llu keys in batches of %llu, %llu proofs, in-memory store\n",
              static_cast<unsigned long long>(opts->keys),
              static_cast<unsigned long long>(opts->batch),
              static_cast<unsigned long long>(opts->proofs));
  const double hashes_per_s = sha256_ceiling();
  std::printf("ceiling: SHA-256 of 65 bytes      %12.0f hashes/s\n", hashes_per_s);

  // ---- inserts
  std::vector<ans::Hash256> keys(opts->keys);
  for (auto& k : keys) k = random_hash(rng);
  MemStore store;
  ans::RadixTree tree(store);
  double apply_s = 0;
  for (uint64_t first = 0; first < opts->keys; first += opts->batch) {
    std::map<ans::Hash256, std::optional<ans::Hash256>> changes;
    const uint64_t end = std::min(opts->keys, first + opts->batch);
    for (uint64_t i = first; i < end; ++i) {
      changes[keys[i]] = ans::sha256(ans::as_bytes(value_of(i)));
    }
    const auto start = Clock::now();
    ans::Status s = tree.apply(changes);
    apply_s += seconds_since(start);
    if (!s.is_ok()) {
      std::fprintf(stderr, "apply failed: %s\n", s.to_string().c_str());
      return 1;
    }
  }
  const auto root = tree.root_hash();
  if (!root) {
    std::fprintf(stderr, "root failed: %s\n", root.status().to_string().c_str());
    return 1;
  }
  const double writes_per_key =
      static_cast<double>(store.writes()) / static_cast<double>(opts->keys);
  std::printf("inserts                           %12.0f keys/s  (%.1f s; %.1f page writes/key;"
              " %zu pages stored)\n",
              static_cast<double>(opts->keys) / apply_s, apply_s, writes_per_key, store.size());

  // ---- proofs (prove + encode), for present keys and for absent ones
  std::vector<ans::Bytes> encoded;
  std::vector<ans::Hash256> queried;
  encoded.reserve(opts->proofs);
  std::vector<size_t> present_sizes, absent_sizes;
  size_t absent_other_leaf = 0;
  auto start = Clock::now();
  for (uint64_t p = 0; p < opts->proofs; ++p) {
    const bool present = p % 2 == 0;
    const uint64_t i = rng() % opts->keys;
    const ans::Hash256 kh = present ? keys[i] : random_hash(rng);
    auto proof = tree.prove(kh, present ? std::optional<std::string>(value_of(i)) : std::nullopt);
    if (!proof) {
      std::fprintf(stderr, "prove failed: %s\n", proof.status().to_string().c_str());
      return 1;
    }
    if (proof->kind == ans::StateProof::Kind::kAbsentOtherLeaf) ++absent_other_leaf;
    encoded.push_back(ans::encode_state_proof(*proof));
    queried.push_back(kh);
    (present ? present_sizes : absent_sizes).push_back(encoded.back().size());
  }
  double prove_s = seconds_since(start);
  std::printf("proofs (prove + encode)           %12.0f proofs/s\n",
              static_cast<double>(opts->proofs) / prove_s);

  // ---- verifications (decode + verify)
  start = Clock::now();
  for (size_t p = 0; p < encoded.size(); ++p) {
    auto proof = ans::decode_state_proof(encoded[p]);
    auto proven = proof ? ans::verify_state_proof(*root, queried[p], *proof)
                        : ans::Result<ans::ProvenValue>(proof.status());
    if (!proven || proven->present != (p % 2 == 0)) {
      std::fprintf(stderr, "verification %zu failed\n", p);
      return 1;
    }
  }
  const double verify_s = seconds_since(start);
  std::printf("verifications (decode + verify)   %12.0f proofs/s\n",
              static_cast<double>(encoded.size()) / verify_s);

  std::printf("proof sizes at %llu keys (values of ~12 bytes):\n",
              static_cast<unsigned long long>(opts->keys));
  print_sizes("present:", present_sizes);
  print_sizes("absent:", absent_sizes);
  std::printf("  absent proofs ending at another leaf: %zu of %zu\n", absent_other_leaf,
              absent_sizes.size());
  return compare_memory_tree(*opts, keys, store, tree, rng) ? 0 : 1;
}
