#include "ledger/crypto/keys.h"

#include <openssl/crypto.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sys/random.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>

namespace ans {

void os_random(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "fatal: getrandom failed (errno %d)\n", errno);
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
}

const secp256k1_context* secp256k1_ctx() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    FixedBytes<32> seed{};
    os_random(seed);
    // Randomisation hardens signing against side channels; it cannot fail on a fresh
    // context, and a failure would only lose that hardening.
    if (secp256k1_context_randomize(c, seed.data()) != 1) {
      std::fprintf(stderr, "warning: secp256k1 context randomisation failed\n");
    }
    return c;
  }();
  return ctx;
}

Result<PublicKey> PublicKey::parse(ByteView bytes) {
  if (bytes.size() != 33 && bytes.size() != 65) {
    return Status(Errc::kBadLength, "public key must be 33 (compressed) or 65 (uncompressed) "
                                    "bytes, got " + std::to_string(bytes.size()));
  }
  PublicKey out;
  if (secp256k1_ec_pubkey_parse(secp256k1_ctx(), &out.key_, bytes.data(), bytes.size()) != 1) {
    return Status(Errc::kBadSignature, "public key is not a valid secp256k1 point");
  }
  return out;
}

CompressedPubKey PublicKey::compressed() const {
  CompressedPubKey out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(secp256k1_ctx(), out.data(), &len, &key_, SECP256K1_EC_COMPRESSED);
  return out;
}

UncompressedPubKey PublicKey::uncompressed() const {
  UncompressedPubKey out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(secp256k1_ctx(), out.data(), &len, &key_,
                                SECP256K1_EC_UNCOMPRESSED);
  return out;
}

FixedBytes<20> PublicKey::account() const {
  const UncompressedPubKey full = uncompressed();
  const Hash256 h = keccak256(ByteView(full.data() + 1, 64));
  FixedBytes<20> out{};
  std::copy(h.begin() + 12, h.end(), out.begin());
  return out;
}

XOnlyPubKey PublicKey::x_only() const {
  CompressedPubKey c = compressed();
  XOnlyPubKey out{};
  std::copy(c.begin() + 1, c.end(), out.begin());
  return out;
}

bool PublicKey::verify(const Hash256& message, const SchnorrSignature& sig) const {
  secp256k1_xonly_pubkey xonly;
  if (secp256k1_xonly_pubkey_from_pubkey(secp256k1_ctx(), &xonly, nullptr, &key_) != 1) {
    return false;
  }
  return secp256k1_schnorrsig_verify(secp256k1_ctx(), sig.data(), message.data(), message.size(),
                                     &xonly) == 1;
}

PublicKeyCache::PublicKeyCache(size_t slots) : shards_(std::make_unique<Shard[]>(kShards)) {
  const size_t per_shard = std::bit_ceil(std::max<size_t>(1, (slots + kShards - 1) / kShards));
  slot_mask_ = per_shard - 1;
  for (size_t i = 0; i < kShards; ++i) shards_[i].slots.resize(per_shard);
  FixedBytes<8> seed{};
  os_random(seed);
  std::memcpy(&seed_, seed.data(), sizeof seed_);
}

Result<PublicKey> PublicKeyCache::parse(ByteView bytes, FixedBytes<20>* account) {
  if (bytes.size() != 33) {
    auto key = PublicKey::parse(bytes);
    if (key && account != nullptr) *account = key->account();
    return key;
  }
  // Bytes 1..16 of a key (its x coordinate's top half), mixed with the seed.
  uint64_t a = 0, b = 0;
  std::memcpy(&a, bytes.data() + 1, 8);
  std::memcpy(&b, bytes.data() + 9, 8);
  uint64_t h = (a ^ seed_) * 0x9E3779B97F4A7C15ULL;
  h ^= (h >> 29) ^ (b + bytes[0]);
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  Shard& shard = shards_[h % kShards];
  const size_t index = static_cast<size_t>(h >> 8) & slot_mask_;
  {
    std::lock_guard lock(shard.mu);
    const Slot& slot = shard.slots[index];
    if (slot.used && std::equal(bytes.begin(), bytes.end(), slot.bytes.begin())) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      if (account != nullptr) *account = slot.account;
      return slot.key;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Outside the lock: the costly part. The account is derived for every key cached (a
  // Keccak-256, a small part of the square root the parse takes), so a hit always has it.
  auto key = PublicKey::parse(bytes);
  if (!key) return key;
  const FixedBytes<20> derived = key->account();
  if (account != nullptr) *account = derived;
  std::lock_guard lock(shard.mu);
  Slot& slot = shard.slots[index];
  slot.used = true;
  std::copy(bytes.begin(), bytes.end(), slot.bytes.begin());
  slot.key = *key;
  slot.account = derived;
  return key;
}

bool verify_schnorr_xonly(const XOnlyPubKey& key, ByteView message, const SchnorrSignature& sig) {
  secp256k1_xonly_pubkey xonly;
  if (secp256k1_xonly_pubkey_parse(secp256k1_ctx(), &xonly, key.data()) != 1) return false;
  return secp256k1_schnorrsig_verify(secp256k1_ctx(), sig.data(), message.data(), message.size(),
                                     &xonly) == 1;
}

PrivateKey PrivateKey::generate() {
  FixedBytes<32> secret{};
  do {
    os_random(secret);
  } while (secp256k1_ec_seckey_verify(secp256k1_ctx(), secret.data()) != 1);
  return PrivateKey(secret);
}

Result<PrivateKey> PrivateKey::from_bytes(ByteView secret) {
  if (secret.size() != 32) {
    return Status(Errc::kBadLength,
                  "private key must be 32 bytes, got " + std::to_string(secret.size()));
  }
  FixedBytes<32> s{};
  std::copy(secret.begin(), secret.end(), s.begin());
  if (secp256k1_ec_seckey_verify(secp256k1_ctx(), s.data()) != 1) {
    return Status(Errc::kInvalidArgument,
                  "private key must be non-zero and below the secp256k1 group order");
  }
  return PrivateKey(s);
}

PrivateKey::~PrivateKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

PublicKey PrivateKey::public_key() const {
  secp256k1_pubkey pk;
  // Cannot fail: the secret was checked on construction.
  int ok = secp256k1_ec_pubkey_create(secp256k1_ctx(), &pk, secret_.data());
  assert(ok == 1);
  (void)ok;
  unsigned char buf[33];
  size_t len = sizeof(buf);
  secp256k1_ec_pubkey_serialize(secp256k1_ctx(), buf, &len, &pk, SECP256K1_EC_COMPRESSED);
  return PublicKey::parse(ByteView(buf, len)).value();
}

SchnorrSignature PrivateKey::sign(const Hash256& message) const {
  FixedBytes<32> aux{};
  os_random(aux);
  return sign(message, aux);
}

SchnorrSignature PrivateKey::sign(const Hash256& message, const FixedBytes<32>& aux_rand) const {
  secp256k1_keypair keypair;
  int ok = secp256k1_keypair_create(secp256k1_ctx(), &keypair, secret_.data());
  assert(ok == 1);
  SchnorrSignature sig{};
  ok = secp256k1_schnorrsig_sign32(secp256k1_ctx(), sig.data(), message.data(), &keypair,
                                   aux_rand.data());
  assert(ok == 1);
  (void)ok;
  OPENSSL_cleanse(&keypair, sizeof(keypair));
  return sig;
}

}  // namespace ans
