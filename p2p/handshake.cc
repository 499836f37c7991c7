#include "p2p/handshake.h"

#include <algorithm>

#include "p2p/wire.h"

namespace ans::p2p {

HandshakeStart begin_handshake(const LocalIdentity& me) {
  HandshakeStart start{EphemeralKey::generate(), {}, {}};
  os_random(start.nonce);
  v1::p2p::Handshake frame;
  v1::p2p::Hello& hello = *frame.mutable_hello();
  hello.set_protocol_version(kProtocolVersion);
  hello.set_chain_id(std::string(me.chain_id.begin(), me.chain_id.end()));
  hello.set_chain_name(me.chain_name);
  const CompressedPubKey key = me.node_key.public_key().compressed();
  hello.set_node_key(std::string(key.begin(), key.end()));
  const auto& eph = start.ephemeral.public_key();
  hello.set_ephemeral_key(std::string(eph.begin(), eph.end()));
  hello.set_nonce(std::string(start.nonce.begin(), start.nonce.end()));
  hello.set_listen_port(me.listen_port);
  hello.set_agent(me.agent);
  frame.SerializeToString(&start.hello_bytes);
  return start;
}

Status check_hello(const LocalIdentity& me, const v1::p2p::Hello& theirs) {
  if (theirs.protocol_version() != kProtocolVersion) {
    return Status(Errc::kFailedPrecondition,
                  "protocol version " + std::to_string(theirs.protocol_version()) + ", this node speaks " +
                      std::to_string(kProtocolVersion));
  }
  const std::string ours(me.chain_id.begin(), me.chain_id.end());
  if (theirs.chain_id() != ours) {
    return Status(Errc::kFailedPrecondition,
                  "chain id " + to_hex(as_bytes(theirs.chain_id())).substr(0, 16) + " (" +
                      theirs.chain_name().substr(0, 64) + "), this node's is " + to_hex(me.chain_id).substr(0, 16) +
                      " (" + me.chain_name + "): a different genesis");
  }
  if (theirs.node_key().size() != 33 || theirs.ephemeral_key().size() != 32 || theirs.nonce().size() != 32 ||
      theirs.listen_port() > 65535) {
    return Status(Errc::kInvalidArgument, "a malformed hello (key, nonce or port sizes)");
  }
  return Status::ok();
}

Result<Session> agree(const HandshakeStart& mine, const std::string& ours, const std::string& theirs,
                      const v1::p2p::Hello& their_hello, bool initiator) {
  auto peer_key = PublicKey::parse(as_bytes(their_hello.node_key()));
  if (!peer_key) return Status(Errc::kBadSignature, "the peer's node key is not a secp256k1 key");
  FixedBytes<32> peer_eph{};
  std::copy(their_hello.ephemeral_key().begin(), their_hello.ephemeral_key().end(), peer_eph.begin());
  auto secret = mine.ephemeral.agree(peer_eph);
  if (!secret) return secret.status();
  const std::string& first = initiator ? ours : theirs;
  const std::string& second = initiator ? theirs : ours;
  Hash256 transcript = tagged_hash("ANS/p2p/transcript", {as_bytes(first), as_bytes(second)});
  SessionKeys keys = derive_session_keys(*secret, transcript);
  return Session{CipherState(initiator ? keys.initiator_to_responder : keys.responder_to_initiator),
                 CipherState(initiator ? keys.responder_to_initiator : keys.initiator_to_responder),
                 transcript, *peer_key};
}

Hash256 auth_message(const ChainId& chain_id, const Hash256& transcript, bool signer_is_initiator,
                     const FixedBytes<32>& other_nonce) {
  const uint8_t role = signer_is_initiator ? 1 : 0;
  return tagged_hash("ANS/p2p/auth", {chain_id, transcript, ByteView(&role, 1), other_nonce});
}

v1::p2p::Auth make_auth(const LocalIdentity& me, const Session& session, bool initiator,
                        const v1::p2p::Hello& their_hello) {
  FixedBytes<32> their_nonce{};
  std::copy(their_hello.nonce().begin(), their_hello.nonce().end(), their_nonce.begin());
  SchnorrSignature sig = me.node_key.sign(auth_message(me.chain_id, session.transcript, initiator, their_nonce));
  v1::p2p::Auth auth;
  auth.set_signature(std::string(sig.begin(), sig.end()));
  return auth;
}

Status check_auth(const ChainId& chain_id, const Session& session, bool initiator,
                  const FixedBytes<32>& my_nonce, const v1::p2p::Auth& auth) {
  if (auth.signature().size() != 64) return Status(Errc::kBadSignature, "an auth signature not 64 bytes");
  SchnorrSignature sig{};
  std::copy(auth.signature().begin(), auth.signature().end(), sig.begin());
  // The peer signed with the other role.
  if (!session.peer_key.verify(auth_message(chain_id, session.transcript, !initiator, my_nonce), sig)) {
    return Status(Errc::kBadSignature, "the peer did not prove its node key");
  }
  return Status::ok();
}

std::string short_key(const CompressedPubKey& key) { return to_hex(ByteView(key.data(), 8)); }

}  // namespace ans::p2p
