// The parts of an HTTP request target the routes read (docs/api-http.md): the path split into
// percent-decoded segments, and the query's parameters, each parsed strictly: a parameter a
// route does not take, one given twice, or a value that is not of its type is an error that
// names the parameter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/util/status.h"

namespace ans::rpc {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a query).
// Errors: kInvalidArgument (a '%' not followed by two hex digits, or a decoded NUL).
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

struct HttpTarget {
  std::vector<std::string> segments;          // "/v1/names/a%20b" -> {"v1", "names", "a b"}
  std::map<std::string, std::string> query;   // decoded names and values
  bool trailing_slash = false;                // "/v1/info/" (the routes refuse it)
};

// Errors: kInvalidArgument (not an origin-form target starting with '/', an empty segment,
// a bad escape, a parameter given twice).
Result<HttpTarget> parse_target(std::string_view target);

// Strict parameter readers. Each takes the parameter's name for its error message.
// Errors: kInvalidArgument naming the parameter.
Result<uint64_t> parse_decimal(std::string_view value, std::string_view name, uint64_t max);
Result<bool> parse_bool(std::string_view value, std::string_view name);

// The query's parameters, checked against the ones a route takes.
class QueryParams {
 public:
  explicit QueryParams(const std::map<std::string, std::string>& query) : query_(query) {}
  // Errors: kInvalidArgument naming the first parameter not in `allowed`.
  Status only(std::initializer_list<std::string_view> allowed) const;
  std::optional<std::string> text(std::string_view name) const;
  Result<std::optional<uint64_t>> decimal(std::string_view name, uint64_t max) const;
  Result<std::optional<bool>> boolean(std::string_view name) const;

 private:
  const std::map<std::string, std::string>& query_;
};

}  // namespace ans::rpc
