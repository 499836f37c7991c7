#include "ledger/identity/address.h"

#include <algorithm>
#include <array>

#include "ledger/crypto/base58.h"

namespace ans {
namespace {

constexpr size_t kBtcMinChars = 26;
constexpr size_t kBtcMaxChars = 35;
constexpr size_t kBtcRawBytes = 25;
constexpr char kHexDigits[] = "0123456789abcdef";

// What a character is in a hex address: its kind, and its value if a hex digit.
enum : uint8_t { kDigit = 1, kLower = 2, kUpper = 4, kInvalid = 8 };
struct HexChar {
  uint8_t kind = kInvalid;
  uint8_t value = 0;
};
constexpr std::array<HexChar, 256> make_hex_chars() {
  std::array<HexChar, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = {kDigit, static_cast<uint8_t>(c - '0')};
  for (int c = 'a'; c <= 'f'; ++c) t[c] = {kLower, static_cast<uint8_t>(c - 'a' + 10)};
  for (int c = 'A'; c <= 'F'; ++c) t[c] = {kUpper, static_cast<uint8_t>(c - 'A' + 10)};
  return t;
}
constexpr std::array<HexChar, 256> kHexChars = make_hex_chars();

Status check_network(uint8_t network) {
  if (!entity_type_info(network)) {
    std::string byte = std::string("0x") + kHexDigits[network >> 4] + kHexDigits[network & 15];
    return Status(Errc::kUnknownType, "network byte " + byte + " is not a DIMP entity type");
  }
  return Status::ok();
}

// EIP-55: a hex letter is uppercase iff the matching nibble of keccak256(lowercase hex) >= 8.
// The checksummed form, for to_string (parse checks a checksum without building it).
std::array<char, 40> eip55(const FixedBytes<20>& bytes) {
  std::array<char, 40> hex{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    hex[2 * i] = kHexDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kHexDigits[bytes[i] & 15];
  }
  Hash256 h = keccak256(ByteView(reinterpret_cast<const uint8_t*>(hex.data()), hex.size()));
  for (size_t i = 0; i < hex.size(); ++i) {
    uint8_t nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
    if (hex[i] >= 'a' && nibble >= 8) hex[i] = static_cast<char>(hex[i] - 'a' + 'A');
  }
  return hex;
}

}  // namespace

Result<BtcAddress> BtcAddress::parse(std::string_view text) {
  if (text.size() < kBtcMinChars || text.size() > kBtcMaxChars) {
    return Status(Errc::kBadLength, "a BTC-style address has 26 to 35 characters, got " +
                                        std::to_string(text.size()));
  }
  auto raw = base58_decode(text);
  if (!raw) return raw.status();
  if (raw->size() != kBtcRawBytes) {
    return Status(Errc::kBadLength, "a BTC-style address decodes to 25 bytes, got " +
                                        std::to_string(raw->size()));
  }
  auto payload = base58check_decode(text);
  if (!payload) return payload.status();
  uint8_t network = (*payload)[0];
  ANS_RETURN_IF_ERROR(check_network(network));
  Hash160 hash{};
  std::copy(payload->begin() + 1, payload->end(), hash.begin());
  return BtcAddress(network, hash);
}

Result<BtcAddress> BtcAddress::from_public_key(ByteView public_key, uint8_t network) {
  if (public_key.size() != 33 && public_key.size() != 65) {
    return Status(Errc::kBadLength, "public key must be 33 or 65 bytes, got " +
                                        std::to_string(public_key.size()));
  }
  ANS_RETURN_IF_ERROR(check_network(network));
  return BtcAddress(network, hash160(public_key));
}

std::string BtcAddress::to_string() const {
  FixedBytes<21> payload{};
  payload[0] = network_;
  std::copy(hash_.begin(), hash_.end(), payload.begin() + 1);
  return base58check_encode(payload);
}

Result<EthAddress> EthAddress::parse(std::string_view text) {
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    return Status(Errc::kBadAlphabet, "an ETH-style address starts with \"0x\"");
  }
  std::string_view hex = text.substr(2);
  if (hex.size() != 40) {
    return Status(Errc::kBadLength, "an ETH-style address has 40 hex digits after 0x, got " +
                                        std::to_string(hex.size()));
  }
  // The digits' values, and the address in lowercase: what the EIP-55 checksum hashes. A
  // checksummed address's digits and cases come in no order a branch predictor could learn,
  // so the loops take them from a table and branch only on the outcome.
  std::array<char, 40> lower{};
  FixedBytes<20> bytes{};
  unsigned classes = 0;     // the kinds of character seen (HexChar bits)
  uint64_t upper_mask = 0;  // bit i: hex[i] is an uppercase letter
  uint64_t letter_mask = 0; // bit i: hex[i] is a letter
  for (size_t i = 0; i < hex.size(); ++i) {
    const HexChar c = kHexChars[static_cast<uint8_t>(hex[i])];
    classes |= c.kind;
    upper_mask |= uint64_t{c.kind == kUpper} << i;
    letter_mask |= uint64_t{c.kind != kDigit} << i;
    lower[i] = kHexDigits[c.value & 15];
    bytes[i / 2] = static_cast<uint8_t>(bytes[i / 2] | (i % 2 == 0 ? c.value << 4 : c.value));
  }
  if (classes & kInvalid) {
    for (size_t i = 0; i < hex.size(); ++i) {
      if (kHexChars[static_cast<uint8_t>(hex[i])].kind == kInvalid) {
        return Status(Errc::kBadAlphabet, std::string("'") + hex[i] + "' at position " +
                                              std::to_string(i + 2) + " is not a hex digit");
      }
    }
  }
  if ((classes & kLower) && (classes & kUpper)) {
    // EIP-55: a letter is uppercase iff the matching nibble of the hash is 8 or more.
    const Hash256 h = keccak256(ByteView(reinterpret_cast<const uint8_t*>(lower.data()), lower.size()));
    uint64_t high_nibbles = 0;  // bit i: nibble i of the hash is 8 or more
    for (size_t i = 0; i < hex.size(); ++i) {
      const unsigned nibble = i % 2 == 0 ? h[i / 2] >> 4 : h[i / 2] & 0x0fu;
      high_nibbles |= uint64_t{nibble >= 8} << i;
    }
    if (((upper_mask ^ high_nibbles) & letter_mask) != 0) {
      return Status(Errc::kBadChecksum, "mixed-case ETH-style address fails its EIP-55 checksum");
    }
  }
  return EthAddress(bytes);
}

