#include "ledger/rules/names.h"

#include <gtest/gtest.h>

#include "ledger/state/keys.h"
#include "ledger/testing/test_chain.h"
#include "ledger/testing/test_helpers.h"

namespace ans {
namespace {

using testing::address_of;
using testing::test_key;
using testing::TestChain;
using namespace ans::testing;  // dimt, plus, minus, kDay, SupplyWatch, …

constexpr const char* kAliceId = "alice@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";


TxStatus commit(TestChain& c, const PrivateKey& who, const std::string& name,
                const std::string& salt_label = "salt") {
  Hash256 h = name_commitment(name, address_of(who), c.salt(salt_label));
  return c.submit(who, [&](v1::Transaction& t) { t.mutable_name_commit()->set_commitment(to_field(h)); });
}

TxStatus reveal(TestChain& c, const PrivateKey& who, const std::string& name, uint32_t years = 1,
                const std::string& salt_label = "salt") {
  return c.submit(who, [&](v1::Transaction& t) {
    auto* r = t.mutable_name_register();
    r->set_name(name);
    r->set_salt(to_field(c.salt(salt_label)));
    r->set_years(years);
    r->mutable_records()->set_target(kAliceId);
  });
}

// ---------------------------------------------------------------- helpers

constexpr const char* kBtc = "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm";
constexpr const char* kEth = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";


// A DIMP ID whose address is `who`'s account.
std::string id_of(const PrivateKey& who) { return "user@" + address_of(who).to_string(); }

v1::RecordSet target_only(const std::string& target) {
  v1::RecordSet r;
  r.set_target(target);
  return r;
}

void add_text(v1::RecordSet& r, const std::string& key, const std::string& value) {
  auto* t = r.add_text();
  t->set_key(key);
  t->set_value(value);
}

TxStatus reveal_records(TestChain& c, const PrivateKey& who, const std::string& name,
                        uint32_t years, const v1::RecordSet& records,
                        const std::string& salt_label = "salt") {
  return c.submit(who, [&](v1::Transaction& t) {
    auto* r = t.mutable_name_register();
    r->set_name(name);
    r->set_salt(to_field(c.salt(salt_label)));
    r->set_years(years);
    *r->mutable_records() = records;
  });
}

TxStatus renew(TestChain& c, const PrivateKey& who, const std::string& name, uint32_t years) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_name_renew()->set_name(name);
    t.mutable_name_renew()->set_years(years);
  });
}

TxStatus update(TestChain& c, const PrivateKey& who, const std::string& name,
                const v1::RecordSet& records) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_name_update()->set_name(name);
    *t.mutable_name_update()->mutable_records() = records;
  });
}

TxStatus transfer_name(TestChain& c, const PrivateKey& who, const std::string& name,
                       const PrivateKey& to) {
  return c.submit(who, [&](v1::Transaction& t) {
    t.mutable_name_transfer()->set_name(name);
    t.mutable_name_transfer()->set_new_owner(to_field(address_of(to).bytes()));
  });
}

TxStatus set_primary(TestChain& c, const PrivateKey& who, const std::string& name) {
  return c.submit(who, [&](v1::Transaction& t) { t.mutable_set_primary_name()->set_name(name); });
}

TxStatus send(TestChain& c, const PrivateKey& from, const PrivateKey& to, const Amount& amount) {
  return c.submit(from, [&](v1::Transaction& t) {
    t.mutable_transfer()->set_to(to_field(address_of(to).bytes()));
    t.mutable_transfer()->set_amount(to_field(amount.to_bytes()));
  });
}

std::optional<std::string> primary_of(TestChain& c, const PrivateKey& who) {
  return c.ledger().primary_name(address_of(who));
}

// Commits at time_s - 3, so that the current block is at exactly time_s and a reveal is 3
// blocks after its commitment.
void commit_for_reveal_at(TestChain& c, const PrivateKey& who, const std::string& name,
                          uint64_t time_s, const std::string& salt_label = "salt") {
  c.advance_to_time(time_s - 3);
  ASSERT_TRUE(commit(c, who, name, salt_label));
  for (int i = 0; i < 3; ++i) c.next_block();
  ASSERT_EQ(c.now_s(), time_s);
}

// What one transaction cost its sender, and what the pool received, within one block.
struct Cost {
  Amount paid;
  Amount to_pool;
};
Cost cost_of(TestChain& c, const PrivateKey& who, const std::function<TxStatus()>& tx) {
  Amount balance = c.balance(who);
  Amount pool = c.ledger().reward_pool();
  TxStatus st = tx();
  EXPECT_TRUE(st) << st.to_string();
  return {minus(balance, c.balance(who)), minus(c.ledger().reward_pool(), pool)};
}

// ---------------------------------------------------------------- registration

TEST(NameRegister, CommitRevealRegistersAndCharges) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Amount before = c.balance(alice);
  ASSERT_TRUE(c.register_name(alice, "alice", 2, kAliceId));
  Resolution r = c.resolve("alice");
  EXPECT_EQ(r.status, NameStatus::kActive);
  ASSERT_TRUE(r.record);
  EXPECT_EQ(r.record->records().target(), kAliceId);
  // Two transactions' fees plus 2 years at 10 DIMT (5 or more bytes).
  Amount fees = c.params().min_tx_fee.checked_mul(2).value();
  Amount cost = Amount::from_dimt(20).checked_add(fees).value();
  EXPECT_EQ(c.balance(alice), before.checked_sub(cost).value());
  expect_supply(c);
}

