// The voter's safety rules (docs/consensus.md, "Voting rules"), as pure functions over the
// voter's safety state. What makes two conflicting blocks never both final.
//
//   V1 (one vote per slot)   vote only for a block whose slot is greater than the slot of
//                            the last vote: never two votes in one slot, never a vote back
//                            in time.
//   V2 (lock)                vote only for a block that extends the lock, or whose carried
//                            QC is newer (greater slot) than the lock.
//   L  (lock update)         the lock is the newest QC the voter has seen carried in a block
//                            it voted for: after voting for B, lock := B.qc if B.qc is newer.
//
// The state must be on disk before a vote leaves the process (SafetyStore); see
// docs/consensus.md for the argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/crypto/hash.h"
#include "ledger/util/status.h"

namespace ans::consensus {

// A block as the rules see it: its hash, height and slot.
struct BlockRef {
  Hash256 hash{};
  uint64_t height = 0;
  uint64_t slot = 0;
  bool operator==(const BlockRef&) const = default;
};

struct SafetyState {
  uint64_t last_vote_slot = 0;  // 0: never voted (slot 0 is the genesis block's, never voted on)
  Hash256 last_vote_hash{};
  BlockRef lock;                // the certified block locked on; the genesis block at first
  // The slot of the last block this producer signed: never two proposals in one slot, not
  // even across a crash (that would be a double proposal, and slashed).
  uint64_t last_proposal_slot = 0;
  bool operator==(const SafetyState&) const = default;
};

// The state of a voter that has never voted: locked on the genesis block.
SafetyState initial_safety_state(const Hash256& genesis_hash);

enum class VoteCheck {
  kSafe,
  kSlotNotNewer,       // V1: the voter already voted in this slot or a later one
  kConflictsWithLock,  // V2: neither extends the lock nor carries a newer QC
};
std::string_view to_string(VoteCheck check);

// V1 and V2 for `block`, which carries a QC on `justify` (the genesis block when it carries
// none). `extends_lock`: the lock is `block` itself or one of its ancestors.
VoteCheck check_vote(const SafetyState& state, const BlockRef& block, const BlockRef& justify,
                     bool extends_lock);

// Records a vote for `block` (carrying a QC on `justify`) and applies L.
// REQUIRES: check_vote(state, block, justify, ...) == kSafe.
void record_vote(SafetyState& state, const BlockRef& block, const BlockRef& justify);

// Fixed 96-byte encoding: last_vote_slot (8, big-endian) || last_vote_hash (32) ||
// lock.slot (8) || lock.height (8) || lock.hash (32) || last_proposal_slot (8).
std::string encode_safety_state(const SafetyState& state);
// Errors: kCorruption (not exactly 96 bytes).
Result<SafetyState> decode_safety_state(std::string_view bytes);

}  // namespace ans::consensus
