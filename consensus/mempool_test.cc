#include "consensus/mempool.h"

#include <gtest/gtest.h>

#include <map>

#include "consensus/mempool_file.h"
#include "ledger/testing/test_chain.h"

namespace ans::consensus {
namespace {

using ans::testing::address_of;
using ans::testing::test_key;
using ans::testing::TestChain;

// A pool checked against a TestChain: its current block's state is the head state, and the
// block itself the next one.
class MempoolTest : public ::testing::Test {
 protected:
  HeadState head() const {
    return HeadState{ApplyEnv{chain_.params(), chain_.chain_id()}, chain_.state(), chain_.block()};
  }
  // The chain's minimum fee times `times`.
  Amount fee(uint64_t times) const { return chain_.params().min_tx_fee.checked_mul(times).value(); }
  // A transfer of `units` from `who` to carol, with `nonce` and `fee_times` the minimum fee.
  v1::SignedTransaction transfer(const std::string& who, uint64_t nonce, uint64_t fee_times = 1,
                                 uint64_t units = 5) {
    return chain_.make_tx(test_key(who), [&](v1::Transaction& tx) {
      tx.set_nonce(nonce);
      tx.set_fee(fee(fee_times).to_byte_string());
      tx.mutable_transfer()->set_to(to_field(address_of(test_key("carol")).bytes()));
      tx.mutable_transfer()->set_amount(Amount::from_units(units).to_byte_string());
    });
  }
  Admission add(const v1::SignedTransaction& tx) { return pool_.add(head(), tx); }
  static Hash256 id(const v1::SignedTransaction& tx) { return transaction_id(tx.tx()); }
  // Gives "poor" `units` from dave, in the chain's current block.
  void fund_poor(const Amount& units) {
    ASSERT_TRUE(chain_.submit(test_key("dave"), [&](v1::Transaction& tx) {
      tx.mutable_transfer()->set_to(to_field(address_of(test_key("poor")).bytes()));
      tx.mutable_transfer()->set_amount(units.to_byte_string());
    }));
  }
  // The nonces visit_in_block_order() offers, as "who:nonce", every one included.
  std::vector<std::string> block_order() const {
    std::vector<std::string> out;
    pool_.visit_in_block_order([&](const Candidate& c) {
      for (const char* who : {"alice", "bob", "carol", "dave", "poor"}) {
        if (c.checked.sender == address_of(test_key(who))) {
          out.push_back(std::string(who) + ":" + std::to_string(c.tx.tx().nonce()));
        }
      }
      return Mempool::Take::kIncluded;
    });
    return out;
  }

