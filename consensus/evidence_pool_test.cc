#include "consensus/evidence_pool.h"

#include <gtest/gtest.h>

namespace ans::consensus {
namespace {

const ChainId kChain = sha256(as_bytes(std::string("evidence pool test chain")));

PrivateKey key(const std::string& label) {
  return PrivateKey::from_bytes(sha256(as_bytes("evidence pool test / " + label))).value();
}

ActiveSet set_of(const std::vector<std::pair<std::string, PrivateKey>>& members) {
  std::vector<v1::ActiveSetMember> m;
  for (const auto& [id, k] : members) {
    v1::ActiveSetMember a;
    a.set_sp_id(id);
    a.set_signing_key(to_field(k.public_key().compressed()));
    m.push_back(a);
  }
  return ActiveSet::from_members(m).value();
}

v1::SignedBlockVote vote(const PrivateKey& k, const std::string& voter, uint64_t slot, char block) {
  v1::SignedBlockVote sv;
  v1::BlockVote* v = sv.mutable_vote();
  v->set_block_hash(std::string(32, block));
  v->set_height(slot);
  v->set_slot(slot);
  v->set_voter(voter);
  sv.set_signature(to_field(k.sign(vote_signing_hash(kChain, *v))));
  return sv;
}

v1::Evidence double_vote(const v1::SignedBlockVote& a, const v1::SignedBlockVote& b) {
  v1::Evidence ev;
  *ev.mutable_double_vote()->mutable_first() = a;
  *ev.mutable_double_vote()->mutable_second() = b;
  return ev;
}

TEST(EvidencePool, KeepsEachOffenceOnceAndRefusesWhatIsNotEvidence) {
  const PrivateKey alice = key("alice"), bob = key("bob");
  const ActiveSet set = set_of({{"alice", alice}, {"bob", bob}});
  EvidencePool pool;
  using K = Verdict::Kind;

  const v1::Evidence ev = double_vote(vote(alice, "alice", 7, 'a'), vote(alice, "alice", 7, 'b'));
  EXPECT_EQ(offence_key(ev), "v/alice/7");
  EXPECT_EQ(pool.add(kChain, ev, &set).kind(), K::kAccepted);
  EXPECT_EQ(pool.add(kChain, ev, &set).kind(), K::kIgnored) << "the same offence again";
  EXPECT_EQ(pool.size(), 1u);

  // Not evidence: one vote twice, two voters, two slots, a half signed by another key.
  EXPECT_EQ(pool.add(kChain, double_vote(vote(bob, "bob", 7, 'a'), vote(bob, "bob", 7, 'a')), &set).kind(),
            K::kInvalid);
  EXPECT_EQ(pool.add(kChain, double_vote(vote(bob, "bob", 7, 'a'), vote(alice, "alice", 7, 'b')), &set).kind(),
            K::kInvalid);
  EXPECT_EQ(pool.add(kChain, double_vote(vote(bob, "bob", 7, 'a'), vote(bob, "bob", 8, 'b')), &set).kind(),
            K::kInvalid);
  const Verdict forged =
      pool.add(kChain, double_vote(vote(bob, "bob", 9, 'a'), vote(alice, "bob", 9, 'b')), &set);
  EXPECT_EQ(forged.kind(), K::kInvalid);
  EXPECT_NE(forged.reason().message().find("not signed by bob"), std::string::npos) << forged.reason().to_string();
  EXPECT_EQ(pool.add(kChain, v1::Evidence(), &set).kind(), K::kInvalid);
  EXPECT_EQ(pool.size(), 1u) << "nothing invalid is kept";

  // An offender outside the set the node knows: left to the ledger, which knows every SP.
  const PrivateKey carol = key("carol");
  EXPECT_EQ(pool.add(kChain, double_vote(vote(carol, "carol", 3, 'a'), vote(carol, "carol", 3, 'b')), &set).kind(),
            K::kAccepted);
  EXPECT_FALSE(pool.add_own(ev)) << "held already";
  pool.erase("v/alice/7");
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_TRUE(pool.add_own(ev));
  ASSERT_EQ(pool.entries().size(), 2u);
  EXPECT_EQ(pool.entries()[0].first, "v/alice/7");
}

}  // namespace
}  // namespace ans::consensus
