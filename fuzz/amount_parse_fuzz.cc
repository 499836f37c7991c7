// DIMT amount parsing and the canonical byte form: parse/format and decode/encode are
// inverse, arithmetic never wraps.
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "ledger/token/amount.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto amount = ans::Amount::parse(text);
  if (amount) {
    auto again = ans::Amount::parse(amount->to_string());
    FUZZ_CHECK(again.is_ok());
    FUZZ_CHECK(*again == *amount);
    auto sum = amount->checked_add(*amount);
    if (sum) {
      FUZZ_CHECK(*sum >= *amount);
      FUZZ_CHECK(sum->checked_sub(*amount).value() == *amount);
    } else {
      FUZZ_CHECK(sum.status().code() == ans::Errc::kOverflow);
    }
  }
  auto decoded = ans::Amount::from_bytes(ans::ByteView(data, size));
  if (decoded) {
    ans::Bytes encoded = decoded->to_bytes();
    FUZZ_CHECK(encoded.size() == size);
    FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data));
  }
  return 0;
}
