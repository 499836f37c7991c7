#include "ledger/names/name_syntax.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

TEST(RegistryName, AcceptsValidNames) {
  for (const char* n : {"ab", "moky", "a-b", "a_b", "a.b", "0x", "99", "a-b_c.d",
                        "abcdefghijklmnopqrstuvwxyz01234"}) {
    EXPECT_TRUE(validate_registry_name(n)) << n << ": " << validate_registry_name(n).to_string();
  }
}

TEST(RegistryName, LengthBoundaries) {
  EXPECT_EQ(validate_registry_name("a").code(), Errc::kBadLength);
  EXPECT_EQ(validate_registry_name("").code(), Errc::kBadLength);
  EXPECT_TRUE(validate_registry_name(std::string(31, 'a')));
  EXPECT_EQ(validate_registry_name(std::string(32, 'a')).code(), Errc::kBadLength);
}

TEST(RegistryName, RejectsUppercaseWithReason) {
  Status st = validate_registry_name("Moky");
  EXPECT_EQ(st.code(), Errc::kBadAlphabet);
  EXPECT_NE(st.message().find("uppercase"), std::string::npos);
  EXPECT_TRUE(validate_registry_name(lowercase_ascii("Moky")));
}

TEST(RegistryName, RejectsOtherCharacters) {
  const std::string nul("a\0b", 3);
  for (std::string_view n : {std::string_view("a b"), std::string_view("a@b"),
                             std::string_view("a/b"), std::string_view("ab!"),
                             std::string_view("\xc3\xa9t\xc3\xa9"), std::string_view("a+b"),
                             std::string_view(nul)}) {
    EXPECT_FALSE(validate_registry_name(n)) << n;
  }
  EXPECT_EQ(validate_registry_name(std::string("a\0b", 3)).code(), Errc::kBadAlphabet);
  EXPECT_EQ(validate_registry_name("\xc3\xa9t\xc3\xa9").code(), Errc::kBadAlphabet);
}

TEST(RegistryName, RejectsSeparatorPlacement) {
  for (const char* n : {"-ab", "_ab", ".ab", "ab-", "ab_", "ab.", "a--b", "a-.b", "a._b", "--"}) {
    Status st = validate_registry_name(n);
    EXPECT_EQ(st.code(), Errc::kBadName) << n << ": " << st.to_string();
  }
}

TEST(IdName, KeepsCaseAndAllowsSeparatorsAnywhere) {
  for (const char* n : {"Moky", "_x", "a..b", "A-", "ab"}) {
    EXPECT_TRUE(validate_id_name(n)) << n;
  }
  EXPECT_EQ(validate_id_name("a").code(), Errc::kBadLength);
  EXPECT_EQ(validate_id_name(std::string(32, 'a')).code(), Errc::kBadLength);
  EXPECT_EQ(validate_id_name("a b").code(), Errc::kBadAlphabet);
  EXPECT_EQ(validate_id_name("a@b").code(), Errc::kBadAlphabet);
}

}  // namespace
}  // namespace ans