TEST(NameRegister, CommitmentAgeBoundary) {
  // Committed at height h: the reveal at h + 2 is too new, at h + 3 it is accepted.
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "bobby"));
  c.next_block();
  c.next_block();
  TxStatus too_new = reveal(c, alice, "bobby");
  EXPECT_EQ(too_new.code(), TxError::kCommitmentTooNew) << too_new.to_string();
  c.next_block();
  EXPECT_TRUE(reveal(c, alice, "bobby"));
}

TEST(NameRegister, RejectedTransactionLeavesNoTrace) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  uint64_t nonce = c.nonce(alice);
  Amount balance = c.balance(alice);
  TxStatus st = reveal(c, alice, "nocommit");
  EXPECT_EQ(st.code(), TxError::kNoCommitment);
  EXPECT_EQ(c.nonce(alice), nonce);
  EXPECT_EQ(c.balance(alice), balance);
}

TEST(NameRegister, SyntaxIsEnforcedByConsensus) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  const std::vector<std::string> bad = {
      "", "a", std::string(32, 'a'), "Alice", "alicE", "-ab", "ab-", ".ab", "ab_", "a--b",
      "a._b", "a b", "al!ce", "caf\xc3\xa9", "a@b", "a/b"};
  const std::vector<std::string> good = {"q7", std::string(31, 'z'), "a-b.c_d", "0-9"};
  for (const auto& n : bad) ASSERT_TRUE(commit(c, alice, n, "syntax"));
  for (const auto& n : good) ASSERT_TRUE(commit(c, alice, n, "syntax"));
  for (int i = 0; i < 3; ++i) c.next_block();
  for (const auto& n : bad) {
    TxStatus st = reveal(c, alice, n, 1, "syntax");
    EXPECT_EQ(st.code(), TxError::kInvalidName) << "'" << n << "': " << st.to_string();
    EXPECT_EQ(c.resolve(n).status, NameStatus::kNeverRegistered);
  }
  for (const auto& n : good) {
    TxStatus st = reveal(c, alice, n, 1, "syntax");
    EXPECT_TRUE(st) << "'" << n << "': " << st.to_string();
    EXPECT_EQ(c.resolve(n).status, NameStatus::kActive) << n;
  }
  c.next_block();
}

TEST(NameRegister, ReservedNamesAreNeverRegistrable) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(commit(c, alice, "admin", "r" + std::to_string(round)));
    ASSERT_TRUE(commit(c, alice, "founder", "r" + std::to_string(round)));
    for (int i = 0; i < 3; ++i) c.next_block();
    Amount before = c.balance(alice);
    EXPECT_EQ(reveal(c, alice, "admin", 1, "r" + std::to_string(round)).code(),
              TxError::kNameReserved);
    EXPECT_EQ(reveal(c, alice, "founder", 1, "r" + std::to_string(round)).code(),
              TxError::kNameReserved);
    EXPECT_EQ(c.balance(alice), before);
    Resolution founder = c.resolve("founder");
    EXPECT_EQ(founder.status, NameStatus::kReserved);
    ASSERT_TRUE(founder.record);
    EXPECT_EQ(founder.record->records().target(), "moky@anywhere");
    EXPECT_TRUE(founder.record->owner().empty());
    // Reserved names have no expiry: eleven years on, nothing has changed.
    c.advance_seconds(11 * kYear);
  }
}

TEST(NameRegister, CommitmentMaxAgeIsInclusive) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "patient"));
  uint64_t t = c.now_s();
  c.next_block();
  c.next_block();
  c.advance_to_time(t + kDay);  // exactly 86,400 s old
  TxStatus st = reveal(c, alice, "patient");
  EXPECT_TRUE(st) << st.to_string();
  c.next_block();
}

TEST(NameRegister, CommitmentOlderThanMaxAgeRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "toolate"));
  uint64_t t = c.now_s();
  c.next_block();
  c.next_block();
  c.advance_to_time(t + kDay + 1);  // no epoch clean-up has run since it went stale
  Amount before = c.balance(alice);
  TxStatus st = reveal(c, alice, "toolate");
  EXPECT_EQ(st.code(), TxError::kCommitmentTooOld) << st.to_string();
  EXPECT_EQ(c.balance(alice), before);
  EXPECT_EQ(c.resolve("toolate").status, NameStatus::kNeverRegistered);
}

TEST(NameRegister, CommitmentIsConsumed) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  Hash256 h = name_commitment("consumed", address_of(alice), c.salt("salt"));
  ASSERT_TRUE(commit(c, alice, "consumed"));
  uint64_t committed_at = c.now_s();
  ASSERT_TRUE(c.ledger().commitment(h));
  for (int i = 0; i < 3; ++i) c.next_block();
  ASSERT_TRUE(reveal(c, alice, "consumed"));
  EXPECT_FALSE(c.ledger().commitment(h));
  EXPECT_FALSE(c.state().get(keys::commitment_index(committed_at, h)));
  // A second reveal finds the name taken; the same commitment can be recorded afresh.
  EXPECT_EQ(reveal(c, alice, "consumed").code(), TxError::kNameTaken);
  EXPECT_TRUE(commit(c, alice, "consumed"));
  c.next_block();
}

