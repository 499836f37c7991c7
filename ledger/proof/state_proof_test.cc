// The stand-alone verifier: encoding, strict decoding and verification, against vectors
// computed by an independent script from docs/state-tree.md (no tree involved).
#include "ledger/proof/state_proof.h"

#include <gtest/gtest.h>

namespace ans {
namespace {

Hash256 h(std::string_view hex) { return *fixed_from_hex<32>(hex); }
Bytes b(std::string_view hex) { return *from_hex(hex); }
Hash256 filled(uint8_t byte) {
  Hash256 out;
  out.fill(byte);
  return out;
}
Hash256 key(std::string_view app_key) { return state_key_hash(as_bytes(app_key)); }

// Tree {Nalice: "owner=alice", Nbob: "owner=bob", Ncarol: "owner=carol"}: the root splits
// {alice, bob} | carol, and the left child splits alice | bob.
const char* const kRoot3 = "4e05856f613403c5d83c9f8d194d369fc8e800023e6c75f22442092e2fe2de93";
const char* const kBobProof =
    "0202c092fda911fda92d905c15b98acd34b026ee4d7811cfdc56d1c532b3f0fec717dbeeeb9c8fe1806b91829"
    "22cdc0849a8305bae9e68e1b24572f7db69cd57fdf1a4000000096f776e65723d626f62";
const char* const kDaveProof =  // Ndave lands on carol's leaf
    "010180594d57b4a63a53b93547454062fbd67d93bc6bd4045b4f8f88ab3b92316c6225d0c8d950f58a535cf6"
    "1ab4b7afc921ed10fc3dfdefe6b1d3f3b912e5557517f50c54e68e976079ae66e21ac0056a8126bf299d69d9"
    "aac3e0b803a6fd2c9548d8";
// Tree {Nalice, Nbob}: both start with bit 0, so the root's right side is empty.
const char* const kRoot2 = "4105eeec4dcd46e245580c725bc741214af3587fccd94bfec065e18df5856248";
const char* const kCarolAbsentProof =
    "000180594d57b4a63a53b93547454062fbd67d93bc6bd4045b4f8f88ab3b92316c6225";

TEST(StateProof, NodeHashVectors) {
  EXPECT_EQ(to_hex(state_leaf_hash(filled(1), filled(2))),
            "32fb2d4416067c5bff06423e18714ad3884365d7b816d34a77b33527d8438624");
  EXPECT_EQ(to_hex(state_internal_hash(filled(1), filled(2))),
            "b331da6ec49d4547d9942a6727e5123f69bed5a0b97ac171cfbfd6201431fcfa");
  EXPECT_EQ(to_hex(key("Nbob")),
            "7b41fffcb3a7ffe83b52afa70a159673258177eca9233e19b320e2f9d8e0c458");
  EXPECT_EQ(state_key_bit(key("Nbob"), 0), 0);
  EXPECT_EQ(state_key_bit(key("Nbob"), 1), 1);
  EXPECT_EQ(state_key_bit(key("Nbob"), 255), 0);
}

TEST(StateProof, VerifiesIndependentVectors) {
  auto bob = decode_state_proof(b(kBobProof));
  ASSERT_TRUE(bob.is_ok()) << bob.status().to_string();
  EXPECT_EQ(bob->kind, StateProof::Kind::kPresent);
  EXPECT_EQ(bob->depth, 2);
  auto proven = verify_state_proof(h(kRoot3), key("Nbob"), *bob);
  ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
  EXPECT_TRUE(proven->present);
  EXPECT_EQ(proven->value, "owner=bob");
  EXPECT_EQ(to_hex(encode_state_proof(*bob)), kBobProof);

  auto dave = decode_state_proof(b(kDaveProof));
  ASSERT_TRUE(dave.is_ok()) << dave.status().to_string();
  EXPECT_EQ(dave->kind, StateProof::Kind::kAbsentOtherLeaf);
  EXPECT_EQ(dave->other_key_hash, key("Ncarol"));
  proven = verify_state_proof(h(kRoot3), key("Ndave"), *dave);
  ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
  EXPECT_FALSE(proven->present);
  // The same proof does not show carol absent: it names her as the other leaf.
  EXPECT_EQ(verify_state_proof(h(kRoot3), key("Ncarol"), *dave).status().code(),
            Errc::kInvalidArgument);

  auto carol = decode_state_proof(b(kCarolAbsentProof));
  ASSERT_TRUE(carol.is_ok()) << carol.status().to_string();
  EXPECT_EQ(carol->kind, StateProof::Kind::kAbsentEmpty);
  proven = verify_state_proof(h(kRoot2), key("Ncarol"), *carol);
  ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
  EXPECT_FALSE(proven->present);
  // Against the other root it fails as a root mismatch.
  EXPECT_EQ(verify_state_proof(h(kRoot3), key("Ncarol"), *carol).status().code(),
            Errc::kBadSignature);
  EXPECT_EQ(verify_state_proof(h(kRoot2), key("Nbob"), *bob).status().code(),
            Errc::kBadSignature);
}

TEST(StateProof, EncodingLayout) {
  StateProof p;
  p.kind = StateProof::Kind::kAbsentOtherLeaf;
  p.depth = 10;
  p.siblings.resize(10);
  p.siblings[0] = filled(0x11);
  p.siblings[9] = filled(0x22);
  p.other_key_hash = filled(0x33);
  p.other_value_hash = filled(0x44);
  const Bytes encoded = encode_state_proof(p);
  ASSERT_EQ(encoded.size(), 2u + 2u + 64u + 64u);
  EXPECT_EQ(to_hex(ByteView(encoded).first(4)), "010a8040");
  EXPECT_EQ(encoded[4], 0x11);
  EXPECT_EQ(encoded[36], 0x22);
  EXPECT_EQ(encoded[68], 0x33);
  EXPECT_EQ(encoded[100], 0x44);
  auto back = decode_state_proof(encoded);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == p);

