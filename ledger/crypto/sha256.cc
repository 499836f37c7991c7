// SHA-256 (FIPS 180-4) without OpenSSL's EVP layer: the chain hashes short messages (tree
// nodes of 65 bytes, keys, transaction bodies), where EVP's dispatch and the context it
// allocates cost more than the hashing. The block function runs on the x86 SHA extensions
// when the CPU has them, else in portable C++; both are checked against each other and
// against the NIST vectors (hash_test.cc).
#include <algorithm>
#include <bit>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "ledger/crypto/hash.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ANS_SHA256_X86 1
#endif

namespace ans {
namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr std::array<uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t load_be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

void compress_portable(uint32_t* state, const uint8_t* data, size_t blocks) {
  for (; blocks > 0; --blocks, data += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(data + 4 * i);
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                          kRound[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

#ifdef ANS_SHA256_X86
// The SHA extensions keep the state as two vectors, ABEF and CDGH (A in the top lane), and
// do two rounds per sha256rnds2. The message schedule lives in four vectors of four words
// that take turns: the one holding W[i-16..i-13] becomes W[i..i+3].
//
// `Lanes` independent messages of `blocks` blocks each, their rounds interleaved: each
// sha256rnds2 waits for the one before it, so a single message leaves the unit idle most of
// the time, and a second one runs in those gaps.
template <int Lanes>
__attribute__((target("sha,sse4.1,ssse3"))) void compress_x86_lanes(uint32_t* const* state,
                                                                    const uint8_t* const* data,
                                                                    size_t blocks) {
  // Byte-swaps each 32-bit lane: the message words are big-endian.
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i abef[Lanes], cdgh[Lanes];
#pragma GCC unroll 2
  for (int l = 0; l < Lanes; ++l) {
    const __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state[l]));
    const __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state[l] + 4));
    const __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);
    const __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);
    abef[l] = _mm_alignr_epi8(badc, hgfe, 8);
    cdgh[l] = _mm_blend_epi16(hgfe, badc, 0xF0);
  }

  for (size_t at = 0; at < 64 * blocks; at += 64) {
    __m128i abef_in[Lanes], cdgh_in[Lanes], w[Lanes][4];
#pragma GCC unroll 2
    for (int l = 0; l < Lanes; ++l) {
      abef_in[l] = abef[l];
      cdgh_in[l] = cdgh[l];
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) {
        w[l][i] = _mm_shuffle_epi8(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(data[l] + at + 16 * i)), swap);
      }
    }
    // Unrolled, so that w[] lives in registers rather than memory.
#pragma GCC unroll 16
    for (int group = 0; group < 16; ++group) {
      const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRound[4 * group]));
#pragma GCC unroll 2
      for (int l = 0; l < Lanes; ++l) {
        __m128i& cur = w[l][group & 3];
        if (group >= 4) {
          // W[i..i+3] = W[i-16..] + s0(W[i-15..]) + W[i-7..] + s1(W[i-2..]).
          cur = _mm_sha256msg1_epu32(cur, w[l][(group + 1) & 3]);
          cur = _mm_add_epi32(cur, _mm_alignr_epi8(w[l][(group + 3) & 3], w[l][(group + 2) & 3], 4));
          cur = _mm_sha256msg2_epu32(cur, w[l][(group + 3) & 3]);
        }
        __m128i msg = _mm_add_epi32(cur, k);
        // Two rounds: cdgh takes the new ABEF, and abef (the old one) is the new CDGH; two
        // more rounds put each back in its place.
        cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], msg);
        msg = _mm_shuffle_epi32(msg, 0x0E);
        abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], msg);  // the old ABEF served as CDGH
      }
    }
#pragma GCC unroll 2
    for (int l = 0; l < Lanes; ++l) {
      abef[l] = _mm_add_epi32(abef[l], abef_in[l]);
      cdgh[l] = _mm_add_epi32(cdgh[l], cdgh_in[l]);
    }
  }

#pragma GCC unroll 2
  for (int l = 0; l < Lanes; ++l) {
    const __m128i feba = _mm_shuffle_epi32(abef[l], 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh[l], 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state[l]), _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state[l] + 4), _mm_alignr_epi8(dchg, feba, 8));
  }
}

void compress_x86(uint32_t* state, const uint8_t* data, size_t blocks) {
  compress_x86_lanes<1>(&state, &data, blocks);
}

void compress_x86_x2(uint32_t* const* state, const uint8_t* const* data, size_t blocks) {
  compress_x86_lanes<2>(state, data, blocks);
}

bool cpu_has_sha_extensions() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = b & (1u << 29);
  return ssse3 && sse41 && sha;
}
#endif

using Compress = void (*)(uint32_t*, const uint8_t*, size_t);
// Two messages of the same number of blocks: state[i] takes data[i].
using Compress2 = void (*)(uint32_t* const*, const uint8_t* const*, size_t);

void compress_portable_x2(uint32_t* const* state, const uint8_t* const* data, size_t blocks) {
  compress_portable(state[0], data[0], blocks);
  compress_portable(state[1], data[1], blocks);
}

Compress best_compress() {
#ifdef ANS_SHA256_X86
  if (cpu_has_sha_extensions()) return compress_x86;
#endif
  return compress_portable;
}

