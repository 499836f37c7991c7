// The read-only name queries of spec section 3: resolve (with its states), reverse lookup,
// names by owner (paged), availability and price.
#include "ledger/rules/queries.h"

#include <gtest/gtest.h>

#include "ledger/testing/test_chain.h"
#include "ledger/testing/test_helpers.h"

namespace ans {
namespace {

using testing::address_of;
using testing::test_key;
using testing::TestChain;
using namespace ans::testing;  // dimt, plus, minus, kDay, SupplyWatch, …





std::string id_of(const PrivateKey& who) { return "user@" + address_of(who).to_string(); }

TxStatus set_primary(TestChain& c, const PrivateKey& who, const std::string& name) {
  return c.submit(who, [&](v1::Transaction& t) { t.mutable_set_primary_name()->set_name(name); });
}

std::optional<std::string> reverse(TestChain& c, const PrivateKey& who, uint64_t now_s) {
  return reverse_lookup(c.params(), c.state(), address_of(who), now_s);
}

// ---------------------------------------------------------------- resolve

TEST(Resolve, NeverRegistered) {
  TestChain c;
  SupplyWatch watch(c);
  Resolution r = c.resolve("nobody");
  EXPECT_EQ(r.status, NameStatus::kNeverRegistered);
  EXPECT_FALSE(r.record);
  EXPECT_FALSE(r.expiring());
}

TEST(Resolve, ReservedNamesAndTheFounderGenesisRecord) {
  TestChain c;
  SupplyWatch watch(c);
  Resolution admin = c.resolve("admin");
  EXPECT_EQ(admin.status, NameStatus::kReserved);
  ASSERT_TRUE(admin.record);
  EXPECT_TRUE(admin.record->reserved());
  EXPECT_TRUE(admin.record->records().target().empty());
  Resolution founder = c.resolve("founder");
  EXPECT_EQ(founder.status, NameStatus::kReserved);
  ASSERT_TRUE(founder.record);
  EXPECT_EQ(founder.record->records().target(), "moky@anywhere");
  EXPECT_TRUE(founder.record->owner().empty());
  EXPECT_EQ(founder.record->expiry_s(), 0u);
  // Reserved at any time.
  EXPECT_EQ(resolve_name(c.params(), c.state(), "founder", c.now_s() + 50 * kYear).status,
            NameStatus::kReserved);
}

TEST(Resolve, ActiveThenGraceThenReleased) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice");
  ASSERT_TRUE(c.register_name(alice, "lifecycle", 1, "moky@anywhere"));
  const uint64_t expiry = c.resolve("lifecycle").record->expiry_s();
  const uint64_t release = expiry + 30 * kDay;
  auto at = [&](uint64_t t) { return resolve_name(c.params(), c.state(), "lifecycle", t); };
  EXPECT_EQ(at(expiry - 1).status, NameStatus::kActive);
  EXPECT_FALSE(at(expiry - 1).expiring());
  EXPECT_EQ(at(expiry).status, NameStatus::kGrace);
  EXPECT_TRUE(at(expiry).expiring());
  ASSERT_TRUE(at(expiry).record);
  EXPECT_EQ(at(expiry).record->records().target(), "moky@anywhere");  // still resolves
  EXPECT_EQ(at(release - 1).status, NameStatus::kGrace);
  EXPECT_EQ(at(release).status, NameStatus::kReleased);
  EXPECT_FALSE(at(release).expiring());
  ASSERT_TRUE(at(release).record);  // the last record stays readable
  // The same through real blocks, and after the epoch clean-up.
  c.advance_to_time(release);
  c.run_to_epoch_end();
  Resolution r = c.resolve("lifecycle");
  EXPECT_EQ(r.status, NameStatus::kReleased);
  ASSERT_TRUE(r.record);
  EXPECT_TRUE(r.record->released());
}

// ---------------------------------------------------------------- reverse lookup

TEST(Reverse, ValidOnlyWhileTheNameResolvesToOrIsOwnedByTheAddress) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), carol = test_key("carol"), dave = test_key("dave");
  EXPECT_FALSE(reverse(c, alice, c.now_s()));
  ASSERT_TRUE(c.register_name(alice, "reverse", 1, id_of(carol)));
  ASSERT_TRUE(set_primary(c, alice, "reverse"));
  ASSERT_TRUE(set_primary(c, carol, "reverse"));
  EXPECT_EQ(reverse(c, alice, c.now_s()), "reverse");
  EXPECT_EQ(reverse(c, carol, c.now_s()), "reverse");
  EXPECT_FALSE(reverse(c, dave, c.now_s()));

  const uint64_t expiry = c.resolve("reverse").record->expiry_s();
  EXPECT_EQ(reverse(c, alice, expiry), "reverse");  // grace still resolves
  EXPECT_FALSE(reverse(c, alice, expiry + 30 * kDay));  // released: even before clean-up
  EXPECT_FALSE(reverse(c, carol, expiry + 30 * kDay));

  // A reverse record that no longer matches (written here directly, as no transaction can)
  // is not reported.
  c.ledger().set_primary_name(address_of(dave), "reverse");
  EXPECT_FALSE(reverse(c, dave, c.now_s()));
  c.ledger().set_primary_name(address_of(dave), "nosuchname");
  EXPECT_FALSE(reverse(c, dave, c.now_s()));
  c.ledger().set_primary_name(address_of(dave), "founder");
  EXPECT_FALSE(reverse(c, dave, c.now_s()));
}

