#include "p2p/wire.h"

#include <gtest/gtest.h>

#include "ledger/state/ledger_state.h"
#include "ledger/testing/test_chain.h"
#include "ledger/wire/codec.h"

namespace ans::p2p {
namespace {

TEST(WireTest, FrameHeaderRoundTrips) {
  for (uint32_t n : {0u, 1u, 255u, 256u, 65'536u, 4'259'840u, 0xFFFFFFFFu}) {
    EXPECT_EQ(frame_length(frame_header(n)), n);
  }
  EXPECT_EQ(frame_header(0x01020304)[0], 1);  // big-endian
}

TEST(WireTest, GarbageIsNoEnvelopeOrHandshake) {
  EXPECT_FALSE(decode_envelope(std::string("\xff\xff\xff\xff garbage", 13)));
  EXPECT_FALSE(decode_envelope(""));  // no body
  EXPECT_FALSE(decode_handshake(std::string(2000, 'x')));
  EXPECT_FALSE(decode_handshake(""));
}

TEST(WireTest, AChainMessageRoundTripsAndDecodesCanonically) {
  testing::TestChain chain;
  v1::SignedTransaction tx = chain.make_tx(testing::test_key("alice"), [](v1::Transaction& t) {
    t.mutable_transfer()->set_to(std::string(20, '\x01'));
    t.mutable_transfer()->set_amount(LedgerState::amount_bytes(Amount::from_dimt(1)));
  });
  v1::p2p::Envelope e = envelope_of(consensus::Message::of(tx));
  auto decoded = decode_envelope(e.SerializeAsString());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(is_gossip(*decoded));
  auto m = chain_message(*decoded);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->kind, consensus::Message::Kind::kTransaction);
  EXPECT_EQ(transaction_id(m->transaction.tx()), transaction_id(tx.tx()));
  EXPECT_EQ(gossip_id(*decoded), gossip_id(e));
  // The same bytes as another kind are another message.
  v1::p2p::Envelope as_vote;
  as_vote.set_vote(e.transaction());
  EXPECT_NE(gossip_id(as_vote), gossip_id(e));
  EXPECT_FALSE(chain_message(as_vote));
  // A transaction with a byte changed in its key no longer decodes.
  v1::p2p::Envelope spoiled = e;
  std::string bytes = spoiled.transaction();
  bytes[5] = static_cast<char>(bytes[5] ^ 0x55);
  spoiled.set_transaction(bytes);
  EXPECT_FALSE(chain_message(spoiled));
}

TEST(WireTest, ABlockRequestBecomesGetBlock) {
  Hash256 h{};
  h[0] = 7;
  v1::p2p::Envelope e = envelope_of(consensus::Message::request_for(h));
  ASSERT_TRUE(e.has_get_block());
  EXPECT_EQ(e.get_block().hash().size(), 32u);
  EXPECT_FALSE(is_gossip(e));
}

}  // namespace
}  // namespace ans::p2p
