// What a check of a block, vote, evidence or transaction concluded, and whose fault a failure
// is. The P2P layer scores a peer by it: only kInvalid is the sender's fault.
#pragma once

#include <string_view>
#include <utility>

#include "ledger/util/status.h"

namespace ans::consensus {

class Verdict {
 public:
  enum class Kind {
    kAccepted,   // valid and new: taken in (and worth relaying)
    kIgnored,    // nothing new and nobody's fault: a duplicate, or a block off the final chain
    kInvalid,    // breaks a rule: the sender is at fault
    kNotYet,     // cannot be judged yet (unknown parent, a future slot, a vote for a block not
                 // seen yet, a full pool): not the sender's fault
    kNodeFault,  // this node's own storage or resources failed: nobody else's fault
  };

  static Verdict accepted() { return Verdict(Kind::kAccepted, Status::ok()); }
  static Verdict ignored() { return Verdict(Kind::kIgnored, Status::ok()); }
  static Verdict not_yet(Status why) { return Verdict(Kind::kNotYet, std::move(why)); }
  static Verdict node_fault(Status why) { return Verdict(Kind::kNodeFault, std::move(why)); }
  // `what_the_hash_covers`: for a block, whether the failure is in what its hash commits to
  // (height, slot, producer, QC, tx root, state root), so that every copy of that hash is
  // invalid; false when only this copy's signature or body is (a relay could have spoiled
  // them, and a good copy may still arrive).
  static Verdict invalid(Status why, bool what_the_hash_covers = false) {
    Verdict v(Kind::kInvalid, std::move(why));
    v.condemns_hash_ = what_the_hash_covers;
    return v;
  }

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  // OK for kAccepted and kIgnored; otherwise why.
  const Status& reason() const { return reason_; }
  bool condemns_hash() const { return condemns_hash_; }

 private:
  Verdict(Kind kind, Status reason) : kind_(kind), reason_(std::move(reason)) {}
  Kind kind_;
  Status reason_;
  bool condemns_hash_ = false;
};

std::string_view verdict_name(Verdict::Kind kind);

// Whether a failed operation on this node's own stores failed because of them (a read or
// write error, a checksum mismatch, damaged data): a node fault, never the sender's.
inline bool is_storage_failure(const Status& st) {
  return st.code() == Errc::kIoError || st.code() == Errc::kCorruption;
}

}  // namespace ans::consensus