TEST(NameRegister, DuplicateCommitmentRejected) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "twice"));
  uint64_t nonce = c.nonce(alice);
  Amount balance = c.balance(alice);
  EXPECT_EQ(commit(c, alice, "twice").code(), TxError::kCommitmentExists);
  c.next_block();
  EXPECT_EQ(commit(c, alice, "twice").code(), TxError::kCommitmentExists);
  EXPECT_EQ(c.nonce(alice), nonce);
  EXPECT_EQ(c.balance(alice), balance);
}

TEST(NameRegister, FrontRunnerCannotUseAnotherOwnersCommitment) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(commit(c, alice, "prize", "secret"));
  Hash256 alices = name_commitment("prize", address_of(alice), c.salt("secret"));
  for (int i = 0; i < 3; ++i) c.next_block();
  // Bob saw alice's reveal (name and salt) and races it.
  EXPECT_EQ(reveal(c, bob, "prize", 1, "secret").code(), TxError::kNoCommitment);
  EXPECT_EQ(c.submit(bob, [&](v1::Transaction& t) {
              t.mutable_name_commit()->set_commitment(to_field(alices));
            }).code(),
            TxError::kCommitmentExists);
  ASSERT_TRUE(commit(c, bob, "prize", "secret"));  // his own, now: too new to use
  EXPECT_EQ(reveal(c, bob, "prize", 1, "secret").code(), TxError::kCommitmentTooNew);
  ASSERT_TRUE(reveal(c, alice, "prize", 1, "secret"));
  ASSERT_TRUE(c.resolve("prize").record);
  EXPECT_EQ(c.resolve("prize").record->owner(), to_field(address_of(alice).bytes()));
  for (int i = 0; i < 3; ++i) c.next_block();
  EXPECT_EQ(reveal(c, bob, "prize", 1, "secret").code(), TxError::kNameTaken);
}

TEST(NameRegister, SaltMustMatchTheCommitment) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "salty", "one"));
  for (int i = 0; i < 3; ++i) c.next_block();
  EXPECT_EQ(reveal(c, alice, "salty", 1, "two").code(), TxError::kNoCommitment);
  // A commitment for another name does not match either.
  EXPECT_EQ(reveal(c, alice, "salt2", 1, "one").code(), TxError::kNoCommitment);
  EXPECT_TRUE(reveal(c, alice, "salty", 1, "one"));
}

TEST(NameRegister, YearsMustBeOneToTen) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(commit(c, alice, "oneyear"));
  ASSERT_TRUE(commit(c, alice, "tenyears"));
  for (int i = 0; i < 3; ++i) c.next_block();
  uint64_t nonce = c.nonce(alice);
  EXPECT_EQ(reveal(c, alice, "oneyear", 0).code(), TxError::kBadYears);
  EXPECT_EQ(reveal(c, alice, "tenyears", 11).code(), TxError::kBadYears);
  EXPECT_EQ(c.nonce(alice), nonce);

  Cost one = cost_of(c, alice, [&] { return reveal(c, alice, "oneyear", 1); });
  EXPECT_EQ(one.paid, plus(dimt(10), c.params().min_tx_fee));
  EXPECT_EQ(c.resolve("oneyear").record->expiry_s(), c.now_s() + kYear);
  Cost ten = cost_of(c, alice, [&] { return reveal(c, alice, "tenyears", 10); });
  EXPECT_EQ(ten.paid, plus(dimt(100), c.params().min_tx_fee));
  EXPECT_EQ(ten.to_pool, ten.paid);
  EXPECT_EQ(c.resolve("tenyears").record->expiry_s(), c.now_s() + 10 * kYear);
  c.next_block();
}

