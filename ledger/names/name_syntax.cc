#include "ledger/names/name_syntax.h"

#include <string>

namespace ans {
namespace {

bool is_separator(char c) { return c == '-' || c == '_' || c == '.'; }
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Status check_length(std::string_view name, std::string_view what) {
  if (name.size() < kMinNameBytes || name.size() > kMaxNameBytes) {
    return Status(Errc::kBadLength, std::string(what) + " must be 2 to 31 bytes, got " +
                                        std::to_string(name.size()));
  }
  return Status::ok();
}

std::string describe(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

Status validate_registry_name(std::string_view name) {
  ANS_RETURN_IF_ERROR(check_length(name, "name"));
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') {
      return Status(Errc::kBadAlphabet, "uppercase " + describe(c) + " at position " +
                                            std::to_string(i) +
                                            ": registry names are lowercase");
    }
    if (!is_lower_alnum(c) && !is_separator(c)) {
      return Status(Errc::kBadAlphabet, describe(c) + " at position " + std::to_string(i) +
                                            " is not allowed (a-z 0-9 - _ .)");
    }
  }
  if (is_separator(name.front())) {
    return Status(Errc::kBadName, "a name may not start with a separator (- _ .)");
  }
  if (is_separator(name.back())) {
    return Status(Errc::kBadName, "a name may not end with a separator (- _ .)");
  }
  for (size_t i = 1; i < name.size(); ++i) {
    if (is_separator(name[i]) && is_separator(name[i - 1])) {
      return Status(Errc::kBadName, "two separators together at position " +
                                        std::to_string(i - 1));
    }
  }
  return Status::ok();
}

Status validate_id_name(std::string_view name) {
  ANS_RETURN_IF_ERROR(check_length(name, "ID name"));
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || is_separator(c);
    if (!ok) {
      return Status(Errc::kBadAlphabet, describe(c) + " at position " + std::to_string(i) +
                                            " is not allowed in an ID name (a-z A-Z 0-9 _ - .)");
    }
  }
  return Status::ok();
}

std::string lowercase_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace ans
