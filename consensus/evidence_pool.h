// Evidence of equivocation a node holds until a block of its chain punishes it: one entry per
// offence (kind, offender, slot), the unit the ledger punishes once. A producer offers each
// entry in its blocks; the ledger checks it in full there (ledger/rules/producers.cc), and an
// entry it refuses (already punished, or not provable on that chain) is dropped.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ans/v1/chain.pb.h"
#include "consensus/quorum.h"
#include "consensus/verdict.h"

namespace ans::consensus {

// "p/<producer>/<slot>" for a double proposal, "v/<voter>/<slot>" for a double vote.
// REQUIRES: the evidence has one of the two bodies.
std::string offence_key(const v1::Evidence& evidence);

// The checks evidence passes before a node keeps it, beside the ledger's: one offender, one
// slot, two different blocks; and, when the offender is a member of `voters`, both halves
// signed with its key. (An offender outside the set is left to the ledger, which knows every
// SP's key.) kInvalid otherwise.
Verdict check_evidence(const ChainId& chain_id, const v1::Evidence& evidence,
                       const ActiveSet* voters);

class EvidencePool {
 public:
  // Keeps evidence that check_evidence() passes: kAccepted when the offence is new here,
  // kIgnored when it is already held, else the check's kInvalid.
  Verdict add(const ChainId& chain_id, const v1::Evidence& evidence, const ActiveSet* voters);
  // Keeps evidence this node made itself from what it saw (already checked); whether it is new.
  bool add_own(v1::Evidence evidence);
  void erase(const std::string& offence) { by_offence_.erase(offence); }
  size_t size() const { return by_offence_.size(); }
  bool empty() const { return by_offence_.empty(); }
  // The entries in offence order, copied: a producer erases entries while it goes through them.
  std::vector<std::pair<std::string, v1::Evidence>> entries() const {
    return {by_offence_.begin(), by_offence_.end()};
  }

 private:
  std::map<std::string, v1::Evidence> by_offence_;
};

}  // namespace ans::consensus