TEST(NameRegister, YearlyFeeByLength) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  const std::vector<std::pair<std::string, uint64_t>> fees = {
      {"ab", 6'400}, {"abc", 640}, {"abcd", 160}, {"abcde", 10}, {std::string(31, 'f'), 10}};
  for (const auto& [name, fee] : fees) ASSERT_TRUE(commit(c, alice, name));
  for (int i = 0; i < 3; ++i) c.next_block();
  for (const auto& [name, fee] : fees) {
    Cost cost = cost_of(c, alice, [&] { return reveal(c, alice, name, 3); });
    Amount expected = plus(dimt(fee * 3), c.params().min_tx_fee);
    EXPECT_EQ(cost.paid, expected) << name;
    EXPECT_EQ(cost.to_pool, expected) << name;  // the fee goes to the reward pool
  }
  c.next_block();
}

TEST(NameRegister, FeeMustBeAffordableAndTheCommitmentSurvivesAFailure) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey dave = test_key("dave"), carol = test_key("carol");
  const Amount fee = c.params().min_tx_fee;
  // Leave dave 100 DIMT, then one commitment fee less.
  ASSERT_TRUE(send(c, dave, carol, minus(minus(c.balance(dave), fee), dimt(100))));
  ASSERT_EQ(c.balance(dave), dimt(100));
  Hash256 h = name_commitment("xy", address_of(dave), c.salt("salt"));
  ASSERT_TRUE(commit(c, dave, "xy"));
  for (int i = 0; i < 3; ++i) c.next_block();
  TxStatus st = reveal(c, dave, "xy");
  EXPECT_EQ(st.code(), TxError::kInsufficientFunds) << st.to_string();
  EXPECT_TRUE(c.ledger().commitment(h));
  EXPECT_EQ(c.balance(dave), minus(dimt(100), fee));
  ASSERT_TRUE(send(c, carol, dave, dimt(10'000)));
  ASSERT_TRUE(reveal(c, dave, "xy"));
  EXPECT_EQ(c.balance(dave), minus(minus(dimt(10'100 - 6'400), fee), fee));
  c.next_block();
}

TEST(NameRegister, ActiveNameIsTaken) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "taken", 1, kAliceId));
  ASSERT_TRUE(commit(c, bob, "taken"));
  for (int i = 0; i < 3; ++i) c.next_block();
  EXPECT_EQ(reveal(c, bob, "taken").code(), TxError::kNameTaken);
  EXPECT_EQ(c.resolve("taken").record->owner(), to_field(address_of(alice).bytes()));
}

// ---------------------------------------------------------------- renewal and lifecycle

TEST(NameRenew, ExtendsFromTheCurrentExpiry) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.register_name(alice, "renewme", 1, kAliceId));
  uint64_t expiry = c.resolve("renewme").record->expiry_s();
  c.advance_seconds(100 * kDay);
  Cost cost = cost_of(c, alice, [&] { return renew(c, alice, "renewme", 2); });
  EXPECT_EQ(cost.paid, plus(dimt(20), c.params().min_tx_fee));
  EXPECT_EQ(cost.to_pool, cost.paid);
  EXPECT_EQ(c.resolve("renewme").record->expiry_s(), expiry + 2 * kYear);
  c.next_block();
}

TEST(NameRenew, PrepaidTimeIsAtMostTenYears) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.register_name(alice, "capped", 10, kAliceId));
  uint64_t t = c.now_s();
  ASSERT_EQ(c.resolve("capped").record->expiry_s(), t + 10 * kYear);
  EXPECT_EQ(renew(c, alice, "capped", 1).code(), TxError::kPrepaidTooLong);
  c.advance_to_time(t + kYear - 1);  // one second short of room for another year
  Amount before = c.balance(alice);
  EXPECT_EQ(renew(c, alice, "capped", 1).code(), TxError::kPrepaidTooLong);
  EXPECT_EQ(c.balance(alice), before);
  c.next_block();  // exactly one year on: prepaid back to exactly ten years
  ASSERT_TRUE(renew(c, alice, "capped", 1));
  EXPECT_EQ(c.resolve("capped").record->expiry_s(), t + 11 * kYear);
  EXPECT_EQ(c.resolve("capped").record->expiry_s(), c.now_s() + 10 * kYear);
  c.next_block();
}

TEST(NameRenew, AnyoneMayRenewAnActiveName) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "gifted", 1, kAliceId));
  uint64_t expiry = c.resolve("gifted").record->expiry_s();
  Cost cost = cost_of(c, bob, [&] { return renew(c, bob, "gifted", 1); });
  EXPECT_EQ(cost.paid, plus(dimt(10), c.params().min_tx_fee));
  EXPECT_EQ(c.resolve("gifted").record->expiry_s(), expiry + kYear);
  EXPECT_EQ(c.resolve("gifted").record->owner(), to_field(address_of(alice).bytes()));
  c.next_block();
}

TEST(NameRenew, Rejections) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.register_name(alice, "renewal", 1, kAliceId));
  EXPECT_EQ(renew(c, alice, "renewal", 0).code(), TxError::kBadYears);
  EXPECT_EQ(renew(c, alice, "renewal", 11).code(), TxError::kBadYears);
  EXPECT_EQ(renew(c, alice, "nosuchname", 1).code(), TxError::kNameNotFound);
  EXPECT_EQ(renew(c, alice, "founder", 1).code(), TxError::kNameReserved);
  EXPECT_EQ(renew(c, alice, "Renewal", 1).code(), TxError::kInvalidName);
}

TEST(NameLifecycle, GraceResolvesOnlyOwnerRenewsAndTransfersAreFrozen) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "graceful", 1, kAliceId));
  uint64_t expiry = c.resolve("graceful").record->expiry_s();
  c.advance_to_time(expiry - 1);
  EXPECT_EQ(c.resolve("graceful").status, NameStatus::kActive);
  c.next_block();
  Resolution r = c.resolve("graceful");
  EXPECT_EQ(r.status, NameStatus::kGrace);
  EXPECT_TRUE(r.expiring());
  ASSERT_TRUE(r.record);
  EXPECT_EQ(r.record->records().target(), kAliceId);

  EXPECT_EQ(renew(c, bob, "graceful", 1).code(), TxError::kNotOwner);
  EXPECT_EQ(transfer_name(c, alice, "graceful", bob).code(), TxError::kTransferFrozen);
  EXPECT_EQ(transfer_name(c, bob, "graceful", bob).code(), TxError::kNotOwner);
  ASSERT_TRUE(commit(c, bob, "graceful"));
  for (int i = 0; i < 3; ++i) c.next_block();
  EXPECT_EQ(reveal(c, bob, "graceful").code(), TxError::kNameTaken);

  ASSERT_TRUE(renew(c, alice, "graceful", 1));
  EXPECT_EQ(c.resolve("graceful").record->expiry_s(), expiry + kYear);
  EXPECT_EQ(c.resolve("graceful").status, NameStatus::kActive);
  EXPECT_TRUE(transfer_name(c, alice, "graceful", bob));
  c.next_block();
}

