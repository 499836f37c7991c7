#include "ledger/crypto/keys.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ans {
namespace {

// BIP-340 test-vectors.csv (bitcoin/bips, final version), all 19 rows.
struct Bip340Vector {
  const char* secret;  // empty for verify-only rows
  const char* pubkey;
  const char* aux;
  const char* message;  // any length (rows 15-18 are not 32 bytes)
  const char* signature;
  bool valid;
};

constexpr Bip340Vector kBip340[] = {
    {"0000000000000000000000000000000000000000000000000000000000000003",
     "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
     "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0",
     true},
    {"B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "0000000000000000000000000000000000000000000000000000000000000001",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341"
     "8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A",
     true},
    {"C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9",
     "DD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8",
     "C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906",
     "7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C",
     "5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1B"
     "AB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7",
     true},
    {"0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710",
     "25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC"
     "97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3",
     true},  // test fails if msg is reduced modulo p or n
    {"",
     "D69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9",
     "",
     "4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703",
     "00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C63"
     "76AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4",
     true},
    {"",
     "EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false},  // public key not on the curve
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A1460297556"
     "3CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2",
     false},  // has_even_y(R) is false
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "1FA62E331EDBC21C394792D2AB1100A7B432B013DF3F6FF4F99FCB33E0E1515F"
     "28890B3EDB6E7189B630448B515CE4F8622A954CFE545735AAEA5134FCCDB2BD",
     false},  // negated message
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "961764B3AA9B2FFCB6EF947B6887A226E8D7C93E00C5ED0C1834FF0D0C2E6DA6",
     false},  // negated s value
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "0000000000000000000000000000000000000000000000000000000000000000"
     "123DDA8328AF9C23A94C1FEECFD123BA4FB73476F0D594DCB65C6425BD186051",
     false},  // sG - eP is infinite (x(inf) as 0)
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "0000000000000000000000000000000000000000000000000000000000000001"
     "7615FBAF5AE28864013C099742DEADB4DBA87F11AC6754F93780D5A1837CF197",
     false},  // sG - eP is infinite (x(inf) as 1)
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "4A298DACAE57395A15D0795DDBFD1DCB564DA82B0F269BC70A74F8220429BA1D"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false},  // sig[0:32] is not an X coordinate on the curve
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false},  // sig[0:32] is equal to field size
    {"",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
     false},  // sig[32:64] is equal to curve order
    {"",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30",
     "",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
     "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
     false},  // public key exceeds the field size
    {"0340034003400340034003400340034003400340034003400340034003400340",
     "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "",
     "71535DB165ECD9FBBC046E5FFAEA61186BB6AD436732FCCC25291A55895464CF"
     "6069CE26BF03466228F19A3A62DB8A649F2D560FAC652827D1AF0574E427AB63",
     true},  // message of size 0
    {"0340034003400340034003400340034003400340034003400340034003400340",
     "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "11",
     "08A20A0AFEF64124649232E0693C583AB1B9934AE63B4C3511F3AE1134C6A303"
     "EA3173BFEA6683BD101FA5AA5DBC1996FE7CACFC5A577D33EC14564CEC2BACBF",
     true},  // message of size 1
    {"0340034003400340034003400340034003400340034003400340034003400340",
     "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "0102030405060708090A0B0C0D0E0F1011",
     "5130F39A4059B43BC7CAC09A19ECE52B5D8699D1A71E3C52DA9AFDB6B50AC370"
     "C4A482B77BF960F8681540E25B6771ECE1E5A37FD80E5A51897C5566A97EA5A5",
     true},  // message of size 17
    {"0340034003400340034003400340034003400340034003400340034003400340",
     "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
     "403B12B0D8555A344175EA7EC746566303321E5DBFA8BE6F091635163ECA79A8"
     "585ED3E3170807E7C03B720FC54C7B23897FCBA0E9D0B4A06894CFD249F22367",
     true},  // message of size 100
};

