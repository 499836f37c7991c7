// Per-block and per-epoch effects: producer rewards from the pool, missed slots, unbonding
// releases, SP retirement, name releases, commitment clean-up, the active set and its
// activation, and begin_block's ordering checks (spec sections 2-5).
#include <gtest/gtest.h>

#include <map>

#include "ledger/rules/producers.h"
#include "ledger/state/keys.h"
#include "ledger/testing/test_chain.h"
#include "ledger/testing/test_helpers.h"

namespace ans {
namespace {

using testing::address_of;
using testing::signed_header;
using testing::sp_id_for;
using testing::sp_register_body;
using testing::sp_signing_key;
using testing::test_key;
using testing::TestChain;
using namespace ans::testing;  // dimt, plus, minus, kDay, SupplyWatch, …

const std::string kGenesis = "genesis-sp";
// 1,024,000 DIMT * 1 s / 86,400 s, rounded down to whole units.
const Amount kReward = Amount::from_units(11'851'851'851'851'851'851ULL);

const Amount kMinStake = dimt(5'000'000);



v1::SpState sp(TestChain& c, const std::string& label) {
  auto s = c.ledger().sp(sp_id_for(label));
  EXPECT_TRUE(s) << label;
  return s.value_or(v1::SpState());
}
Amount unclaimed(TestChain& c, const std::string& label) {
  return c.ledger().amount(sp(c, label).unclaimed_rewards());
}

TxStatus register_sp(TestChain& c, const PrivateKey& owner, const std::string& label,
                     const Amount& stake = kMinStake) {
  return c.submit(owner, [&](v1::Transaction& t) {
    *t.mutable_sp_register() = sp_register_body(label, stake);
  });
}

std::vector<std::string> ids(const google::protobuf::RepeatedPtrField<v1::ActiveSetMember>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.sp_id());
  return out;
}
std::vector<std::string> active_ids(TestChain& c) {
  const v1::ActiveSetState sets = c.ledger().active_sets();
  return ids(sets.active());
}

// Steps one slot at a time to the block before an epoch boundary, then jumps so that the
// boundary block starts at exactly `time_s`, and closes it (epoch processing runs).
void close_boundary_at(TestChain& c, uint64_t time_s) {
  const uint64_t e = c.params().epoch_length_blocks;
  while ((c.block().height + 1) % e != 0) c.next_block();
  c.advance_to_time(time_s);
  ASSERT_EQ(c.block().height % e, 0u);
  c.next_block();
}

// ---------------------------------------------------------------- rewards

TEST(BlockReward, EachBlockCreditsItsProducerFromThePool) {
  TestChain c;
  SupplyWatch watch(c);
  const Amount pool0 = c.genesis().reward_pool;
  // Block 1 has begun: its producer is already credited.
  EXPECT_EQ(unclaimed(c, kGenesis), kReward);
  EXPECT_EQ(c.ledger().reward_pool(), minus(pool0, kReward));
  for (int i = 0; i < 4; ++i) c.next_block();
  EXPECT_EQ(unclaimed(c, kGenesis), times(kReward, 5));
  EXPECT_EQ(c.ledger().reward_pool(), minus(pool0, times(kReward, 5)));
  EXPECT_EQ(sp(c, kGenesis).produced_blocks(), 5u);
  // A skipped slot earns nothing: the reward is per block, not per second.
  c.next_block(10);
  EXPECT_EQ(unclaimed(c, kGenesis), times(kReward, 6));

  ASSERT_TRUE(register_sp(c, test_key("bob"), "sp-b"));
  c.set_producer(sp_id_for("sp-b"));
  c.next_block();
  c.next_block();
  EXPECT_EQ(unclaimed(c, "sp-b"), times(kReward, 2));
  EXPECT_EQ(sp(c, "sp-b").produced_blocks(), 2u);
  EXPECT_EQ(unclaimed(c, kGenesis), times(kReward, 6));
}

TEST(BlockReward, ScalesWithTheBlockInterval) {
  ChainParams p = testing::test_params();
  p.block_interval_ms = 500;  // --dev
  TestChain c(p);
  SupplyWatch watch(c);
  c.next_block();
  // 1,024,000 DIMT * 0.5 s / 86,400 s, rounded down.
  EXPECT_EQ(unclaimed(c, kGenesis), times(Amount::from_units(5'925'925'925'925'925'925ULL), 2));
}

TEST(BlockReward, StopsWhenThePoolIsEmptyAndNothingIsMinted) {
  // A pool of 25 DIMT: two full rewards, a partial one, then nothing.
  TestChain c(testing::test_params(), [](GenesisConfig& g) {
    Amount keep = dimt(25);
    g.allocations[0].amount = plus(g.allocations[0].amount, minus(g.reward_pool, keep));
    g.reward_pool = keep;
  });
  SupplyWatch watch(c);
  EXPECT_EQ(unclaimed(c, kGenesis), kReward);
  c.next_block();
  EXPECT_EQ(unclaimed(c, kGenesis), times(kReward, 2));
  EXPECT_EQ(c.ledger().reward_pool(), minus(dimt(25), times(kReward, 2)));
  c.next_block();
  EXPECT_EQ(unclaimed(c, kGenesis), dimt(25));
  EXPECT_TRUE(c.ledger().reward_pool().is_zero());
  c.next_block();
  EXPECT_EQ(unclaimed(c, kGenesis), dimt(25));
  EXPECT_TRUE(c.ledger().reward_pool().is_zero());
  // Fees refill the pool, and the next block pays out exactly what is there.
  Amount fee = Amount::parse("0.5").value();
  ASSERT_TRUE(c.submit(test_key("alice"), [](v1::Transaction& t) {
    t.mutable_name_commit()->set_commitment(to_field(sha256(as_bytes("c"))));
  }));
  ASSERT_TRUE(c.submit(test_key("bob"), [](v1::Transaction& t) {
    t.mutable_name_commit()->set_commitment(to_field(sha256(as_bytes("d"))));
  }, fee));
  Amount fees = plus(c.params().min_tx_fee, fee);
  EXPECT_EQ(c.ledger().reward_pool(), fees);
  c.next_block();
  EXPECT_EQ(unclaimed(c, kGenesis), plus(dimt(25), fees));
  EXPECT_TRUE(c.ledger().reward_pool().is_zero());
}

// ---------------------------------------------------------------- missed slots

TEST(MissedSlots, CountedAgainstTheScheduledProducer) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, bob, "sp-a", plus(kMinStake, dimt(2'000))));
  ASSERT_TRUE(register_sp(c, bob, "sp-b", plus(kMinStake, dimt(1'000))));
  c.run_to_epoch_end();
  const std::vector<std::string> active = active_ids(c);
  ASSERT_EQ(active, (std::vector<std::string>{sp_id_for("sp-a"), sp_id_for("sp-b"),
                                               sp_id_for(kGenesis)}));
  std::map<std::string, uint64_t> expected;
  auto check = [&] {
    for (const auto& label : {"sp-a", "sp-b", "genesis-sp"}) {
      EXPECT_EQ(sp(c, label).missed_slots(), expected[sp_id_for(label)]) << label;
    }
  };
  auto skip = [&](uint64_t slots_later) {
    // Slot s belongs to active[s mod n]; every slot strictly between the two blocks is missed.
    for (uint64_t s = c.block().slot + 1; s < c.block().slot + slots_later; ++s) {
      expected[active[s % active.size()]] += 1;
    }
    c.next_block(slots_later);
  };
  check();
  skip(1);
  check();
  skip(5);  // 4 empty slots: one producer misses two
  check();
  skip(7);  // 6 empty slots: two each
  check();
  skip(2);
  check();
  EXPECT_GT(expected[sp_id_for("sp-a")], 0u);
}

// ---------------------------------------------------------------- epoch: unbonding

TxStatus unstake_dimt(TestChain& c, const PrivateKey& who, uint64_t n) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_unstake()->set_amount(to_field(dimt(n).to_bytes()));
  });
}

// `who` stakes 1,000 DIMT and unstakes 100; returns the time of that unstake and moves to
// the next block.
uint64_t stake_then_unstake_100(TestChain& c, const PrivateKey& who) {
  EXPECT_TRUE(c.submit(who, [](v1::Transaction& t) {
    t.mutable_stake()->set_amount(to_field(Amount::from_dimt(1'000).to_bytes()));
  }));
  EXPECT_TRUE(unstake_dimt(c, who, 100));
  uint64_t t = c.now_s();
  c.next_block();
  return t;
}

TEST(Epoch, UnbondingNotReleasedBeforeThreeDaysNorBetweenBoundaries) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  uint64_t t = stake_then_unstake_100(c, alice);
  ASSERT_TRUE(unstake_dimt(c, alice, 7));  // one second later
  c.next_block();
  Amount balance = c.balance(alice);
  EXPECT_EQ(c.supply().unbonding, dimt(107));

  // A boundary one second before the first is due releases nothing.
  close_boundary_at(c, t + 3 * kDay - 1);
  EXPECT_EQ(c.balance(alice), balance);
  EXPECT_EQ(c.supply().unbonding, dimt(107));
  // Due, but not at a boundary: still nothing.
  c.advance_to_time(t + 3 * kDay + 5);
  ASSERT_NE(c.block().height % c.params().epoch_length_blocks, 0u);
  c.next_block();
  EXPECT_EQ(c.balance(alice), balance);
}

TEST(Epoch, UnbondingReleasedAtTheBoundaryThatReachesItsTime) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  uint64_t t = stake_then_unstake_100(c, alice);
  ASSERT_TRUE(unstake_dimt(c, alice, 7));  // due one second after the first
  c.next_block();
  Amount balance = c.balance(alice);

  close_boundary_at(c, t + 3 * kDay);  // exactly three days after the first
  EXPECT_EQ(c.balance(alice), plus(balance, dimt(100)));
  EXPECT_EQ(c.supply().unbonding, dimt(7));
  c.run_to_epoch_end();
  EXPECT_EQ(c.balance(alice), plus(balance, dimt(107)));
  EXPECT_TRUE(c.supply().unbonding.is_zero());
  EXPECT_EQ(c.ledger().amount(c.ledger().account(address_of(alice)).staked()), dimt(893));
}

TEST(Epoch, SpRetiresAfterUnbondingAndItsOwnerGetsStakeAndRewardsBack) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, bob, "sp-a"));
  ASSERT_TRUE(register_sp(c, bob, "sp-b"));
  c.set_producer(sp_id_for("sp-a"));
  c.next_block();
  c.next_block();
  c.set_producer(sp_id_for(kGenesis));
  c.next_block();
  Amount rewards_a = unclaimed(c, "sp-a");
  ASSERT_EQ(rewards_a, times(kReward, 2));
  ASSERT_TRUE(c.submit(bob, [](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for("sp-a"));
  }));
  uint64_t t = c.now_s();
  c.next_block();
  ASSERT_TRUE(c.submit(bob, [](v1::Transaction& tx) {
    tx.mutable_sp_unregister()->set_sp_id(sp_id_for("sp-b"));
  }));
  c.next_block();
  Amount balance = c.balance(bob);
  ASSERT_EQ(c.ledger().sp_registry().sp_count(), 3u);