// ---------------------------------------------------------------- names by owner

TEST(NamesByOwner, PagedInNameOrder) {
  TestChain c;
  SupplyWatch watch(c);
  PrivateKey alice = test_key("alice"), bob = test_key("bob");
  const std::vector<std::string> names = {"delta", "alpha", "charlie", "bravo", "alpha-2"};
  for (const auto& n : names) {
    ASSERT_TRUE(c.submit(alice, [&](v1::Transaction& t) {
      t.mutable_name_commit()->set_commitment(
          to_field(name_commitment(n, address_of(alice), c.salt("s"))));
    }));
  }
  ASSERT_TRUE(c.register_name(bob, "bobs", 1, "moky@anywhere"));
  for (const auto& n : names) {
    ASSERT_TRUE(c.submit(alice, [&](v1::Transaction& t) {
      auto* r = t.mutable_name_register();
      r->set_name(n);
      r->set_salt(to_field(c.salt("s")));
      r->set_years(1);
      r->mutable_records()->set_target("moky@anywhere");
    }));
  }
  const EthAddress owner = address_of(alice);
  using Names = std::vector<std::string>;
  EXPECT_EQ(names_by_owner(c.state(), owner, "", 2), (Names{"alpha", "alpha-2"}));
  EXPECT_EQ(names_by_owner(c.state(), owner, "alpha-2", 2), (Names{"bravo", "charlie"}));
  EXPECT_EQ(names_by_owner(c.state(), owner, "charlie", 2), (Names{"delta"}));
  EXPECT_EQ(names_by_owner(c.state(), owner, "delta", 2), Names{});
  EXPECT_EQ(names_by_owner(c.state(), owner, "alpha", 1), (Names{"alpha-2"}));  // strictly after
  EXPECT_EQ(names_by_owner(c.state(), owner, "", 100).size(), 5u);
  EXPECT_EQ(names_by_owner(c.state(), address_of(bob), "", 100), (Names{"bobs"}));
  EXPECT_EQ(names_by_owner(c.state(), address_of(test_key("dave")), "", 100), Names{});
}

// ---------------------------------------------------------------- availability and price

TEST(Availability, InvalidAndReservedNamesAreNotAvailable) {
  TestChain c;
  SupplyWatch watch(c);
  Availability bad = name_availability(c.params(), c.state(), "Bad-Name", 1, c.now_s());
  EXPECT_FALSE(bad.available);
  EXPECT_FALSE(bad.reason.empty());
  Availability admin = name_availability(c.params(), c.state(), "admin", 1, c.now_s());
  EXPECT_FALSE(admin.available);
  EXPECT_EQ(admin.status, NameStatus::kReserved);
  EXPECT_FALSE(admin.reason.empty());
}

TEST(Availability, FreeNamePricedByLengthAndYears) {
  TestChain c;
  SupplyWatch watch(c);
  const std::vector<std::pair<std::string, uint64_t>> fees = {
      {"ab", 6'400}, {"abc", 640}, {"abcd", 160}, {"abcde", 10}, {std::string(31, 'q'), 10}};
  for (const auto& [name, fee] : fees) {
    Availability a = name_availability(c.params(), c.state(), name, 3, c.now_s());
    EXPECT_TRUE(a.available) << name;
    EXPECT_EQ(a.status, NameStatus::kNeverRegistered);
    EXPECT_EQ(a.yearly_fee, dimt(fee)) << name;
    EXPECT_TRUE(a.premium.is_zero());
    EXPECT_EQ(a.total_for_years, dimt(fee * 3)) << name;
  }
}

TEST(Availability, RegisteredNamesAreNotAvailableUntilReleasedThenCarryThePremium) {
  TestChain c;
  SupplyWatch watch(c);
  ASSERT_TRUE(c.register_name(test_key("alice"), "priced", 1, "moky@anywhere"));
  const uint64_t expiry = c.resolve("priced").record->expiry_s();
  const uint64_t release = expiry + 30 * kDay;
  auto at = [&](uint64_t t) { return name_availability(c.params(), c.state(), "priced", 2, t); };

  EXPECT_FALSE(at(c.now_s()).available);
  EXPECT_EQ(at(c.now_s()).status, NameStatus::kActive);
  EXPECT_FALSE(at(expiry).available);
  EXPECT_EQ(at(expiry).status, NameStatus::kGrace);
  EXPECT_FALSE(at(release - 1).available);

  const std::vector<std::pair<uint64_t, Amount>> premium = {
      {0, dimt(100'000'000)},
      {kDay - 1, dimt(100'000'000)},
      {kDay, dimt(50'000'000)},
      {2 * kDay, dimt(25'000'000)},
      {20 * kDay, Amount::parse("95.367431640625").value()},
      {21 * kDay - 1, Amount::parse("95.367431640625").value()},
      {21 * kDay, Amount()},
      {400 * kDay, Amount()},
  };
  for (const auto& [after, expected] : premium) {
    Availability a = at(release + after);
    EXPECT_TRUE(a.available) << after;
    EXPECT_EQ(a.status, NameStatus::kReleased);
    EXPECT_EQ(a.premium, expected) << after << " s after release";
    EXPECT_EQ(a.total_for_years, expected.checked_add(dimt(20)).value()) << after;
  }
}

}  // namespace
}  // namespace ans
