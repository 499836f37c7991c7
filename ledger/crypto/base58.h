// Base58 and Base58Check with the Bitcoin alphabet. Hand-written: Debian packages no library.
#pragma once

#include <string>
#include <string_view>

#include "ledger/util/bytes.h"

namespace ans {

std::string base58_encode(ByteView data);
// Errors: kBadAlphabet (a character outside the alphabet, named with its position),
// kTooLarge (more than kMaxBase58Chars characters: bounds the quadratic decode).
Result<Bytes> base58_decode(std::string_view text);

inline constexpr size_t kMaxBase58Chars = 256;

// payload || SHA256d(payload)[0..4], Base58-encoded.
std::string base58check_encode(ByteView payload);
// Errors: those of base58_decode, kBadLength (fewer than 4 bytes), kBadChecksum.
Result<Bytes> base58check_decode(std::string_view text);

}  // namespace ans
