// SP registration and upkeep, staking and approval voting, rewards, evidence, slashing and
// jail (spec sections 4 and 5).
#include "ledger/rules/producers.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ledger/testing/test_chain.h"
#include "ledger/testing/test_helpers.h"

namespace ans {
namespace {

using testing::address_of;
using testing::signed_header;
using testing::signed_vote;
using testing::sp_id_for;
using testing::sp_register_body;
using testing::sp_signing_key;
using testing::test_key;
using testing::TestChain;
using namespace ans::testing;  // dimt, plus, minus, kDay, SupplyWatch, …

const std::string kGenesis = "genesis-sp";

std::string amount_field(const Amount& a) { return to_field(a.to_bytes()); }
const Amount kMinStake = dimt(5'000'000);

// Spec section 2's invariant, on the block being built and on every committed block.


TxStatus register_sp(TestChain& c, const PrivateKey& owner, const std::string& label,
                     const Amount& stake = kMinStake,
                     const std::function<void(v1::SpRegister&)>& change = nullptr) {
  return c.submit(owner, [&](v1::Transaction& t) {
    *t.mutable_sp_register() = sp_register_body(label, stake);
    if (change) change(*t.mutable_sp_register());
  });
}

v1::SpState sp(TestChain& c, const std::string& label) {
  auto s = c.ledger().sp(sp_id_for(label));
  EXPECT_TRUE(s) << label;
  return s.value_or(v1::SpState());
}
Amount self_stake(TestChain& c, const std::string& label) {
  return c.ledger().amount(sp(c, label).self_stake());
}
Amount votes_received(TestChain& c, const std::string& label) {
  return c.ledger().amount(sp(c, label).votes_received());
}
Amount unclaimed(TestChain& c, const std::string& label) {
  return c.ledger().amount(sp(c, label).unclaimed_rewards());
}
Amount staked(TestChain& c, const PrivateKey& who) {
  return c.ledger().amount(c.ledger().account(address_of(who)).staked());
}

std::vector<std::string> active_ids(TestChain& c) {
  std::vector<std::string> out;
  const v1::ActiveSetState sets = c.ledger().active_sets();
  for (const auto& m : sets.active()) out.push_back(m.sp_id());
  return out;
}

TxStatus sp_update(TestChain& c, const PrivateKey& owner, const std::string& label,
                   const std::function<void(v1::SpUpdate&)>& change = nullptr) {
  return c.submit(owner, [&](v1::Transaction& t) {
    v1::SpRegister base = sp_register_body(label, kMinStake);
    auto* u = t.mutable_sp_update();
    u->set_sp_id(base.sp_id());
    u->set_url(base.url());
    *u->mutable_stations() = base.stations();
    u->set_signing_key(base.signing_key());
    if (change) change(*u);
  });
}

TxStatus unregister(TestChain& c, const PrivateKey& owner, const std::string& label) {
  return c.submit(owner, [&](v1::Transaction& t) {
    t.mutable_sp_unregister()->set_sp_id(sp_id_for(label));
  });
}

TxStatus stake(TestChain& c, const PrivateKey& who, const Amount& amount) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_stake()->set_amount(amount_field(amount));
  });
}

TxStatus unstake(TestChain& c, const PrivateKey& who, const Amount& amount) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_unstake()->set_amount(amount_field(amount));
  });
}

TxStatus vote(TestChain& c, const PrivateKey& who, const std::vector<std::string>& labels) {
  return c.submit(who, [&](v1::Transaction& t) {
    v1::Vote* v = t.mutable_vote();  // set even when empty: an empty list withdraws
    for (const auto& l : labels) v->add_sp_ids(sp_id_for(l));
  });
}

TxStatus claim(TestChain& c, const PrivateKey& who, const std::string& label) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_claim_rewards()->set_sp_id(sp_id_for(label));
  });
}

TxStatus unjail(TestChain& c, const PrivateKey& who, const std::string& label) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_unjail()->set_sp_id(sp_id_for(label));
  });
}

TxStatus send(TestChain& c, const PrivateKey& from, const PrivateKey& to, const Amount& amount) {
  return c.submit(from, [&](v1::Transaction& t) {
    t.mutable_transfer()->set_to(to_field(address_of(to).bytes()));
    t.mutable_transfer()->set_amount(amount_field(amount));
  });
}

v1::Evidence proposals(const v1::SignedBlockHeader& a, const v1::SignedBlockHeader& b) {
  v1::Evidence ev;
  *ev.mutable_double_proposal()->mutable_first() = a;
  *ev.mutable_double_proposal()->mutable_second() = b;
  return ev;
}

v1::Evidence votes(const v1::SignedBlockVote& a, const v1::SignedBlockVote& b) {
  v1::Evidence ev;
  *ev.mutable_double_vote()->mutable_first() = a;
  *ev.mutable_double_vote()->mutable_second() = b;
  return ev;
}

TxStatus submit_evidence(TestChain& c, const PrivateKey& who, const v1::Evidence& ev) {
  return c.submit(who, [&](v1::Transaction& t) { *t.mutable_evidence() = ev; });
}

// ---------------------------------------------------------------- SpRegister