  close_boundary_at(c, t + 3 * kDay - 1);
  EXPECT_FALSE(sp(c, "sp-a").retired());
  EXPECT_EQ(c.balance(bob), balance);

  c.run_to_epoch_end();
  ASSERT_GE(c.now_s() - 1, t + 3 * kDay);  // the boundary that just closed
  EXPECT_TRUE(sp(c, "sp-a").retired());
  EXPECT_TRUE(sp(c, "sp-b").retired());
  EXPECT_EQ(c.balance(bob), plus(balance, plus(times(kMinStake, 2), rewards_a)));
  EXPECT_TRUE(c.ledger().amount(sp(c, "sp-a").self_stake()).is_zero());
  EXPECT_TRUE(unclaimed(c, "sp-a").is_zero());
  EXPECT_EQ(c.ledger().sp_registry().sp_count(), 1u);
  EXPECT_EQ(c.ledger().sp_registry().sp_ids_size(), 3);  // records stay
}

TEST(Epoch, SpRetiresExactlyWhenItsUnbondingEnds) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, bob, "sp-a"));
  ASSERT_TRUE(register_sp(c, bob, "sp-b"));
  ASSERT_TRUE(c.submit(bob, [](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for("sp-a"));
  }));
  uint64_t t = c.now_s();
  c.next_block();
  ASSERT_TRUE(c.submit(bob, [](v1::Transaction& tx) {
    tx.mutable_sp_unregister()->set_sp_id(sp_id_for("sp-b"));
  }));
  Amount balance = c.balance(bob);
  close_boundary_at(c, t + 3 * kDay);
  EXPECT_TRUE(sp(c, "sp-a").retired());
  EXPECT_FALSE(sp(c, "sp-b").retired());  // due one second later
  EXPECT_EQ(c.balance(bob), plus(balance, kMinStake));
  EXPECT_EQ(c.supply().unbonding, kMinStake);
}

