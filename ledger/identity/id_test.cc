#include "ledger/identity/id.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

TEST(DimpId, SpecVectorLegacyMain) {
  auto id = DimpId::parse("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ");
  ASSERT_TRUE(id) << id.status().to_string();
  EXPECT_EQ(id->name(), "moky");
  EXPECT_EQ(id->network(), 0x08);
  EXPECT_EQ(id->address().kind(), Address::Kind::kBtc);
  EXPECT_EQ(id->to_string(), "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ");
}

TEST(DimpId, OneChangedCharacterFailsOnChecksum) {
  // Each position of the address, changed to another alphabet character.
  const std::string good = "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ";
  int checksum_failures = 0;
  for (size_t i = 5; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'z' ? 'y' : 'z';
    auto r = DimpId::parse(bad);
    ASSERT_FALSE(r) << bad;
    // Changing the first character can change the decoded length or network instead.
    if (r.status().code() == Errc::kBadChecksum) ++checksum_failures;
    EXPECT_TRUE(r.status().code() == Errc::kBadChecksum || i == 5) << bad << " " << r.status().to_string();
  }
  EXPECT_GE(checksum_failures, 30);
  auto r = DimpId::parse("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgR");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadChecksum);
  EXPECT_NE(r.status().to_string().find("checksum"), std::string::npos);
}

TEST(DimpId, Terminal) {
  auto id = DimpId::parse("moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ/DIM-by-Moky.2:1");
  ASSERT_TRUE(id) << id.status().to_string();
  EXPECT_EQ(id->terminal(), "DIM-by-Moky.2:1");
  EXPECT_EQ(id->without_terminal().to_string(), "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ");
  EXPECT_EQ(id->to_string(), "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ/DIM-by-Moky.2:1");
}

TEST(DimpId, BareAddresses) {
  auto btc = DimpId::parse("1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm");
  ASSERT_TRUE(btc);
  EXPECT_TRUE(btc->name().empty());
  EXPECT_EQ(btc->network(), 0x00);
  auto eth = DimpId::parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->address().kind(), Address::Kind::kEth);
  auto named_eth = DimpId::parse("Alice_01@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  ASSERT_TRUE(named_eth);
  EXPECT_EQ(named_eth->name(), "Alice_01");  // ID names keep their case
}

TEST(DimpId, BroadcastIds) {
  // Any valid name at a broadcast address, as DIMP networks use them (spec section 1).
  for (const char* s : {"anyone@anywhere", "everyone@everywhere", "moky@anywhere",
                        "station@anywhere", "stations@everywhere", "assistant@anywhere",
                        "archivist@anywhere", "gsp@everywhere", "anyone@everywhere",
                        "Bob.2@anywhere", "assistant@anywhere/web:1"}) {
    auto id = DimpId::parse(s);
    ASSERT_TRUE(id) << s << ": " << id.status().to_string();
    EXPECT_TRUE(id->is_broadcast()) << s;
    EXPECT_EQ(id->to_string(), s);
  }
  EXPECT_EQ(DimpId::parse("assistant@anywhere")->network(), 0x00);  // any one member: a user
  EXPECT_EQ(DimpId::parse("everyone@everywhere")->network(), 0x01);  // every member: a group
  EXPECT_EQ(DimpId::parse("assistant@anywhere")->name(), "assistant");
}

TEST(DimpId, BroadcastAddressNeedsAName) {
  for (const char* s : {"anywhere", "everywhere", "anywhere/web"}) {
    auto r = DimpId::parse(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << s;
    EXPECT_NE(r.status().message().find("needs a name"), std::string::npos) << s;
  }
}

TEST(DimpId, BroadcastNamesFollowTheNameRules) {
  for (const char* s : {"m@anywhere", "@anywhere", "mo ky@everywhere", "bob@@anywhere",
                        "abcdefghijklmnopqrstuvwxyz012345@anywhere"}) {
    auto r = DimpId::parse(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.status().code(), Errc::kBadName) << s;
  }
}

TEST(DimpId, RejectsBadName) {
  for (const char* s : {"m@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ", "@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
                        "mo ky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
                        "abcdefghijklmnopqrstuvwxyz012345@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
                        "a@b@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"}) {
    auto r = DimpId::parse(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.status().code(), Errc::kBadName) << s << " " << r.status().to_string();
  }
}

TEST(DimpId, RejectsBadTerminal) {
  for (const char* s : {"moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ/",
                        "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ/a b",
                        "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ/x/y"}) {
    auto r = DimpId::parse(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.status().code(), Errc::kBadName) << s;
  }
}

TEST(DimpId, RejectsAddressErrorsWithTheirKind) {
  struct Case { const char* id; Errc code; };
  for (const Case& c : {Case{"moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUg0", Errc::kBadAlphabet},
                        Case{"moky@4DnqXWdTV8wuZgfq", Errc::kBadLength},
                        Case{"moky@0x7E5F4552091A69125d5DfCb7b8C2659029395BdF", Errc::kBadChecksum}}) {
    auto r = DimpId::parse(c.id);
    ASSERT_FALSE(r) << c.id;
    EXPECT_EQ(r.status().code(), c.code) << c.id << " " << r.status().to_string();
    EXPECT_NE(r.status().message().find("address"), std::string::npos);
  }
}

TEST(DimpId, RejectsEmptyAndOversized) {
  auto e = DimpId::parse("");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.status().code(), Errc::kBadLength);
  auto big = DimpId::parse(std::string(kMaxIdChars + 1, 'a'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.status().code(), Errc::kTooLarge);
}

}  // namespace
}  // namespace ans