TEST(Bip340, AllVectors) {
  int index = 0;
  for (const auto& v : kBip340) {
    SCOPED_TRACE("vector " + std::to_string(index++));
    auto pub = fixed_from_hex<32>(v.pubkey).value();
    Bytes msg = from_hex(v.message).value();
    auto sig = fixed_from_hex<64>(v.signature).value();
    EXPECT_EQ(verify_schnorr_xonly(pub, msg, sig), v.valid);
    // The project signs 32-byte hashes only; rows with such messages are signed too.
    if (*v.secret != '\0' && msg.size() == 32) {
      auto key = PrivateKey::from_bytes(from_hex(v.secret).value()).value();
      EXPECT_EQ(key.public_key().x_only(), pub);
      Hash256 msg32{};
      std::copy(msg.begin(), msg.end(), msg32.begin());
      auto aux = fixed_from_hex<32>(v.aux).value();
      EXPECT_EQ(key.sign(msg32, aux), sig);
      EXPECT_TRUE(key.public_key().verify(msg32, sig));
    }
  }
  EXPECT_EQ(index, 19);
}

TEST(Keys, GenerateSignVerify) {
  PrivateKey key = PrivateKey::generate();
  PublicKey pub = key.public_key();
  Hash256 msg = sha256(as_bytes("hello"));
  SchnorrSignature sig = key.sign(msg);
  EXPECT_TRUE(pub.verify(msg, sig));
  Hash256 other = sha256(as_bytes("hellp"));
  EXPECT_FALSE(pub.verify(other, sig));
  sig[10] ^= 1;
  EXPECT_FALSE(pub.verify(msg, sig));
  // Two generated keys differ.
  EXPECT_NE(PrivateKey::generate().secret(), key.secret());
}

TEST(Keys, PublicKeyForms) {
  auto one = PrivateKey::from_bytes(
      fixed_from_hex<32>("0000000000000000000000000000000000000000000000000000000000000001").value())
                 .value();
  PublicKey pub = one.public_key();
  // The generator point G.
  EXPECT_EQ(to_hex(pub.compressed()),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(to_hex(pub.uncompressed()),
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EXPECT_EQ(PublicKey::parse(pub.uncompressed()).value(), pub);
  EXPECT_EQ(PublicKey::parse(pub.compressed()).value(), pub);
}

TEST(Keys, RejectsBadPrivateKeys) {
  auto short_key = PrivateKey::from_bytes(Bytes(31, 1));
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.status().code(), Errc::kBadLength);
  auto zero = PrivateKey::from_bytes(Bytes(32, 0));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.status().code(), Errc::kInvalidArgument);
  // The group order n itself is out of range.
  auto order = PrivateKey::from_bytes(
      from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141").value());
  ASSERT_FALSE(order);
  EXPECT_EQ(order.status().code(), Errc::kInvalidArgument);
}

TEST(Keys, RejectsBadPublicKeys) {
  auto wrong_len = PublicKey::parse(Bytes(32, 2));
  ASSERT_FALSE(wrong_len);
  EXPECT_EQ(wrong_len.status().code(), Errc::kBadLength);
  Bytes off_curve(33, 0);
  off_curve[0] = 0x02;
  off_curve[32] = 0x07;  // x = 7: 7^3 + 7 = 350 is not a square mod p
  auto bad = PublicKey::parse(off_curve);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), Errc::kBadSignature);
  Bytes bad_prefix(33, 1);
  bad_prefix[0] = 0x05;
  EXPECT_FALSE(PublicKey::parse(bad_prefix));
}

