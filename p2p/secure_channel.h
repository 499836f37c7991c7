// The encryption of a connection after its handshake (docs/p2p.md, "The handshake"):
//   - each side makes a fresh X25519 key pair for the connection and sends the public half
//     in its Hello;
//   - the shared secret of the two, through HKDF-SHA256 salted with the handshake's
//     transcript hash, gives one ChaCha20-Poly1305 key per direction;
//   - each frame is sealed under its direction's key, with a 96-bit nonce that is the count
//     of frames sent before it, and the frame's length prefix as additional data.
// So a changed, dropped, reordered or replayed frame fails to open, and the connection
// closes. The node keys authenticate the agreement (handshake.h): each side signs the
// transcript, which holds both ephemeral keys.
//
// Uses OpenSSL 3's EVP interfaces (X25519, HKDF, ChaCha20-Poly1305). Not thread-safe: one
// CipherState per direction of one connection.
#pragma once

#include <memory>
#include <string>

#include "ledger/crypto/hash.h"
#include "ledger/util/bytes.h"
#include "ledger/util/status.h"

namespace ans::p2p {

inline constexpr size_t kAeadTagBytes = 16;

// A connection's X25519 key pair. The private half never leaves the object.
class EphemeralKey {
 public:
  static EphemeralKey generate();
  EphemeralKey(EphemeralKey&&) noexcept;
  EphemeralKey& operator=(EphemeralKey&&) noexcept;
  ~EphemeralKey();
  const FixedBytes<32>& public_key() const { return public_; }
  // The X25519 shared secret with `peer_public`. Errors: kBadSignature (a low-order or
  // otherwise unusable peer key: the secret would be all zeros).
  Result<FixedBytes<32>> agree(const FixedBytes<32>& peer_public) const;

 private:
  struct Impl;
  explicit EphemeralKey(std::unique_ptr<Impl> impl, const FixedBytes<32>& pub);
  std::unique_ptr<Impl> impl_;
  FixedBytes<32> public_{};
};

// One direction's key and frame counter.
class CipherState {
 public:
  explicit CipherState(const FixedBytes<32>& key) : key_(key) {}
  // `plaintext` sealed, with `aad` authenticated: plaintext.size() + kAeadTagBytes bytes.
  std::string seal(std::string_view aad, std::string_view plaintext);
  // The plaintext of the next frame. Errors: kBadSignature (tampered, replayed, reordered or
  // from another key), kBadLength (shorter than a tag). A failure is final: the connection
  // must close, since the counter no longer matches the sender's.
  Result<std::string> open(std::string_view aad, std::string_view sealed);
  uint64_t frames() const { return counter_; }

 private:
  FixedBytes<32> key_;
  uint64_t counter_ = 0;
};

// The two directions' keys of a connection.
struct SessionKeys {
  FixedBytes<32> initiator_to_responder{};
  FixedBytes<32> responder_to_initiator{};
};

// HKDF-SHA256 of the shared secret, salted with the transcript hash.
SessionKeys derive_session_keys(const FixedBytes<32>& shared_secret, const Hash256& transcript);

}  // namespace ans::p2p
