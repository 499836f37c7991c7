// DIMP addresses (spec section 1): BTC-style, ETH-style, and the two broadcast addresses.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "ledger/crypto/keys.h"
#include "ledger/identity/entity_type.h"

namespace ans {

// Base58Check(network || RIPEMD160(SHA256(public key))), 25 bytes decoded.
class BtcAddress {
 public:
  // Errors, checked in this order: kBadLength (not 26–35 characters), kBadAlphabet,
  // kBadLength (does not decode to 25 bytes), kBadChecksum, kUnknownType.
  static Result<BtcAddress> parse(std::string_view text);
  // `public_key` is the 33- or 65-byte encoding that is hashed, as given.
  // Errors: kBadLength (key size), kUnknownType (network byte).
  static Result<BtcAddress> from_public_key(ByteView public_key, uint8_t network);

  uint8_t network() const { return network_; }
  const Hash160& hash() const { return hash_; }
  std::string to_string() const;

  bool operator==(const BtcAddress&) const = default;

 private:
  BtcAddress(uint8_t network, const Hash160& hash) : network_(network), hash_(hash) {}
  uint8_t network_ = 0;
  Hash160 hash_{};
};

// "0x" + EIP-55 mixed-case hex of the last 20 bytes of Keccak-256(64-byte public key).
// Also the chain's account address.
class EthAddress {
 public:
  // The zero address (0x000…0), e.g. for a default-built struct before it is filled in.
  EthAddress() = default;
  // Accepts the EIP-55 checksummed form, and the all-lowercase or all-uppercase forms, which
  // by EIP-55 carry no checksum. Errors: kBadAlphabet (no "0x" prefix, or a non-hex digit),
  // kBadLength (not 40 hex digits), kBadChecksum (mixed case that is not EIP-55).
  static Result<EthAddress> parse(std::string_view text);
  static EthAddress from_public_key(const PublicKey& key);
  // The address of an account's 20 bytes as PublicKey::account() gives them.
  static EthAddress from_account(const FixedBytes<20>& bytes) { return EthAddress(bytes); }
  // Errors: kBadLength.
  static Result<EthAddress> from_bytes(ByteView bytes);

  const FixedBytes<20>& bytes() const { return bytes_; }
  // Always the EIP-55 checksummed form.
  std::string to_string() const;

  bool operator==(const EthAddress&) const = default;
  auto operator<=>(const EthAddress&) const = default;

 private:
  explicit EthAddress(const FixedBytes<20>& bytes) : bytes_(bytes) {}
  FixedBytes<20> bytes_{};
};

// "anywhere" (any one member) and "everywhere" (every member): the addresses of broadcast IDs.
class BroadcastAddress {
 public:
  enum class Scope : uint8_t { kAnywhere, kEverywhere };
  explicit BroadcastAddress(Scope scope) : scope_(scope) {}
  Scope scope() const { return scope_; }
  // DIMP gives anywhere the user type and everywhere the group type.
  uint8_t network() const {
    return scope_ == Scope::kAnywhere ? static_cast<uint8_t>(EntityType::kUser)
                                      : static_cast<uint8_t>(EntityType::kGroup);
  }
  std::string to_string() const { return scope_ == Scope::kAnywhere ? "anywhere" : "everywhere"; }
  bool operator==(const BroadcastAddress&) const = default;

 private:
  Scope scope_;
};

class Address {
 public:
  enum class Kind { kBtc, kEth, kBroadcast };

  // "0x..." is ETH-style, "anywhere"/"everywhere" broadcast, anything else BTC-style.
  static Result<Address> parse(std::string_view text);

  Address(BtcAddress a) : v_(a) {}        // NOLINT
  Address(EthAddress a) : v_(a) {}        // NOLINT
  Address(BroadcastAddress a) : v_(a) {}  // NOLINT

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  // The entity type byte. ETH-style addresses are users (0x00), as in DIMP.
  uint8_t network() const;
  std::string to_string() const;
  const std::variant<BtcAddress, EthAddress, BroadcastAddress>& value() const { return v_; }

  bool operator==(const Address&) const = default;

 private:
  std::variant<BtcAddress, EthAddress, BroadcastAddress> v_;
};

std::string_view address_kind_name(Address::Kind kind);

}  // namespace ans
