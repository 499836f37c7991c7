// Keccak-256 as Ethereum uses it (the original Keccak padding, 0x01, not SHA-3's 0x06):
// EIP-55 address checksums and account addresses from public keys. The chain hashes only
// short inputs (40 hex characters, 64-byte keys), one or two permutations each, so the
// permutation is written out for a 64-bit machine and the sponge works on one stack state.
#include <bit>
#include <cstring>

#include "ledger/crypto/hash.h"

namespace ans {
namespace {

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

constexpr uint64_t rotl(uint64_t x, unsigned n) { return n == 0 ? x : (x << n) | (x >> (64 - n)); }

// Lane i = x + 5y of the state. Steps rho and pi together: lane j of the permuted state is
// lane kFrom[j] (after theta) rotated left by kRotate[j].
constexpr int kFrom[25] = {0, 6, 12, 18, 24, 3, 9,  10, 16, 22, 1, 7, 13,
                           19, 20, 4, 5, 11, 17, 23, 2, 8, 14, 15, 21};
constexpr unsigned kRotate[25] = {0,  44, 43, 21, 14, 28, 20, 3,  45, 61, 1,  6, 25,
                                  8,  18, 27, 36, 10, 15, 56, 62, 55, 39, 41, 2};

// One round from `in` to `out`. Rho, pi and chi go one output row at a time, so that only
// five permuted lanes are alive at once. Every loop is unrolled (the pragmas): each lane
// index is then a constant, and the compiler keeps what it can in registers.
inline __attribute__((always_inline)) void keccak_round(const uint64_t* __restrict in,
                                                        uint64_t* __restrict out,
                                                        uint64_t rc) {
  uint64_t c[5], d[5];
#pragma GCC unroll 5
  for (int x = 0; x < 5; ++x) c[x] = in[x] ^ in[x + 5] ^ in[x + 10] ^ in[x + 15] ^ in[x + 20];
#pragma GCC unroll 5
  for (int x = 0; x < 5; ++x) d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
#pragma GCC unroll 5
  for (int row = 0; row < 25; row += 5) {
    uint64_t b[5];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) {
      b[x] = rotl(in[kFrom[row + x]] ^ d[kFrom[row + x] % 5], kRotate[row + x]);
    }
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) out[row + x] = b[x] ^ (~b[(x + 1) % 5] & b[(x + 2) % 5]);
  }
  out[0] ^= rc;
}

void keccak_f1600(uint64_t state[25]) {
  uint64_t other[25];
  for (size_t r = 0; r < 24; r += 2) {
    keccak_round(state, other, kRoundConstants[r]);
    keccak_round(other, state, kRoundConstants[r + 1]);
  }
}

uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

Hash256 keccak256(ByteView data) {
  constexpr size_t kRate = 136;  // bytes: 1600 bits less twice the 256-bit output
  uint64_t state[25] = {};
  const uint8_t* p = data.data();
  size_t left = data.size();
  for (; left >= kRate; left -= kRate, p += kRate) {
    for (size_t i = 0; i < kRate / 8; ++i) state[i] ^= load_le64(p + 8 * i);
    keccak_f1600(state);
  }
  uint8_t last[kRate] = {};
  if (left > 0) std::memcpy(last, p, left);
  last[left] ^= 0x01;         // Keccak's pad10*1: a first 1 bit after the message...
  last[kRate - 1] ^= 0x80;    // ...and a last one at the end of the block
  for (size_t i = 0; i < kRate / 8; ++i) state[i] ^= load_le64(last + 8 * i);
  keccak_f1600(state);
  Hash256 out;
  for (size_t i = 0; i < out.size() / 8; ++i) {
    uint64_t lane = state[i];
    if constexpr (std::endian::native == std::endian::big) lane = __builtin_bswap64(lane);
    std::memcpy(out.data() + 8 * i, &lane, 8);  // lanes are little-endian
  }
  return out;
}

}  // namespace ans