TEST(SpRegister, RegistersAndLocksTheSelfStake) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Amount before = c.balance(alice);
  ASSERT_TRUE(register_sp(c, alice, "sp-a"));  // exactly the 5M minimum
  EXPECT_EQ(c.balance(alice), minus(before, plus(kMinStake, c.params().min_tx_fee)));
  v1::SpState s = sp(c, "sp-a");
  EXPECT_EQ(s.owner(), to_field(address_of(alice).bytes()));
  EXPECT_EQ(s.display_name(), "SP sp-a");
  EXPECT_EQ(s.url(), "https://sp-a.example");
  ASSERT_EQ(s.stations_size(), 1);
  EXPECT_EQ(s.stations(0).host(), "sp-a.example");
  EXPECT_EQ(s.stations(0).port(), 9394u);
  EXPECT_EQ(s.signing_key(), to_field(sp_signing_key("sp-a").public_key().compressed()));
  EXPECT_EQ(self_stake(c, "sp-a"), kMinStake);
  EXPECT_TRUE(votes_received(c, "sp-a").is_zero());
  EXPECT_EQ(s.registered_height(), c.block().height);
  EXPECT_EQ(s.jailed_until_s(), 0u);
  EXPECT_EQ(s.unbonding_until_s(), 0u);
  v1::SpRegistryState reg = c.ledger().sp_registry();
  EXPECT_EQ(reg.sp_count(), 2u);
  std::vector<std::string> ids(reg.sp_ids().begin(), reg.sp_ids().end());
  std::vector<std::string> expected = {sp_id_for(kGenesis), sp_id_for("sp-a")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(c.supply().sp_stakes, dimt(10'000'000));
  c.next_block();
}

TEST(SpRegister, SelfStakeMinimumIsInclusive) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Amount before = c.balance(alice);
  TxStatus st = register_sp(c, alice, "sp-low", minus(kMinStake, units(1)));
  EXPECT_EQ(st.code(), TxError::kStakeTooLow) << st.to_string();
  EXPECT_EQ(c.balance(alice), before);
  EXPECT_FALSE(c.ledger().sp(sp_id_for("sp-low")));
  EXPECT_EQ(c.ledger().sp_registry().sp_count(), 1u);
  EXPECT_TRUE(register_sp(c, alice, "sp-low", kMinStake));
  EXPECT_TRUE(register_sp(c, alice, "sp-more", plus(kMinStake, units(1))));
  EXPECT_EQ(self_stake(c, "sp-more"), plus(kMinStake, units(1)));
}

TEST(SpRegister, StakeMustBeAffordable) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  TxStatus st = register_sp(c, alice, "sp-rich", dimt(200'000'000));
  EXPECT_EQ(st.code(), TxError::kInsufficientFunds) << st.to_string();
  EXPECT_FALSE(c.ledger().sp(sp_id_for("sp-rich")));
}

TEST(SpRegister, IdMustBeAnIspOrLegacyProviderIdWithoutTerminal) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  auto typed = [](const std::string& label, uint8_t network) {
    auto a = BtcAddress::from_public_key(test_key("sp-id/" + label).public_key().compressed(),
                                         network);
    return label + "@" + a.value().to_string();
  };
  auto with_id = [](const std::string& id) {
    return [id](v1::SpRegister& r) { r.set_sp_id(id); };
  };
  const std::vector<std::string> bad = {
      typed("user", 0x00),
      typed("station", 0x02),
      typed("bot", 0x04),
      typed("legacy-station", 0x88),
      "sp@" + address_of(test_key("x")).to_string(),  // ETH-style: a user
      "station@anywhere",
      "not-an-id",
      "",
      sp_id_for("term") + "/node1",
  };
  for (const auto& id : bad) {
    TxStatus st = register_sp(c, alice, "bad", kMinStake, with_id(id));
    EXPECT_EQ(st.code(), TxError::kBadSpId) << "'" << id << "': " << st.to_string();
  }
  EXPECT_EQ(c.ledger().sp_registry().sp_count(), 1u);
  std::string legacy = typed("legacy", 0x76);
  EXPECT_TRUE(register_sp(c, alice, "legacy", kMinStake, with_id(legacy)));
  EXPECT_TRUE(c.ledger().sp(legacy));
  std::string bare = typed("bare", 0x03).substr(5);  // the address alone is an ID too
  EXPECT_TRUE(register_sp(c, alice, "bare", kMinStake, with_id(bare)));
}

TEST(SpRegister, RegisteredIdRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, alice, "sp-a"));
  auto other_key = [](v1::SpRegister& r) {
    r.set_signing_key(to_field(test_key("fresh").public_key().compressed()));
  };
  EXPECT_EQ(register_sp(c, bob, "sp-a", kMinStake, other_key).code(), TxError::kSpExists);
  EXPECT_EQ(register_sp(c, bob, kGenesis, kMinStake, other_key).code(), TxError::kSpExists);
}

