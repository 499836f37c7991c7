#include "consensus/testing/build_qc.h"

namespace ans::consensus {

Result<v1::QuorumCertificate> build_qc(const ChainId& chain_id, const ActiveSet& set,
                                       const v1::BlockVote& target,
                                       const std::vector<v1::SignedBlockVote>& votes) {
  std::vector<std::string> by_member(set.size());
  for (const auto& sv : votes) {
    const v1::BlockVote& v = sv.vote();
    if (v.block_hash() != target.block_hash() || v.height() != target.height() ||
        v.slot() != target.slot()) {
      continue;
    }
    int index = set.index_of(v.voter());
    if (index < 0 || !by_member[static_cast<size_t>(index)].empty()) continue;
    if (!verify_vote(chain_id, set, sv)) continue;
    by_member[static_cast<size_t>(index)] = sv.signature();
  }
  return assemble_qc(set, target, by_member);
}

}  // namespace ans::consensus