TEST(Epoch, ReRegisteringARetiredSpLosesNoTokens) {
  // With no other eligible SP the active set is kept (the chain must not halt), so a retired
  // SP can go on producing and earning. Registering its id again must not destroy those
  // rewards: nothing burns after genesis (spec section 2).
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey owner = test_key("sp-owner"), bob = test_key("bob");
  ASSERT_TRUE(c.submit(owner, [](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for("genesis-sp"));
  }));
  c.advance_seconds(3 * kDay);
  c.run_to_epoch_end();
  ASSERT_TRUE(sp(c, kGenesis).retired());
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for(kGenesis)});
  c.next_block();
  Amount stuck = unclaimed(c, kGenesis);
  ASSERT_FALSE(stuck.is_zero());
  // While it is still in the active set its id cannot be registered again (its old key
  // would keep producing for the new owner)...
  EXPECT_EQ(register_sp(c, bob, kGenesis).code(), TxError::kSpExists);
  // ...but its owner can claim what it earned after retiring.
  Amount owner_balance = c.balance(owner);
  ASSERT_TRUE(c.submit(owner, [](v1::Transaction& t) {
    t.mutable_claim_rewards()->set_sp_id(sp_id_for("genesis-sp"));
  }));
  EXPECT_EQ(c.balance(owner), minus(plus(owner_balance, stuck), c.params().min_tx_fee));
  EXPECT_TRUE(unclaimed(c, kGenesis).is_zero());
}

