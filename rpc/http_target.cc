#include "rpc/http_target.h"

#include <algorithm>

namespace ans::rpc {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// At most this much of a caller's text goes into an error message.
std::string quoted(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = "'" + std::string(text.substr(0, kMax)) + (text.size() > kMax ? "...'" : "'");
  return out;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return Status(Errc::kInvalidArgument, "bad percent-escape at the end of " + quoted(text));
      }
      const int h = hex_value(text[i + 1]);
      const int l = hex_value(text[i + 2]);
      if (h < 0 || l < 0) {
        return Status(Errc::kInvalidArgument,
                      "bad percent-escape " + quoted(text.substr(i, 3)) + ": '%' must be followed by two hex digits");
      }
      const char decoded = static_cast<char>(h * 16 + l);
      if (decoded == '\0') return Status(Errc::kInvalidArgument, "%00 (NUL) is not allowed in " + quoted(text));
      out += decoded;
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<HttpTarget> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return Status(Errc::kInvalidArgument, "the request target must be a path starting with '/'");
  }
  HttpTarget out;
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (const size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') {
    out.trailing_slash = true;
    path.remove_suffix(1);
  }
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    if (raw.empty()) return Status(Errc::kInvalidArgument, "the path has an empty segment ('//')");
    auto segment = percent_decode(raw, false);
    if (!segment) return segment.status();
    out.segments.push_back(std::move(segment).value());
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  std::string_view rest = query;
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return name.status();
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!value) return value.status();
    if (name->empty()) return Status(Errc::kInvalidArgument, "a query parameter has no name");
    if (!out.query.emplace(*name, *value).second) {
      return Status(Errc::kInvalidArgument, "parameter " + quoted(*name) + " is given twice");
    }
  }
  return out;
}

Result<uint64_t> parse_decimal(std::string_view value, std::string_view name, uint64_t max) {
  const std::string what = "parameter '" + std::string(name) + "'";
  if (value.empty()) return Status(Errc::kInvalidArgument, what + " is empty: give a decimal number");
  uint64_t out = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      return Status(Errc::kInvalidArgument, what + " must be a decimal number, not " + quoted(value));
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (out > (max - digit) / 10) {
      return Status(Errc::kInvalidArgument, what + " is above its maximum " + std::to_string(max));
    }
    out = out * 10 + digit;
  }
  return out;
}

Result<bool> parse_bool(std::string_view value, std::string_view name) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return Status(Errc::kInvalidArgument,
                "parameter '" + std::string(name) + "' must be true or false, not " + quoted(value));
}

Status QueryParams::only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [name, value] : query_) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string takes;
    for (std::string_view a : allowed) takes += (takes.empty() ? "" : ", ") + std::string(a);
    return Status(Errc::kInvalidArgument, "unknown parameter " + quoted(name) + "; this route takes " +
                                              (takes.empty() ? std::string("none") : takes));
  }
  return Status::ok();
}

std::optional<std::string> QueryParams::text(std::string_view name) const {
  auto it = query_.find(std::string(name));
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<uint64_t>> QueryParams::decimal(std::string_view name, uint64_t max) const {
  auto value = text(name);
  if (!value) return std::optional<uint64_t>();
  auto parsed = parse_decimal(*value, name, max);
  if (!parsed) return parsed.status();
  return std::optional<uint64_t>(*parsed);
}

Result<std::optional<bool>> QueryParams::boolean(std::string_view name) const {
  auto value = text(name);
  if (!value) return std::optional<bool>();
  auto parsed = parse_bool(*value, name);
  if (!parsed) return parsed.status();
  return std::optional<bool>(*parsed);
}

}  // namespace ans::rpc
