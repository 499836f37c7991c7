#include "consensus/quorum.h"

#include <gtest/gtest.h>

#include "consensus/testing/build_qc.h"

namespace ans::consensus {
namespace {

ChainId chain() { return sha256(as_bytes("consensus test chain")); }

struct Producers {
  std::vector<PrivateKey> keys;
  std::vector<v1::ActiveSetMember> members;
  explicit Producers(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(PrivateKey::from_bytes(sha256(as_bytes("producer " + std::to_string(i)))).value());
      v1::ActiveSetMember m;
      m.set_sp_id("sp" + std::to_string(i));
      m.set_signing_key(to_field(keys.back().public_key().compressed()));
      members.push_back(m);
    }
  }
  ActiveSet set() const { return ActiveSet::from_members(members).value(); }
};

v1::BlockVote target() {
  v1::BlockVote v;
  v.set_block_hash(to_field(sha256(as_bytes("block"))));
  v.set_height(42);
  v.set_slot(57);
  return v;
}

v1::SignedBlockVote vote(const Producers& p, size_t i, v1::BlockVote v = target(),
                         const ChainId& c = chain()) {
  v.set_voter("sp" + std::to_string(i));
  v1::SignedBlockVote sv;
  *sv.mutable_vote() = v;
  sv.set_signature(to_field(p.keys[i].sign(vote_signing_hash(c, v))));
  return sv;
}

std::vector<v1::SignedBlockVote> votes(const Producers& p, size_t count) {
  std::vector<v1::SignedBlockVote> out;
  for (size_t i = 0; i < count; ++i) out.push_back(vote(p, i));
  return out;
}

TEST(Quorum, MoreThanTwoThirds) {
  EXPECT_EQ(Producers(1).set().quorum(), 1u);
  EXPECT_EQ(Producers(3).set().quorum(), 3u);
  EXPECT_EQ(Producers(4).set().quorum(), 3u);
  EXPECT_EQ(Producers(7).set().quorum(), 5u);
  EXPECT_EQ(Producers(21).set().quorum(), 15u);
}

TEST(ActiveSetBuild, RejectsEmptyDuplicateAndBadKeys) {
  EXPECT_FALSE(ActiveSet::from_members({}));
  Producers p(3);
  auto dup = p.members;
  dup[2].set_sp_id("sp0");
  EXPECT_EQ(ActiveSet::from_members(dup).status().code(), Errc::kInvalidArgument);
  auto bad = p.members;
  bad[1].set_signing_key(std::string(33, '\x05'));
  EXPECT_EQ(ActiveSet::from_members(bad).status().code(), Errc::kBadSignature);
}

TEST(Votes, VerifyAndReject) {
  Producers p(4);
  ActiveSet set = p.set();
  EXPECT_TRUE(verify_vote(chain(), set, vote(p, 2)));
  // Wrong chain id.
  EXPECT_EQ(verify_vote(chain(), set, vote(p, 2, target(), sha256(as_bytes("other")))).code(),
            Errc::kBadSignature);
  // Bad signature: signed by another member's key.
  v1::SignedBlockVote forged = vote(p, 1);
  forged.mutable_vote()->set_voter("sp2");
  EXPECT_EQ(verify_vote(chain(), set, forged).code(), Errc::kBadSignature);
  // Voter outside the set.
  Producers outsiders(6);
  EXPECT_EQ(verify_vote(chain(), set, vote(outsiders, 5)).code(), Errc::kInvalidArgument);
}

TEST(QcValidation, AValidQcFromAQuorumVerifies) {
  for (size_t n : {1u, 4u, 21u}) {
    Producers p(n);
    ActiveSet set = p.set();
    auto qc = build_qc(chain(), set, target(), votes(p, set.quorum()));
    ASSERT_TRUE(qc) << qc.status().to_string();
    EXPECT_TRUE(verify_qc(chain(), set, *qc)) << n;
    EXPECT_EQ(static_cast<size_t>(qc->signatures_size()), set.quorum());
  }
}

TEST(QcValidation, TooFewVotes) {
  Producers p(21);
  ActiveSet set = p.set();
  auto short_qc = build_qc(chain(), set, target(), votes(p, 14));  // 14 = exactly 2/3
  ASSERT_FALSE(short_qc);
  EXPECT_EQ(short_qc.status().code(), Errc::kInvalidArgument);
  // Hand-trim a valid QC to 14 signers.
  auto qc = build_qc(chain(), set, target(), votes(p, 15)).value();
  std::string bitmap = qc.signers();
  bitmap[1] = static_cast<char>(static_cast<uint8_t>(bitmap[1]) & ~(1u << 6));  // member 14
  qc.set_signers(bitmap);
  qc.mutable_signatures()->RemoveLast();
  Status st = verify_qc(chain(), set, qc);
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  EXPECT_NE(st.message().find("2/3"), std::string::npos);
}

TEST(QcValidation, DuplicateVotersCountOnce) {
  Producers p(4);
  ActiveSet set = p.set();
  // Three votes, but two of them from the same voter: only two distinct, below quorum 3.
  std::vector<v1::SignedBlockVote> vs = {vote(p, 0), vote(p, 1), vote(p, 1)};
  EXPECT_FALSE(build_qc(chain(), set, target(), vs));
  // A QC that reuses one member's signature for another member does not verify.
  auto qc = build_qc(chain(), set, target(), votes(p, 3)).value();
  *qc.mutable_signatures(2) = qc.signatures(1);
  EXPECT_EQ(verify_qc(chain(), set, qc).code(), Errc::kBadSignature);
}

TEST(QcValidation, VotersOutsideTheSet) {
  Producers p(4);
  ActiveSet set = p.set();
  Producers outsiders(8);
  std::vector<v1::SignedBlockVote> vs = {vote(p, 0), vote(outsiders, 6), vote(outsiders, 7)};
  EXPECT_FALSE(build_qc(chain(), set, target(), vs));  // outsiders ignored: 1 of 3 needed
  // A bitmap bit past the set's size.
  auto qc = build_qc(chain(), set, target(), votes(p, 3)).value();
  std::string bitmap = qc.signers();
  bitmap[0] = static_cast<char>(static_cast<uint8_t>(bitmap[0]) | 0x20);  // member 5 of 4
  qc.set_signers(bitmap);
  EXPECT_EQ(verify_qc(chain(), set, qc).code(), Errc::kNonCanonical);
  qc.set_signers(std::string(2, '\x07'));  // the wrong length for 4 members
  EXPECT_EQ(verify_qc(chain(), set, qc).code(), Errc::kBadLength);
}

TEST(QcValidation, BadSignaturesAndWrongChainId) {
  Producers p(4);
  ActiveSet set = p.set();
  auto qc = build_qc(chain(), set, target(), votes(p, 4)).value();
  ASSERT_TRUE(verify_qc(chain(), set, qc));
  EXPECT_EQ(verify_qc(sha256(as_bytes("other")), set, qc).code(), Errc::kBadSignature);
  auto flipped = qc;
  std::string sig = flipped.signatures(3);
  sig[10] ^= 1;
  *flipped.mutable_signatures(3) = sig;
  EXPECT_EQ(verify_qc(chain(), set, flipped).code(), Errc::kBadSignature);
  // The QC is bound to its block, height and slot.
  for (int field = 0; field < 3; ++field) {
    auto moved = qc;
    if (field == 0) moved.set_block_hash(to_field(sha256(as_bytes("another block"))));
    if (field == 1) moved.set_height(43);
    if (field == 2) moved.set_slot(58);
    EXPECT_EQ(verify_qc(chain(), set, moved).code(), Errc::kBadSignature) << field;
  }
  // Signature count must match the signers.
  auto extra = qc;
  extra.add_signatures(qc.signatures(0));
  EXPECT_EQ(verify_qc(chain(), set, extra).code(), Errc::kInvalidArgument);
}

TEST(QcValidation, VotesForAnotherBlockAreNotCounted) {
  Producers p(4);
  ActiveSet set = p.set();
  v1::BlockVote other = target();
  other.set_block_hash(to_field(sha256(as_bytes("fork"))));
  std::vector<v1::SignedBlockVote> vs = {vote(p, 0), vote(p, 1), vote(p, 2, other), vote(p, 3, other)};
  EXPECT_FALSE(build_qc(chain(), set, target(), vs));
  EXPECT_FALSE(build_qc(chain(), set, other, vs));
}

}  // namespace
}  // namespace ans::consensus