// ---------------------------------------------------------------- epoch: names

TEST(Epoch, NameReleasedAfterGraceWithReverseRecordCleanUp) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  std::string carol_id = "carol@" + address_of(carol).to_string();
  ASSERT_TRUE(c.register_name(alice, "expiring", 1, carol_id));
  ASSERT_TRUE(c.register_name(bob, "later", 1, "moky@anywhere", "salt-2"));  // 3 s later
  auto set_primary = [&](const PrivateKey& who, const std::string& name) {
    return c.submit(who, [&](v1::Transaction& t) { t.mutable_set_primary_name()->set_name(name); });
  };
  ASSERT_TRUE(set_primary(alice, "expiring"));
  ASSERT_TRUE(set_primary(carol, "expiring"));
  ASSERT_TRUE(set_primary(bob, "later"));
  const uint64_t expiry = c.resolve("expiring").record->expiry_s();
  const uint64_t release = expiry + 30 * kDay;
  const uint64_t later_expiry = c.resolve("later").record->expiry_s();
  ASSERT_EQ(later_expiry, expiry + 3);
  ASSERT_TRUE(c.state().get(keys::expiry_index(expiry, "expiring")));

  close_boundary_at(c, release);  // exactly when its grace ends
  Resolution r = c.resolve("expiring");
  EXPECT_EQ(r.status, NameStatus::kReleased);
  ASSERT_TRUE(r.record);
  EXPECT_TRUE(r.record->released());
  EXPECT_TRUE(names_by_owner(c.state(), address_of(alice), "", 10).empty());
  EXPECT_FALSE(c.ledger().primary_name(address_of(alice)));
  EXPECT_FALSE(c.ledger().primary_name(address_of(carol)));
  EXPECT_FALSE(c.state().get(keys::expiry_index(expiry, "expiring")));
  // Three seconds short of its own release, the other name is untouched.
  EXPECT_FALSE(c.resolve("later").record->released());
  EXPECT_EQ(names_by_owner(c.state(), address_of(bob), "", 10), std::vector<std::string>{"later"});
  EXPECT_EQ(c.ledger().primary_name(address_of(bob)), "later");
  EXPECT_TRUE(c.state().get(keys::expiry_index(later_expiry, "later")));

  c.run_to_epoch_end();
  EXPECT_TRUE(c.resolve("later").record->released());
  EXPECT_TRUE(names_by_owner(c.state(), address_of(bob), "", 10).empty());
  EXPECT_FALSE(c.ledger().primary_name(address_of(bob)));
}

