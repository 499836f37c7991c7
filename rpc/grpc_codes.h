// How the node's errors (Errc) become gRPC status codes, one table for every service:
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
// The message is Status::to_string(): the Errc name and the words that say what to fix.
#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

#include "ledger/util/status.h"

namespace ans::rpc {

grpc::StatusCode grpc_code(Errc code);
grpc::Status to_grpc(const Status& status);
// "OK", "INVALID_ARGUMENT", ...: the code's name in the gRPC spec, for metrics.
std::string_view grpc_code_name(grpc::StatusCode code);

}  // namespace ans::rpc
