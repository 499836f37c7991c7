// DIMP IDs (spec section 1): "name@address/terminal", "name@address", or a bare address.
#pragma once

#include <string>
#include <string_view>

#include "ledger/identity/address.h"

namespace ans {

// Longest ID text accepted: a 31-byte name, '@', a 42-character address, '/', and a terminal.
inline constexpr size_t kMaxIdChars = 31 + 1 + 42 + 1 + 64;
inline constexpr size_t kMaxTerminalBytes = 64;

class DimpId {
 public:
  // Errors: kTooLarge, kBadName (name part or terminal), the address's own errors
  // (kBadLength, kBadAlphabet, kBadChecksum, kUnknownType), and kInvalidArgument for a
  // broadcast address without a name. Any valid name at a broadcast address is a broadcast ID.
  static Result<DimpId> parse(std::string_view text);

  // REQUIRES: name is empty or valid by validate_id_name.
  explicit DimpId(Address address, std::string name = {}, std::string terminal = {})
      : address_(std::move(address)), name_(std::move(name)), terminal_(std::move(terminal)) {}

  const Address& address() const { return address_; }
  const std::string& name() const { return name_; }          // empty if none
  const std::string& terminal() const { return terminal_; }  // empty if none
  uint8_t network() const { return address_.network(); }
  bool is_broadcast() const { return address_.kind() == Address::Kind::kBroadcast; }

  // The canonical text: name@address[/terminal], or the bare address.
  std::string to_string() const;
  // The ID without its terminal: two IDs that differ only by terminal are one entity.
  DimpId without_terminal() const { return DimpId(address_, name_); }

  bool operator==(const DimpId&) const = default;

 private:
  Address address_;
  std::string name_;
  std::string terminal_;
};

}  // namespace ans