EthAddress EthAddress::from_public_key(const PublicKey& key) { return EthAddress(key.account()); }

Result<EthAddress> EthAddress::from_bytes(ByteView bytes) {
  if (bytes.size() != 20) {
    return Status(Errc::kBadLength,
                  "an account address is 20 bytes, got " + std::to_string(bytes.size()));
  }
  FixedBytes<20> b{};
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return EthAddress(b);
}

std::string EthAddress::to_string() const {
  const std::array<char, 40> hex = eip55(bytes_);
  return "0x" + std::string(hex.data(), hex.size());
}

Result<Address> Address::parse(std::string_view text) {
  if (text == "anywhere") return Address(BroadcastAddress(BroadcastAddress::Scope::kAnywhere));
  if (text == "everywhere") return Address(BroadcastAddress(BroadcastAddress::Scope::kEverywhere));
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto eth = EthAddress::parse(text);
    if (!eth) return eth.status();
    return Address(*eth);
  }
  auto btc = BtcAddress::parse(text);
  if (!btc) return btc.status();
  return Address(*btc);
}

uint8_t Address::network() const {
  return std::visit(
      [](const auto& a) -> uint8_t {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, EthAddress>) {
          return static_cast<uint8_t>(EntityType::kUser);
        } else {
          return a.network();
        }
      },
      v_);
}

std::string Address::to_string() const {
  return std::visit([](const auto& a) { return a.to_string(); }, v_);
}

std::string_view address_kind_name(Address::Kind kind) {
  switch (kind) {
    case Address::Kind::kBtc: return "btc";
    case Address::Kind::kEth: return "eth";
    case Address::Kind::kBroadcast: return "broadcast";
  }
  return "unknown";
}

}  // namespace ans
