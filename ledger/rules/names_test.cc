#include "ledger/rules/names.h"

#include <gtest/gtest.h>

#include "ledger/rules/test_chain.h"

namespace ans {
namespace {

using testing::address_of;
using testing::test_key;
using testing::TestChain;

constexpr const char* kAliceId = "alice@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";

void expect_supply_holds(const TestChain& chain) {
  EXPECT_EQ(chain.supply().total().value(), chain.params().total_supply);
}

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

TEST(NameRegister, CommitRevealRegistersAndCharges) {
  TestChain c;
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
  expect_supply_holds(c);
}

TEST(NameRegister, CommitmentAgeBoundary) {
  // Committed at height h: the reveal at h + 2 is too new, at h + 3 it is accepted.
  TestChain c;
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
  PrivateKey alice = test_key("alice");
  uint64_t nonce = c.nonce(alice);
  Amount balance = c.balance(alice);
  TxStatus st = reveal(c, alice, "nocommit");
  EXPECT_EQ(st.code(), TxError::kNoCommitment);
  EXPECT_EQ(c.nonce(alice), nonce);
  EXPECT_EQ(c.balance(alice), balance);
}

}  // namespace
}  // namespace ans
