// Address decoding (BTC-style Base58Check, ETH-style EIP-55, broadcast) and raw Base58.
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "ledger/crypto/base58.h"
#include "ledger/identity/address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto raw = ans::base58_decode(text); raw) {
    FUZZ_CHECK(ans::base58_encode(*raw) == text);  // Base58 text is canonical
  }
  if (auto payload = ans::base58check_decode(text); payload) {
    FUZZ_CHECK(ans::base58check_encode(*payload) == text);
  }
  auto address = ans::Address::parse(text);
  if (address) {
    auto again = ans::Address::parse(address->to_string());
    FUZZ_CHECK(again.is_ok());
    FUZZ_CHECK(*again == *address);
    if (address->kind() == ans::Address::Kind::kBtc) {
      FUZZ_CHECK(address->to_string() == text);
    }
    // A mixed-case ETH-style address passes only in its one checksummed form (EIP-55).
    if (address->kind() == ans::Address::Kind::kEth) {
      bool lower = false, upper = false;
      for (char c : text.substr(2)) {
        lower |= c >= 'a' && c <= 'f';
        upper |= c >= 'A' && c <= 'F';
      }
      if (lower && upper) FUZZ_CHECK(address->to_string() == text);
    }
  }
  return 0;
}
