#include "light/quorum.h"

#include <set>

namespace ans::light {
namespace {

bool bit(const std::string& bitmap, size_t i) {
  return (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1u;
}

v1::BlockVote vote_of(const v1::QuorumCertificate& qc, const std::string& voter) {
  v1::BlockVote v;
  v.set_block_hash(qc.block_hash());
  v.set_height(qc.height());
  v.set_slot(qc.slot());
  v.set_voter(voter);
  return v;
}

}  // namespace

Result<ActiveSet> ActiveSet::from_members(const std::vector<v1::ActiveSetMember>& members) {
  if (members.empty()) return Status(Errc::kInvalidArgument, "an active set needs a member");
  ActiveSet out;
  std::set<std::string> seen;
  for (const auto& m : members) {
    if (!seen.insert(m.sp_id()).second) {
      return Status(Errc::kInvalidArgument, "'" + m.sp_id() + "' is in the active set twice");
    }
    auto key = PublicKey::parse(as_bytes(m.signing_key()));
    if (!key) return Status(Errc::kBadSignature, m.sp_id() + ": " + key.status().message());
    out.members_.push_back({m.sp_id(), *key});
  }
  return out;
}

int ActiveSet::index_of(std::string_view sp_id) const {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].sp_id == sp_id) return static_cast<int>(i);
  }
  return -1;
}

Status verify_vote(const ChainId& chain_id, const ActiveSet& set, const v1::SignedBlockVote& sv) {
  if (sv.vote().block_hash().size() != 32) {
    return Status(Errc::kInvalidArgument, "vote.block_hash must be 32 bytes");
  }
  int index = set.index_of(sv.vote().voter());
  if (index < 0) {
    return Status(Errc::kInvalidArgument, "'" + sv.vote().voter() + "' is not in the active set");
  }
  auto sig = signature_field(sv.signature(), "vote signature");
  if (!sig) return sig.status();
  if (!set.member(static_cast<size_t>(index)).signing_key.verify(vote_signing_hash(chain_id, sv.vote()), *sig)) {
    return Status(Errc::kBadSignature, "the vote of '" + sv.vote().voter() +
                                           "' does not verify for its key on this chain");
  }
  return Status::ok();
}

Result<v1::QuorumCertificate> assemble_qc(const ActiveSet& set, const v1::BlockVote& target,
                                          const std::vector<std::string>& signatures) {
  v1::QuorumCertificate qc;
  qc.set_block_hash(target.block_hash());
  qc.set_height(target.height());
  qc.set_slot(target.slot());
  std::string bitmap((set.size() + 7) / 8, '\0');
  size_t count = 0;
  for (size_t i = 0; i < set.size() && i < signatures.size(); ++i) {
    if (signatures[i].empty()) continue;
    bitmap[i / 8] = static_cast<char>(static_cast<uint8_t>(bitmap[i / 8]) | (1u << (i % 8)));
    qc.add_signatures(signatures[i]);
    ++count;
  }
  if (count < set.quorum()) {
    return Status(Errc::kInvalidArgument, std::to_string(count) + " valid votes; a QC needs " +
                                              std::to_string(set.quorum()) + " of " +
                                              std::to_string(set.size()));
  }
  qc.set_signers(bitmap);
  return qc;
}

Status verify_qc(const ChainId& chain_id, const ActiveSet& set, const v1::QuorumCertificate& qc) {
  if (qc.block_hash().size() != 32) return Status(Errc::kBadLength, "qc.block_hash must be 32 bytes");
  size_t n = set.size();
  if (qc.signers().size() != (n + 7) / 8) {
    return Status(Errc::kBadLength, "qc.signers must be " + std::to_string((n + 7) / 8) +
                                        " bytes for a set of " + std::to_string(n));
  }
  for (size_t i = n; i < qc.signers().size() * 8; ++i) {
    if (bit(qc.signers(), i)) {
      return Status(Errc::kNonCanonical, "qc.signers names member " + std::to_string(i) +
                                             ", outside the set of " + std::to_string(n));
    }
  }
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += bit(qc.signers(), i) ? 1 : 0;
  if (count != static_cast<size_t>(qc.signatures_size())) {
    return Status(Errc::kInvalidArgument, std::to_string(count) + " signers but " +
                                              std::to_string(qc.signatures_size()) + " signatures");
  }
  if (count < set.quorum()) {
    return Status(Errc::kInvalidArgument, std::to_string(count) + " of " + std::to_string(n) +
                                              " signed; a QC needs more than 2/3 (" +
                                              std::to_string(set.quorum()) + ")");
  }
  int next = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!bit(qc.signers(), i)) continue;
    auto sig = signature_field(qc.signatures(next++), "qc signature");
    if (!sig) return sig.status();
    const auto& m = set.member(i);
    if (!m.signing_key.verify(vote_signing_hash(chain_id, vote_of(qc, m.sp_id)), *sig)) {
      return Status(Errc::kBadSignature, "the signature of '" + m.sp_id +
                                             "' in the QC does not verify on this chain");
    }
  }
  return Status::ok();
}

}  // namespace ans::light
