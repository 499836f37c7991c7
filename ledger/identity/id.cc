#include "ledger/identity/id.h"

#include <algorithm>
#include <array>

#include "ledger/names/name_syntax.h"

namespace ans {
namespace {

// The broadcast IDs of spec section 1; no other ID may use a broadcast address.
constexpr std::array<std::string_view, 5> kBroadcastIds = {
    "anyone@anywhere", "everyone@everywhere", "moky@anywhere", "station@anywhere",
    "stations@everywhere"};

// A terminal names a device or client instance: 1–64 bytes of a-z A-Z 0-9 _ - . :
Status validate_terminal(std::string_view terminal) {
  if (terminal.empty() || terminal.size() > kMaxTerminalBytes) {
    return Status(Errc::kBadName, "terminal must be 1 to 64 bytes, got " +
                                      std::to_string(terminal.size()));
  }
  for (size_t i = 0; i < terminal.size(); ++i) {
    char c = terminal[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) {
      return Status(Errc::kBadName, "terminal has a character outside a-z A-Z 0-9 _ - . : at "
                                    "position " + std::to_string(i));
    }
  }
  return Status::ok();
}

}  // namespace

Result<DimpId> DimpId::parse(std::string_view text) {
  if (text.size() > kMaxIdChars) {
    return Status(Errc::kTooLarge, "an ID has at most " + std::to_string(kMaxIdChars) +
                                       " characters, got " + std::to_string(text.size()));
  }
  if (text.empty()) return Status(Errc::kBadLength, "empty ID");

  std::string_view terminal;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    terminal = text.substr(slash + 1);
    text = text.substr(0, slash);
    if (auto st = validate_terminal(terminal); !st) return st;
  }
  std::string_view name;
  std::string_view address_text = text;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    name = text.substr(0, at);
    address_text = text.substr(at + 1);
    if (address_text.find('@') != std::string_view::npos) {
      return Status(Errc::kBadName, "an ID has at most one '@'");
    }
    if (auto st = validate_id_name(name); !st) {
      return Status(Errc::kBadName, "name part: " + st.to_string());
    }
  }
  auto address = Address::parse(address_text);
  if (!address) {
    const Status& st = address.status();
    return Status(st.code(), "address: " + st.message());
  }
  DimpId id(*address, std::string(name), std::string(terminal));
  if (id.is_broadcast()) {
    std::string base = id.without_terminal().to_string();
    if (std::find(kBroadcastIds.begin(), kBroadcastIds.end(), base) == kBroadcastIds.end()) {
      return Status(Errc::kInvalidArgument,
                    "'" + base + "' is not a broadcast ID (anyone@anywhere, everyone@everywhere, "
                    "moky@anywhere, station@anywhere, stations@everywhere)");
    }
  }
  return id;
}

std::string DimpId::to_string() const {
  std::string out;
  if (!name_.empty()) {
    out = name_;
    out += '@';
  }
  out += address_.to_string();
  if (!terminal_.empty()) {
    out += '/';
    out += terminal_;
  }
  return out;
}

}  // namespace ans
