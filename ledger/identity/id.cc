#include "ledger/identity/id.h"

#include "ledger/names/name_syntax.h"

namespace ans {
namespace {

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
  // Spec section 1: any valid name at a broadcast address is a broadcast ID, but the address
  // alone names no one.
  if (address->kind() == Address::Kind::kBroadcast && name.empty()) {
    return Status(Errc::kInvalidArgument,
                  "a broadcast address needs a name, e.g. anyone@" + address->to_string());
  }
  return DimpId(*address, std::string(name), std::string(terminal));
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
