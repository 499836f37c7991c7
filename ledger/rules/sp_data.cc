#include "ledger/rules/sp_data.h"

#include <string>

namespace ans {

bool printable_ascii_without_spaces(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool printable_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1fu; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0fu; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07u; }
    else return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    if (cp >= 0x80 && cp < 0xa0) return false;  // C1 controls
    i += len;
  }
  return true;
}

Status check_sp_display_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDisplayNameBytes || !printable_utf8(name)) {
    return Status(Errc::kInvalidArgument, "must be 1 to " + std::to_string(kMaxDisplayNameBytes) +
                                              " bytes of UTF-8 without control characters");
  }
  return Status::ok();
}

Status check_sp_url(std::string_view url) {
  if (url.size() > kMaxUrlBytes || !printable_ascii_without_spaces(url)) {
    return Status(Errc::kInvalidArgument, "must be at most " + std::to_string(kMaxUrlBytes) +
                                              " bytes of printable ASCII without spaces");
  }
  return Status::ok();
}

Status check_station_host(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes || !printable_ascii_without_spaces(host)) {
    return Status(Errc::kInvalidArgument, "must be 1 to " + std::to_string(kMaxHostBytes) +
                                              " bytes of printable ASCII without spaces");
  }
  return Status::ok();
}

Status check_station_port(uint64_t port) {
  if (port < 1 || port > 65535) return Status(Errc::kInvalidArgument, "must be 1 to 65535");
  return Status::ok();
}

}  // namespace ans