TEST(NameLifecycle, ReleasedExactlyThirtyDaysAfterExpiry) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "fading", 1, kAliceId));
  uint64_t release = c.resolve("fading").record->expiry_s() + 30 * kDay;
  c.advance_to_time(release - 1);
  EXPECT_EQ(c.resolve("fading").status, NameStatus::kGrace);
  c.next_block();
  EXPECT_EQ(c.resolve("fading").status, NameStatus::kReleased);
  EXPECT_EQ(renew(c, alice, "fading", 1).code(), TxError::kNameNotActive);
  EXPECT_EQ(update(c, alice, "fading", target_only(kAliceId)).code(), TxError::kNameNotActive);
  EXPECT_EQ(transfer_name(c, alice, "fading", bob).code(), TxError::kNameNotActive);
  EXPECT_EQ(set_primary(c, alice, "fading").code(), TxError::kNameNotActive);
}

// Registers `names` for alice in one block, returning their common release time.
uint64_t register_all(TestChain& c, const std::vector<std::string>& names) {
  PrivateKey alice = test_key("alice");
  for (const auto& n : names) EXPECT_TRUE(commit(c, alice, n));
  for (int i = 0; i < 3; ++i) c.next_block();
  for (const auto& n : names) EXPECT_TRUE(reveal(c, alice, n));
  return c.now_s() + kYear + 30 * kDay;
}

TEST(NameLifecycle, ReleasedNameCostsTheFullPremiumAtRelease) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(send(c, test_key("carol"), bob, dimt(1'000)));  // bob can afford 100M + fees
  uint64_t release = register_all(c, {"snipe"});
  commit_for_reveal_at(c, bob, "snipe", release);
  ASSERT_EQ(c.resolve("snipe").status, NameStatus::kReleased);
  Cost cost = cost_of(c, bob, [&] { return reveal(c, bob, "snipe"); });
  Amount expected = plus(dimt(100'000'010), c.params().min_tx_fee);
  EXPECT_EQ(cost.paid, expected);
  EXPECT_EQ(cost.to_pool, expected);
  Resolution r = c.resolve("snipe");
  EXPECT_EQ(r.status, NameStatus::kActive);
  EXPECT_EQ(r.record->owner(), to_field(address_of(bob).bytes()));
  EXPECT_EQ(r.record->expiry_s(), release + kYear);
  EXPECT_FALSE(r.record->released());
  EXPECT_EQ(names_by_owner(c.state(), address_of(alice), "", 10), std::vector<std::string>{});
  EXPECT_EQ(names_by_owner(c.state(), address_of(bob), "", 10), std::vector<std::string>{"snipe"});
  c.next_block();
}

TEST(NameLifecycle, PremiumCannotBeAvoidedWithoutFunds) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  uint64_t release = register_all(c, {"pricey"});
  commit_for_reveal_at(c, bob, "pricey", release);
  Amount before = c.balance(bob);  // under 100M: the premium alone is more
  EXPECT_EQ(reveal(c, bob, "pricey").code(), TxError::kInsufficientFunds);
  EXPECT_EQ(c.balance(bob), before);
}

TEST(NameLifecycle, PremiumHalvesAfterOneDay) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  uint64_t release = register_all(c, {"halved"});
  commit_for_reveal_at(c, bob, "halved", release + kDay);
  Cost cost = cost_of(c, bob, [&] { return reveal(c, bob, "halved"); });
  EXPECT_EQ(cost.paid, plus(dimt(50'000'010), c.params().min_tx_fee));
  c.next_block();
}

TEST(NameLifecycle, PremiumAfterTwentyDaysAndZeroFromTwentyOneDays) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey bob = test_key("bob");
  const Amount fee = c.params().min_tx_fee;
  const Amount day20 = Amount::parse("95.367431640625").value();  // 100M / 2^20
  uint64_t release = register_all(c, {"day-twenty", "almost", "freebie"});

  commit_for_reveal_at(c, bob, "day-twenty", release + 20 * kDay);
  EXPECT_EQ(cost_of(c, bob, [&] { return reveal(c, bob, "day-twenty"); }).paid,
            plus(plus(day20, dimt(10)), fee));

  uint64_t end = release + 21 * kDay;
  c.advance_to_time(end - 4);
  ASSERT_TRUE(commit(c, bob, "almost", "late"));
  ASSERT_TRUE(commit(c, bob, "freebie", "late"));
  for (int i = 0; i < 3; ++i) c.next_block();
  ASSERT_EQ(c.now_s(), end - 1);  // one second before the premium ends
  EXPECT_EQ(cost_of(c, bob, [&] { return reveal(c, bob, "almost", 1, "late"); }).paid,
            plus(plus(day20, dimt(10)), fee));
  c.next_block();
  ASSERT_EQ(c.now_s(), end);  // exactly 21 days after release
  EXPECT_EQ(cost_of(c, bob, [&] { return reveal(c, bob, "freebie", 1, "late"); }).paid,
            plus(dimt(10), fee));
  c.next_block();
}

