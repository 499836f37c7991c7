#include "ledger/token/amount.h"

namespace ans {
namespace {

using Units = Amount::Units;

const Units& unit_scale() {
  static const Units scale = [] {
    Units s = 1;
    for (unsigned i = 0; i < Amount::kDecimals; ++i) s *= 10;
    return s;
  }();
  return scale;
}

const Units& units_max() {
  static const Units m = ~Units(0);
  return m;
}

Status overflow() {
  return Status(Errc::kOverflow, "amount exceeds the 128-bit maximum of "
                                 "340282366920938463463.374607431768211455 DIMT");
}

// Accumulates decimal digits into `value`; false on overflow.
bool push_digit(Units& value, unsigned digit) {
  if (value > (units_max() - digit) / 10) return false;
  value = value * 10 + digit;
  return true;
}

}  // namespace

Amount Amount::from_dimt(uint64_t whole) { return Amount(Units(whole) * unit_scale()); }

Amount Amount::max() { return Amount(units_max()); }

Result<Amount> Amount::parse(std::string_view text) {
  if (text.empty()) return Status(Errc::kInvalidArgument, "empty amount");
  if (text.size() > kMaxTextChars) {
    return Status(Errc::kTooLarge, "amount text longer than " + std::to_string(kMaxTextChars) +
                                       " characters");
  }
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty()) {
    return Status(Errc::kInvalidArgument, "amount needs a digit before the decimal point");
  }
  if (dot != std::string_view::npos && frac.empty()) {
    return Status(Errc::kInvalidArgument, "amount needs a digit after the decimal point");
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == dot) continue;
    if (c < '0' || c > '9') {
      return Status(Errc::kInvalidArgument, std::string("'") + c + "' at position " +
                                                std::to_string(i) + " is not a digit");
    }
  }
  if (frac.size() > kDecimals) {
    return Status(Errc::kBadLength, "DIMT has 18 decimals; got " + std::to_string(frac.size()));
  }
  Units value = 0;
  for (char c : whole) {
    if (!push_digit(value, static_cast<unsigned>(c - '0'))) return overflow();
  }
  for (unsigned i = 0; i < kDecimals; ++i) {
    unsigned digit = i < frac.size() ? static_cast<unsigned>(frac[i] - '0') : 0;
    if (!push_digit(value, digit)) return overflow();
  }
  return Amount(value);
}

std::string Amount::to_string() const {
  Units whole = units_ / unit_scale();
  Units frac = units_ % unit_scale();
  std::string out = whole.str();
  if (frac != 0) {
    std::string digits = frac.str();
    digits.insert(0, kDecimals - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

std::string Amount::units_string() const { return units_.str(); }

namespace {

// `units` big-endian in be[16]; returns the count of leading zero bytes. The shifts work on
// two native 64-bit halves: on the multiprecision type each costs a loop over its limbs.
size_t big_endian(const Amount::Units& units, uint8_t be[16]) {
  uint64_t high = static_cast<uint64_t>(units >> 64), low = static_cast<uint64_t>(units);
  for (int i = 7; i >= 0; --i) {
    be[i] = static_cast<uint8_t>(high & 0xFF);
    be[i + 8] = static_cast<uint8_t>(low & 0xFF);
    high >>= 8;
    low >>= 8;
  }
  size_t zeros = 0;
  while (zeros < 16 && be[zeros] == 0) ++zeros;
  return zeros;
}

}  // namespace

Bytes Amount::to_bytes() const {
  // Big-endian, no leading zero bytes (zero is empty): at most 16 bytes, built in place.
  uint8_t be[16];
  const size_t zeros = big_endian(units_, be);
  return Bytes(be + zeros, be + sizeof be);
}

std::string Amount::to_byte_string() const {
  uint8_t be[16];
  const size_t zeros = big_endian(units_, be);
  return std::string(reinterpret_cast<const char*>(be) + zeros, sizeof be - zeros);
}

Result<Amount> Amount::from_bytes(ByteView bytes) {
  if (bytes.size() > 16) {
    return Status(Errc::kTooLarge, "an amount is at most 16 bytes, got " +
                                       std::to_string(bytes.size()));
  }
  if (!bytes.empty() && bytes[0] == 0) {
    return Status(Errc::kNonCanonical, "amount bytes have a leading zero");
  }
  uint64_t high = 0, low = 0;
  for (uint8_t b : bytes) {
    high = (high << 8) | (low >> 56);
    low = (low << 8) | b;
  }
  return Amount((Units(high) << 64) | low);
}

Result<Amount> Amount::checked_add(const Amount& other) const {
  if (units_ > units_max() - other.units_) return overflow();
  return Amount(units_ + other.units_);
}

Result<Amount> Amount::checked_sub(const Amount& other) const {
  if (other.units_ > units_) {
    return Status(Errc::kOverflow, "cannot subtract " + other.to_string() + " DIMT from " +
                                       to_string() + " DIMT");
  }
  return Amount(units_ - other.units_);
}

Result<Amount> Amount::checked_mul(uint64_t factor) const {
  if (factor != 0 && units_ > units_max() / factor) return overflow();
  return Amount(units_ * factor);
}

}  // namespace ans
