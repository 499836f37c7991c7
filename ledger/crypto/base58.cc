#include "ledger/crypto/base58.h"

#include <algorithm>

#include "ledger/crypto/hash.h"

namespace ans {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int8_t digit_value(char c) {
  static const auto table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 58; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return table[static_cast<uint8_t>(c)];
}

}  // namespace

std::string base58_encode(ByteView data) {
  size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // log(256)/log(58) < 1.37: enough base-58 digits for the rest.
  std::vector<uint8_t> digits((data.size() - zeros) * 138 / 100 + 1, 0);
  size_t used = 0;  // digits in use, least significant last
  for (size_t i = zeros; i < data.size(); ++i) {
    unsigned carry = data[i];
    size_t k = 0;
    for (auto it = digits.rbegin(); (carry != 0 || k < used) && it != digits.rend(); ++it, ++k) {
      carry += 256u * *it;
      *it = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    used = k;
  }
  auto first = std::find_if(digits.begin(), digits.end(), [](uint8_t d) { return d != 0; });
  std::string out(zeros, '1');
  for (auto it = first; it != digits.end(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<Bytes> base58_decode(std::string_view text) {
  if (text.size() > kMaxBase58Chars) {
    return Status(Errc::kTooLarge, "Base58 text longer than " + std::to_string(kMaxBase58Chars) +
                                       " characters");
  }
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  // log(58)/log(256) < 0.733: enough bytes for the rest.
  std::vector<uint8_t> bytes((text.size() - ones) * 733 / 1000 + 1, 0);
  size_t used = 0;
  for (size_t i = ones; i < text.size(); ++i) {
    int8_t value = digit_value(text[i]);
    if (value < 0) {
      return Status(Errc::kBadAlphabet, std::string("character '") + text[i] +
                                            "' at position " + std::to_string(i) +
                                            " is not in the Base58 alphabet");
    }
    unsigned carry = static_cast<unsigned>(value);
    size_t k = 0;
    for (auto it = bytes.rbegin(); (carry != 0 || k < used) && it != bytes.rend(); ++it, ++k) {
      carry += 58u * *it;
      *it = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = k;
  }
  auto first = std::find_if(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; });
  Bytes out(ones, 0);
  out.insert(out.end(), first, bytes.end());
  return out;
}

std::string base58check_encode(ByteView payload) {
  Bytes buf(payload.begin(), payload.end());
  Hash256 check = sha256d(payload);
  buf.insert(buf.end(), check.begin(), check.begin() + 4);
  return base58_encode(buf);
}

Result<Bytes> base58check_decode(std::string_view text) {
  auto raw = base58_decode(text);
  if (!raw) return raw.status();
  Bytes& bytes = raw.value();
  if (bytes.size() < 4) {
    return Status(Errc::kBadLength, "Base58Check data shorter than its 4-byte checksum");
  }
  ByteView payload(bytes.data(), bytes.size() - 4);
  Hash256 check = sha256d(payload);
  if (!std::equal(check.begin(), check.begin() + 4, bytes.end() - 4)) {
    return Status(Errc::kBadChecksum, "Base58Check checksum does not match");
  }
  bytes.resize(bytes.size() - 4);
  return std::move(raw).value();
}

}  // namespace ans