// ---------------------------------------------------------------- records

class NameRecords : public ::testing::Test {
 protected:
  void SetUp() override {
      ASSERT_TRUE(c.register_name(alice, "records", 1, kAliceId));
  }
  // Applies NameUpdate; on rejection checks that the old records are untouched.
  TxError try_update(const v1::RecordSet& r) {
    v1::RecordSet before = c.resolve("records").record->records();
    TxStatus st = update(c, alice, "records", r);
    if (!st) {
      EXPECT_EQ(c.resolve("records").record->records().SerializeAsString(),
                before.SerializeAsString());
    }
    return st.code();
  }
  static v1::RecordSet with_texts(size_t n) {
    v1::RecordSet r = target_only(kAliceId);
    for (size_t i = 0; i < n; ++i) {
      add_text(r, "k" + std::string(1, static_cast<char>('a' + i)), "v");
    }
    return r;
  }

  TestChain c;
  SupplyWatch watch{c};
  PrivateKey alice = test_key("alice");
};

TEST_F(NameRecords, TargetIsRequiredAndMustBeAnId) {
  EXPECT_EQ(try_update(v1::RecordSet()), TxError::kBadRecords);
  EXPECT_EQ(try_update(target_only("not an id")), TxError::kBadRecords);
  EXPECT_EQ(try_update(target_only("alice@0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf")),
            TxError::kBadRecords);  // bad EIP-55 checksum
  EXPECT_EQ(try_update(target_only("anywhere")), TxError::kBadRecords);  // no name
  EXPECT_EQ(try_update(target_only("moky@anywhere")), TxError::kOk);
  EXPECT_EQ(try_update(target_only("assistant@anywhere")), TxError::kOk);  // any broadcast name
  EXPECT_EQ(try_update(target_only("gsp@everywhere")), TxError::kOk);
  EXPECT_EQ(try_update(target_only(std::string("xy@") + kBtc)), TxError::kOk);
  // Registration checks the same rules.
  ASSERT_TRUE(commit(c, alice, "notarget"));
  for (int i = 0; i < 3; ++i) c.next_block();
  EXPECT_EQ(reveal_records(c, alice, "notarget", 1, v1::RecordSet()).code(),
            TxError::kBadRecords);
}

TEST_F(NameRecords, TypedAddressesAreValidated) {
  v1::RecordSet r = target_only(kAliceId);
  r.set_btc(kBtc);
  r.set_eth(kEth);
  EXPECT_EQ(try_update(r), TxError::kOk);
  EXPECT_EQ(c.resolve("records").record->records().btc(), kBtc);
  EXPECT_EQ(c.resolve("records").record->records().eth(), kEth);
  v1::RecordSet bad_btc = r;
  bad_btc.set_btc("1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZn");  // checksum
  EXPECT_EQ(try_update(bad_btc), TxError::kBadRecords);
  v1::RecordSet eth_in_btc = r;
  eth_in_btc.set_btc(kEth);
  EXPECT_EQ(try_update(eth_in_btc), TxError::kBadRecords);
  v1::RecordSet bad_eth = r;
  bad_eth.set_eth("0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf");  // EIP-55 checksum
  EXPECT_EQ(try_update(bad_eth), TxError::kBadRecords);
  v1::RecordSet short_eth = r;
  short_eth.set_eth("0x7E5F4552091A69125d5DfCb7b8C2659029395B");
  EXPECT_EQ(try_update(short_eth), TxError::kBadRecords);
}

TEST_F(NameRecords, AtMostSixteenTextRecords) {
  EXPECT_EQ(try_update(with_texts(16)), TxError::kOk);
  EXPECT_EQ(c.resolve("records").record->records().text_size(), 16);
  EXPECT_EQ(try_update(with_texts(17)), TxError::kBadRecords);
}

TEST_F(NameRecords, KeyAndValueLengthBounds) {
  v1::RecordSet r = target_only(kAliceId);
  add_text(r, std::string(32, 'k'), std::string(256, 'v'));
  EXPECT_EQ(try_update(r), TxError::kOk);
  v1::RecordSet long_key = target_only(kAliceId);
  add_text(long_key, std::string(33, 'k'), "v");
  EXPECT_EQ(try_update(long_key), TxError::kBadRecords);
  v1::RecordSet long_value = target_only(kAliceId);
  add_text(long_value, "k", std::string(257, 'v'));
  EXPECT_EQ(try_update(long_value), TxError::kBadRecords);
  v1::RecordSet empty_key = target_only(kAliceId);
  add_text(empty_key, "", "v");
  EXPECT_EQ(try_update(empty_key), TxError::kBadRecords);
  v1::RecordSet spaced_key = target_only(kAliceId);
  add_text(spaced_key, "my key", "v");
  EXPECT_EQ(try_update(spaced_key), TxError::kBadRecords);
  v1::RecordSet empty_value = target_only(kAliceId);
  add_text(empty_value, "k", "");
  EXPECT_EQ(try_update(empty_value), TxError::kOk);
}