// The cache gives PublicKey::parse's answers, whether it hits, misses or evicts.
TEST(PublicKeyCache, SameAnswersAsParse) {
  std::vector<CompressedPubKey> keys;
  for (int i = 0; i < 64; ++i) {
    keys.push_back(PrivateKey::from_bytes(sha256(as_bytes("cache key " + std::to_string(i))))
                       .value()
                       .public_key()
                       .compressed());
  }
  // One slot per shard: nearly every other lookup evicts another key.
  for (size_t slots : {size_t{1}, size_t{1} << 16}) {
    PublicKeyCache cache(slots);
    for (int round = 0; round < 3; ++round) {
      for (const auto& k : keys) {
        auto got = cache.parse(k);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->compressed(), k);
        EXPECT_EQ(got->uncompressed(), PublicKey::parse(k).value().uncompressed());
      }
    }
    EXPECT_EQ(cache.hits() + cache.misses(), 3 * keys.size());
    if (slots > 64) {
      // Two keys that share a slot cost 4 hits; four such pairs are about a 1e-8 chance.
      EXPECT_GE(cache.hits(), 2 * keys.size() - 16);
    } else {
      EXPECT_GE(cache.misses(), 3 * keys.size() - 3 * 16);  // 16 slots for 64 keys
    }
  }
}

TEST(PublicKeyCache, GivesTheKeysAccountOnAMissAndOnAHit) {
  // The account is Keccak-256 of the 64-byte key, last 20 bytes (the EIP-55 test vector's
  // key: private key 1 controls 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf).
  FixedBytes<32> one{};
  one[31] = 1;
  const PublicKey key = PrivateKey::from_bytes(one).value().public_key();
  EXPECT_EQ(to_hex(key.account()), "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
  PublicKeyCache cache(16);
  const CompressedPubKey bytes = key.compressed();
  ASSERT_TRUE(cache.parse(bytes));  // cached, its account with it
  for (int round = 0; round < 3; ++round) {
    FixedBytes<20> account{};
    auto got = cache.parse(bytes, &account);
    ASSERT_TRUE(got);
    EXPECT_EQ(account, key.account()) << round;
    EXPECT_EQ(got->compressed(), bytes);
  }
  EXPECT_EQ(cache.misses(), 1u);
  // Asked for on the miss itself.
  PublicKeyCache fresh(16);
  FixedBytes<20> on_miss{};
  ASSERT_TRUE(fresh.parse(bytes, &on_miss));
  EXPECT_EQ(fresh.misses(), 1u);
  EXPECT_EQ(on_miss, key.account());
  // Not cached (not 33 bytes), still answered.
  FixedBytes<20> account{};
  ASSERT_TRUE(cache.parse(key.uncompressed(), &account));
  EXPECT_EQ(account, key.account());
}

TEST(PublicKeyCache, RejectsWhatParseRejectsAndCachesNothingOfIt) {
  PublicKeyCache cache(16);
  Bytes off_curve(33, 0);
  off_curve[0] = 0x02;
  off_curve[32] = 0x07;
  for (int i = 0; i < 2; ++i) {
    auto bad = cache.parse(off_curve);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.status().code(), Errc::kBadSignature);
  }
  EXPECT_EQ(cache.hits(), 0u);
  auto wrong_len = cache.parse(Bytes(32, 2));
  ASSERT_FALSE(wrong_len);
  EXPECT_EQ(wrong_len.status().code(), Errc::kBadLength);
  // A key with the other parity prefix is another key, not a hit on the first.
  CompressedPubKey k = PrivateKey::generate().public_key().compressed();
  ASSERT_TRUE(cache.parse(k));
  CompressedPubKey flipped = k;
  flipped[0] ^= 0x01;  // 0x02 <-> 0x03: the same x, the negated point
  auto other = cache.parse(flipped);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->compressed(), flipped);
  EXPECT_NE(other->uncompressed(), cache.parse(k).value().uncompressed());
}

TEST(PublicKeyCache, ThreadsShareIt) {
  PublicKeyCache cache(256);
  std::vector<CompressedPubKey> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(PrivateKey::generate().public_key().compressed());
  std::atomic<int> wrong{0};
  auto work = [&](int offset) {
    for (int round = 0; round < 5; ++round) {
      for (size_t i = 0; i < keys.size(); ++i) {
        const auto& k = keys[(i + static_cast<size_t>(offset)) % keys.size()];
        auto got = cache.parse(k);
        if (!got || got->compressed() != k) ++wrong;
      }
    }
  };
  std::thread a(work, 0), b(work, 100);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.hits() + cache.misses(), 2u * 5 * keys.size());
}

}  // namespace
}  // namespace ans