  StateProof empty_tree;  // kAbsentEmpty at depth 0: the whole tree is empty
  EXPECT_EQ(to_hex(encode_state_proof(empty_tree)), "0000");
  auto proven = verify_state_proof(Hash256{}, filled(7), empty_tree);
  ASSERT_TRUE(proven.is_ok());
  EXPECT_FALSE(proven->present);

  StateProof lone;
  lone.kind = StateProof::Kind::kPresent;
  lone.value = "abc";
  EXPECT_EQ(to_hex(encode_state_proof(lone)), "020000000003616263");
  proven = verify_state_proof(state_leaf_hash(filled(7), sha256(as_bytes("abc"))), filled(7), lone);
  ASSERT_TRUE(proven.is_ok());
  EXPECT_TRUE(proven->present);
  EXPECT_EQ(proven->value, "abc");
}

void expect_rejected(const std::string& hex, Errc code, const char* why) {
  auto r = decode_state_proof(b(hex));
  ASSERT_FALSE(r.is_ok()) << why;
  EXPECT_EQ(r.status().code(), code) << why << ": " << r.status().to_string();
  EXPECT_FALSE(r.status().message().empty());
}

TEST(StateProof, DecoderRejectsMalformedInput) {
  const std::string s11(64, '1');  // one sibling hash of 0x11 bytes
  const std::string zeros(64, '0');
  expect_rejected("", Errc::kBadLength, "empty input");
  expect_rejected("00", Errc::kBadLength, "no depth byte");
  expect_rejected("0300", Errc::kUnknownType, "kind 3");
  expect_rejected("ff00", Errc::kUnknownType, "kind 255");
  expect_rejected("0001", Errc::kBadLength, "bitmap missing");
  expect_rejected("000a80", Errc::kBadLength, "bitmap short");
  expect_rejected("000140" , Errc::kNonCanonical, "bitmap bit past depth");
  expect_rejected("000980ff", Errc::kNonCanonical, "bitmap bits past depth 9");
  expect_rejected("000180" + s11.substr(0, 62), Errc::kBadLength, "sibling truncated");
  expect_rejected("000180" + zeros, Errc::kNonCanonical, "all-zero sibling");
  expect_rejected("000100", Errc::kNonCanonical, "empty last sibling, depth 1");
  expect_rejected("000280" + s11, Errc::kNonCanonical, "empty last sibling, depth 2");
  expect_rejected("0100" + s11 + s11.substr(0, 62), Errc::kBadLength, "other leaf truncated");
  expect_rejected("0200000000", Errc::kBadLength, "value length truncated");
  expect_rejected("020000010001", Errc::kTooLarge, "value length 65537");
  expect_rejected("0200ffffffff", Errc::kTooLarge, "value length 2^32-1");
  expect_rejected("02000000000561626364", Errc::kBadLength, "value truncated");
  expect_rejected("000000", Errc::kBadLength, "trailing byte after kind 0");
  expect_rejected("0100" + s11 + s11 + "00", Errc::kBadLength, "trailing byte after kind 1");
  expect_rejected("020000000001616263", Errc::kBadLength, "trailing bytes after value");

  // The limits themselves are accepted.
  Bytes max_value = b("0200" "00010000");
  max_value.resize(max_value.size() + kMaxProvenValueSize, 'v');
  EXPECT_TRUE(decode_state_proof(max_value).is_ok());
  std::string deepest = "00ff" + std::string(62, 'f') + "fe";  // depth 255, all siblings set
  for (int i = 0; i < 255; ++i) deepest += s11;
  EXPECT_TRUE(decode_state_proof(b(deepest)).is_ok());
  expect_rejected("00ff" + std::string(64, 'f') + std::string(255 * 64, '1'),
                  Errc::kNonCanonical, "bit 255 set at depth 255");
}

TEST(StateProof, VerifierChecksShapeAndKey) {
  const Hash256 kh = filled(0x0F);  // bits 0..3 are 0
  StateProof p;
  p.kind = StateProof::Kind::kAbsentOtherLeaf;
  p.depth = 4;
  p.siblings = {std::nullopt, std::nullopt, std::nullopt, filled(0x55)};
  p.other_key_hash = filled(0x07);  // shares bits 0..4 with kh
  p.other_value_hash = filled(0x99);
  Hash256 root = state_leaf_hash(p.other_key_hash, p.other_value_hash);
  root = state_internal_hash(root, filled(0x55));
  for (int i = 0; i < 3; ++i) root = state_internal_hash(root, Hash256{});
  ASSERT_TRUE(verify_state_proof(root, kh, p).is_ok());

  StateProof same_key = p;
  same_key.other_key_hash = kh;
  EXPECT_EQ(verify_state_proof(root, kh, same_key).status().code(), Errc::kInvalidArgument);
  StateProof off_path = p;
  off_path.other_key_hash = filled(0x17);  // bit 3 differs
  EXPECT_EQ(verify_state_proof(root, kh, off_path).status().code(), Errc::kInvalidArgument);
  StateProof short_siblings = p;
  short_siblings.siblings.pop_back();
  EXPECT_EQ(verify_state_proof(root, kh, short_siblings).status().code(), Errc::kBadLength);
  StateProof zero_sibling = p;
  zero_sibling.siblings[0] = Hash256{};
  EXPECT_EQ(verify_state_proof(root, kh, zero_sibling).status().code(), Errc::kNonCanonical);
  StateProof empty_last = p;
  empty_last.siblings[3] = std::nullopt;
  EXPECT_EQ(verify_state_proof(root, kh, empty_last).status().code(), Errc::kNonCanonical);
  StateProof bad_kind = p;
  bad_kind.kind = static_cast<StateProof::Kind>(7);
  EXPECT_EQ(verify_state_proof(root, kh, bad_kind).status().code(), Errc::kUnknownType);
  StateProof too_big;
  too_big.kind = StateProof::Kind::kPresent;
  too_big.value.assign(kMaxProvenValueSize + 1, 'x');
  EXPECT_EQ(verify_state_proof(root, kh, too_big).status().code(), Errc::kTooLarge);
  // A presence claim with the other leaf's data fails on the root.
  StateProof as_present = p;
  as_present.kind = StateProof::Kind::kPresent;
  EXPECT_EQ(verify_state_proof(root, kh, as_present).status().code(), Errc::kBadSignature);
}

}  // namespace
}  // namespace ans
