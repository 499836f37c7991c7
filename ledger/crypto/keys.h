// secp256k1 keys and BIP-340 Schnorr signatures (libsecp256k1).
//
// The chain signs with BIP-340 Schnorr: 64-byte signatures, no low-S normalisation to get
// wrong, and batch verification possible later. docs/protocol.md records the choice.
// A signer's *full* public key (33-byte compressed) is always inside the signed bytes, so
// the y-parity that BIP-340 drops is still bound to the signature, and with it the account
// address (Keccak-256 of the 64-byte key).
#pragma once

#include <secp256k1.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/util/bytes.h"

namespace ans {

using SchnorrSignature = FixedBytes<64>;
using CompressedPubKey = FixedBytes<33>;
using UncompressedPubKey = FixedBytes<65>;
using XOnlyPubKey = FixedBytes<32>;

// The process-wide libsecp256k1 context: created and randomised once, then only used
// through const, thread-safe calls.
const secp256k1_context* secp256k1_ctx();

// Fills `out` from the OS random source (getrandom). Aborts if the kernel cannot give
// randomness, as a key made without it would be unsafe.
void os_random(std::span<uint8_t> out);

class PublicKey {
 public:
  // 33 bytes (0x02/0x03 prefix) or 65 bytes (0x04 prefix).
  // Errors: kBadLength, kBadSignature (not a point on the curve).
  static Result<PublicKey> parse(ByteView bytes);

  CompressedPubKey compressed() const;
  UncompressedPubKey uncompressed() const;
  XOnlyPubKey x_only() const;
  // The account this key controls: the last 20 bytes of Keccak-256 of its 64-byte (x, y)
  // form (EthAddress::from_public_key).
  FixedBytes<20> account() const;

  // BIP-340 verification of `sig` over the 32-byte message against this key's x coordinate.
  bool verify(const Hash256& message, const SchnorrSignature& sig) const;

  bool operator==(const PublicKey& other) const { return compressed() == other.compressed(); }

 private:
  secp256k1_pubkey key_{};
};

// Parsed compressed keys by their 33 bytes, shared by threads. Decoding a compressed key
// takes a field square root, about an eighth of a signature check, and a sender's key recurs:
// the mempool's check and the block's, a name's commitment and its reveal, every transaction
// of a busy account. Direct-mapped: each key has one slot (from a hash seeded at random), and
// a key that lands on an occupied slot replaces what is there. So the memory is fixed, a
// lookup costs one comparison whatever keys an attacker sends, and the worst case is a miss.
class PublicKeyCache {
 public:
  // Rounded up to a power of two, at least one slot per shard.
  explicit PublicKeyCache(size_t slots = size_t{1} << 16);

  // The same result as PublicKey::parse(bytes). Only 33-byte keys that parse are cached.
  // With `account`, also the key's account() there, kept beside the key: a sender's key is
  // parsed to derive its account, and the Keccak-256 that takes is worth keeping too.
  // (Only the key's slot is locked, and only to read or fill it: two threads that miss on
  // the same key both parse it, and the slot ends up holding the same answer.)
  Result<PublicKey> parse(ByteView bytes, FixedBytes<20>* account = nullptr);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    bool used = false;
    CompressedPubKey bytes{};
    PublicKey key;
    FixedBytes<20> account{};
  };
  struct Shard {
    std::mutex mu;
    std::vector<Slot> slots;
  };
  static constexpr size_t kShards = 16;

  uint64_t seed_ = 0;
  size_t slot_mask_ = 0;  // within a shard
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

// BIP-340 verification against a bare 32-byte x-only key, of a message of any length.
// Returns false for an x coordinate that is not on the curve.
bool verify_schnorr_xonly(const XOnlyPubKey& key, ByteView message, const SchnorrSignature& sig);

class PrivateKey {
 public:
  // A fresh key from the OS random source.
  static PrivateKey generate();
  // Errors: kBadLength (not 32 bytes), kInvalidArgument (zero or not below the curve order).
  static Result<PrivateKey> from_bytes(ByteView secret);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  const FixedBytes<32>& secret() const { return secret_; }
  PublicKey public_key() const;

  // BIP-340 signature with fresh auxiliary randomness from the OS.
  SchnorrSignature sign(const Hash256& message) const;
  // BIP-340 signature with caller-chosen auxiliary randomness (tests and vectors).
  SchnorrSignature sign(const Hash256& message, const FixedBytes<32>& aux_rand) const;

 private:
  explicit PrivateKey(const FixedBytes<32>& secret) : secret_(secret) {}
  FixedBytes<32> secret_{};
};

}  // namespace ans
