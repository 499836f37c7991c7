#include "ledger/util/bytes.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(from_hex("0001abff").value(), b);
  EXPECT_EQ(from_hex("0x0001ABFF").value(), b);
  EXPECT_TRUE(from_hex("").value().empty());
}

TEST(Hex, RejectsOddLength) {
  auto r = from_hex("abc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
}

TEST(Hex, RejectsNonHex) {
  auto r = from_hex("zz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadAlphabet);
  EXPECT_NE(r.status().message().find("position 0"), std::string::npos);
}

TEST(Hex, FixedSize) {
  EXPECT_TRUE(fixed_from_hex<2>("abcd"));
  auto r = fixed_from_hex<3>("abcd");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
}

TEST(Status, ToString) {
  EXPECT_EQ(Status::ok().to_string(), "ok");
  EXPECT_EQ(Status(Errc::kBadChecksum, "x").to_string(), "bad checksum: x");
}

}  // namespace
}  // namespace ans