  TestChain chain_;
  Mempool pool_;
};

TEST_F(MempoolTest, ABlockTakesEachSendersNoncesInOrderAndHigherFeesFirst) {
  ASSERT_TRUE(add(transfer("alice", 1, 5)).is_added());
  ASSERT_TRUE(add(transfer("alice", 0, 1)).is_added());
  ASSERT_TRUE(add(transfer("bob", 0, 3)).is_added());
  ASSERT_TRUE(add(transfer("carol", 0, 2)).is_added());
  ASSERT_TRUE(add(transfer("carol", 1, 2)).is_added());
  EXPECT_EQ(add(transfer("bob", 0, 3)).kind(), Admission::Kind::kKnown);
  EXPECT_EQ(pool_.size(), 5u);
  // Alice's nonce 0 pays least, and her nonce 1 cannot go before it.
  EXPECT_EQ(block_order(), (std::vector<std::string>{"bob:0", "carol:0", "carol:1", "alice:0", "alice:1"}));

  // A sender whose transaction did not go in offers nothing more; kStop ends the block.
  std::vector<uint64_t> offered;
  pool_.visit_in_block_order([&](const Candidate& c) {
    offered.push_back(c.tx.tx().nonce());
    if (c.checked.sender == address_of(test_key("carol"))) return Mempool::Take::kSenderDone;
    return offered.size() == 3 ? Mempool::Take::kStop : Mempool::Take::kIncluded;
  });
  EXPECT_EQ(offered, (std::vector<uint64_t>{0, 0, 0})) << "bob, carol (done), alice, then stop";
  // One skipped (its nonce was taken in the block some other way) lets the next follow.
  std::vector<uint64_t> alices;
  pool_.visit_in_block_order([&](const Candidate& c) {
    if (c.checked.sender != address_of(test_key("alice"))) return Mempool::Take::kSenderDone;
    alices.push_back(c.tx.tx().nonce());
    return Mempool::Take::kSkipped;
  });
  EXPECT_EQ(alices, (std::vector<uint64_t>{0, 1}));
}

TEST_F(MempoolTest, HandsOutTheVerdictOfItsCheck) {
  // A producer applies candidates with this verdict instead of verifying them again, so it
  // must be the one a block's own check (verify_senders) gives.
  const std::vector<v1::SignedTransaction> txs = {transfer("alice", 0, 3), transfer("bob", 0, 2),
                                                  transfer("alice", 1, 1)};
  for (const auto& tx : txs) ASSERT_TRUE(add(tx).is_added());
  const std::vector<VerifiedSender> want = verify_senders(chain_.chain_id(), txs, 1);
  std::vector<Candidate> got;
  pool_.visit_in_block_order([&](const Candidate& c) {
    got.push_back(c);
    return Mempool::Take::kIncluded;
  });
  ASSERT_EQ(got.size(), txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    ASSERT_TRUE(want[i].valid);
    EXPECT_TRUE(got[i].checked.valid);
    EXPECT_EQ(got[i].checked.sender, want[i].sender) << i;
    EXPECT_EQ(got[i].checked.tx_id, want[i].tx_id) << i;
    EXPECT_EQ(got[i].checked.tx_id, id(txs[i])) << i;
    EXPECT_TRUE(got[i].checked.signed_with(txs[i].signature())) << i;
    EXPECT_EQ(got[i].tx.SerializeAsString(), txs[i].SerializeAsString()) << i;
    ASSERT_NE(pool_.find(id(txs[i])), nullptr);
    EXPECT_TRUE(pool_.find(id(txs[i]))->signed_with(txs[i].signature()));
  }
  EXPECT_NE(got[0].checked.sender, got[1].checked.sender);
}

TEST_F(MempoolTest, RefusesWhatCanNeverApplyWithTheLedgersReason) {
  auto refused_for = [&](const v1::SignedTransaction& tx) {
    Admission a = add(tx);
    EXPECT_EQ(a.kind(), Admission::Kind::kRefused);
    EXPECT_EQ(a.limit(), PoolLimit::kNone);
    EXPECT_FALSE(a.result());
    return a.rule().code();
  };
  v1::SignedTransaction bad_sig = transfer("alice", 0);
  bad_sig.set_signature(transfer("alice", 1).signature());
  EXPECT_EQ(refused_for(bad_sig), TxError::kBadSignature);
  EXPECT_EQ(add(bad_sig).error().code(), Errc::kBadSignature);
  v1::SignedTransaction no_body = transfer("alice", 0);
  no_body.mutable_tx()->clear_transfer();
  EXPECT_EQ(refused_for(no_body), TxError::kMalformed);
  v1::SignedTransaction cheap = transfer("alice", 0);
  cheap.mutable_tx()->set_fee(Amount::from_units(1).to_byte_string());
  EXPECT_EQ(refused_for(sign_transaction(test_key("alice"), chain_.chain_id(), cheap.tx())), TxError::kFeeTooLow);
  v1::SignedTransaction old = transfer("alice", 0);
  old.mutable_tx()->set_expiry_height(chain_.block().height - 1);
  EXPECT_EQ(refused_for(sign_transaction(test_key("alice"), chain_.chain_id(), old.tx())), TxError::kExpired);
  // A rule of the state transition the pool does not know itself: a zero transfer.
  EXPECT_EQ(refused_for(transfer("alice", 0, 1, 0)), TxError::kBadAmount);

  // A nonce the account has used.
  ASSERT_TRUE(chain_.apply(transfer("alice", 0)));
  EXPECT_EQ(refused_for(transfer("alice", 0, 2)), TxError::kBadNonce);

  // Fee and amount beyond the balance, alone or with what the sender has pending (also
  // behind a gap).
  fund_poor(fee(10));
  EXPECT_EQ(refused_for(transfer("poor", 0, 10, 1)), TxError::kInsufficientFunds);
  ASSERT_TRUE(add(transfer("poor", 0, 4, 1)).is_added());
  ASSERT_TRUE(add(transfer("poor", 2, 4, 1)).is_added());
  Admission over = add(transfer("poor", 1, 2, 1));
  EXPECT_EQ(over.rule().code(), TxError::kInsufficientFunds) << over.rule().to_string();
  EXPECT_EQ(over.error().code(), Errc::kFailedPrecondition);
  EXPECT_EQ(over.error().message().rfind("insufficient funds: ", 0), 0u) << over.error().message();
  EXPECT_TRUE(add(transfer("poor", 1, 1, 1)).is_added()) << "what the balance covers";
  EXPECT_EQ(pool_.size(), 3u);
}

TEST_F(MempoolTest, HoldsANonceGapOnlyWithinItsBound) {
  const uint64_t gap = pool_.options().max_nonce_gap;
  ASSERT_TRUE(add(transfer("alice", gap)).is_added()) << "held: the ones before it may come";
  Admission far = add(transfer("alice", gap + 1));
  EXPECT_EQ(far.limit(), PoolLimit::kNonceGap);
  EXPECT_EQ(far.rule().code(), TxError::kOk);
  EXPECT_EQ(far.error().code(), Errc::kFailedPrecondition);
  EXPECT_TRUE(block_order().empty()) << "nothing of alice can go into a block yet";
  // The bound counts from the next expected nonce: after nonce 0, one further.
  ASSERT_TRUE(add(transfer("alice", 0)).is_added());
  EXPECT_TRUE(add(transfer("alice", gap + 1)).is_added());
  EXPECT_EQ(block_order(), (std::vector<std::string>{"alice:0"})) << "the rest waits behind the gap";
}

TEST_F(MempoolTest, CapsWhatOneSenderHolds) {
  pool_ = Mempool(MempoolOptions{.capacity = 100, .per_sender_cap = 4});
  for (uint64_t n = 0; n < 4; ++n) ASSERT_TRUE(add(transfer("alice", n)).is_added());
  Admission more = add(transfer("alice", 4));
  EXPECT_EQ(more.limit(), PoolLimit::kSenderFull);
  EXPECT_EQ(more.error().code(), Errc::kResourceExhausted);
  EXPECT_TRUE(add(transfer("alice", 2, 2)).is_added()) << "a replacement takes no more room";
  EXPECT_TRUE(add(transfer("bob", 0)).is_added());
}

TEST_F(MempoolTest, AReplacementMustPayTheBump) {
  const v1::SignedTransaction first = transfer("alice", 0, 10);
  ASSERT_TRUE(add(first).is_added());
  EXPECT_EQ(add(transfer("alice", 0, 10, 6)).limit(), PoolLimit::kUnderpriced) << "the same fee";
  Admission low = add(transfer("alice", 0, 9));
  EXPECT_EQ(low.limit(), PoolLimit::kUnderpriced);
  EXPECT_EQ(low.error().code(), Errc::kFailedPrecondition);
  // 10% more: 10.5 times the minimum is not enough, 11 is.
  v1::SignedTransaction bit_more = transfer("alice", 0, 10);
  bit_more.mutable_tx()->set_fee(fee(105).div(10).to_byte_string());
  EXPECT_EQ(add(sign_transaction(test_key("alice"), chain_.chain_id(), bit_more.tx())).limit(),
            PoolLimit::kUnderpriced);
  const v1::SignedTransaction second = transfer("alice", 0, 11);
  Admission replaced = add(second);
  ASSERT_TRUE(replaced.is_added());
  ASSERT_EQ(replaced.pushed_out().size(), 1u);
  EXPECT_EQ(replaced.pushed_out()[0].tx_id, id(first));
  EXPECT_EQ(replaced.pushed_out()[0].why.code(), TxError::kFeeTooLow);
  EXPECT_EQ(pool_.size(), 1u);
  EXPECT_FALSE(pool_.contains(id(first)));
  EXPECT_TRUE(pool_.contains(id(second)));
}

TEST_F(MempoolTest, AFullPoolGivesUpTheLowestFeeAtTheEndOfAChain) {
  pool_ = Mempool(MempoolOptions{.capacity = 3});
  const v1::SignedTransaction alice0 = transfer("alice", 0, 1), alice1 = transfer("alice", 1, 9),
                              bob0 = transfer("bob", 0, 5);
  for (const auto& tx : {alice0, alice1, bob0}) ASSERT_TRUE(add(tx).is_added());
  // Alice's nonce 0 pays least, but taking it out would strand her nonce 1: bob's is the
  // lowest that can go, and only for a higher fee.
  Admission same = add(transfer("carol", 0, 5));
  EXPECT_EQ(same.limit(), PoolLimit::kPoolFull);
  EXPECT_EQ(same.error().code(), Errc::kResourceExhausted);
  Admission higher = add(transfer("carol", 0, 6));
  ASSERT_TRUE(higher.is_added());
  ASSERT_EQ(higher.pushed_out().size(), 1u);
  EXPECT_EQ(higher.pushed_out()[0].tx_id, id(bob0));
  EXPECT_EQ(higher.pushed_out()[0].why.code(), TxError::kFeeTooLow);
  EXPECT_TRUE(pool_.contains(id(alice0)));
  EXPECT_EQ(pool_.size(), 3u);
  // A transaction behind a gap cannot push out one that could go into a block...
  EXPECT_EQ(add(transfer("dave", 3, 100)).limit(), PoolLimit::kPoolFull);
  // ...and goes first, whatever its fee, for one that can.
  pool_ = Mempool(MempoolOptions{.capacity = 2});
  const v1::SignedTransaction waiting = transfer("dave", 3, 100);
  ASSERT_TRUE(add(waiting).is_added());
  ASSERT_TRUE(add(transfer("bob", 0, 1)).is_added());
  Admission next = add(transfer("carol", 0, 1));
  ASSERT_TRUE(next.is_added());
  ASSERT_EQ(next.pushed_out().size(), 1u);
  EXPECT_EQ(next.pushed_out()[0].tx_id, id(waiting));
}

TEST_F(MempoolTest, IsCheckedAgainAfterEachBlock) {
  fund_poor(fee(20));
  chain_.next_block();
  const v1::SignedTransaction alice0 = transfer("alice", 0), alice1 = transfer("alice", 1);
  const v1::SignedTransaction bob0 = transfer("bob", 0), poor1 = transfer("poor", 1, 5, 1);
  v1::SignedTransaction soon = transfer("carol", 0);
  soon.mutable_tx()->set_expiry_height(chain_.block().height + 1);
  soon = sign_transaction(test_key("carol"), chain_.chain_id(), soon.tx());
  for (const auto& tx : {alice0, alice1, bob0, poor1, soon}) ASSERT_TRUE(add(tx).is_added());

  // A block with alice's nonce 0, another nonce 0 of bob's, and poor's nonce 0 that spends
  // nearly all it has (the pool never saw those two).
  v1::Block block;
  *block.add_transactions() = alice0;
  *block.add_transactions() = transfer("bob", 0, 2);
  *block.add_transactions() = transfer("poor", 0, 1, fee(18).units().convert_to<uint64_t>());
  for (const auto& tx : block.transactions()) ASSERT_TRUE(chain_.apply(tx));
  chain_.next_block();
  std::vector<Dropped> dropped = pool_.after_block(head(), block);
  std::map<Hash256, TxError> why;
  for (const Dropped& d : dropped) why[d.tx_id] = d.why.code();
  EXPECT_EQ(why, (std::map<Hash256, TxError>{{id(bob0), TxError::kBadNonce}, {id(poor1), TxError::kInsufficientFunds}}))
      << "the included one leaves without a report";
  EXPECT_FALSE(pool_.contains(id(alice0)));
  EXPECT_TRUE(pool_.contains(id(alice1)));
  EXPECT_TRUE(pool_.contains(id(soon)));

  // A block that passes carol's expiry drops it, whoever is in the block.
  chain_.next_block();
  dropped = pool_.after_block(head(), v1::Block());
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].tx_id, id(soon));
  EXPECT_EQ(dropped[0].why.code(), TxError::kExpired);
  EXPECT_EQ(block_order(), (std::vector<std::string>{"alice:1"}));
}

