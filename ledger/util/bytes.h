// Byte strings and their hex form.
#pragma once

#include <array>
#include <cstdint>
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
