#include "rpc/status_codes.h"

namespace ans::rpc {

StatusClass status_class(Errc code) {
  switch (code) {
    case Errc::kOk:
      return StatusClass::kOk;
    case Errc::kInvalidArgument:
    case Errc::kBadLength:
    case Errc::kBadAlphabet:
    case Errc::kBadChecksum:
    case Errc::kUnknownType:
    case Errc::kBadName:
    case Errc::kOverflow:
    case Errc::kBadSignature:
    case Errc::kNonCanonical:
    case Errc::kTooLarge:
      return StatusClass::kInvalidArgument;
    case Errc::kNotFound:
      return StatusClass::kNotFound;
    case Errc::kFailedPrecondition:
      return StatusClass::kFailedPrecondition;
    case Errc::kResourceExhausted:
      return StatusClass::kResourceExhausted;
    case Errc::kUnavailable:
      return StatusClass::kUnavailable;
    case Errc::kDeadlineExceeded:
      return StatusClass::kDeadlineExceeded;
    case Errc::kUnimplemented:
      return StatusClass::kUnimplemented;
    case Errc::kIoError:
    case Errc::kCorruption:
      return StatusClass::kInternal;
  }
  return StatusClass::kInternal;
}

std::string_view status_class_name(StatusClass c) {
  switch (c) {
    case StatusClass::kOk: return "OK";
    case StatusClass::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusClass::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case StatusClass::kNotFound: return "NOT_FOUND";
    case StatusClass::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusClass::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusClass::kUnimplemented: return "UNIMPLEMENTED";
    case StatusClass::kInternal: return "INTERNAL";
    case StatusClass::kUnavailable: return "UNAVAILABLE";
  }
  return "INTERNAL";
}

}  // namespace ans::rpc
