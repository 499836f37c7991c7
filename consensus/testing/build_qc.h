// Test helper: a QC from a pile of signed votes, checking each one. The engine never needs
// this (it verifies each vote as it arrives and assembles with assemble_qc), so it lives in
// the consensus testing library, which ansd does not link.
#pragma once

#include <vector>

#include "consensus/quorum.h"

namespace ans::consensus {

// Collects valid votes for one block into a QC. Votes for another block, invalid votes and
// repeated votes by one voter are left out (the first valid one counts).
// Errors: kInvalidArgument when fewer than set.quorum() distinct valid votes remain.
Result<v1::QuorumCertificate> build_qc(const ChainId& chain_id, const ActiveSet& set,
                                       const v1::BlockVote& target,
                                       const std::vector<v1::SignedBlockVote>& votes);

}  // namespace ans::consensus