TEST(Epoch, RenewedNameIsNotReleasedAtItsOldExpiry) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.register_name(alice, "kept", 1, "moky@anywhere"));
  uint64_t expiry = c.resolve("kept").record->expiry_s();
  ASSERT_TRUE(c.submit(alice, [](v1::Transaction& t) {
    t.mutable_name_renew()->set_name("kept");
    t.mutable_name_renew()->set_years(1);
  }));
  close_boundary_at(c, expiry + 30 * kDay + 5);
  Resolution r = c.resolve("kept");
  EXPECT_EQ(r.status, NameStatus::kActive);
  EXPECT_FALSE(r.record->released());
  EXPECT_EQ(names_by_owner(c.state(), address_of(alice), "", 10),
            std::vector<std::string>{"kept"});
}

TEST(Epoch, StaleCommitmentsAreDropped) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Hash256 h = name_commitment("later", address_of(alice), c.salt("s"));
  ASSERT_TRUE(c.submit(alice, [&](v1::Transaction& t) {
    t.mutable_name_commit()->set_commitment(to_field(h));
  }));
  uint64_t t = c.now_s();
  close_boundary_at(c, t + kDay);  // exactly the maximum age: still usable, so kept
  EXPECT_TRUE(c.ledger().commitment(h));
  EXPECT_TRUE(c.state().get(keys::commitment_index(t, h)));
  c.run_to_epoch_end();
  EXPECT_FALSE(c.ledger().commitment(h));
  EXPECT_FALSE(c.state().get(keys::commitment_index(t, h)));
  TxStatus st = c.submit(alice, [&](v1::Transaction& tx) {
    auto* r = tx.mutable_name_register();
    r->set_name("later");
    r->set_salt(to_field(c.salt("s")));
    r->set_years(1);
    r->mutable_records()->set_target("moky@anywhere");
  });
  EXPECT_EQ(st.code(), TxError::kNoCommitment);
}

// ---------------------------------------------------------------- active set

