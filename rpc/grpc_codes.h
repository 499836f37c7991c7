// The node's errors as gRPC statuses, through the shared table in rpc/status_codes.h. The
// message is Status::to_string(): the Errc name and the words that say what to fix.
#pragma once

#include <grpcpp/support/status.h>

#include <string_view>

#include "ledger/util/status.h"
#include "rpc/status_codes.h"

namespace ans::rpc {

grpc::StatusCode grpc_code(Errc code);
grpc::Status to_grpc(const Status& status);
// "OK", "INVALID_ARGUMENT", ...: the code's name in the gRPC spec, for metrics.
std::string_view grpc_code_name(grpc::StatusCode code);

}  // namespace ans::rpc