TEST(SpRegister, RegistryCapIsEnforced) {
  // The cap is the same comparison at 1,024 (the spec default, pinned in
  // SpecDefaults.ChainParams); a cap of 3 tests it without 1,024 registrations.
  ChainParams p = testing::test_params();
  p.max_sps = 3;
  TestChain c(p);
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(register_sp(c, alice, "sp-1"));
  ASSERT_TRUE(register_sp(c, alice, "sp-2"));
  Amount before = c.balance(alice);
  TxStatus st = register_sp(c, alice, "sp-3");
  EXPECT_EQ(st.code(), TxError::kSpLimit) << st.to_string();
  EXPECT_EQ(c.balance(alice), before);
  // Unbonding SPs still count; a retired one frees its place.
  ASSERT_TRUE(unregister(c, alice, "sp-1"));
  c.next_block();
  EXPECT_EQ(register_sp(c, alice, "sp-3").code(), TxError::kSpLimit);
  c.advance_seconds(3 * kDay);
  c.run_to_epoch_end();
  EXPECT_TRUE(sp(c, "sp-1").retired());
  EXPECT_EQ(c.ledger().sp_registry().sp_count(), 2u);
  EXPECT_TRUE(register_sp(c, alice, "sp-3"));
  EXPECT_EQ(c.ledger().sp_registry().sp_count(), 3u);
  c.next_block();
}

TEST(SpRegister, StationsAndDescriptionBounds) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  auto stations = [](int n) {
    return [n](v1::SpRegister& r) {
      r.clear_stations();
      for (int i = 0; i < n; ++i) {
        auto* s = r.add_stations();
        s->set_id("station@anywhere");
        s->set_host("s" + std::to_string(i) + ".example");
        s->set_port(9394);
      }
    };
  };
  auto station = [](const std::string& id, const std::string& host, uint32_t port) {
    return [=](v1::SpRegister& r) {
      r.mutable_stations(0)->set_id(id);
      r.mutable_stations(0)->set_host(host);
      r.mutable_stations(0)->set_port(port);
    };
  };
  const std::vector<std::pair<std::string, std::function<void(v1::SpRegister&)>>> bad = {
      {"17 stations", stations(17)},
      {"port 0", station("station@anywhere", "h.example", 0)},
      {"port 65536", station("station@anywhere", "h.example", 65'536)},
      {"empty host", station("station@anywhere", "", 9394)},
      {"host with a space", station("station@anywhere", "h .example", 9394)},
      {"host of 254 bytes", station("station@anywhere", std::string(254, 'h'), 9394)},
      {"station id", station("not an id", "h.example", 9394)},
      {"empty display name", [](v1::SpRegister& r) { r.set_display_name(""); }},
      {"65-byte display name", [](v1::SpRegister& r) { r.set_display_name(std::string(65, 'd')); }},
      {"257-byte url", [](v1::SpRegister& r) { r.set_url(std::string(257, 'u')); }},
      // The display name is UTF-8 without control characters, the URL printable ASCII
      // without spaces: the checks genesis makes too (ledger/rules/sp_data.h).
      {"tab in the display name", [](v1::SpRegister& r) { r.set_display_name("tab\there"); }},
      {"C1 control in the display name",
       [](v1::SpRegister& r) { r.set_display_name("c1 \xc2\x85"); }},
      {"truncated UTF-8 display name",
       [](v1::SpRegister& r) { r.set_display_name("bad \xc3"); }},
      {"overlong UTF-8 display name",
       [](v1::SpRegister& r) { r.set_display_name("\xc0\xaf"); }},
      {"surrogate in the display name",
       [](v1::SpRegister& r) { r.set_display_name("\xed\xa0\x80"); }},
      {"url with a space", [](v1::SpRegister& r) { r.set_url("https://a b.example"); }},
      {"url with a control byte", [](v1::SpRegister& r) { r.set_url("https://a\x01.example"); }},
      {"url with a newline", [](v1::SpRegister& r) { r.set_url("https://a.example\n"); }},
      {"url not ASCII", [](v1::SpRegister& r) { r.set_url("https://\xc3\xa9.example"); }},
  };
  for (const auto& [what, change] : bad) {
    TxStatus st = register_sp(c, alice, "sp-bad", kMinStake, change);
    EXPECT_EQ(st.code(), TxError::kBadSpData) << what << ": " << st.to_string();
  }
  EXPECT_FALSE(c.ledger().sp(sp_id_for("sp-bad")));
  const std::vector<std::pair<std::string, std::function<void(v1::SpRegister&)>>> good = {
      {"16 stations", stations(16)},
      {"no station", stations(0)},
      {"port 65535", station("station@anywhere", "h.example", 65'535)},
      {"port 1", station("station@anywhere", "h.example", 1)},
      {"host of 253 bytes", station("station@anywhere", std::string(253, 'h'), 9394)},
      {"64-byte display name", [](v1::SpRegister& r) { r.set_display_name(std::string(64, 'd')); }},
      {"256-byte url", [](v1::SpRegister& r) { r.set_url(std::string(256, 'u')); }},
      {"empty url", [](v1::SpRegister& r) { r.set_url(""); }},
      {"UTF-8 display name", [](v1::SpRegister& r) {
         r.set_display_name("\xe4\xb8\xad\xe6\x96\x87 SP \xf0\x9f\x9b\xb0");
       }},
  };
  int i = 0;
  for (const auto& [what, change] : good) {
    std::string label = "sp-good-" + std::to_string(i++);
    TxStatus st = register_sp(c, alice, label, kMinStake, change);
    EXPECT_TRUE(st) << what << ": " << st.to_string();
  }
  EXPECT_EQ(sp(c, "sp-good-0").stations_size(), 16);
}

TEST(SpRegister, SigningKeyMustBeAValidUnusedPoint) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), owner = test_key("sp-owner");
  auto key = [](const std::string& bytes) {
    return [bytes](v1::SpRegister& r) { r.set_signing_key(bytes); };
  };
  EXPECT_EQ(register_sp(c, alice, "sp-k", kMinStake,
                        key(std::string(1, '\x02') + std::string(32, '\xff'))).code(),
            TxError::kBadSigningKey);
  EXPECT_EQ(register_sp(c, alice, "sp-k", kMinStake,
                        key(std::string(1, '\x05') + std::string(32, '\x01'))).code(),
            TxError::kBadSigningKey);
  std::string genesis_key = to_field(sp_signing_key(kGenesis).public_key().compressed());
  EXPECT_EQ(register_sp(c, alice, "sp-k", kMinStake, key(genesis_key)).code(),
            TxError::kSigningKeyInUse);
  // A key an SP used before still identifies it (evidence may be signed with it).
  ASSERT_TRUE(sp_update(c, owner, kGenesis, [](v1::SpUpdate& u) {
    u.set_signing_key(to_field(test_key("genesis-sp/new").public_key().compressed()));
  }));
  EXPECT_EQ(register_sp(c, alice, "sp-k", kMinStake, key(genesis_key)).code(),
            TxError::kSigningKeyInUse);
  EXPECT_TRUE(register_sp(c, alice, "sp-k"));
}

// ---------------------------------------------------------------- SpUpdate, SpUnregister

TEST(SpUpdate, OwnerReplacesStationsUrlAndKey) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey owner = test_key("sp-owner");
  std::string old_key = sp(c, kGenesis).signing_key();
  std::string new_key = to_field(test_key("genesis-sp/next").public_key().compressed());
  ASSERT_TRUE(sp_update(c, owner, kGenesis, [&](v1::SpUpdate& u) {
    u.set_url("https://moved.example");
    u.clear_stations();
    for (const char* host : {"a.example", "b.example"}) {
      auto* s = u.add_stations();
      s->set_id("station@anywhere");
      s->set_host(host);
      s->set_port(443);
    }
    u.set_signing_key(new_key);
  }));
  v1::SpState s = sp(c, kGenesis);
  EXPECT_EQ(s.url(), "https://moved.example");
  ASSERT_EQ(s.stations_size(), 2);
  EXPECT_EQ(s.stations(1).host(), "b.example");
  EXPECT_EQ(s.signing_key(), new_key);
  ASSERT_EQ(s.past_signing_keys_size(), 1);
  EXPECT_EQ(s.past_signing_keys(0), old_key);
  EXPECT_EQ(s.display_name(), "Genesis SP");  // not part of an update
  EXPECT_EQ(self_stake(c, kGenesis), kMinStake);
}

