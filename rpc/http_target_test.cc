#include "rpc/http_target.h"

#include <gtest/gtest.h>

namespace ans::rpc {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusInQueries) {
  EXPECT_EQ(*percent_decode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_EQ(*percent_decode("a+b", true), "a b");
  EXPECT_EQ(*percent_decode("%e2%9C%93", false), "\xe2\x9c\x93");
}

TEST(PercentDecode, RefusesBadEscapesAndNul) {
  for (const char* bad : {"%", "%2", "abc%", "%zz", "%2g", "%00"}) {
    auto r = percent_decode(bad, false);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << bad;
  }
}

TEST(ParseTarget, SplitsPathAndQuery) {
  auto t = parse_target("/v1/names/al%69ce/check?years=2&x=a+b");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "names", "alice", "check"}));
  EXPECT_EQ(t->query.at("years"), "2");
  EXPECT_EQ(t->query.at("x"), "a b");
  EXPECT_FALSE(t->trailing_slash);
  EXPECT_TRUE(parse_target("/")->segments.empty());
  EXPECT_TRUE(parse_target("/v1/info/")->trailing_slash);
  EXPECT_EQ(parse_target("/v1/ans?names=a+b+c")->query.at("names"), "a b c");
}

TEST(ParseTarget, RefusesMalformedTargets) {
  for (const char* bad : {"", "v1/info", "http://host/v1/info", "/v1//info", "/v1/%zz", "/v1?a=1&a=2", "/v1?=x",
                          "/v1?a=%"}) {
    auto t = parse_target(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.status().code(), Errc::kInvalidArgument) << bad;
  }
}

TEST(ParseDecimal, StrictDigitsWithinTheMaximum) {
  EXPECT_EQ(*parse_decimal("0", "n", 10), 0u);
  EXPECT_EQ(*parse_decimal("10", "n", 10), 10u);
  EXPECT_EQ(*parse_decimal("18446744073709551615", "n", UINT64_MAX), UINT64_MAX);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "abc", "11", "18446744073709551616"}) {
    auto r = parse_decimal(bad, "years", bad[0] == '1' && bad[1] == '8' ? UINT64_MAX : 10);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.status().message().find("'years'"), std::string::npos) << r.status().message();
  }
}

TEST(QueryParams, UnknownParametersAndTypesAreNamed) {
  std::map<std::string, std::string> q{{"active", "yes"}, {"page_size", "x"}};
  QueryParams p(q);
  Status s = p.only({"active"});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("'page_size'"), std::string::npos);
  EXPECT_NE(s.message().find("takes active"), std::string::npos);
  EXPECT_TRUE(p.only({"active", "page_size"}));
  auto active = p.boolean("active");
  ASSERT_FALSE(active);
  EXPECT_NE(active.status().message().find("'active'"), std::string::npos);
  auto size = p.decimal("page_size", 100);
  ASSERT_FALSE(size);
  EXPECT_NE(size.status().message().find("'page_size'"), std::string::npos);
  auto absent = p.decimal("page_token", 100);
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
}

}  // namespace
}  // namespace ans::rpc
