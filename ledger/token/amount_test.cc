#include "ledger/token/amount.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

TEST(Amount, ParseAndFormat) {
  struct Case { const char* text; const char* units; const char* formatted; };
  for (const Case& c : {Case{"0", "0", "0"}, Case{"1", "1000000000000000000", "1"},
                        Case{"1.5", "1500000000000000000", "1.5"},
                        Case{"0.000000000000000001", "1", "0.000000000000000001"},
                        Case{"10000000000", "10000000000000000000000000000", "10000000000"},
                        Case{"007.250", "7250000000000000000", "7.25"},
                        Case{"340282366920938463463.374607431768211455",
                             "340282366920938463463374607431768211455",
                             "340282366920938463463.374607431768211455"}}) {
    auto a = Amount::parse(c.text);
    ASSERT_TRUE(a) << c.text << ": " << a.status().to_string();
    EXPECT_EQ(a->units_string(), c.units) << c.text;
    EXPECT_EQ(a->to_string(), c.formatted) << c.text;
  }
  EXPECT_EQ(Amount::parse("340282366920938463463.374607431768211455").value(), Amount::max());
}

TEST(Amount, RejectsOverflow) {
  for (const char* s : {"340282366920938463463.374607431768211456", "340282366920938463464",
                        "999999999999999999999999999999999999999999"}) {
    auto r = Amount::parse(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.status().code(), Errc::kOverflow) << s;
  }
}

TEST(Amount, RejectsTooManyDecimals) {
  auto r = Amount::parse("1.0000000000000000001");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
}

TEST(Amount, RejectsGarbage) {
  for (const char* s : {"", "abc", "1.2.3", "-1", "+1", " 1", "1 ", "1e18", ".5", "5.", "0x10",
                        "1,000", "."}) {
    auto r = Amount::parse(s);
    ASSERT_FALSE(r) << "'" << s << "'";
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << "'" << s << "'";
  }
  auto long_text = Amount::parse(std::string(Amount::kMaxTextChars + 1, '1'));
  ASSERT_FALSE(long_text);
  EXPECT_EQ(long_text.status().code(), Errc::kTooLarge);
}

TEST(Amount, CheckedArithmetic) {
  Amount one = Amount::from_dimt(1);
  Amount two = Amount::from_dimt(2);
  EXPECT_EQ(one.checked_add(one).value(), two);
  EXPECT_EQ(two.checked_sub(one).value(), one);
  EXPECT_EQ(one.checked_mul(2).value(), two);
  EXPECT_EQ(two.div(2), one);

  auto under = one.checked_sub(two);
  ASSERT_FALSE(under);
  EXPECT_EQ(under.status().code(), Errc::kOverflow);
  auto over = Amount::max().checked_add(Amount::from_units(1));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.status().code(), Errc::kOverflow);
  auto mul = Amount::max().checked_mul(2);
  ASSERT_FALSE(mul);
  EXPECT_EQ(mul.status().code(), Errc::kOverflow);
  EXPECT_EQ(Amount::max().checked_mul(1).value(), Amount::max());
  EXPECT_EQ(Amount::max().checked_mul(0).value(), Amount());
  EXPECT_EQ(Amount::max().checked_add(Amount()).value(), Amount::max());
}

TEST(Amount, TotalSupplyFits) {
  Amount supply = Amount::from_dimt(10'000'000'000ULL);
  EXPECT_EQ(supply.to_string(), "10000000000");
  EXPECT_EQ(supply.units_string(), "10000000000000000000000000000");
  EXPECT_EQ(Amount::from_dimt(UINT64_MAX).to_string(), "18446744073709551615");
}

TEST(Amount, BytesRoundTripAndCanonicalForm) {
  for (const char* s : {"0", "1", "0.000000000000000255", "0.000000000000000256", "10000000000",
                        "340282366920938463463.374607431768211455"}) {
    Amount a = Amount::parse(s).value();
    Bytes b = a.to_bytes();
    EXPECT_TRUE(b.empty() || b[0] != 0) << s;
    EXPECT_EQ(Amount::from_bytes(b).value(), a) << s;
  }
  EXPECT_TRUE(Amount().to_bytes().empty());
  EXPECT_EQ(Amount::from_units(256).to_bytes(), (Bytes{0x01, 0x00}));
  // Values across the two 64-bit halves the conversion works on.
  const Amount::Units high = Amount::Units(0x0102030405060708ULL) << 64;
  const Amount whole = Amount::from_units(high | 0x090a0b0c0d0e0f10ULL);
  EXPECT_EQ(whole.to_bytes(), (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  EXPECT_EQ(Amount::from_bytes(whole.to_bytes()).value(), whole);
  const Amount nine_bytes = Amount::from_units(Amount::Units(1) << 64);
  EXPECT_EQ(nine_bytes.to_bytes(), (Bytes{1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Amount::from_bytes(nine_bytes.to_bytes()).value(), nine_bytes);
  for (const Amount& a : {Amount(), Amount::from_units(256), whole, nine_bytes}) {
    const Bytes b = a.to_bytes();
    EXPECT_EQ(a.to_byte_string(), std::string(b.begin(), b.end()));
  }

  auto leading_zero = Amount::from_bytes(Bytes{0x00, 0x01});
  ASSERT_FALSE(leading_zero);
  EXPECT_EQ(leading_zero.status().code(), Errc::kNonCanonical);
  auto zero_byte = Amount::from_bytes(Bytes{0x00});
  ASSERT_FALSE(zero_byte);
  EXPECT_EQ(zero_byte.status().code(), Errc::kNonCanonical);
  auto too_long = Amount::from_bytes(Bytes(17, 0x01));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.status().code(), Errc::kTooLarge);
}

TEST(Amount, Ordering) {
  EXPECT_LT(Amount::from_dimt(1), Amount::from_dimt(2));
  EXPECT_GT(Amount::max(), Amount::from_dimt(UINT64_MAX));
  EXPECT_TRUE(Amount().is_zero());
}

}  // namespace
}  // namespace ans