TEST(SpUpdate, Rejections) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey owner = test_key("sp-owner"), alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, alice, "sp-a"));
  EXPECT_EQ(sp_update(c, bob, kGenesis).code(), TxError::kNotOwner);
  EXPECT_EQ(sp_update(c, alice, kGenesis).code(), TxError::kNotOwner);
  EXPECT_EQ(sp_update(c, owner, "nobody").code(), TxError::kSpNotFound);
  EXPECT_EQ(sp_update(c, owner, kGenesis, [&](v1::SpUpdate& u) {
              u.set_signing_key(sp(c, "sp-a").signing_key());
            }).code(),
            TxError::kSigningKeyInUse);
  EXPECT_EQ(sp_update(c, owner, kGenesis, [](v1::SpUpdate& u) {
              u.mutable_stations(0)->set_port(0);
            }).code(),
            TxError::kBadSpData);
  EXPECT_EQ(sp_update(c, owner, kGenesis, [](v1::SpUpdate& u) {
              u.set_url("https://sp.example/\x7f");
            }).code(),
            TxError::kBadSpData);
  ASSERT_TRUE(unregister(c, alice, "sp-a"));
  EXPECT_EQ(sp_update(c, alice, "sp-a").code(), TxError::kSpInactive);
  EXPECT_EQ(sp(c, kGenesis).url(), "https://sp.example");
}

TEST(SpUnregister, StartsThreeDaysOfUnbonding) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(register_sp(c, alice, "sp-a"));
  c.next_block();
  SupplyBreakdown before = c.supply();
  EXPECT_EQ(unregister(c, bob, "sp-a").code(), TxError::kNotOwner);
  EXPECT_EQ(unregister(c, alice, "nobody").code(), TxError::kSpNotFound);
  ASSERT_TRUE(unregister(c, alice, "sp-a"));
  EXPECT_EQ(sp(c, "sp-a").unbonding_until_s(), c.now_s() + 3 * kDay);
  EXPECT_EQ(c.supply().sp_stakes, minus(before.sp_stakes, kMinStake));
  EXPECT_EQ(c.supply().unbonding, plus(before.unbonding, kMinStake));
  EXPECT_EQ(unregister(c, alice, "sp-a").code(), TxError::kSpInactive);
  c.next_block();
}

// ---------------------------------------------------------------- staking and voting

class Voting : public ::testing::Test {
 protected:
  void SetUp() override {
      ASSERT_TRUE(register_sp(c, bob, "sp-a"));
    ASSERT_TRUE(register_sp(c, bob, "sp-b"));
    c.next_block();
  }
  TestChain c;
  SupplyWatch watch{c};
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
};

