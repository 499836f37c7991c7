#include "ledger/util/bytes.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <vector>

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

// key_hash: keys that differ in one bit (at any position, for lengths around the word
// boundaries) hash differently, and each such flip changes about half the output bits, so
// the tables' probe starts (the low bits) spread whatever part of a key varies.
TEST(KeyHash, EveryInputBitReachesTheOutput) {
  std::mt19937_64 rng(7);
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 21u, 33u, 42u, 64u}) {
    std::string key(len, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    const uint64_t base = key_hash(key);
    EXPECT_EQ(key_hash(key), base);  // deterministic
    double flipped_bits = 0;
    for (size_t bit = 0; bit < len * 8; ++bit) {
      std::string other = key;
      other[bit / 8] = static_cast<char>(other[bit / 8] ^ (1 << (bit % 8)));
      const uint64_t h = key_hash(other);
      ASSERT_NE(h, base) << "length " << len << " bit " << bit;
      flipped_bits += std::popcount(h ^ base);
    }
    if (len > 0) {
      const double mean = flipped_bits / static_cast<double>(len * 8);
      EXPECT_GT(mean, 26.0) << "length " << len;
      EXPECT_LT(mean, 38.0) << "length " << len;
    }
    // A key and the same key with a zero byte appended differ (the length is hashed).
    EXPECT_NE(key_hash(key), key_hash(key + std::string(1, '\0')));
  }
  // Keys that share a long prefix and differ only at the end (index keys, tree pages) land
  // in distinct low bits: 100,000 of them into 2^20 slots collide about as randomly placed
  // ones do (expected ~4,600 collisions).
  std::vector<uint8_t> used(1u << 20);
  size_t collisions = 0;
  for (uint32_t i = 0; i < 100'000; ++i) {
    std::string key = "io" + std::string(20, 'x') + std::to_string(i);
    uint64_t slot = key_hash(key) & ((1u << 20) - 1);
    collisions += used[slot];
    used[slot] = 1;
  }
  EXPECT_LT(collisions, 6'000u);
}

}  // namespace
}  // namespace ans
