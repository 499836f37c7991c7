#include "ledger/identity/address.h"

#include <gtest/gtest.h>

#include "ledger/crypto/base58.h"

namespace ans {
namespace {

PrivateKey key_from_hex(std::string_view hex) {
  return PrivateKey::from_bytes(from_hex(hex).value()).value();
}

const PrivateKey& key_one() {
  static const PrivateKey k =
      key_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
  return k;
}

// ---- BTC-style

TEST(BtcAddress, SpecVectorKeyOneUncompressed) {
  auto a = BtcAddress::from_public_key(key_one().public_key().uncompressed(), 0x00).value();
  EXPECT_EQ(a.to_string(), "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm");
}

TEST(BtcAddress, KeyOneCompressed) {
  auto a = BtcAddress::from_public_key(key_one().public_key().compressed(), 0x00).value();
  EXPECT_EQ(a.to_string(), "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
}

// The Bitcoin wiki's "Technical background of version 1 Bitcoin addresses" example.
TEST(BtcAddress, BitcoinWikiVector) {
  auto k = key_from_hex("18E14A7B6A307F426A94F8114701E7C8E774E7F9A47E2C2035DB29A206321725");
  EXPECT_EQ(to_hex(k.public_key().compressed()),
            "0250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352");
  auto a = BtcAddress::from_public_key(k.public_key().compressed(), 0x00).value();
  EXPECT_EQ(a.to_string(), "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs");
}

TEST(BtcAddress, EveryEntityTypeRoundTrips) {
  for (int n : {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x10, 0x30, 0x76, 0x88, 0xC8}) {
    auto net = static_cast<uint8_t>(n);
    auto a = BtcAddress::from_public_key(key_one().public_key().compressed(), net).value();
    auto back = BtcAddress::parse(a.to_string());
    ASSERT_TRUE(back) << int(net) << ": " << back.status().to_string();
    EXPECT_EQ(back->network(), net);
    EXPECT_EQ(*back, a);
  }
}

TEST(BtcAddress, ParsesDimpPaperExample) {
  auto a = BtcAddress::parse("1FmWXNJT3jVKaHBQs2gAs6PLGVWx1zPPHf");
  ASSERT_TRUE(a) << a.status().to_string();
  EXPECT_EQ(a->network(), 0x00);
}

TEST(BtcAddress, ParsesLegacyMain) {
  auto a = BtcAddress::parse("4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ");
  ASSERT_TRUE(a) << a.status().to_string();
  EXPECT_EQ(a->network(), 0x08);
}

TEST(BtcAddress, RejectsLength) {
  for (std::string s : {std::string(25, '2'), std::string(36, '2'), std::string()}) {
    auto r = BtcAddress::parse(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Errc::kBadLength) << s;
  }
}

TEST(BtcAddress, RejectsDecodedLength) {
  // 26 characters within the alphabet that decode to 20 bytes, not 25.
  std::string s = base58check_encode(Bytes(16, 0x42));
  ASSERT_GE(s.size(), 26u) << s;
  auto r = BtcAddress::parse(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
  EXPECT_NE(r.status().message().find("25 bytes"), std::string::npos);
}

TEST(BtcAddress, RejectsAlphabet) {
  auto r = BtcAddress::parse("1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZ0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadAlphabet);
}

TEST(BtcAddress, RejectsChecksum) {
  auto r = BtcAddress::parse("1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZn");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadChecksum);
}

TEST(BtcAddress, RejectsUnknownType) {
  Bytes payload(21, 0x11);
  payload[0] = 0x42;
  auto r = BtcAddress::parse(base58check_encode(payload));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kUnknownType);
  EXPECT_NE(r.status().message().find("0x42"), std::string::npos);
  auto d = BtcAddress::from_public_key(key_one().public_key().compressed(), 0x42);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.status().code(), Errc::kUnknownType);
}

TEST(BtcAddress, RejectsKeyLength) {
  auto r = BtcAddress::from_public_key(Bytes(32, 1), 0x00);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
}

// ---- ETH-style

TEST(EthAddress, SpecVectorKeyOne) {
  EXPECT_EQ(EthAddress::from_public_key(key_one().public_key()).to_string(),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

// The examples in EIP-55.
TEST(EthAddress, Eip55Examples) {
  for (const char* s : {"0x52908400098527886E0F7030069857D2E4169EE7",
                        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
                        "0xde709f2102306220921060314715629080e2fb77",
                        "0x27b1fdb04752bbc536007a920d24acb045561c26",
                        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    auto a = EthAddress::parse(s);
    ASSERT_TRUE(a) << s << ": " << a.status().to_string();
    EXPECT_EQ(a->to_string(), s);
  }
}

TEST(EthAddress, AcceptsUnchecksummedCases) {
  auto lower = EthAddress::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  auto upper = EthAddress::parse("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED");
  ASSERT_TRUE(lower);
  ASSERT_TRUE(upper);
  EXPECT_EQ(*lower, *upper);
  EXPECT_EQ(lower->to_string(), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
}

TEST(EthAddress, RejectsChecksum) {
  auto r = EthAddress::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadChecksum);
}

// Any one letter's case flipped in a checksummed address breaks its checksum.
TEST(EthAddress, EverySingleCaseFlipIsRejected) {
  const std::string good = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
  ASSERT_TRUE(EthAddress::parse(good));
  size_t flips = 0;
  for (size_t i = 2; i < good.size(); ++i) {
    std::string bad = good;
    const char c = bad[i];
    if (c >= 'a' && c <= 'f') {
      bad[i] = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'F') {
      bad[i] = static_cast<char>(c - 'A' + 'a');
    } else {
      continue;
    }
    ++flips;
    auto r = EthAddress::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), Errc::kBadChecksum) << bad;
  }
  EXPECT_GT(flips, 15u);
}

TEST(EthAddress, RejectsPrefix) {
  auto r = EthAddress::parse("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadAlphabet);
}

TEST(EthAddress, RejectsLength) {
  auto r = EthAddress::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
  auto b = EthAddress::from_bytes(Bytes(19, 0));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().code(), Errc::kBadLength);
}

TEST(EthAddress, RejectsNonHex) {
  auto r = EthAddress::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadAlphabet);
}

// ---- Address

TEST(Address, DispatchesByForm) {
  EXPECT_EQ(Address::parse("anywhere")->kind(), Address::Kind::kBroadcast);
  EXPECT_EQ(Address::parse("everywhere")->network(), 0x01);
  EXPECT_EQ(Address::parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")->kind(),
            Address::Kind::kEth);
  EXPECT_EQ(Address::parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")->network(), 0x00);
  EXPECT_EQ(Address::parse("4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ")->kind(), Address::Kind::kBtc);
  EXPECT_FALSE(Address::parse("0X7E5F4552091A69125d5DfCb7b8C2659029395Bdf"));
  EXPECT_FALSE(Address::parse("nowhere"));
}

}  // namespace
}  // namespace ans
