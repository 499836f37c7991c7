// Byte strings and their hex form.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/util/status.h"

namespace ans {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

template <size_t N>
using FixedBytes = std::array<uint8_t, N>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

// Bytes [from, from + 8) of `key` as a big-endian number, zeros past its end: comparing such
// words in order compares keys as their bytes do, as far as the words decide.
inline uint64_t be_word(std::string_view key, size_t from) {
  uint64_t w = 0;
  for (size_t i = from; i < from + 8; ++i) {
    w = (w << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0u);
  }
  return w;
}

// A 64-bit hash of a key for the in-memory tables (MemTable, the overlays' indexes): eight
// bytes at a time, then a final mix, so every input bit reaches every output bit. Not
// cryptographic, and unseeded, like std::hash, and cheaper than it on the 20- to 60-byte
// keys of the state.
inline uint64_t key_hash(std::string_view key) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = key.size() * kMul;
  const char* p = key.data();
  size_t n = key.size();
  auto absorb = [&h](uint64_t word) {
    h = (h ^ word) * kMul;
    h ^= h >> 32;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    absorb(word);
  }
  if (n > 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, n);
    absorb(word);
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

// Lowercase hex, no prefix.
std::string to_hex(ByteView data);

// Accepts upper- or lowercase hex, with or without a leading "0x".
// Errors: kBadLength (odd digit count), kBadAlphabet (a non-hex character).
Result<Bytes> from_hex(std::string_view hex);

// As from_hex, and the result must be exactly N bytes (kBadLength otherwise).
template <size_t N>
Result<FixedBytes<N>> fixed_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes) return bytes.status();
  if (bytes->size() != N) {
    return Status(Errc::kBadLength, "expected " + std::to_string(N) + " bytes (" +
                                        std::to_string(2 * N) + " hex digits), got " +
                                        std::to_string(bytes->size()));
  }
  FixedBytes<N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace ans