TEST_F(Voting, StakeLocksTokens) {
  Amount before = c.balance(alice);
  ASSERT_TRUE(stake(c, alice, dimt(1'000)));
  EXPECT_EQ(c.balance(alice), minus(before, plus(dimt(1'000), c.params().min_tx_fee)));
  EXPECT_EQ(staked(c, alice), dimt(1'000));
  EXPECT_EQ(c.supply().voter_stakes, dimt(1'000));
  EXPECT_EQ(stake(c, alice, Amount()).code(), TxError::kBadAmount);
  EXPECT_EQ(stake(c, alice, c.balance(alice)).code(), TxError::kInsufficientFunds);  // + fee
  EXPECT_EQ(staked(c, alice), dimt(1'000));
  c.next_block();
}

TEST_F(Voting, ApprovalGivesEachChosenSpTheWholeStake) {
  ASSERT_TRUE(stake(c, alice, dimt(1'000)));
  ASSERT_TRUE(vote(c, alice, {"sp-b", "sp-a", kGenesis}));
  for (const auto& l : {"sp-a", "sp-b", "genesis-sp"}) {
    EXPECT_EQ(votes_received(c, l), dimt(1'000)) << l;
    EXPECT_EQ(sp_weight(c.ledger(), sp(c, l)), plus(kMinStake, dimt(1'000))) << l;
  }
  auto account = c.ledger().account(address_of(alice));
  std::vector<std::string> listed(account.votes().begin(), account.votes().end());
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  EXPECT_EQ(listed.size(), 3u);
  ASSERT_TRUE(stake(c, carol, dimt(500)));
  ASSERT_TRUE(vote(c, carol, {"sp-a"}));
  EXPECT_EQ(votes_received(c, "sp-a"), dimt(1'500));
  EXPECT_EQ(votes_received(c, "sp-b"), dimt(1'000));
  c.next_block();
}

TEST_F(Voting, ChangingVotesMovesTheWeight) {
  ASSERT_TRUE(stake(c, alice, dimt(1'000)));
  ASSERT_TRUE(vote(c, alice, {"sp-a", kGenesis}));
  ASSERT_TRUE(vote(c, alice, {"sp-b"}));
  EXPECT_TRUE(votes_received(c, "sp-a").is_zero());
  EXPECT_TRUE(votes_received(c, kGenesis).is_zero());
  EXPECT_EQ(votes_received(c, "sp-b"), dimt(1'000));
  ASSERT_TRUE(vote(c, alice, {}));  // withdraws every vote; the stake stays
  EXPECT_TRUE(votes_received(c, "sp-b").is_zero());
  EXPECT_EQ(staked(c, alice), dimt(1'000));
}

TEST_F(Voting, VotingBeforeStakingCarriesNoWeightUntilStaked) {
  ASSERT_TRUE(vote(c, alice, {"sp-a", "sp-b"}));
  EXPECT_TRUE(votes_received(c, "sp-a").is_zero());
  ASSERT_TRUE(stake(c, alice, dimt(700)));
  EXPECT_EQ(votes_received(c, "sp-a"), dimt(700));
  EXPECT_EQ(votes_received(c, "sp-b"), dimt(700));
  ASSERT_TRUE(stake(c, alice, dimt(300)));  // more stake: more weight for every chosen SP
  EXPECT_EQ(votes_received(c, "sp-a"), dimt(1'000));
  EXPECT_EQ(votes_received(c, "sp-b"), dimt(1'000));
  EXPECT_TRUE(votes_received(c, kGenesis).is_zero());
  c.next_block();
}

TEST_F(Voting, UnstakeRemovesWeightAndUnbonds) {
  ASSERT_TRUE(stake(c, alice, dimt(1'000)));
  ASSERT_TRUE(vote(c, alice, {"sp-a", "sp-b"}));
  c.next_block();
  Amount balance = c.balance(alice);
  ASSERT_TRUE(unstake(c, alice, dimt(300)));
  const Amount fee = c.params().min_tx_fee;
  EXPECT_EQ(c.balance(alice), minus(balance, fee));  // not spendable yet
  EXPECT_EQ(staked(c, alice), dimt(700));
  EXPECT_EQ(votes_received(c, "sp-a"), dimt(700));
  EXPECT_EQ(votes_received(c, "sp-b"), dimt(700));
  EXPECT_EQ(c.supply().unbonding, dimt(300));
  EXPECT_EQ(c.supply().voter_stakes, dimt(700));
  // Unbonding tokens cannot move.
  Amount all = minus(c.balance(alice), fee);
  EXPECT_EQ(send(c, alice, carol, plus(all, units(1))).code(), TxError::kInsufficientFunds);
  EXPECT_EQ(unstake(c, alice, plus(dimt(700), units(1))).code(), TxError::kInsufficientStake);
  EXPECT_EQ(unstake(c, alice, Amount()).code(), TxError::kBadAmount);
  EXPECT_EQ(staked(c, alice), dimt(700));
  ASSERT_TRUE(unstake(c, alice, dimt(700)));  // all of it
  EXPECT_TRUE(staked(c, alice).is_zero());
  EXPECT_TRUE(votes_received(c, "sp-a").is_zero());
  c.next_block();
}

TEST_F(Voting, VoteListRules) {
  ASSERT_TRUE(stake(c, alice, dimt(1'000)));
  ASSERT_TRUE(vote(c, alice, {"sp-a"}));
  EXPECT_EQ(vote(c, alice, {"sp-b", "sp-b"}).code(), TxError::kDuplicateVote);
  EXPECT_EQ(vote(c, alice, {"sp-b", "nobody"}).code(), TxError::kUnknownSp);
  EXPECT_EQ(c.submit(alice, [](v1::Transaction& t) { t.mutable_vote()->add_sp_ids("garbage"); })
                .code(),
            TxError::kUnknownSp);
  // A rejected vote leaves the old one in place.
  EXPECT_EQ(votes_received(c, "sp-a"), dimt(1'000));
  EXPECT_TRUE(votes_received(c, "sp-b").is_zero());
}

TEST(Vote, AtMostThirtySps) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  std::vector<std::string> labels = {kGenesis};
  for (int i = 0; i < 30; ++i) {
    std::string label = "v" + std::to_string(i);
    ASSERT_TRUE(register_sp(c, i < 19 ? alice : bob, label));
    labels.push_back(label);
  }
  ASSERT_EQ(labels.size(), 31u);
  ASSERT_TRUE(stake(c, carol, dimt(42)));
  std::vector<std::string> thirty(labels.begin(), labels.begin() + 30);
  Amount before = c.balance(carol);
  TxStatus st = vote(c, carol, labels);
  EXPECT_EQ(st.code(), TxError::kTooManyVotes) << st.to_string();
  EXPECT_EQ(c.balance(carol), before);
  EXPECT_TRUE(votes_received(c, labels[30]).is_zero());
  ASSERT_TRUE(vote(c, carol, thirty));
  for (const auto& l : thirty) EXPECT_EQ(votes_received(c, l), dimt(42)) << l;
  EXPECT_TRUE(votes_received(c, labels[30]).is_zero());
  c.next_block();
}

TEST(Vote, RetiredSpIsUnknown) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), carol = test_key("carol");
  ASSERT_TRUE(register_sp(c, alice, "sp-gone"));
  ASSERT_TRUE(stake(c, carol, dimt(10)));
  ASSERT_TRUE(vote(c, carol, {"sp-gone"}));
  ASSERT_TRUE(unregister(c, alice, "sp-gone"));
  // Unbonding: still known.
  EXPECT_TRUE(vote(c, carol, {"sp-gone", kGenesis}));
  c.advance_seconds(3 * kDay);
  c.run_to_epoch_end();
  ASSERT_TRUE(sp(c, "sp-gone").retired());
  EXPECT_EQ(vote(c, carol, {"sp-gone"}).code(), TxError::kUnknownSp);
  // Its owner may still claim what it earned (here: nothing, it never produced).
  EXPECT_EQ(claim(c, alice, "sp-gone").code(), TxError::kNothingToClaim);
  EXPECT_EQ(unregister(c, alice, "sp-gone").code(), TxError::kSpNotFound);
  // Dropping it from the list still works and releases the weight it held.
  ASSERT_TRUE(vote(c, carol, {kGenesis}));
  EXPECT_TRUE(votes_received(c, "sp-gone").is_zero());
  c.next_block();
}

// ---------------------------------------------------------------- rewards

TEST(ClaimRewards, OwnerMovesUnclaimedRewardsToBalance) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey owner = test_key("sp-owner"), bob = test_key("bob");
  for (int i = 0; i < 3; ++i) c.next_block();
  Amount earned = unclaimed(c, kGenesis);
  ASSERT_FALSE(earned.is_zero());
  EXPECT_EQ(claim(c, bob, kGenesis).code(), TxError::kNotOwner);
  EXPECT_EQ(claim(c, owner, "nobody").code(), TxError::kSpNotFound);
  Amount before = c.balance(owner);
  ASSERT_TRUE(claim(c, owner, kGenesis));
  EXPECT_EQ(c.balance(owner), minus(plus(before, earned), c.params().min_tx_fee));
  EXPECT_TRUE(unclaimed(c, kGenesis).is_zero());
  EXPECT_EQ(claim(c, owner, kGenesis).code(), TxError::kNothingToClaim);
  c.next_block();
}

// ---------------------------------------------------------------- evidence, slashing, jail

// Genesis SP and "sp-b" (owned by bob) both in the active set.
class Slashing : public ::testing::Test {
 protected:
  void SetUp() override {
      ASSERT_TRUE(register_sp(c, bob, "sp-b"));
    c.run_to_epoch_end();
    ASSERT_EQ(active_ids(c).size(), 2u);
  }
  v1::SignedBlockHeader header(const std::string& variant, uint64_t slot = 7,
                               const std::string& label = kGenesis) {
    return signed_header(sp_signing_key(label), c.chain_id(), sp_id_for(label), slot, variant);
  }
  v1::SignedBlockVote block_vote(const std::string& variant, uint64_t height = 7,
                                 const std::string& label = kGenesis) {
    return signed_vote(sp_signing_key(label), c.chain_id(), sp_id_for(label), height, variant);
  }
  // Applies evidence from carol; checks the slash (10% to the pool), jail and removal.
  void expect_slashed(const v1::Evidence& ev) {
    Amount stake_before = self_stake(c, kGenesis);
    Amount pool = c.ledger().reward_pool();
    Amount penalty = stake_before.div(10);
    TxStatus st = submit_evidence(c, carol, ev);
    ASSERT_TRUE(st) << st.to_string();
    EXPECT_EQ(self_stake(c, kGenesis), minus(stake_before, penalty));
    EXPECT_EQ(c.ledger().reward_pool(), plus(plus(pool, penalty), c.params().min_tx_fee));
    EXPECT_EQ(sp(c, kGenesis).jailed_until_s(), c.now_s() + kDay);
    EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for("sp-b")});
  }
  void expect_rejected(const v1::Evidence& ev, TxError code, const std::string& what) {
    Amount stake_before = self_stake(c, kGenesis);
    TxStatus st = submit_evidence(c, carol, ev);
    EXPECT_EQ(st.code(), code) << what << ": " << st.to_string();
    EXPECT_EQ(self_stake(c, kGenesis), stake_before) << what;
  }

  TestChain c;
  SupplyWatch watch{c};
  PrivateKey bob = test_key("bob"), carol = test_key("carol"), owner = test_key("sp-owner");
};

TEST_F(Slashing, DoubleProposalSlashesJailsAndRemovesFromTheActiveSet) {
  expect_slashed(proposals(header("a"), header("b")));
  EXPECT_EQ(self_stake(c, kGenesis), dimt(4'500'000));
  c.next_block();
}

TEST_F(Slashing, DoubleVoteSlashesJailsAndRemovesFromTheActiveSet) {
  expect_slashed(votes(block_vote("a"), block_vote("b")));
  EXPECT_EQ(self_stake(c, kGenesis), dimt(4'500'000));
  c.next_block();
}

// The offence is two votes in one slot: the heights they name do not matter.
TEST_F(Slashing, DoubleVoteIsPerSlotNotPerHeight) {
  v1::SignedBlockVote a = block_vote("a", 7);
  v1::BlockVote other = a.vote();
  other.set_block_hash(to_field(sha256(as_bytes("block/b"))));
  other.set_height(8);  // same slot 7, another height
  v1::SignedBlockVote b;
  *b.mutable_vote() = other;
  b.set_signature(to_field(sp_signing_key(kGenesis).sign(vote_signing_hash(c.chain_id(), other))));
  expect_slashed(votes(a, b));
  c.next_block();
}

TEST_F(Slashing, EvidenceIsUsedOnce) {
  expect_slashed(proposals(header("a"), header("b")));
  expect_rejected(proposals(header("a"), header("b")), TxError::kEvidenceKnown, "same");
  expect_rejected(proposals(header("b"), header("a")), TxError::kEvidenceKnown, "swapped");
  expect_rejected(proposals(header("a"), header("c")), TxError::kEvidenceKnown,
                  "another pair for the same slot");
  EXPECT_EQ(self_stake(c, kGenesis), dimt(4'500'000));
  // Another offence (another slot, or a vote) is punished again.
  expect_slashed(proposals(header("a", 8), header("b", 8)));
  EXPECT_EQ(self_stake(c, kGenesis), dimt(4'050'000));
  expect_slashed(votes(block_vote("a", 7), block_vote("b", 7)));
  expect_rejected(votes(block_vote("b", 7), block_vote("c", 7)), TxError::kEvidenceKnown,
                  "vote again");
  c.next_block();
}

TEST_F(Slashing, PastSigningKeysStillCount) {
  v1::SignedBlockHeader old_a = header("a");
  ASSERT_TRUE(sp_update(c, owner, kGenesis, [](v1::SpUpdate& u) {
    u.set_signing_key(to_field(test_key("genesis-sp/rotated").public_key().compressed()));
  }));
  v1::SignedBlockHeader new_b = signed_header(test_key("genesis-sp/rotated"), c.chain_id(),
                                              sp_id_for(kGenesis), 7, "b");
  expect_slashed(proposals(old_a, new_b));
  expect_slashed(votes(block_vote("a", 9), block_vote("b", 9)));  // old key only
}

TEST_F(Slashing, BadEvidenceRejected) {
  ChainId other_chain = sha256(as_bytes("other chain"));
  std::string genesis_id = sp_id_for(kGenesis);
  expect_rejected(proposals(header("a"), header("b", 7, "sp-b")), TxError::kBadEvidence,
                  "two producers");
  expect_rejected(proposals(header("a", 7), header("b", 8)), TxError::kBadEvidence,
                  "two slots");
  expect_rejected(proposals(header("a"), header("a")), TxError::kBadEvidence, "one block");
  expect_rejected(proposals(header("a"), signed_header(test_key("bob"), c.chain_id(),
                                                        genesis_id, 7, "b")),
                  TxError::kBadEvidence, "signed by an account key");
  expect_rejected(proposals(header("a"), signed_header(sp_signing_key("sp-b"), c.chain_id(),
                                                        genesis_id, 7, "b")),
                  TxError::kBadEvidence, "signed by another SP");
  expect_rejected(proposals(header("a"), signed_header(sp_signing_key(kGenesis), other_chain,
                                                        genesis_id, 7, "b")),
                  TxError::kBadEvidence, "signed for another chain");
  expect_rejected(proposals(header("a", 7, "nobody"), header("b", 7, "nobody")),
                  TxError::kBadEvidence, "unknown producer");
  expect_rejected(votes(block_vote("a"), block_vote("b", 7, "sp-b")), TxError::kBadEvidence,
                  "two voters");
  expect_rejected(votes(block_vote("a", 7), block_vote("b", 8)), TxError::kBadEvidence,
                  "two slots");
  expect_rejected(votes(block_vote("a"), block_vote("a")), TxError::kBadEvidence,
                  "one block");
  expect_rejected(votes(block_vote("a"), signed_vote(sp_signing_key("sp-b"), c.chain_id(),
                                                     genesis_id, 7, "b")),
                  TxError::kBadEvidence, "vote signed by another SP");
  EXPECT_EQ(sp(c, kGenesis).jailed_until_s(), 0u);
  EXPECT_EQ(active_ids(c).size(), 2u);
}

TEST_F(Slashing, RemovedFromAPendingSetToo) {
  c.set_finality_lag(3);
  ASSERT_TRUE(register_sp(c, bob, "sp-c"));
  c.run_to_epoch_end();
  ASSERT_EQ(c.ledger().active_sets().pending_size(), 3);  // fixed, not yet final
  expect_slashed(proposals(header("a"), header("b")));
  const v1::ActiveSetState sets = c.ledger().active_sets();
  ASSERT_EQ(sets.pending_size(), 2);
  for (const auto& m : sets.pending()) EXPECT_NE(m.sp_id(), sp_id_for(kGenesis));
  c.next_block();
  c.next_block();
  c.next_block();
  EXPECT_EQ(c.ledger().active_sets().pending_fixed_height(), 0u);
  std::vector<std::string> now = active_ids(c);
  EXPECT_EQ(now.size(), 2u);
  EXPECT_EQ(std::count(now.begin(), now.end(), sp_id_for(kGenesis)), 0);
}

TEST_F(Slashing, UnbondingSpIsStillSlashable) {
  ASSERT_TRUE(unregister(c, bob, "sp-b"));
  Amount pool = c.ledger().reward_pool();
  ASSERT_TRUE(submit_evidence(c, carol, proposals(header("a", 7, "sp-b"), header("b", 7, "sp-b"))));
  EXPECT_EQ(self_stake(c, "sp-b"), dimt(4'500'000));
  EXPECT_EQ(c.ledger().reward_pool(), plus(plus(pool, dimt(500'000)), c.params().min_tx_fee));
  EXPECT_EQ(c.supply().unbonding, dimt(4'500'000));
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for(kGenesis)});
  Amount balance = c.balance(bob);
  c.advance_seconds(3 * kDay);
  c.run_to_epoch_end();
  EXPECT_TRUE(sp(c, "sp-b").retired());
  EXPECT_EQ(c.balance(bob), plus(balance, dimt(4'500'000)));  // what is left of the stake
}

TEST_F(Slashing, UnjailOnlyByTheOwnerAfterOneDay) {
  EXPECT_EQ(unjail(c, owner, kGenesis).code(), TxError::kNotJailed);
  expect_slashed(proposals(header("a"), header("b")));
  uint64_t until = sp(c, kGenesis).jailed_until_s();
  EXPECT_EQ(unjail(c, owner, kGenesis).code(), TxError::kStillJailed);
  c.advance_to_time(until - 1);
  EXPECT_EQ(unjail(c, owner, kGenesis).code(), TxError::kStillJailed);
  c.next_block();
  EXPECT_EQ(unjail(c, bob, kGenesis).code(), TxError::kNotOwner);
  EXPECT_EQ(unjail(c, owner, "nobody").code(), TxError::kSpNotFound);
  ASSERT_TRUE(unjail(c, owner, kGenesis));
  EXPECT_EQ(sp(c, kGenesis).jailed_until_s(), 0u);
  EXPECT_EQ(unjail(c, owner, kGenesis).code(), TxError::kNotJailed);
  // Back in the active set from the next epoch on.
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for("sp-b")});
  c.run_to_epoch_end();
  EXPECT_EQ(active_ids(c).size(), 2u);
  c.next_block();
}

TEST_F(Slashing, JailedSpStaysOutOfTheNextActiveSet) {
  expect_slashed(proposals(header("a"), header("b")));
  c.run_to_epoch_end();
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for("sp-b")});
  c.advance_seconds(2 * kDay);  // the jail time is over, but only Unjail ends it
  c.run_to_epoch_end();
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for("sp-b")});
}

TEST(SlashingLiveness, SlashingTheOnlyActiveSpMustNotLeaveNoProducer) {
  // Decision (docs/state.md): the active set never becomes empty. The offender is slashed
  // and jailed, but stays the producer until another SP is eligible, so the chain can still
  // include its Unjail once the jail ends.
  TestChain c;
  SupplyWatch watch(c);
  v1::SignedBlockHeader a = signed_header(sp_signing_key(kGenesis), c.chain_id(),
                                          sp_id_for(kGenesis), 5, "a");
  v1::SignedBlockHeader b = signed_header(sp_signing_key(kGenesis), c.chain_id(),
                                          sp_id_for(kGenesis), 5, "b");
  ASSERT_TRUE(submit_evidence(c, test_key("carol"), proposals(a, b)));
  EXPECT_EQ(active_ids(c), std::vector<std::string>{sp_id_for(kGenesis)});
  c.run_to_epoch_end();
  EXPECT_FALSE(active_ids(c).empty());
  // Slashed and jailed all the same.
  auto sp = c.ledger().sp(sp_id_for(kGenesis));
  ASSERT_TRUE(sp);
  EXPECT_NE(sp->jailed_until_s(), 0u);
  EXPECT_LT(c.ledger().amount(sp->self_stake()), c.params().min_self_stake);
}

}  // namespace
}  // namespace ans
