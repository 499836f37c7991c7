// Votes and quorum certificates (spec section 5).
//
// An active producer signs a BlockVote for each valid block it accepts. More than 2/3 of the
// active set's votes for one block form a QuorumCertificate: a bitmap of the signers over the
// active set (bit i, LSB first, is member i) and their signatures in member order. A QC is
// checked against the active set it was made in, from headers alone: no other state.
//
// Pure: only the primitives. Consensus and the light client (light/bundle.h) share it.
#pragma once

#include <string>
#include <vector>

#include "ledger/wire/codec.h"

namespace ans::light {

// The producers a vote or QC is checked against, in schedule order.
class ActiveSet {
 public:
  struct Member {
    std::string sp_id;
    PublicKey signing_key;
    bool operator==(const Member&) const = default;
  };

  // Errors: kInvalidArgument (empty, or an SP id twice), kBadSignature (a key that is not a
  // curve point).
  static Result<ActiveSet> from_members(const std::vector<v1::ActiveSetMember>& members);

  size_t size() const { return members_.size(); }
  const Member& member(size_t i) const { return members_[i]; }
  // The member's index, or -1 for an SP outside the set.
  int index_of(std::string_view sp_id) const;
  // Votes needed for a QC: the least count greater than 2/3 of the set, floor(2n/3) + 1.
  size_t quorum() const { return members_.size() * 2 / 3 + 1; }
  // The same members (SP ids and keys) in the same order.
  bool operator==(const ActiveSet& other) const = default;

 private:
  std::vector<Member> members_;
};

// Errors: kInvalidArgument (voter outside the set, or a malformed vote), kBadSignature (the
// signature does not verify for the voter's key on this chain).
Status verify_vote(const ChainId& chain_id, const ActiveSet& set, const v1::SignedBlockVote& vote);

// Assembles a QC from signatures the caller has verified: signatures[i] is member i's
// signature on `target`, or empty. Errors: kInvalidArgument when fewer than set.quorum().
Result<v1::QuorumCertificate> assemble_qc(const ActiveSet& set, const v1::BlockVote& target,
                                          const std::vector<std::string>& signatures);

// Checks a QC: the bitmap is exactly ceil(n/8) bytes with no bit at or past n, the number of
// signatures equals the number of signers, the signers are more than 2/3 of the set, and each
// signature verifies for its member's vote on (block_hash, height, slot) on this chain.
// Errors: kBadLength, kNonCanonical (bits past the set, trailing bytes), kInvalidArgument
// (too few signers, count mismatch), kBadSignature (a signature that does not verify).
Status verify_qc(const ChainId& chain_id, const ActiveSet& set, const v1::QuorumCertificate& qc);

}  // namespace ans::light
