// DIMT amounts (spec section 2): unsigned 128-bit counts of the smallest unit, 18 decimals.
// Every operation that could wrap returns an error instead.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <compare>
#include <string>
#include <string_view>

#include "ledger/util/bytes.h"

namespace ans {

class Amount {
 public:
  using Units = boost::multiprecision::uint128_t;
  static constexpr unsigned kDecimals = 18;
  // The longest decimal text parse() reads; more is kTooLarge before any arithmetic.
  static constexpr size_t kMaxTextChars = 64;

  constexpr Amount() = default;
  static Amount from_units(const Units& units) { return Amount(units); }
  // `whole` DIMT. Cannot overflow: (2^64 - 1) * 10^18 < 2^128.
  static Amount from_dimt(uint64_t whole);
  static Amount max();

  // Decimal DIMT: "10", "1.5", "0.000000000000000001". Digits, at most one '.', at most 18
  // digits after it, a digit on both sides of it. No sign, spaces or exponent.
  // Errors: kInvalidArgument (empty or garbage, with position), kOverflow (beyond 2^128 - 1
  // units), kTooLarge (more than kMaxTextChars), kBadLength (more than 18 decimals).
  static Result<Amount> parse(std::string_view text);
  // The shortest exact decimal DIMT text: "1.5", "0", "10000000000".
  std::string to_string() const;
  // The integer count of units, in decimal.
  std::string units_string() const;

  // Wire form: big-endian with no leading zero byte; zero is the empty string.
  Bytes to_bytes() const;
  // The same bytes in a std::string (how state records hold amounts).
  std::string to_byte_string() const;
  // Errors: kTooLarge (over 16 bytes), kNonCanonical (a leading zero byte).
  static Result<Amount> from_bytes(ByteView bytes);

  Result<Amount> checked_add(const Amount& other) const;
  Result<Amount> checked_sub(const Amount& other) const;  // kOverflow when other > *this
  Result<Amount> checked_mul(uint64_t factor) const;
  // Floor division. REQUIRES: divisor != 0.
  Amount div(uint64_t divisor) const { return Amount(units_ / divisor); }

  const Units& units() const { return units_; }
  bool is_zero() const { return units_ == 0; }

  friend bool operator==(const Amount& a, const Amount& b) { return a.units_ == b.units_; }
  friend std::strong_ordering operator<=>(const Amount& a, const Amount& b) {
    if (a.units_ < b.units_) return std::strong_ordering::less;
    if (a.units_ > b.units_) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }

 private:
  explicit Amount(const Units& units) : units_(units) {}
  Units units_ = 0;
};

}  // namespace ans
