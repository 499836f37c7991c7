// Random 32-byte hashes from a seeded generator, for the tree's tests and benchmarks.
#pragma once

#include <random>

#include "ledger/crypto/hash.h"

namespace ans::testing {

inline Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

}  // namespace ans::testing
