#include "p2p/secure_channel.h"

#include <cstring>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

namespace ans::p2p {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// OpenSSL fails here only when it is out of memory or broken: nothing a peer can cause.
[[noreturn]] void openssl_broken(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL failed in %s\n", what);
  std::abort();
}

// The nonce of frame `counter`: 4 zero bytes, then the counter little-endian.
std::array<uint8_t, 12> nonce_of(uint64_t counter) {
  std::array<uint8_t, 12> n{};
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
  return n;
}

}  // namespace

struct EphemeralKey::Impl {
  PkeyPtr key;
};

EphemeralKey::EphemeralKey(std::unique_ptr<Impl> impl, const FixedBytes<32>& pub)
    : impl_(std::move(impl)), public_(pub) {}
EphemeralKey::EphemeralKey(EphemeralKey&&) noexcept = default;
EphemeralKey& EphemeralKey::operator=(EphemeralKey&&) noexcept = default;
EphemeralKey::~EphemeralKey() = default;

EphemeralKey EphemeralKey::generate() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    openssl_broken("X25519 keygen");
  }
  auto impl = std::make_unique<Impl>();
  impl->key.reset(raw);
  FixedBytes<32> pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(raw, pub.data(), &len) != 1 || len != pub.size()) {
    openssl_broken("X25519 public key");
  }
  return EphemeralKey(std::move(impl), pub);
}

Result<FixedBytes<32>> EphemeralKey::agree(const FixedBytes<32>& peer_public) const {
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) return Status(Errc::kBadSignature, "the peer's ephemeral key is not an X25519 key");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(impl_->key.get(), nullptr));
  FixedBytes<32> secret{};
  size_t len = secret.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) openssl_broken("X25519 derive init");
  // OpenSSL refuses a result of all zeros (a low-order peer key) here.
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != secret.size()) {
    return Status(Errc::kBadSignature, "the peer's ephemeral key gives no shared secret");
  }
  return secret;
}

SessionKeys derive_session_keys(const FixedBytes<32>& shared_secret, const Hash256& transcript) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  static constexpr char kInfo[] = "ans p2p v1 session keys";
  std::array<uint8_t, 64> out{};
  size_t len = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), transcript.data(), static_cast<int>(transcript.size())) != 1 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), shared_secret.data(), static_cast<int>(shared_secret.size())) != 1 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(kInfo),
                                  static_cast<int>(sizeof kInfo - 1)) != 1 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    openssl_broken("HKDF");
  }
  SessionKeys keys;
  std::memcpy(keys.initiator_to_responder.data(), out.data(), 32);
  std::memcpy(keys.responder_to_initiator.data(), out.data() + 32, 32);
  return keys;
}

std::string CipherState::seal(std::string_view aad, std::string_view plaintext) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  auto nonce = nonce_of(counter_++);
  std::string out(plaintext.size() + kAeadTagBytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, key_.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), dst + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagBytes, dst + plaintext.size()) != 1) {
    openssl_broken("ChaCha20-Poly1305 seal");
  }
  return out;
}

Result<std::string> CipherState::open(std::string_view aad, std::string_view sealed) {
  if (sealed.size() < kAeadTagBytes) return Status(Errc::kBadLength, "a sealed frame shorter than its tag");
  const size_t body = sealed.size() - kAeadTagBytes;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  auto nonce = nonce_of(counter_++);
  std::string out(body, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  std::array<uint8_t, kAeadTagBytes> tag{};
  std::memcpy(tag.data(), sealed.data() + body, kAeadTagBytes);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, key_.data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(sealed.data()),
                        static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagBytes, tag.data()) != 1) {
    openssl_broken("ChaCha20-Poly1305 open");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) != 1) {
    return Status(Errc::kBadSignature, "a frame failed authentication (tampered, replayed or out of order)");
  }
  return out;
}

}  // namespace ans::p2p