TEST_F(MempoolTest, RecheckLooksAtEverySender) {
  const v1::SignedTransaction alice0 = transfer("alice", 0), bob0 = transfer("bob", 0);
  ASSERT_TRUE(add(alice0).is_added());
  ASSERT_TRUE(add(bob0).is_added());
  // The head moved some other way (a fork switch): alice's nonce 0 went in under another body.
  ASSERT_TRUE(chain_.apply(transfer("alice", 0, 3)));
  chain_.next_block();
  std::vector<Dropped> dropped = pool_.recheck(head());
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].tx_id, id(alice0));
  EXPECT_EQ(dropped[0].why.code(), TxError::kBadNonce);
  EXPECT_EQ(pool_.ids(), std::vector<Hash256>{id(bob0)});
}

TEST_F(MempoolTest, ItsFileComesBackWholeOrNotAtAll) {
  const std::vector<v1::SignedTransaction> txs = {transfer("alice", 0), transfer("alice", 1), transfer("bob", 3)};
  const std::string file = encode_mempool_file(chain_.chain_id(), txs);
  auto back = decode_mempool_file(chain_.chain_id(), file);
  ASSERT_TRUE(back) << back.status().to_string();
  ASSERT_EQ(back->size(), txs.size());
  for (size_t i = 0; i < txs.size(); ++i) EXPECT_EQ((*back)[i].SerializeAsString(), txs[i].SerializeAsString());
  EXPECT_TRUE(decode_mempool_file(chain_.chain_id(), encode_mempool_file(chain_.chain_id(), {}))->empty());
  EXPECT_LE(file.size(), max_mempool_file_bytes(txs.size()));

  for (size_t at : {size_t{0}, size_t{20}, file.size() / 2, file.size() - 1}) {
    std::string flipped = file;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
    EXPECT_EQ(decode_mempool_file(chain_.chain_id(), flipped).status().code(), Errc::kCorruption) << at;
  }
  for (size_t keep : {size_t{0}, size_t{10}, file.size() - 40, file.size() - 1}) {
    EXPECT_EQ(decode_mempool_file(chain_.chain_id(), file.substr(0, keep)).status().code(), Errc::kCorruption)
        << keep;
  }
  EXPECT_EQ(decode_mempool_file(sha256(as_bytes("another chain")), file).status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ans::consensus
