// The checks every transaction passes before its body runs (signature, expiry, nonce, fee,
// shape), Transfer, and apply_block's all-or-nothing rule.
#include <gtest/gtest.h>

#include <map>

#include <thread>

#include "ledger/rules/transition.h"
#include "ledger/testing/test_chain.h"
#include "ledger/testing/test_helpers.h"

namespace ans {
namespace {

using testing::address_of;
using testing::test_key;
using testing::TestChain;
using namespace ans::testing;  // dimt, plus, minus, kDay, SupplyWatch, …


// Spec section 2's invariant, on the block being built and on every committed block.


std::function<void(v1::Transaction&)> transfer(const EthAddress& to, const Amount& amount) {
  return [to, amount](v1::Transaction& t) {
    t.mutable_transfer()->set_to(to_field(to.bytes()));
    t.mutable_transfer()->set_amount(to_field(amount.to_bytes()));
  };
}

// What a rejected transaction must leave untouched.
struct Snapshot {
  Amount balance;
  uint64_t nonce = 0;
  Amount pool;
  bool operator==(const Snapshot&) const = default;
};
Snapshot snapshot(TestChain& c, const PrivateKey& who) {
  return {c.balance(who), c.nonce(who), c.ledger().reward_pool()};
}

TEST(SpecDefaults, ChainParamsCarryTheSpecValues) {
  const ChainParams p;
  EXPECT_EQ(p.block_interval_ms, 1'000u);
  EXPECT_EQ(p.epoch_length_blocks, 600u);
  EXPECT_EQ(p.max_active_producers, 21u);
  EXPECT_EQ(p.total_supply, dimt(10'000'000'000ULL));
  EXPECT_EQ(p.rewards_per_day, dimt(1'024'000));
  EXPECT_EQ(p.commit_min_blocks, 3u);
  EXPECT_EQ(p.commit_max_age_s, 86'400u);
  EXPECT_EQ(p.max_years, 10u);
  EXPECT_EQ(p.grace_s, 30 * 86'400u);
  EXPECT_EQ(p.release_premium_start, dimt(100'000'000));
  EXPECT_EQ(p.premium_halving_s, 86'400u);
  EXPECT_EQ(p.premium_duration_s, 21 * 86'400u);
  EXPECT_EQ(p.fee_len2, dimt(6'400));
  EXPECT_EQ(p.fee_len3, dimt(640));
  EXPECT_EQ(p.fee_len4, dimt(160));
  EXPECT_EQ(p.fee_len5_plus, dimt(10));
  EXPECT_EQ(p.max_text_records, 16u);
  EXPECT_EQ(p.max_text_key_bytes, 32u);
  EXPECT_EQ(p.max_text_value_bytes, 256u);
  EXPECT_EQ(p.max_record_set_bytes, 2'048u);
  EXPECT_EQ(p.min_self_stake, dimt(5'000'000));
  EXPECT_EQ(p.max_sps, 1'024u);
  EXPECT_EQ(p.max_stations, 16u);
  EXPECT_EQ(p.max_votes, 30u);
  EXPECT_EQ(p.unbonding_s, 3 * 86'400u);
  EXPECT_EQ(p.jail_s, 86'400u);
  EXPECT_EQ(p.slash_percent, 10u);
  // The rule tests run on these values; only the epoch is shortened.
  ChainParams t = testing::test_params();
  EXPECT_EQ(t.epoch_length_blocks, 10u);
  t.epoch_length_blocks = p.epoch_length_blocks;
  EXPECT_EQ(t, p);
}

TEST(TxCommon, AcceptedTransactionPaysFeeToPoolAndBumpsNonce) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  Snapshot a0 = snapshot(c, alice);
  Amount bob0 = c.balance(bob);
  Amount fee = Amount::parse("0.25").value();
  ASSERT_TRUE(c.submit(alice, transfer(address_of(bob), dimt(5)), fee));
  EXPECT_EQ(c.balance(alice), minus(a0.balance, plus(dimt(5), fee)));
  EXPECT_EQ(c.balance(bob), plus(bob0, dimt(5)));
  EXPECT_EQ(c.nonce(alice), a0.nonce + 1);
  EXPECT_EQ(c.nonce(bob), 0u);
  EXPECT_EQ(c.ledger().reward_pool(), plus(a0.pool, fee));
  c.next_block();
}

TEST(TxCommon, TamperedSignatureRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Snapshot before = snapshot(c, alice);
  v1::SignedTransaction stx = c.make_tx(alice, transfer(address_of(test_key("bob")), dimt(1)));
  std::string sig = stx.signature();
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  stx.set_signature(sig);
  EXPECT_EQ(c.apply(stx).code(), TxError::kBadSignature);
  EXPECT_EQ(snapshot(c, alice), before);
}

TEST(TxCommon, SignatureForAnotherChainRejected) {
  // The chain id is in the signing domain: a transaction signed for another chain never
  // verifies here, although every byte of it is otherwise valid.
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Snapshot before = snapshot(c, alice);
  v1::SignedTransaction own = c.make_tx(alice, transfer(address_of(test_key("bob")), dimt(1)));
  v1::SignedTransaction other =
      sign_transaction(alice, sha256(as_bytes("another chain")), own.tx());
  TxStatus st = c.apply(other);
  EXPECT_EQ(st.code(), TxError::kBadSignature) << st.to_string();
  EXPECT_EQ(snapshot(c, alice), before);
  EXPECT_TRUE(c.apply(own));
}

TEST(TxCommon, SignatureByAnotherKeyRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  Snapshot before = snapshot(c, alice);
  v1::SignedTransaction stx = c.make_tx(alice, transfer(address_of(bob), dimt(1)));
  v1::SignedTransaction forged = sign_transaction(bob, c.chain_id(), stx.tx());
  EXPECT_EQ(c.apply(forged).code(), TxError::kBadSignature);
  EXPECT_EQ(snapshot(c, alice), before);
}

TEST(TxCommon, SignatureCheckSkippedOnlyWhenTheCallerVerified) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  v1::SignedTransaction good = c.make_tx(alice, transfer(address_of(test_key("bob")), dimt(1)));
  v1::SignedTransaction other_chain = sign_transaction(alice, sha256(as_bytes("x")), good.tx());
  v1::SignedTransaction tampered = good;
  std::string sig = tampered.signature();
  sig[0] = static_cast<char>(sig[0] ^ 0x80);
  tampered.set_signature(sig);
  std::vector<v1::SignedTransaction> txs = {good, other_chain, tampered, good};
  for (unsigned threads : {1u, 3u}) {
    std::vector<bool> valid;
    for (const auto& v : verify_senders(c.chain_id(), txs, threads)) valid.push_back(v.valid);
    EXPECT_EQ(valid, (std::vector<bool>{true, false, false, true}))
        << threads << " threads";
  }
  // kAlreadyVerified trusts the caller: the same bad signature is not looked at again.
  ApplyEnv env{c.params(), c.chain_id()};
  StateOverlay scratch(c.state());
  EXPECT_EQ(apply_transaction(env, c.block(), scratch, tampered).code(), TxError::kBadSignature);
  EXPECT_TRUE(
      apply_transaction(env, c.block(), scratch, tampered, SignatureCheck::kAlreadyVerified));
}

TEST(TxCommon, ExpiryHeightIsTheLastBlockThatMayIncludeIt) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  for (int i = 0; i < 4; ++i) c.next_block();
  uint64_t h = c.block().height;
  ASSERT_EQ(h, 5u);
  Snapshot before = snapshot(c, alice);
  TxStatus expired = c.submit(alice, [&](v1::Transaction& t) {
    transfer(address_of(test_key("bob")), dimt(1))(t);
    t.set_expiry_height(h - 1);
  });
  EXPECT_EQ(expired.code(), TxError::kExpired) << expired.to_string();
  EXPECT_EQ(snapshot(c, alice), before);
  EXPECT_TRUE(c.submit(alice, [&](v1::Transaction& t) {
    transfer(address_of(test_key("bob")), dimt(1))(t);
    t.set_expiry_height(h);
  }));
}

TEST(TxCommon, ReplayRejectedByNonce) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  v1::SignedTransaction stx = c.make_tx(alice, transfer(address_of(test_key("bob")), dimt(1)));
  ASSERT_TRUE(c.apply(stx));
  Snapshot after_first = snapshot(c, alice);
  EXPECT_EQ(c.apply(stx).code(), TxError::kBadNonce);  // same block
  EXPECT_EQ(snapshot(c, alice), after_first);
  c.next_block();
  EXPECT_EQ(c.apply(stx).code(), TxError::kBadNonce);  // a later block
  EXPECT_EQ(c.nonce(alice), 1u);
}

TEST(TxCommon, NonceGapRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.submit(alice, transfer(address_of(test_key("bob")), dimt(1))));
  ASSERT_EQ(c.nonce(alice), 1u);
  Snapshot before = snapshot(c, alice);
  TxStatus gap = c.submit(alice, [&](v1::Transaction& t) {
    transfer(address_of(test_key("bob")), dimt(1))(t);
    t.set_nonce(2);
  });
  EXPECT_EQ(gap.code(), TxError::kBadNonce) << gap.to_string();
  TxStatus old = c.submit(alice, [&](v1::Transaction& t) {
    transfer(address_of(test_key("bob")), dimt(1))(t);
    t.set_nonce(0);
  });
  EXPECT_EQ(old.code(), TxError::kBadNonce);
  EXPECT_EQ(snapshot(c, alice), before);
  EXPECT_TRUE(c.submit(alice, transfer(address_of(test_key("bob")), dimt(1))));
  EXPECT_EQ(c.nonce(alice), 2u);
}

TEST(TxCommon, MinimumFeeIsInclusive) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  const Amount min = c.params().min_tx_fee;
  ASSERT_EQ(min, Amount::parse("0.001").value());
  Snapshot before = snapshot(c, alice);
  TxStatus low = c.submit(alice, transfer(address_of(test_key("bob")), dimt(1)),
                          minus(min, units(1)));
  EXPECT_EQ(low.code(), TxError::kFeeTooLow) << low.to_string();
  TxStatus none = c.submit(alice, [&](v1::Transaction& t) {
    transfer(address_of(test_key("bob")), dimt(1))(t);
    t.clear_fee();
  });
  EXPECT_EQ(none.code(), TxError::kFeeTooLow);
  EXPECT_EQ(snapshot(c, alice), before);

  ASSERT_TRUE(c.submit(alice, transfer(address_of(test_key("bob")), dimt(1)), min));
  EXPECT_EQ(c.ledger().reward_pool(), plus(before.pool, min));
  EXPECT_EQ(c.balance(alice), minus(before.balance, plus(dimt(1), min)));
  c.next_block();
}

TEST(TxCommon, SenderMustAffordTheFee) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey eve = test_key("eve");  // never funded
  PrivateKey alice = test_key("alice");
  auto commit_body = [&](v1::Transaction& t) {
    t.mutable_name_commit()->set_commitment(to_field(sha256(as_bytes("anything"))));
  };
  TxStatus broke = c.submit(eve, commit_body);
  EXPECT_EQ(broke.code(), TxError::kInsufficientFunds) << broke.to_string();
  EXPECT_EQ(c.nonce(eve), 0u);

  // Funded with exactly one minimum fee: a commitment costs only the fee, and empties it.
  ASSERT_TRUE(c.submit(alice, transfer(address_of(eve), c.params().min_tx_fee)));
  ASSERT_TRUE(c.submit(eve, commit_body));
  EXPECT_TRUE(c.balance(eve).is_zero());
  EXPECT_EQ(c.nonce(eve), 1u);
  EXPECT_EQ(c.submit(eve, [&](v1::Transaction& t) {
              t.mutable_name_commit()->set_commitment(to_field(sha256(as_bytes("other"))));
            }).code(),
            TxError::kInsufficientFunds);
  EXPECT_EQ(c.nonce(eve), 1u);
  c.next_block();
}

TEST(TxCommon, MalformedTransactionsRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Snapshot before = snapshot(c, alice);
  std::string bob20 = to_field(address_of(test_key("bob")).bytes());
  std::vector<std::pair<std::string, std::function<void(v1::Transaction&)>>> cases = {
      {"no body", [](v1::Transaction&) {}},
      {"19-byte recipient",
       [&](v1::Transaction& t) {
         t.mutable_transfer()->set_to(bob20.substr(1));
         t.mutable_transfer()->set_amount(to_field(dimt(1).to_bytes()));
       }},
      {"amount with a leading zero byte",
       [&](v1::Transaction& t) {
         t.mutable_transfer()->set_to(bob20);
         t.mutable_transfer()->set_amount(std::string(1, '\0') + to_field(dimt(1).to_bytes()));
       }},
      {"fee with a leading zero byte",
       [&](v1::Transaction& t) {
         transfer(address_of(test_key("bob")), dimt(1))(t);
         t.set_fee(std::string(1, '\0') + t.fee());
       }},
      {"31-byte commitment",
       [](v1::Transaction& t) { t.mutable_name_commit()->set_commitment(std::string(31, 'c')); }},
      {"31-byte salt",
       [](v1::Transaction& t) {
         t.mutable_name_register()->set_name("alice");
         t.mutable_name_register()->set_salt(std::string(31, 's'));
       }},
      {"evidence of no kind", [](v1::Transaction& t) { t.mutable_evidence(); }},
  };
  for (const auto& [what, body] : cases) {
    TxStatus st = c.submit(alice, body);
    EXPECT_EQ(st.code(), TxError::kMalformed) << what << ": " << st.to_string();
  }
  auto to_bob = transfer(address_of(test_key("bob")), dimt(1));
  v1::SignedTransaction short_sig = c.make_tx(alice, to_bob);
  short_sig.set_signature(short_sig.signature().substr(1));
  EXPECT_EQ(c.apply(short_sig).code(), TxError::kMalformed);
  v1::SignedTransaction bad_key = c.make_tx(alice, to_bob);
  bad_key.mutable_tx()->set_sender_key(std::string(1, '\x02') + std::string(32, '\xff'));
  EXPECT_EQ(c.apply(bad_key).code(), TxError::kMalformed);
  EXPECT_EQ(snapshot(c, alice), before);
}

TEST(Transfer, MovesTheAmountToANewAccount) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), eve = test_key("eve");
  Amount alice0 = c.balance(alice);
  Amount amount = Amount::parse("1234.000000000000000001").value();
  ASSERT_TRUE(c.submit(alice, transfer(address_of(eve), amount)));
  EXPECT_EQ(c.balance(eve), amount);
  EXPECT_EQ(c.balance(alice), minus(alice0, plus(amount, c.params().min_tx_fee)));
  c.next_block();
  EXPECT_EQ(c.balance(eve), amount);  // committed
}

TEST(Transfer, ZeroAmountRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Snapshot before = snapshot(c, alice);
  TxStatus st = c.submit(alice, transfer(address_of(test_key("bob")), Amount()));
  EXPECT_EQ(st.code(), TxError::kBadAmount) << st.to_string();
  EXPECT_EQ(snapshot(c, alice), before);
}

TEST(Transfer, WholeBalanceAfterFeeButNotOneUnitMore) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  const Amount fee = c.params().min_tx_fee;
  Snapshot bob0 = snapshot(c, bob);
  Amount too_much = plus(minus(bob0.balance, fee), units(1));
  TxStatus st = c.submit(bob, transfer(address_of(carol), too_much));
  EXPECT_EQ(st.code(), TxError::kInsufficientFunds) << st.to_string();
  EXPECT_EQ(snapshot(c, bob), bob0);  // the fee is not taken either

  Amount carol0 = c.balance(carol);
  Amount all = minus(c.balance(alice), fee);
  ASSERT_TRUE(c.submit(alice, transfer(address_of(carol), all)));
  EXPECT_TRUE(c.balance(alice).is_zero());
  EXPECT_EQ(c.balance(carol), plus(carol0, all));
  c.next_block();
}

TEST(Transfer, ToSelfCostsOnlyTheFee) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Amount alice0 = c.balance(alice);
  ASSERT_TRUE(c.submit(alice, transfer(address_of(alice), dimt(1000))));
  EXPECT_EQ(c.balance(alice), minus(alice0, c.params().min_tx_fee));
  c.next_block();
}

TEST(ApplyBlock, OneInvalidTransactionRejectsTheWholeBlock) {
  TestChain c;
  SupplyWatch watch(c);
  c.next_block();
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ApplyEnv env{c.params(), c.chain_id()};
  v1::SignedTransaction ok = c.make_tx(alice, transfer(address_of(bob), dimt(1)));
  v1::SignedTransaction bad = c.make_tx(bob, transfer(address_of(alice), Amount()));
  std::vector<v1::SignedTransaction> both = {ok, bad};

  // Apply against the committed state, as a validator would, with the current block's context.
  StateOverlay rejected(c.store());
  auto r = apply_block(env, c.block(), rejected, both);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);

  StateOverlay accepted(c.store());
  std::vector<v1::SignedTransaction> good = {ok};
  auto out = apply_block(env, c.block(), accepted, good);
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(out->tx_ids, std::vector<Hash256>{transaction_id(ok.tx())});
  LedgerState st(accepted);
  EXPECT_EQ(st.account(address_of(alice)).nonce(), 1u);
  EXPECT_EQ(compute_supply(accepted).value().total().value(), c.params().total_supply);
}

// A block applied with its verdicts taken as they come (SenderVerification, checked beside
// the application) has the outcome and the writes of one applied with verdicts computed first.
TEST(ApplyBlock, VerdictsTakenAsTheyComeGiveTheSameBlock) {
  TestChain c;
  c.next_block();
  ApplyEnv env{c.params(), c.chain_id()};
  // Built in sequence on the current block (so each takes the next nonce), applied below on
  // the committed state as a validator applies a block.
  std::vector<v1::SignedTransaction> txs;
  for (int i = 0; i < 100; ++i) {
    PrivateKey from = test_key(i % 2 == 0 ? "alice" : "bob");
    txs.push_back(c.make_tx(from, transfer(address_of(test_key("carol")), dimt(1))));
    ASSERT_TRUE(c.apply(txs.back())) << i;
  }
  const std::vector<VerifiedSender> first = verify_senders(c.chain_id(), txs, 1);
  StateOverlay expected(c.store());
  auto want = apply_block(env, c.block(), expected, txs, &first);
  ASSERT_TRUE(want) << want.status().to_string();

  SenderVerification job(c.chain_id(), txs);
  std::thread helper([&job] { job.work(); });
  StateOverlay streamed(c.store());
  auto got = apply_block(env, c.block(), streamed, txs, job);
  helper.join();
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->tx_ids, want->tx_ids);
  EXPECT_EQ(streamed.writes(), expected.writes());

  // A bad signature in the middle rejects the block the same way.
  std::string sig = txs[57].signature();
  sig[3] = static_cast<char>(sig[3] ^ 0x01);
  txs[57].set_signature(sig);
  SenderVerification bad_job(c.chain_id(), txs);
  std::thread bad_helper([&bad_job] { bad_job.work(); });
  StateOverlay rejected(c.store());
  auto refused = apply_block(env, c.block(), rejected, txs, bad_job);
  bad_helper.join();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.status().message().find("transaction 57 is invalid"), std::string::npos)
      << refused.status().to_string();
  // A source with another count of verdicts is refused before anything is applied.
  std::vector<v1::SignedTransaction> fewer(txs.begin(), txs.begin() + 10);
  SenderVerification short_job(c.chain_id(), fewer);
  StateOverlay untouched(c.store());
  EXPECT_EQ(apply_block(env, c.block(), untouched, txs, short_job).status().code(),
            Errc::kInvalidArgument);
  EXPECT_TRUE(untouched.writes().empty());
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// A pre-verification result only counts for the transaction it was made for.
TEST(VerifiedSenders, MustMatchTheirTransactions) {
  testing::TestChain c;
  PrivateKey alice = testing::test_key("alice"), bob = testing::test_key("bob");
  auto send = [&](const PrivateKey& from, uint64_t nonce) {
    v1::SignedTransaction stx = c.make_tx(from, [&](v1::Transaction& t) {
      t.mutable_transfer()->set_to(to_field(testing::address_of(testing::test_key("carol")).bytes()));
      t.mutable_transfer()->set_amount(to_field(Amount::from_dimt(1).to_bytes()));
    });
    stx.mutable_tx()->set_nonce(nonce);
    return sign_transaction(from, c.chain_id(), stx.tx());
  };
  std::vector<v1::SignedTransaction> txs = {send(alice, 0), send(bob, 0)};
  std::vector<VerifiedSender> verified = verify_senders(c.chain_id(), txs, 2);
  ASSERT_TRUE(verified[0].valid && verified[1].valid);
  ApplyEnv env{c.params(), c.chain_id()};

  // Count mismatch: an error, not a silent misuse.
  std::vector<VerifiedSender> short_list = {verified[0]};
  StateOverlay s1(c.store());
  BlockContext next = c.block();
  EXPECT_FALSE(apply_block(env, next, s1, txs, &short_list));

  // Entries swapped: each transaction must still run as its own sender.
  std::vector<VerifiedSender> swapped = {verified[1], verified[0]};
  StateOverlay o(c.ledger().overlay().reader());
  Amount alice_before = c.balance(alice);
  ASSERT_TRUE(apply_transaction(env, c.block(), o, txs[0], swapped[0]));
  LedgerState st(o);
  EXPECT_LT(st.amount(st.account(testing::address_of(alice)).balance()), alice_before);

  // A forged entry (valid, but naming another sender) for a transaction with a bad signature.
  v1::SignedTransaction forged = txs[1];
  std::string sig = forged.signature();
  sig[7] ^= 1;
  forged.set_signature(sig);
  VerifiedSender lie{true, testing::address_of(bob)};
  lie.set_signature(txs[1].signature());
  StateOverlay o2(c.store());
  EXPECT_EQ(apply_transaction(env, c.block(), o2, forged, lie).code(), TxError::kBadSignature);
}

// Verdicts a node already holds (its mempool's) are taken instead of verifying again, but only
// for the same body (transaction id) and the same signature, and only valid ones.
TEST(VerifiedSenders, KnownVerdictsAreTakenOnlyForTheSameTransaction) {
  testing::TestChain c;
  struct Known : KnownVerdicts {
    std::map<Hash256, VerifiedSender> by_id;
    const VerifiedSender* find(const Hash256& id) const override {
      auto it = by_id.find(id);
      return it == by_id.end() ? nullptr : &it->second;
    }
  };
  std::vector<v1::SignedTransaction> txs;
  for (int i = 0; i < 4; ++i) {
    txs.push_back(c.make_tx(testing::test_key("known" + std::to_string(i)), [&](v1::Transaction& t) {
      t.mutable_transfer()->set_to(to_field(testing::address_of(testing::test_key("carol")).bytes()));
      t.mutable_transfer()->set_amount(to_field(Amount::from_dimt(1).to_bytes()));
    }));
  }
  const std::vector<VerifiedSender> fresh = verify_senders(c.chain_id(), txs, 1);
  Known known;
  // 0: held as verified. 1: held, but for the body with another signature (a relay that
  // swapped in a bad one). 2: held as not valid. 3: not held.
  for (int i = 0; i < 3; ++i) known.by_id[fresh[static_cast<size_t>(i)].tx_id] = fresh[static_cast<size_t>(i)];
  known.by_id[fresh[2].tx_id].valid = false;
  std::vector<v1::SignedTransaction> block = txs;
  std::string sig = block[1].signature();
  sig[3] = static_cast<char>(sig[3] ^ 0x04);
  block[1].set_signature(sig);

  for (unsigned threads : {1u, 2u}) {
    const std::vector<VerifiedSender> got = verify_senders(c.chain_id(), block, threads, nullptr, &known);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_TRUE(got[0].valid && got[0].known) << threads;
    EXPECT_EQ(got[0].sender, fresh[0].sender);
    EXPECT_EQ(got[0].tx_id, fresh[0].tx_id);
    EXPECT_FALSE(got[1].valid) << "the held verdict is for another signature: verified, and bad";
    EXPECT_FALSE(got[1].known);
    EXPECT_TRUE(got[2].valid && !got[2].known) << "a held verdict that is not valid is not taken";
    EXPECT_TRUE(got[3].valid && !got[3].known);
    for (size_t i : {size_t{2}, size_t{3}}) {
      EXPECT_EQ(got[i].sender, fresh[i].sender) << i;
      EXPECT_EQ(got[i].tx_id, fresh[i].tx_id) << i;
    }
  }
  // Taking a verdict is trusting it: the check does not look at that signature again.
  known.by_id[fresh[3].tx_id] = fresh[3];
  known.by_id[fresh[3].tx_id].sender = fresh[0].sender;
  EXPECT_EQ(verify_senders(c.chain_id(), txs, 1, nullptr, &known)[3].sender, fresh[0].sender);
}

// However many threads share the checks, and however they split them, each entry is the one
// a single thread computes: valid or not, the sender, the signature, the transaction id.
TEST(VerifiedSenders, SharedVerificationMatchesOneThread) {
  testing::TestChain c;
  std::vector<v1::SignedTransaction> txs;
  for (int i = 0; i < 301; ++i) {
    PrivateKey from = testing::test_key("sender" + std::to_string(i % 7));
    v1::SignedTransaction stx = c.make_tx(from, [&](v1::Transaction& t) {
      t.mutable_transfer()->set_to(to_field(testing::address_of(testing::test_key("carol")).bytes()));
      t.mutable_transfer()->set_amount(to_field(Amount::from_dimt(1 + static_cast<uint64_t>(i)).to_bytes()));
    });
    if (i % 10 == 3) {  // a bad signature
      std::string sig = stx.signature();
      sig[5] = static_cast<char>(sig[5] ^ 0x10);
      stx.set_signature(sig);
    }
    if (i % 17 == 5) stx.mutable_tx()->set_sender_key("short");  // a malformed key
    txs.push_back(stx);
  }
  const std::vector<VerifiedSender> one = verify_senders(c.chain_id(), txs, 1);
  size_t valid = 0;
  for (size_t i = 0; i < txs.size(); ++i) {
    EXPECT_EQ(one[i].valid, i % 10 != 3 && i % 17 != 5) << i;
    if (!one[i].valid) continue;
    ++valid;
    EXPECT_EQ(one[i].tx_id, transaction_id(txs[i].tx())) << i;
    EXPECT_TRUE(one[i].signed_with(txs[i].signature())) << i;
    EXPECT_EQ(one[i].sender, EthAddress::from_public_key(
                                 PublicKey::parse(as_bytes(txs[i].tx().sender_key())).value()));
  }
  EXPECT_GT(valid, 200u);

  auto same = [&](const std::vector<VerifiedSender>& got, const std::string& how) {
    ASSERT_EQ(got.size(), one.size()) << how;
    for (size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(got[i].valid, one[i].valid) << how << " #" << i;
      EXPECT_EQ(got[i].sender, one[i].sender) << how << " #" << i;
      EXPECT_EQ(got[i].signature, one[i].signature) << how << " #" << i;
      EXPECT_EQ(got[i].tx_id, one[i].tx_id) << how << " #" << i;
    }
  };
  same(verify_senders(c.chain_id(), txs, 2), "2 threads");
  same(verify_senders(c.chain_id(), txs, 5), "5 threads");
  // Helpers that start before, and the caller joining late.
  SenderVerification job(c.chain_id(), txs);
  std::vector<std::thread> helpers;
  for (int t = 0; t < 3; ++t) helpers.emplace_back([&job] { job.work(); });
  job.work();
  for (auto& th : helpers) th.join();
  same(job.take(), "3 helpers and the caller");

  // Read as a VerdictSource: in order while a helper checks (the reader checks what is left
  // unclaimed and waits only for the chunk in the helper's hands), and by the reader alone,
  // last first.
  auto read_all = [&](SenderVerification& source, bool backwards) {
    std::vector<VerifiedSender> got(source.size());
    for (size_t k = 0; k < source.size(); ++k) {
      const size_t i = backwards ? source.size() - 1 - k : k;
      got[i] = source.verdict(i);
    }
    return got;
  };
  SenderVerification streamed(c.chain_id(), txs);
  std::thread helper([&streamed] { streamed.work(); });
  std::vector<VerifiedSender> got = read_all(streamed, false);
  helper.join();
  same(got, "read in order beside a helper");
  SenderVerification alone(c.chain_id(), txs);
  same(read_all(alone, true), "read alone, last first");
}

}  // namespace
}  // namespace ans
