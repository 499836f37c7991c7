// Radix tree benchmark: inserts/s, proofs/s, verifications/s and proof sizes, with an
// in-memory page store so the figures are the tree's own cost, not the disk's.
// Ceiling, measured in the same run: SHA-256 of 65-byte inputs per second (every tree node
// written costs one such hash; a page holds up to 15 nodes).
//
//   bench_tree [--keys N] [--batch B] [--proofs P] [--seed S]
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
#include <unordered_map>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/proof/state_proof.h"
#include "ledger/state/radix_tree.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class MemStore : public ans::TreeNodeStore {
 public:
  std::optional<std::string> get_page(const std::string& key) const override {
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
  }
  void put_page(const std::string& key, std::string page) override {
    nodes_[key] = std::move(page);
    ++writes_;
  }
  void delete_page(const std::string& key) override {
    nodes_.erase(key);
    ++writes_;
  }
  void reserve(size_t n) { nodes_.reserve(n); }
  size_t size() const { return nodes_.size(); }
  uint64_t writes() const { return writes_; }

 private:
  std::unordered_map<std::string, std::string> nodes_;
  uint64_t writes_ = 0;
};

struct Options {
  uint64_t keys = 1'000'000;
  uint64_t batch = 1'000;
  uint64_t proofs = 100'000;
  uint64_t seed = 1;
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
                                           : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_u64(argv[i + 1], target)) {
      std::fprintf(stderr,
                   "usage: bench_tree [--keys N] [--batch B] [--proofs P] [--seed S]"
                   " (positive integers)\n");
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
  store.reserve(2 * opts->keys + 16);
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
  return 0;
}
