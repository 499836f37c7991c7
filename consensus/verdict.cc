#include "consensus/verdict.h"

namespace ans::consensus {

std::string_view verdict_name(Verdict::Kind kind) {
  switch (kind) {
    case Verdict::Kind::kAccepted: return "accepted";
    case Verdict::Kind::kIgnored: return "ignored";
    case Verdict::Kind::kInvalid: return "invalid";
    case Verdict::Kind::kNotYet: return "not yet";
    case Verdict::Kind::kNodeFault: return "node fault";
  }
  return "unknown";
}

}  // namespace ans::consensus
