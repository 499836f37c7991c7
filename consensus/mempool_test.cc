#include "consensus/mempool.h"

#include <gtest/gtest.h>

#include "ledger/state/ledger_state.h"

namespace ans::consensus {
namespace {

const ChainId kChain = sha256(as_bytes("mempool test chain"));

v1::SignedTransaction transfer(uint64_t nonce, const std::string& who = "alice") {
  PrivateKey key = PrivateKey::from_bytes(sha256(as_bytes(who))).value();
  v1::Transaction tx;
  tx.set_sender_key(to_field(key.public_key().compressed()));
  tx.set_nonce(nonce);
  tx.set_fee(LedgerState::amount_bytes(Amount::from_units(1000)));
  tx.set_expiry_height(100);
  tx.mutable_transfer()->set_to(std::string(20, '\x01'));
  tx.mutable_transfer()->set_amount(LedgerState::amount_bytes(Amount::from_units(5)));
  return sign_transaction(key, kChain, tx);
}

TEST(Mempool, KeepsNewValidTransactionsInArrivalOrder) {
  Mempool pool;
  EXPECT_TRUE(pool.add(kChain, transfer(2)).value());
  EXPECT_TRUE(pool.add(kChain, transfer(0)).value());
  EXPECT_TRUE(pool.add(kChain, transfer(0, "bob")).value());
  EXPECT_FALSE(pool.add(kChain, transfer(2)).value()) << "already there";
  ASSERT_EQ(pool.size(), 3u);
  auto c = pool.candidates(10);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].tx.tx().nonce(), 2u);
  EXPECT_EQ(c[1].tx.tx().nonce(), 0u);
  EXPECT_EQ(pool.candidates(2).size(), 2u);
  pool.remove(transaction_id(c[0].tx.tx()));
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_FALSE(pool.contains(transaction_id(c[0].tx.tx())));
  EXPECT_EQ(pool.candidates(10)[0].tx.tx().nonce(), 0u);
}

TEST(Mempool, HandsOutTheVerdictOfItsCheck) {
  // A producer applies candidates with this verdict instead of verifying them again, so it
  // must be the one a block's own check (verify_senders) gives.
  Mempool pool;
  const std::vector<v1::SignedTransaction> txs = {transfer(0), transfer(1, "bob"), transfer(7)};
  for (const auto& tx : txs) ASSERT_TRUE(pool.add(kChain, tx).value());
  const std::vector<VerifiedSender> want = verify_senders(kChain, txs, 1);
  const std::vector<Candidate> got = pool.candidates(10);
  ASSERT_EQ(got.size(), txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    ASSERT_TRUE(want[i].valid);
    EXPECT_TRUE(got[i].checked.valid);
    EXPECT_EQ(got[i].checked.sender, want[i].sender) << i;
    EXPECT_EQ(got[i].checked.tx_id, want[i].tx_id) << i;
    EXPECT_EQ(got[i].checked.tx_id, transaction_id(txs[i].tx())) << i;
    EXPECT_TRUE(got[i].checked.signed_with(txs[i].signature())) << i;
    EXPECT_EQ(got[i].tx.SerializeAsString(), txs[i].SerializeAsString()) << i;
  }
  EXPECT_NE(got[0].checked.sender, got[1].checked.sender);
}

TEST(Mempool, RefusesBadTransactionsAndStaysBounded) {
  Mempool pool(2);
  v1::SignedTransaction bad_sig = transfer(0);
  bad_sig.set_signature(transfer(1).signature());
  EXPECT_EQ(pool.add(kChain, bad_sig).status().code(), Errc::kBadSignature);
  EXPECT_EQ(pool.add(sha256(as_bytes("another chain")), transfer(0)).status().code(), Errc::kBadSignature);
  v1::SignedTransaction no_body = transfer(0);
  no_body.mutable_tx()->clear_transfer();
  EXPECT_FALSE(pool.add(kChain, no_body));
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_TRUE(pool.add(kChain, transfer(0)).value());
  EXPECT_TRUE(pool.add(kChain, transfer(1)).value());
  EXPECT_EQ(pool.add(kChain, transfer(2)).status().code(), Errc::kResourceExhausted);
  EXPECT_EQ(pool.size(), 2u);
}

}  // namespace
}  // namespace ans::consensus
