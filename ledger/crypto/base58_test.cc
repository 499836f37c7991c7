#include "ledger/crypto/base58.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

// Bitcoin Core's base58_encode_decode.json vectors.
struct Vector { const char* hex; const char* b58; };
constexpr Vector kVectors[] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
     "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
    {"271F359E", "zzzzy"},
    {"271F359F", "zzzzz"},
    {"271F35A0", "211111"},
    {"271F35A1", "211112"},
};

TEST(Base58, BitcoinCoreVectors) {
  for (const auto& v : kVectors) {
    Bytes raw = from_hex(v.hex).value();
    EXPECT_EQ(base58_encode(raw), v.b58) << v.hex;
    auto decoded = base58_decode(v.b58);
    ASSERT_TRUE(decoded) << v.b58 << ": " << decoded.status().to_string();
    EXPECT_EQ(*decoded, raw) << v.b58;
  }
}

TEST(Base58, RejectsCharactersOutsideAlphabet) {
  for (const char* bad : {"0", "O", "I", "l", "abc+", " 2g", "2g\n"}) {
    auto r = base58_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), Errc::kBadAlphabet) << bad;
  }
}

TEST(Base58, RejectsOverlongInput) {
  auto r = base58_decode(std::string(kMaxBase58Chars + 1, '2'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kTooLarge);
}

// A Bitcoin P2PKH address is Base58Check(0x00 || HASH160): the wiki's classic example.
TEST(Base58Check, BitcoinAddressVector) {
  Bytes payload = from_hex("00010966776006953D5567439E5E39F86A0D273BEE").value();
  EXPECT_EQ(base58check_encode(payload), "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM");
  EXPECT_EQ(base58check_decode("16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM").value(), payload);
  // Bitcoin Core's "1NS17iag..." encode vector is plain Base58: its last 4 bytes are not
  // the checksum, so Base58Check must refuse it.
  auto not_check = base58check_decode("1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L");
  ASSERT_FALSE(not_check);
  EXPECT_EQ(not_check.status().code(), Errc::kBadChecksum);
}

TEST(Base58Check, RejectsBadChecksum) {
  auto r = base58check_decode("16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvN");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadChecksum);
}

TEST(Base58Check, RejectsTooShort) {
  auto r = base58check_decode("2g");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
}

TEST(Base58Check, PropagatesAlphabetError) {
  auto r = base58check_decode("16UwLL9Risc3QfPqBUvKofHmBQ7wMtjv0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadAlphabet);
}

}  // namespace
}  // namespace ans
