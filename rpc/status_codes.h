// The one table from the node's errors (Errc) to the status classes every transport shares.
// The classes are gRPC's codes, with gRPC's numbers, so the gRPC server casts and the HTTP
// server maps them to HTTP statuses (docs/api.md, "Status codes" and "Errors"):
//   INVALID_ARGUMENT    kInvalidArgument, kBadLength, kBadAlphabet, kBadChecksum,
//                       kUnknownType, kBadName, kOverflow, kBadSignature, kNonCanonical,
//                       kTooLarge: the request itself is wrong
//   NOT_FOUND           kNotFound
//   FAILED_PRECONDITION kFailedPrecondition: valid, but the state does not allow it now
//   RESOURCE_EXHAUSTED  kResourceExhausted: a limit of this node; try again later
//   UNAVAILABLE         kUnavailable: starting, stopping or a node fault
//   DEADLINE_EXCEEDED   kDeadlineExceeded
//   UNIMPLEMENTED       kUnimplemented
//   INTERNAL            kIoError, kCorruption: the node's storage failed
#pragma once

#include <string_view>

#include "ledger/util/status.h"

namespace ans::rpc {

enum class StatusClass : int {
  kOk = 0,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
};

StatusClass status_class(Errc code);

// "OK", "INVALID_ARGUMENT", ...: the class's name in the gRPC spec.
std::string_view status_class_name(StatusClass c);

}  // namespace ans::rpc