TEST(ActiveSet, TopTwentyOneByWeightExcludingJailedAndUnbondingTiesBySpId) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  auto label = [](int i) { return std::string(i < 10 ? "s0" : "s") + std::to_string(i); };
  // s00..s22 weigh 5M + 1,000 * (i + 1); the genesis SP weighs 5M.
  for (int i = 0; i < 23; ++i) {
    ASSERT_TRUE(register_sp(c, i < 19 ? alice : bob, label(i),
                            plus(kMinStake, dimt(1'000 * static_cast<uint64_t>(i + 1)))));
  }
  // Carol's vote lifts the genesis SP to s00's weight: the tie goes to the smaller sp_id.
  ASSERT_TRUE(c.submit(carol, [](v1::Transaction& t) {
    t.mutable_stake()->set_amount(to_field(Amount::from_dimt(1'000).to_bytes()));
  }));
  ASSERT_TRUE(c.submit(carol, [](v1::Transaction& t) {
    t.mutable_vote()->add_sp_ids(sp_id_for("genesis-sp"));
  }));
  ASSERT_LT(sp_id_for(kGenesis), sp_id_for("s00"));
  // The heaviest is jailed, the next heaviest unbonding: neither may produce.
  v1::SignedBlockHeader a =
      signed_header(sp_signing_key("s22"), c.chain_id(), sp_id_for("s22"), 3, "a");
  v1::SignedBlockHeader b =
      signed_header(sp_signing_key("s22"), c.chain_id(), sp_id_for("s22"), 3, "b");
  ASSERT_TRUE(c.submit(carol, [&](v1::Transaction& t) {
    *t.mutable_evidence()->mutable_double_proposal()->mutable_first() = a;
    *t.mutable_evidence()->mutable_double_proposal()->mutable_second() = b;
  }));
  ASSERT_TRUE(c.submit(bob, [](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for("s21"));
  }));
  c.run_to_epoch_end();

  std::vector<std::string> expected;
  for (int i = 20; i >= 1; --i) expected.push_back(sp_id_for(label(i)));
  expected.push_back(sp_id_for(kGenesis));
  const v1::ActiveSetState sets = c.ledger().active_sets();
  EXPECT_EQ(ids(sets.active()), expected);
  ASSERT_EQ(sets.active_size(), 21);
  for (const auto& m : sets.active()) {
    EXPECT_EQ(m.signing_key(), c.ledger().sp(m.sp_id())->signing_key()) << m.sp_id();
  }
  EXPECT_EQ(compute_active_set(c.ledger(), 21).size(), 21u);
}

TEST(ActiveSet, PendingSetTakesEffectOnlyOnceTheFixingBlockIsFinal) {
  TestChain c;
  SupplyWatch watch(c);
  c.set_finality_lag(3);
  ASSERT_TRUE(register_sp(c, test_key("bob"), "sp-a"));
  c.run_to_epoch_end();
  const uint64_t fixed_at = c.block().height - 1;
  ASSERT_EQ(fixed_at % c.params().epoch_length_blocks, 0u);
  const std::vector<std::string> before = {sp_id_for(kGenesis)};
  std::vector<std::string> next = {sp_id_for(kGenesis), sp_id_for("sp-a")};  // equal weight
  std::sort(next.begin(), next.end());
  for (int i = 0; i < 2; ++i) {
    ASSERT_LT(c.block().final_height, fixed_at);
    v1::ActiveSetState sets = c.ledger().active_sets();
    EXPECT_EQ(ids(sets.active()), before) << "final height " << c.block().final_height;
    EXPECT_EQ(ids(sets.pending()), next);
    EXPECT_EQ(sets.pending_fixed_height(), fixed_at);
    c.next_block();
  }
  ASSERT_EQ(c.block().final_height, fixed_at);
  v1::ActiveSetState sets = c.ledger().active_sets();
  EXPECT_EQ(ids(sets.active()), next);
  EXPECT_EQ(sets.pending_size(), 0);
  EXPECT_EQ(sets.pending_fixed_height(), 0u);
}

TEST(ActiveSet, UnchangedSetLeavesNothingPending) {
  TestChain c;
  SupplyWatch watch(c);
  c.set_finality_lag(5);
  c.run_to_epoch_end();
  v1::ActiveSetState sets = c.ledger().active_sets();
  EXPECT_EQ(ids(sets.active()), std::vector<std::string>{sp_id_for(kGenesis)});
  EXPECT_EQ(sets.pending_size(), 0);
  EXPECT_EQ(sets.pending_fixed_height(), 0u);
}

TEST(ActiveSet, WithNoEligibleSpTheCurrentSetIsKept) {
  TestChain c;
  SupplyWatch watch(c);
  ASSERT_TRUE(c.submit(test_key("sp-owner"), [](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for("genesis-sp"));
  }));
  c.run_to_epoch_end();
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for(kGenesis)});
  EXPECT_EQ(c.ledger().active_sets().pending_fixed_height(), 0u);
}

// ---------------------------------------------------------------- begin_block

TEST(BeginBlock, RejectsABlockThatDoesNotFollowTheLastOne) {
  TestChain c;
  SupplyWatch watch(c);
  for (int i = 0; i < 3; ++i) c.next_block();
  // The store holds the state after the parent of the block being built.
  ApplyEnv env{c.params(), c.chain_id()};
  const BlockContext next = c.block();
  StateOverlay committed(c.store());
  v1::ChainCursorState cursor = LedgerState(committed).cursor();
  ASSERT_EQ(cursor.height() + 1, next.height);
  auto try_block = [&](uint64_t height, uint64_t slot) {
    BlockContext b = next;
    b.height = height;
    b.slot = slot;
    b.time_ms = c.genesis().genesis_time_ms + slot * c.params().block_interval_ms;
    StateOverlay o(c.store());
    return begin_block(env, b, o);
  };
  EXPECT_EQ(try_block(next.height + 1, next.slot).code(), Errc::kInvalidArgument);  // gap
  EXPECT_EQ(try_block(next.height - 1, next.slot).code(), Errc::kInvalidArgument);  // repeat
  EXPECT_EQ(try_block(next.height, cursor.slot()).code(), Errc::kInvalidArgument);  // same slot
  EXPECT_EQ(try_block(next.height, cursor.slot() - 1).code(), Errc::kInvalidArgument);
  EXPECT_TRUE(try_block(next.height, cursor.slot() + 1));
  EXPECT_TRUE(try_block(next.height, cursor.slot() + 100));
}

TEST(EndBlock, EpochWorkRunsOnlyAtBoundaries) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.submit(alice, [](v1::Transaction& t) {
    t.mutable_stake()->set_amount(to_field(Amount::from_dimt(10).to_bytes()));
  }));
  ASSERT_TRUE(c.submit(alice, [](v1::Transaction& t) {
    t.mutable_unstake()->set_amount(to_field(Amount::from_dimt(10).to_bytes()));
  }));
  uint64_t due = c.now_s() + 3 * kDay;
  c.advance_to_time(due + kYear);  // long due
  ASSERT_NE(c.block().height % c.params().epoch_length_blocks, 0u);
  ApplyEnv env{c.params(), c.chain_id()};
  StateOverlay o(c.state());
  ASSERT_TRUE(end_block(env, c.block(), o));
  EXPECT_TRUE(o.writes().empty());
  EXPECT_EQ(c.supply().unbonding, dimt(10));
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

TEST(BeginBlockOrder, TheFirstBlockCannotReuseTheGenesisSlot) {
  testing::TestChain c;  // genesis is at slot 0
  MemoryStore fresh;
  StateOverlay genesis(fresh);
  ASSERT_TRUE(apply_genesis(c.genesis(), genesis));
  fresh.apply(genesis.writes());
  StateOverlay block(fresh);
  BlockContext ctx;
  ctx.height = 1;
  ctx.slot = 0;
  ctx.time_ms = c.genesis().genesis_time_ms;
  ApplyEnv env{c.params(), c.chain_id()};
  EXPECT_EQ(begin_block(env, ctx, block).code(), Errc::kInvalidArgument);
  ctx.slot = 1;
  ctx.time_ms = c.genesis().genesis_time_ms + c.params().block_interval_ms;
  StateOverlay again(fresh);
  EXPECT_TRUE(begin_block(env, ctx, again));
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// The block's time is the start of its slot: a producer cannot move the chain's clock.
TEST(BeginBlockOrder, TimeMustBeTheSlotStartAndFinalityMonotonic) {
  testing::TestChain c;
  MemoryStore fresh;
  StateOverlay genesis(fresh);
  ASSERT_TRUE(apply_genesis(c.genesis(), genesis));
  fresh.apply(genesis.writes());
  ApplyEnv env{c.params(), c.chain_id()};
  uint64_t t0 = c.genesis().genesis_time_ms;
  auto ctx_at = [&](uint64_t height, uint64_t slot, uint64_t time_ms, uint64_t final_height) {
    BlockContext ctx;
    ctx.height = height;
    ctx.slot = slot;
    ctx.time_ms = time_ms;
    ctx.final_height = final_height;
    return ctx;
  };
  uint64_t interval = c.params().block_interval_ms;
  {
    StateOverlay o(fresh);  // three days ahead of slot 5's time: refused
    EXPECT_EQ(begin_block(env, ctx_at(1, 5, t0 + 5 * interval + 3 * 86'400'000ULL, 0), o).code(),
              Errc::kInvalidArgument);
  }
  {
    StateOverlay o(fresh);  // behind
    EXPECT_EQ(begin_block(env, ctx_at(1, 5, t0 + 4 * interval, 0), o).code(), Errc::kInvalidArgument);
  }
  {
    StateOverlay o(fresh);  // final height not below the block's own height
    EXPECT_EQ(begin_block(env, ctx_at(1, 5, t0 + 5 * interval, 1), o).code(), Errc::kInvalidArgument);
  }
  StateOverlay b1(fresh);
  ASSERT_TRUE(begin_block(env, ctx_at(1, 5, t0 + 5 * interval, 0), b1));
  fresh.apply(b1.writes());
  StateOverlay b2(fresh);
  ASSERT_TRUE(begin_block(env, ctx_at(2, 7, t0 + 7 * interval, 1), b2));
  fresh.apply(b2.writes());
  StateOverlay b3(fresh);  // finality going backwards: refused
  EXPECT_EQ(begin_block(env, ctx_at(3, 8, t0 + 8 * interval, 0), b3).code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ans
