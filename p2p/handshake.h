// The handshake of a connection (docs/p2p.md, "The handshake"), as pure steps the connection
// code runs in order:
//   1. each side sends a Hello (plaintext): protocol version, chain id and name, its node key,
//      a fresh X25519 key and a random nonce;
//   2. each checks the other's (check_hello). A mismatch is answered with a Reject that says
//      why, and both sides log the reason;
//   3. both derive the session keys from the X25519 agreement, salted with the transcript
//      (both Hellos, the dialer's first);
//   4. each sends, sealed, an Auth: its node key's BIP-340 signature over the chain id, the
//      transcript, its role and the OTHER side's nonce. Checking it proves the peer holds
//      the key its Hello names, for this connection only (the nonce and the ephemeral keys
//      are fresh), and that no one in the middle swapped the ephemeral keys (the transcript
//      holds them).
#pragma once

#include <optional>
#include <string>

#include "ans/v1/p2p.pb.h"
#include "ledger/crypto/keys.h"
#include "ledger/wire/codec.h"
#include "p2p/secure_channel.h"

namespace ans::p2p {

// Who this node is on the network.
struct LocalIdentity {
  PrivateKey node_key = PrivateKey::generate();  // set by the node; a fresh key by default
  ChainId chain_id{};
  std::string chain_name;
  uint32_t listen_port = 0;  // 0: not accepting peers
  std::string agent;
};

// One side's half of a handshake in progress.
struct HandshakeStart {
  EphemeralKey ephemeral;
  FixedBytes<32> nonce{};
  std::string hello_bytes;  // the serialized Handshake{hello} sent
};
HandshakeStart begin_handshake(const LocalIdentity& me);

// Whether a peer's Hello can be accepted: its version, chain and key sizes. Errors
// (kFailedPrecondition for a different version or chain, kInvalidArgument for a malformed
// Hello) carry the reason both sides log.
Status check_hello(const LocalIdentity& me, const v1::p2p::Hello& theirs);

// The outcome of step 3: the ciphers of each direction, and the transcript.
struct Session {
  CipherState send;
  CipherState receive;
  Hash256 transcript{};
  PublicKey peer_key;
};
// `initiator`: this side dialed. `ours`/`theirs`: the serialized Handshake frames as sent.
// Errors: kBadSignature (an unusable ephemeral or node key).
Result<Session> agree(const HandshakeStart& mine, const std::string& ours, const std::string& theirs,
                      const v1::p2p::Hello& their_hello, bool initiator);

// What a side signs in its Auth.
Hash256 auth_message(const ChainId& chain_id, const Hash256& transcript, bool signer_is_initiator,
                     const FixedBytes<32>& other_nonce);
v1::p2p::Auth make_auth(const LocalIdentity& me, const Session& session, bool initiator,
                        const v1::p2p::Hello& their_hello);
// Errors: kBadSignature (wrong length, or not the peer's signature for this connection).
Status check_auth(const ChainId& chain_id, const Session& session, bool initiator,
                  const FixedBytes<32>& my_nonce, const v1::p2p::Auth& auth);

// A node key's short form in logs: the first 8 bytes of its compressed form, in hex.
std::string short_key(const CompressedPubKey& key);

}  // namespace ans::p2p