Compress2 best_compress_x2() {
#ifdef ANS_SHA256_X86
  if (cpu_has_sha_extensions()) return compress_x86_x2;
#endif
  return compress_portable_x2;
}

void compress_first(uint32_t* state, const uint8_t* data, size_t blocks);

// Starts as compress_first, which picks the block function on the first call. A constant
// initializer: hashes made by other files' static initializers find it set.
std::atomic<Compress> g_compress{compress_first};

void compress_first(uint32_t* state, const uint8_t* data, size_t blocks) {
  const Compress best = best_compress();
  g_compress.store(best);
  best(state, data, blocks);
}

void compress_x2_first(uint32_t* const* state, const uint8_t* const* data, size_t blocks);
std::atomic<Compress2> g_compress_x2{compress_x2_first};

void compress_x2_first(uint32_t* const* state, const uint8_t* const* data, size_t blocks) {
  const Compress2 best = best_compress_x2();
  g_compress_x2.store(best);
  best(state, data, blocks);
}

}  // namespace

namespace sha256_internal {

bool hardware_available() { return best_compress() != compress_portable; }

void use_portable(bool portable) {
  g_compress.store(portable ? compress_portable : best_compress());
  g_compress_x2.store(portable ? compress_portable_x2 : best_compress_x2());
}

}  // namespace sha256_internal

Sha256::Sha256() : state_(kInitial) {}

Sha256& Sha256::update(ByteView data) {
  // An empty view may have no data pointer at all, which memcpy must not be given.
  if (data.empty()) return *this;
  const Compress compress = g_compress.load(std::memory_order_relaxed);
  const uint8_t* p = data.data();
  size_t n = data.size();
  length_ += n;
  if (buffered_ > 0) {
    const size_t take = std::min(n, buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < buffer_.size()) return *this;
    compress(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  if (n >= 64) {
    compress(state_.data(), p, n / 64);
    p += n / 64 * 64;
    n %= 64;
  }
  if (n > 0) std::memcpy(buffer_.data(), p, n);
  buffered_ = n;
  return *this;
}

namespace {

void put_length(uint8_t* at, uint64_t bytes) {
  const uint64_t bits = bytes * 8;
  for (int i = 0; i < 8; ++i) at[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
}

Hash256 digest_of(const std::array<uint32_t, 8>& state) {
  Hash256 out{};
  for (size_t i = 0; i < 8; ++i) {
    uint32_t word = state[i];
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap32(word);
    std::memcpy(out.data() + 4 * i, &word, 4);
  }
  return out;
}

// The longest message that fits in two blocks with its padding (a 0x80 byte and the length).
constexpr size_t kShortMax = 128 - 1 - 8;

// A short message (at most kShortMax bytes) with its padding, in one or two blocks: how many.
size_t pad_short(ByteView data, uint8_t (&blocks)[128]) {
  const size_t n = data.size();
  std::memset(blocks, 0, sizeof blocks);  // fixed size: a few vector stores
  if (n > 0) std::memcpy(blocks, data.data(), n);
  blocks[n] = 0x80;
  const size_t total = n + 1 + 8 <= 64 ? 64 : 128;
  put_length(blocks + total - 8, n);
  return total / 64;
}

}  // namespace

Hash256 Sha256::finish() {
  uint8_t tail[72] = {0x80};  // 0x80, zeros, then the length: to a multiple of 64 bytes
  const size_t pad = (buffered_ < 56 ? 56 : 120) - buffered_;
  put_length(tail + pad, length_);
  update(ByteView(tail, pad + 8));
  return digest_of(state_);
}

Hash256 sha256(ByteView data) {
  if (data.size() > kShortMax) return Sha256().update(data).finish();
  // Most of the chain's messages are short (tree nodes of 65 bytes, keys, small values): the
  // padded message is laid out once, in one or two blocks, and compressed in one call.
  uint8_t blocks[128];
  const size_t count = pad_short(data, blocks);
  std::array<uint32_t, 8> state = kInitial;
  g_compress.load(std::memory_order_relaxed)(state.data(), blocks, count);
  return digest_of(state);
}

void sha256_x2(ByteView a, ByteView b, Hash256& out_a, Hash256& out_b) {
  if (a.size() > kShortMax || b.size() > kShortMax) {
    out_a = sha256(a);
    out_b = sha256(b);
    return;
  }
  uint8_t blocks[2][128];
  const size_t count[2] = {pad_short(a, blocks[0]), pad_short(b, blocks[1])};
  std::array<uint32_t, 8> states[2] = {kInitial, kInitial};
  uint32_t* const state_of[2] = {states[0].data(), states[1].data()};
  const uint8_t* const data_of[2] = {blocks[0], blocks[1]};
  const size_t both = std::min(count[0], count[1]);
  g_compress_x2.load(std::memory_order_relaxed)(state_of, data_of, both);
  const Compress compress = g_compress.load(std::memory_order_relaxed);
  for (int i = 0; i < 2; ++i) {
    if (count[i] > both) compress(state_of[i], blocks[i] + 64 * both, count[i] - both);
  }
  out_a = digest_of(states[0]);
  out_b = digest_of(states[1]);
}

}  // namespace ans
