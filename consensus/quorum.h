// Votes and quorum certificates: light/quorum.h, shared with the light client. Consensus
// speaks them in its own namespace.
#pragma once

#include "light/quorum.h"

namespace ans::consensus {

using light::ActiveSet;
using light::assemble_qc;
using light::verify_qc;
using light::verify_vote;

}  // namespace ans::consensus
