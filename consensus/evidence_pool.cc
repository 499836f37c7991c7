#include "consensus/evidence_pool.h"

namespace ans::consensus {

std::string offence_key(const v1::Evidence& ev) {
  if (ev.has_double_proposal()) {
    const auto& h = ev.double_proposal().first().header();
    return "p/" + h.producer() + "/" + std::to_string(h.slot());
  }
  const auto& v = ev.double_vote().first().vote();
  return "v/" + v.voter() + "/" + std::to_string(v.slot());
}

namespace {

Verdict bad(std::string why) { return Verdict::invalid(Status(Errc::kInvalidArgument, std::move(why))); }

bool signed_with(const PublicKey& key, const Hash256& hash, const std::string& signature) {
  auto sig = signature_field(signature, "signature");
  return sig && key.verify(hash, *sig);
}

}  // namespace

Verdict check_evidence(const ChainId& chain_id, const v1::Evidence& evidence,
                       const ActiveSet* voters) {
  if (evidence.has_double_proposal()) {
    const auto& a = evidence.double_proposal().first();
    const auto& b = evidence.double_proposal().second();
    if (a.header().producer() != b.header().producer()) return bad("the two headers have different producers");
    if (a.header().slot() != b.header().slot()) return bad("the two headers are for different slots");
    const Hash256 ha = block_hash(a.header());
    const Hash256 hb = block_hash(b.header());
    if (ha == hb) return bad("the two headers are the same block");
    const int member = voters ? voters->index_of(a.header().producer()) : -1;
    if (member >= 0) {
      const PublicKey& key = voters->member(static_cast<size_t>(member)).signing_key;
      if (!signed_with(key, header_signing_hash(chain_id, ha), a.signature()) ||
          !signed_with(key, header_signing_hash(chain_id, hb), b.signature())) {
        return bad("a header is not signed by " + a.header().producer());
      }
    }
    return Verdict::accepted();
  }
  if (evidence.has_double_vote()) {
    const auto& a = evidence.double_vote().first();
    const auto& b = evidence.double_vote().second();
    if (a.vote().voter() != b.vote().voter()) return bad("the two votes have different voters");
    if (a.vote().slot() != b.vote().slot()) return bad("the two votes are for different slots");
    if (a.vote().block_hash() == b.vote().block_hash()) return bad("the two votes are for the same block");
    if (voters && voters->index_of(a.vote().voter()) >= 0) {
      if (!verify_vote(chain_id, *voters, a) || !verify_vote(chain_id, *voters, b)) {
        return bad("a vote is not signed by " + a.vote().voter());
      }
    }
    return Verdict::accepted();
  }
  return bad("evidence with neither a double proposal nor a double vote");
}

Verdict EvidencePool::add(const ChainId& chain_id, const v1::Evidence& evidence,
                          const ActiveSet* voters) {
  Verdict checked = check_evidence(chain_id, evidence, voters);
  if (!checked.is(Verdict::Kind::kAccepted)) return checked;
  return by_offence_.emplace(offence_key(evidence), evidence).second ? Verdict::accepted()
                                                                     : Verdict::ignored();
}

bool EvidencePool::add_own(v1::Evidence evidence) {
  std::string key = offence_key(evidence);
  return by_offence_.emplace(std::move(key), std::move(evidence)).second;
}

}  // namespace ans::consensus
