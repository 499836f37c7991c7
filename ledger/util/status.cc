#include "ledger/util/status.h"

namespace ans {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kBadLength: return "bad length";
    case Errc::kBadAlphabet: return "bad alphabet";
    case Errc::kBadChecksum: return "bad checksum";
    case Errc::kUnknownType: return "unknown type";
    case Errc::kBadName: return "bad name";
    case Errc::kOverflow: return "overflow";
    case Errc::kBadSignature: return "bad signature";
    case Errc::kNonCanonical: return "non-canonical encoding";
    case Errc::kTooLarge: return "too large";
    case Errc::kNotFound: return "not found";
    case Errc::kIoError: return "I/O error";
    case Errc::kCorruption: return "corruption";
    case Errc::kResourceExhausted: return "resource exhausted";
    case Errc::kFailedPrecondition: return "failed precondition";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kDeadlineExceeded: return "deadline exceeded";
    case Errc::kUnimplemented: return "unimplemented";
  }
  return "unknown error";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string out(errc_name(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace ans
