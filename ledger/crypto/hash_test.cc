#include "ledger/crypto/hash.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <random>
#include <thread>

namespace ans {
namespace {

std::string hex_of(ByteView b) { return to_hex(b); }

// FIPS 180-2 / NIST examples.
TEST(Sha256, NistVectors) {
  EXPECT_EQ(hex_of(sha256(as_bytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  Sha256 h;
  h.update("abcdbcdecdefdefgefghfghighijhijk").update("ijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(h.finish(), sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
}

// The RIPEMD-160 authors' test vectors.
TEST(Ripemd160, ReferenceVectors) {
  EXPECT_EQ(hex_of(ripemd160(as_bytes(""))), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
  EXPECT_EQ(hex_of(ripemd160(as_bytes("abc"))), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
  EXPECT_EQ(hex_of(ripemd160(as_bytes("message digest"))),
            "5d0689ef49d2fae572b881b123a85ffa21595f36");
}

// Keccak-256 as Ethereum uses it (not NIST SHA3-256, whose empty hash is a7ffc6f8...).
TEST(Keccak256, EthereumVectors) {
  EXPECT_EQ(hex_of(keccak256(as_bytes(""))),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(hex_of(keccak256(as_bytes("abc"))),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

// Around the sponge's 136-byte block: a message that fills the block exactly gets a whole
// block of padding, one a byte short gets both padding bits in its last byte. The digests
// are Crypto++'s Keccak_256 of bytes (7i + 3) mod 256.
TEST(Keccak256, AcrossBlockBoundaries) {
  const std::pair<size_t, const char*> vectors[] = {
      {1, "69c322e3248a5dfc29d73c5b0553b0185a35cd5bb6386747517ef7e53b15e287"},
      {55, "152cc5298108a3ec3a26e0c5aead9c2770c184a6bdf87eb087716b185c8e2238"},
      {64, "0251cf13aa5b18f1cbda7cddbe85f3dc536fc93df590c2d20ca9b28af1ed2c39"},
      {135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
      {136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
      {137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
      {272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
      {300, "fa75f2293be9f9a14dcdeeff53f7b91ff6a2b1331b13886e69077ab1cf8252a9"},
  };
  for (const auto& [size, digest] : vectors) {
    Bytes message(size);
    for (size_t i = 0; i < size; ++i) message[i] = static_cast<uint8_t>((i * 7 + 3) & 0xff);
    EXPECT_EQ(hex_of(keccak256(message)), digest) << size << " bytes";
  }
}

TEST(Sha256d, IsDoubleSha) {
  Hash256 once = sha256(as_bytes("hello"));
  EXPECT_EQ(sha256d(as_bytes("hello")), sha256(once));
  EXPECT_EQ(hex_of(sha256d(as_bytes("hello"))),
            "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");
}

TEST(Hash160, IsRipemdOfSha) {
  EXPECT_EQ(hash160(as_bytes("abc")), ripemd160(sha256(as_bytes("abc"))));
}

TEST(TaggedHash, SeparatesDomains) {
  Hash256 a = tagged_hash("A", {as_bytes("x")});
  Hash256 b = tagged_hash("B", {as_bytes("x")});
  EXPECT_NE(a, b);
  // Parts are concatenated: splitting the message differently gives the same hash.
  EXPECT_EQ(tagged_hash("A", {as_bytes("xy")}), tagged_hash("A", {as_bytes("x"), as_bytes("y")}));
  // BIP-340's definition: SHA256(SHA256(tag) || SHA256(tag) || msg).
  Hash256 t = sha256(as_bytes("A"));
  Bytes manual(t.begin(), t.end());
  manual.insert(manual.end(), t.begin(), t.end());
  manual.push_back('x');
  EXPECT_EQ(a, sha256(manual));
}

// OpenSSL's SHA-256, the reference for our own.
Hash256 openssl_sha256(ByteView data) {
  Hash256 out{};
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr), 1);
  return out;
}

// Runs `body` with the portable block function and, where the CPU has them, with the SHA
// extensions.
template <typename F>
void with_each_block_function(F body) {
  for (bool portable : {true, false}) {
    if (!portable && !sha256_internal::hardware_available()) continue;
    sha256_internal::use_portable(portable);
    SCOPED_TRACE(portable ? "portable" : "SHA extensions");
    body();
  }
  sha256_internal::use_portable(false);
}

TEST(Sha256, NistVectorsOnEachBlockFunction) {
  with_each_block_function([] {
    EXPECT_EQ(hex_of(sha256(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_of(sha256(as_bytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"))),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    Sha256 million;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) million.update(chunk);
    EXPECT_EQ(hex_of(million.finish()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });
}

// Every length across the padding boundaries, cut into pieces at random points, equals
// OpenSSL's digest.
TEST(Sha256, MatchesOpenSslForEveryLengthAndSplit) {
  std::mt19937_64 rng(3);
  Bytes data(1100);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  with_each_block_function([&] {
    for (size_t n = 0; n <= data.size(); ++n) {
      const ByteView msg(data.data(), n);
      ASSERT_EQ(sha256(msg), openssl_sha256(msg)) << n;
      Sha256 pieces;
      for (size_t at = 0; at < n;) {
        const size_t take = std::min<size_t>(n - at, rng() % 150);
        pieces.update(ByteView(data.data() + at, take));
        at += take;
      }
      ASSERT_EQ(pieces.finish(), openssl_sha256(msg)) << n;
    }
  });
}

// Two messages at once give each one's digest, for every pair of lengths across the padding
// boundaries (one block, two blocks, longer), the empty view without data among them.
TEST(Sha256, TwoAtOnceMatchOneAtATime) {
  std::mt19937_64 rng(5);
  Bytes data(2 * 200);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  with_each_block_function([&] {
    for (size_t na = 0; na <= 200; na += (na < 130 ? 1 : 17)) {
      for (size_t nb = 0; nb <= 200; nb += (nb < 130 ? 1 : 17)) {
        const ByteView a = na == 0 ? ByteView() : ByteView(data.data(), na);
        const ByteView b(data.data() + 200, nb);
        Hash256 ha, hb;
        sha256_x2(a, b, ha, hb);
        ASSERT_EQ(ha, openssl_sha256(a)) << na << " " << nb;
        ASSERT_EQ(hb, openssl_sha256(b)) << na << " " << nb;
      }
    }
  });
}

// An empty view without a data pointer hashes like the empty string, as an update of
// nothing. (Under UBSan, handing its null pointer to memcpy was a finding of the
// consensus_input fuzz target.)
TEST(Sha256, EmptyViewWithoutData) {
  with_each_block_function([] {
    const ByteView nothing;
    ASSERT_EQ(nothing.data(), nullptr);
    EXPECT_EQ(sha256(nothing), sha256(as_bytes("")));
    Sha256 h;
    h.update("abc").update(nothing);
    EXPECT_EQ(h.finish(), sha256(as_bytes("abc")));
  });
}

// A copy of a hash in progress goes on from the same point, independently.
TEST(Sha256, ACopyContinuesFromTheSamePoint) {
  Sha256 a;
  a.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq-and-a-common-prefix");
  Sha256 b = a;
  a.update("x");
  b.update("y");
  EXPECT_EQ(a.finish(), sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq-and-a-common-prefixx")));
  EXPECT_EQ(b.finish(), sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq-and-a-common-prefixy")));
}

// The state kept after each tag gives the definition's answer every time, for more tags
// than are kept.
TEST(TaggedHash, RepeatedAndManyTagsMatchTheDefinition) {
  for (int round = 0; round < 3; ++round) {
    for (int t = 0; t < 40; ++t) {
      const std::string tag = "tag/" + std::to_string(t);
      Hash256 th = sha256(as_bytes(tag));
      Bytes manual(th.begin(), th.end());
      manual.insert(manual.end(), th.begin(), th.end());
      manual.push_back('m');
      ASSERT_EQ(tagged_hash(tag, {as_bytes("m")}), sha256(manual)) << tag << " round " << round;
    }
  }
}

TEST(Sha256, ThreadSafe) {
  Hash256 expected = sha256(as_bytes("abc"));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (sha256(as_bytes("abc")) != expected) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace ans
