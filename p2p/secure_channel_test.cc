#include "p2p/secure_channel.h"

#include <gtest/gtest.h>

#include "ledger/crypto/hash.h"
#include "p2p/handshake.h"
#include "p2p/wire.h"

namespace ans::p2p {
namespace {

struct Pair {
  SessionKeys keys;
};

Pair agreed() {
  EphemeralKey a = EphemeralKey::generate();
  EphemeralKey b = EphemeralKey::generate();
  auto ab = a.agree(b.public_key());
  auto ba = b.agree(a.public_key());
  EXPECT_TRUE(ab && ba);
  EXPECT_EQ(*ab, *ba);
  return Pair{derive_session_keys(*ab, sha256(as_bytes(std::string("transcript"))))};
}

TEST(SecureChannelTest, SealedFramesOpenInOrder) {
  Pair p = agreed();
  CipherState send(p.keys.initiator_to_responder), receive(p.keys.initiator_to_responder);
  for (int i = 0; i < 3; ++i) {
    std::string msg = "frame " + std::to_string(i);
    std::string sealed = send.seal("aad", msg);
    EXPECT_EQ(sealed.size(), msg.size() + kAeadTagBytes);
    EXPECT_EQ(sealed.find("frame"), std::string::npos);
    auto opened = receive.open("aad", sealed);
    ASSERT_TRUE(opened) << opened.status().to_string();
    EXPECT_EQ(*opened, msg);
  }
}

TEST(SecureChannelTest, ATamperedFrameFails) {
  Pair p = agreed();
  CipherState send(p.keys.initiator_to_responder), receive(p.keys.initiator_to_responder);
  std::string sealed = send.seal("aad", "hello peer");
  sealed[2] = static_cast<char>(sealed[2] ^ 1);
  auto opened = receive.open("aad", sealed);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.status().code(), Errc::kBadSignature);
}

TEST(SecureChannelTest, AChangedLengthPrefixFails) {
  Pair p = agreed();
  CipherState send(p.keys.initiator_to_responder), receive(p.keys.initiator_to_responder);
  std::string sealed = send.seal("len1", "hello peer");
  EXPECT_FALSE(receive.open("len2", sealed));
}

TEST(SecureChannelTest, AReplayedOrReorderedFrameFails) {
  Pair p = agreed();
  CipherState send(p.keys.initiator_to_responder), receive(p.keys.initiator_to_responder);
  std::string first = send.seal("", "one");
  std::string second = send.seal("", "two");
  ASSERT_TRUE(receive.open("", first));
  EXPECT_FALSE(receive.open("", first)) << "a replay must not open";
  CipherState fresh(p.keys.initiator_to_responder);
  EXPECT_FALSE(fresh.open("", second)) << "a frame out of order must not open";
}

TEST(SecureChannelTest, DirectionsHaveTheirOwnKeys) {
  Pair p = agreed();
  EXPECT_NE(p.keys.initiator_to_responder, p.keys.responder_to_initiator);
  CipherState send(p.keys.initiator_to_responder), wrong(p.keys.responder_to_initiator);
  EXPECT_FALSE(wrong.open("", send.seal("", "x")));
}

TEST(SecureChannelTest, ALowOrderPeerKeyIsRefused) {
  EphemeralKey a = EphemeralKey::generate();
  FixedBytes<32> zero{};
  EXPECT_FALSE(a.agree(zero));
}

// The whole handshake between two identities, without sockets.
TEST(HandshakeTest, BothSidesAgreeAndProveTheirKeys) {
  LocalIdentity alice, bob;
  alice.chain_id = bob.chain_id = sha256(as_bytes(std::string("chain")));
  alice.chain_name = bob.chain_name = "test";
  HandshakeStart a = begin_handshake(alice), b = begin_handshake(bob);
  auto ha = decode_handshake(a.hello_bytes), hb = decode_handshake(b.hello_bytes);
  ASSERT_TRUE(ha && hb);
  ASSERT_TRUE(check_hello(alice, hb->hello()));
  ASSERT_TRUE(check_hello(bob, ha->hello()));
  auto sa = agree(a, a.hello_bytes, b.hello_bytes, hb->hello(), true);
  auto sb = agree(b, b.hello_bytes, a.hello_bytes, ha->hello(), false);
  ASSERT_TRUE(sa && sb);
  EXPECT_EQ(sa->transcript, sb->transcript);
  EXPECT_EQ(sa->peer_key, bob.node_key.public_key());
  auto auth_a = make_auth(alice, *sa, true, hb->hello());
  auto auth_b = make_auth(bob, *sb, false, ha->hello());
  EXPECT_TRUE(check_auth(bob.chain_id, *sb, false, b.nonce, auth_a));
  EXPECT_TRUE(check_auth(alice.chain_id, *sa, true, a.nonce, auth_b));
  // A signature made for another connection (another nonce) does not prove anything here.
  HandshakeStart other = begin_handshake(bob);
  EXPECT_FALSE(check_auth(bob.chain_id, *sb, false, other.nonce, auth_a));
  // Nor does one by another key.
  LocalIdentity mallory = alice;
  mallory.node_key = PrivateKey::generate();
  EXPECT_FALSE(check_auth(bob.chain_id, *sb, false, b.nonce, make_auth(mallory, *sa, true, hb->hello())));
  // The sealed stream works both ways.
  Session a_side = std::move(sa).value(), b_side = std::move(sb).value();
  std::string sealed = a_side.send.seal("", "ping");
  auto opened = b_side.receive.open("", sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "ping");
}

TEST(HandshakeTest, AnotherChainOrVersionIsRefusedWithItsReason) {
  LocalIdentity alice, bob;
  alice.chain_id = sha256(as_bytes(std::string("chain-a")));
  bob.chain_id = sha256(as_bytes(std::string("chain-b")));
  alice.chain_name = "ans-a";
  bob.chain_name = "ans-b";
  auto hb = decode_handshake(begin_handshake(bob).hello_bytes);
  ASSERT_TRUE(hb);
  Status st = check_hello(alice, hb->hello());
  EXPECT_EQ(st.code(), Errc::kFailedPrecondition);
  EXPECT_NE(st.message().find("chain id"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("ans-b"), std::string::npos) << st.message();
  v1::p2p::Hello newer = hb->hello();
  newer.set_chain_id(std::string(alice.chain_id.begin(), alice.chain_id.end()));
  newer.set_protocol_version(kProtocolVersion + 1);
  st = check_hello(alice, newer);
  EXPECT_NE(st.message().find("protocol version"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace ans::p2p
