// Errors as values. A Status says what went wrong in words a person can act on;
// Result<T> is a T or the Status that explains why there is none.
// Nothing in ledger/ throws across its public interface.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ans {

// One vocabulary of error kinds for the whole project. Callers switch on the kind;
// people read the message.
enum class Errc {
  kOk = 0,
  kInvalidArgument,   // malformed input that fits no narrower kind
  kBadLength,         // wrong number of bytes or characters
  kBadAlphabet,       // a character outside the allowed set
  kBadChecksum,       // Base58Check or EIP-55 checksum mismatch
  kUnknownType,       // entity / network type byte not in the table
  kBadName,           // name or ID name part violates the syntax
  kOverflow,          // arithmetic or value out of range
  kBadSignature,      // signature or key fails verification / parsing
  kNonCanonical,      // decodes, but is not the one canonical encoding
  kTooLarge,          // input exceeds a size limit
  kNotFound,
  kIoError,
  kCorruption,
  kResourceExhausted, // a limit of this node was reached (a full pool): try again later
  kFailedPrecondition,// valid, but the state does not allow it now (a name that is taken)
  kUnavailable,       // this node cannot answer now (starting, stopping, a node fault)
  kDeadlineExceeded,  // the time allowed ran out before the answer was known
  kUnimplemented,     // a valid request for something this version does not do
};

std::string_view errc_name(Errc code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == Errc::kOk; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "bad checksum: ..." — kind and message, for logs and CLI output.
  std::string to_string() const;

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).is_ok() && "Result built from an OK status has no value");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok()
  const T& value() const& { assert(is_ok()); return std::get<T>(v_); }
  T& value() & { assert(is_ok()); return std::get<T>(v_); }
  T&& value() && { assert(is_ok()); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !is_ok()
  const Status& status() const { assert(!is_ok()); return std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

// Early return of a failed Status or Result from the enclosing function.
#define ANS_CONCAT_INNER_(a, b) a##b
#define ANS_CONCAT_(a, b) ANS_CONCAT_INNER_(a, b)
#define ANS_RETURN_IF_ERROR(expr) ANS_RETURN_IF_ERROR_IMPL_(ANS_CONCAT_(ans_status_, __LINE__), expr)
#define ANS_RETURN_IF_ERROR_IMPL_(var, expr) \
  do {                                       \
    auto var = (expr);                       \
    if (!var.is_ok()) return var;            \
  } while (0)

}  // namespace ans