TEST_F(NameRecords, KeysMustBeSortedAndUnique) {
  v1::RecordSet sorted = target_only(kAliceId);
  add_text(sorted, "avatar", "a");
  add_text(sorted, "url", "u");
  EXPECT_EQ(try_update(sorted), TxError::kOk);
  v1::RecordSet unsorted = target_only(kAliceId);
  add_text(unsorted, "url", "u");
  add_text(unsorted, "avatar", "a");
  EXPECT_EQ(try_update(unsorted), TxError::kBadRecords);
  v1::RecordSet duplicate = target_only(kAliceId);
  add_text(duplicate, "url", "u");
  add_text(duplicate, "url", "v");
  EXPECT_EQ(try_update(duplicate), TxError::kBadRecords);
}

TEST_F(NameRecords, WholeSetIsAtMostTwoKiB) {
  // Seven full-size records, then an eighth whose value makes the set exactly 2,048 bytes.
  v1::RecordSet r = target_only(kAliceId);
  for (int i = 0; i < 7; ++i) add_text(r, "k" + std::to_string(i), std::string(256, 'v'));
  add_text(r, "k7", "");
  size_t fill = 0;
  while (r.ByteSizeLong() < 2048 && fill < 256) {
    r.mutable_text(7)->set_value(std::string(++fill, 'v'));
  }
  ASSERT_EQ(r.ByteSizeLong(), 2048u);
  EXPECT_EQ(try_update(r), TxError::kOk);
  r.mutable_text(7)->set_key("k7x");
  ASSERT_EQ(r.ByteSizeLong(), 2049u);
  EXPECT_EQ(try_update(r), TxError::kBadRecords);
}

// ---------------------------------------------------------------- update, transfer, primary

TEST(NameUpdate, OwnerOnlyAndReplacesTheWholeSet) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  v1::RecordSet first = target_only(kAliceId);
  first.set_eth(kEth);
  add_text(first, "a", "1");
  add_text(first, "b", "2");
  ASSERT_TRUE(commit(c, alice, "updated"));
  for (int i = 0; i < 3; ++i) c.next_block();
  ASSERT_TRUE(reveal_records(c, alice, "updated", 1, first));

  v1::RecordSet second = target_only(id_of(bob));
  add_text(second, "c", "3");
  EXPECT_EQ(update(c, bob, "updated", second).code(), TxError::kNotOwner);
  EXPECT_EQ(c.resolve("updated").record->records().SerializeAsString(), first.SerializeAsString());
  ASSERT_TRUE(update(c, alice, "updated", second));
  const v1::RecordSet now = c.resolve("updated").record->records();
  EXPECT_EQ(now.target(), id_of(bob));
  EXPECT_TRUE(now.eth().empty());  // left out: deleted
  ASSERT_EQ(now.text_size(), 1);
  EXPECT_EQ(now.text(0).key(), "c");
  EXPECT_EQ(update(c, alice, "nosuchname", second).code(), TxError::kNameNotFound);
  EXPECT_EQ(update(c, alice, "founder", second).code(), TxError::kNameReserved);
  c.next_block();
}

TEST(NameTransfer, OwnerOnlyAndMovesTheOwnerIndex) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "moving", 1, kAliceId));
  uint64_t expiry = c.resolve("moving").record->expiry_s();
  EXPECT_EQ(transfer_name(c, bob, "moving", bob).code(), TxError::kNotOwner);
  EXPECT_EQ(transfer_name(c, alice, "nosuchname", bob).code(), TxError::kNameNotFound);
  EXPECT_EQ(transfer_name(c, alice, "admin", bob).code(), TxError::kNameReserved);
  ASSERT_TRUE(transfer_name(c, alice, "moving", bob));
  Resolution r = c.resolve("moving");
  EXPECT_EQ(r.record->owner(), to_field(address_of(bob).bytes()));
  EXPECT_EQ(r.record->expiry_s(), expiry);
  EXPECT_EQ(r.record->records().target(), kAliceId);  // records travel with the name
  EXPECT_TRUE(names_by_owner(c.state(), address_of(alice), "", 10).empty());
  EXPECT_EQ(names_by_owner(c.state(), address_of(bob), "", 10), std::vector<std::string>{"moving"});
  EXPECT_EQ(update(c, alice, "moving", target_only(kAliceId)).code(), TxError::kNotOwner);
  EXPECT_TRUE(update(c, bob, "moving", target_only(id_of(bob))));
  c.next_block();
}

