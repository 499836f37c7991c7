#include "consensus/safety.h"

#include <gtest/gtest.h>

#include "consensus/store.h"
#include "ledger/testing/temp_dir.h"

namespace ans::consensus {
namespace {

Hash256 h(const std::string& s) { return sha256(as_bytes(s)); }
BlockRef block(const std::string& name, uint64_t height, uint64_t slot) { return {h(name), height, slot}; }

const Hash256 kGenesis = h("genesis");

// A voter that voted for "a" (slot 10) carrying a QC on "q" (slot 8): locked on q.
SafetyState voted_once() {
  SafetyState s = initial_safety_state(kGenesis);
  record_vote(s, block("a", 5, 10), block("q", 4, 8));
  return s;
}

TEST(SafetyState, StartsLockedOnGenesisWithNoVote) {
  SafetyState s = initial_safety_state(kGenesis);
  EXPECT_EQ(s.last_vote_slot, 0u);
  EXPECT_EQ(s.lock, (BlockRef{kGenesis, 0, 0}));
  EXPECT_EQ(s.last_proposal_slot, 0u);
  // Any first block extends the genesis block.
  EXPECT_EQ(check_vote(s, block("a", 1, 1), BlockRef{kGenesis, 0, 0}, true), VoteCheck::kSafe);
}

TEST(VoteRuleV1, NeverTwiceInOneSlotNorBackInTime) {
  SafetyState s = voted_once();
  EXPECT_EQ(check_vote(s, block("b", 5, 10), block("q", 4, 8), true), VoteCheck::kSlotNotNewer)
      << "another block in the slot already voted in";
  EXPECT_EQ(check_vote(s, block("a", 5, 10), block("q", 4, 8), true), VoteCheck::kSlotNotNewer)
      << "even the same block is not voted twice";
  EXPECT_EQ(check_vote(s, block("c", 4, 9), block("q", 4, 8), true), VoteCheck::kSlotNotNewer)
      << "an earlier slot";
  EXPECT_EQ(check_vote(s, block("d", 4, 11), block("q", 4, 8), true), VoteCheck::kSafe)
      << "a later slot, even at a lower height";
}

TEST(VoteRuleV2, ABlockOffTheLockNeedsANewerQc) {
  SafetyState s = voted_once();  // lock: q at slot 8
  EXPECT_EQ(check_vote(s, block("x", 6, 12), block("p", 3, 7), false), VoteCheck::kConflictsWithLock)
      << "off the lock, carrying an older QC";
  EXPECT_EQ(check_vote(s, block("x", 6, 12), block("q2", 4, 8), false), VoteCheck::kConflictsWithLock)
      << "off the lock, carrying a QC of the lock's own slot";
  EXPECT_EQ(check_vote(s, block("x", 6, 12), block("r", 5, 9), false), VoteCheck::kSafe)
      << "off the lock, but carrying a newer QC";
  EXPECT_EQ(check_vote(s, block("y", 6, 12), block("p", 3, 7), true), VoteCheck::kSafe)
      << "extends the lock: the carried QC may be old";
}

TEST(LockRuleL, TheLockMovesOnlyForward) {
  SafetyState s = voted_once();
  EXPECT_EQ(s.lock, block("q", 4, 8));
  EXPECT_EQ(s.last_vote_slot, 10u);
  EXPECT_EQ(s.last_vote_hash, h("a"));
  record_vote(s, block("b", 6, 11), block("p", 3, 7));  // an older QC: lock stays
  EXPECT_EQ(s.lock, block("q", 4, 8));
  EXPECT_EQ(s.last_vote_slot, 11u);
  record_vote(s, block("c", 7, 12), block("b", 6, 11));
  EXPECT_EQ(s.lock, block("b", 6, 11));
}

TEST(SafetyState, EncodingRoundTripsAndRejectsBadLengths) {
  SafetyState s = voted_once();
  s.last_proposal_slot = 77;
  std::string bytes = encode_safety_state(s);
  EXPECT_EQ(bytes.size(), 96u);
  EXPECT_EQ(decode_safety_state(bytes).value(), s);
  EXPECT_EQ(decode_safety_state(bytes.substr(1)).status().code(), Errc::kCorruption);
  EXPECT_EQ(decode_safety_state(bytes + "x").status().code(), Errc::kCorruption);
  EXPECT_EQ(decode_safety_state("").status().code(), Errc::kCorruption);
}

TEST(ConsensusStore, SafetyStateSurvivesReopening) {
  ans::testing::TempDir dir("ans-cstore");
  SafetyState s = voted_once();
  {
    auto store = ConsensusStore::open(dir.path()).value();
    EXPECT_FALSE(store->load_safety().value().has_value());
    ASSERT_TRUE(store->save_safety(s));
  }
  auto store = ConsensusStore::open(dir.path()).value();
  auto loaded = store->load_safety().value();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, s);
}

TEST(ConsensusStore, BlocksSurviveReopening) {
  ans::testing::TempDir dir("ans-cstore");
  StoredBlock b;
  b.block.mutable_header()->mutable_header()->set_height(3);
  b.block.mutable_header()->mutable_header()->set_slot(9);
  b.sets_after.set_pending_fixed_height(600);
  {
    auto store = ConsensusStore::open(dir.path()).value();
    ASSERT_TRUE(store->put_block(h("b3"), b));
  }
  auto store = ConsensusStore::open(dir.path()).value();
  int seen = 0;
  ASSERT_TRUE(store->for_each_block([&](const Hash256& hash, StoredBlock got) {
    ++seen;
    EXPECT_EQ(hash, h("b3"));
    EXPECT_EQ(got.block.header().header().slot(), 9u);
    EXPECT_EQ(got.sets_after.pending_fixed_height(), 600u);
  }));
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace ans::consensus