TEST(SetPrimaryName, OnlyForTheOwnerOrTheTarget) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), carol = test_key("carol"), dave = test_key("dave");
  ASSERT_TRUE(c.register_name(alice, "shared", 1, id_of(carol)));
  TxStatus st = set_primary(c, dave, "shared");
  EXPECT_EQ(st.code(), TxError::kPrimaryNotAllowed) << st.to_string();
  EXPECT_FALSE(primary_of(c, dave));
  ASSERT_TRUE(set_primary(c, alice, "shared"));  // owner
  ASSERT_TRUE(set_primary(c, carol, "shared"));  // target
  EXPECT_EQ(primary_of(c, alice), "shared");
  EXPECT_EQ(primary_of(c, carol), "shared");
  EXPECT_EQ(set_primary(c, alice, "nosuchname").code(), TxError::kNameNotFound);
  EXPECT_EQ(set_primary(c, alice, "founder").code(), TxError::kNameReserved);
  EXPECT_EQ(set_primary(c, alice, "Shared").code(), TxError::kInvalidName);
  EXPECT_EQ(primary_of(c, alice), "shared");
  ASSERT_TRUE(set_primary(c, alice, ""));  // clears
  EXPECT_FALSE(primary_of(c, alice));
  EXPECT_EQ(primary_of(c, carol), "shared");
}

TEST(SetPrimaryName, ClearedWhenTheOwnerTransfersItAway) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  ASSERT_TRUE(c.register_name(alice, "shared", 1, id_of(carol)));
  ASSERT_TRUE(set_primary(c, alice, "shared"));
  ASSERT_TRUE(set_primary(c, carol, "shared"));
  ASSERT_TRUE(transfer_name(c, alice, "shared", bob));
  EXPECT_FALSE(primary_of(c, alice));
  EXPECT_EQ(primary_of(c, carol), "shared");  // still the target
  EXPECT_EQ(set_primary(c, alice, "shared").code(), TxError::kPrimaryNotAllowed);
  EXPECT_TRUE(set_primary(c, bob, "shared"));
}

TEST(SetPrimaryName, KeptByAnOldOwnerThatIsStillTheTarget) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  ASSERT_TRUE(c.register_name(alice, "selfie", 1, id_of(alice)));
  ASSERT_TRUE(set_primary(c, alice, "selfie"));
  ASSERT_TRUE(transfer_name(c, alice, "selfie", bob));
  EXPECT_EQ(primary_of(c, alice), "selfie");
}

TEST(SetPrimaryName, ClearedWhenTheTargetChanges) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), carol = test_key("carol"), dave = test_key("dave");
  ASSERT_TRUE(c.register_name(alice, "shared", 1, id_of(carol)));
  ASSERT_TRUE(set_primary(c, alice, "shared"));
  ASSERT_TRUE(set_primary(c, carol, "shared"));
  ASSERT_TRUE(update(c, alice, "shared", target_only(id_of(dave))));
  EXPECT_FALSE(primary_of(c, carol));
  EXPECT_EQ(primary_of(c, alice), "shared");  // still the owner
  EXPECT_TRUE(set_primary(c, dave, "shared"));
}

TEST(SetPrimaryName, ClearedWhenAReleasedNameIsRegisteredAgain) {
  // No epoch clean-up runs here (very long epochs): the registration itself must clean up.
  ChainParams p = testing::test_params();
  p.epoch_length_blocks = 1'000'000;
  TestChain c(p);
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob"), carol = test_key("carol");
  ASSERT_TRUE(c.register_name(alice, "oldie", 1, id_of(carol)));
  ASSERT_TRUE(set_primary(c, alice, "oldie"));
  ASSERT_TRUE(set_primary(c, carol, "oldie"));
  uint64_t release = c.resolve("oldie").record->expiry_s() + 30 * kDay;
  commit_for_reveal_at(c, bob, "oldie", release + 21 * kDay);
  EXPECT_EQ(primary_of(c, alice), "oldie");  // stale, but not yet cleaned up
  ASSERT_TRUE(reveal_records(c, bob, "oldie", 1, target_only(id_of(bob))));
  EXPECT_FALSE(primary_of(c, alice));
  EXPECT_FALSE(primary_of(c, carol));
  EXPECT_TRUE(names_by_owner(c.state(), address_of(alice), "", 10).empty());
  EXPECT_EQ(names_by_owner(c.state(), address_of(bob), "", 10), std::vector<std::string>{"oldie"});
  c.next_block();
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

TEST(NameCommitRefresh, ACommitmentTooOldToUseMayBeMadeAgain) {
  testing::TestChain c;
  PrivateKey alice = testing::test_key("alice");
  Hash256 h = name_commitment("refresh", testing::address_of(alice), c.salt("s"));
  auto commit = [&] {
    return c.submit(alice, [&](v1::Transaction& t) { t.mutable_name_commit()->set_commitment(to_field(h)); });
  };
  ASSERT_TRUE(commit());
  c.next_block();
  EXPECT_EQ(commit().code(), TxError::kCommitmentExists);  // still usable: not refreshed
  c.advance_seconds(c.params().commit_max_age_s + 1);
  EXPECT_TRUE(commit());  // too old to use: may be made again, and counts from now
  for (uint64_t i = 0; i < c.params().commit_min_blocks; ++i) c.next_block();
  EXPECT_TRUE(c.submit(alice, [&](v1::Transaction& t) {
    auto* r = t.mutable_name_register();
    r->set_name("refresh");
    r->set_salt(to_field(c.salt("s")));
    r->set_years(1);
    r->mutable_records()->set_target("anyone@anywhere");
  }));
}

}  // namespace
}  // namespace ans
