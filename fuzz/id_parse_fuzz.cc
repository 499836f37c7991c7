// DIMP ID parsing: never crashes; whatever parses prints back to a text that parses to the
// same ID, and the reason for a rejection is never "ok".
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "ledger/identity/id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto id = ans::DimpId::parse(text);
  if (!id) {
    FUZZ_CHECK(id.status().code() != ans::Errc::kOk);
    FUZZ_CHECK(!id.status().message().empty());
    return 0;
  }
  std::string printed = id->to_string();
  auto again = ans::DimpId::parse(printed);
  FUZZ_CHECK(again.is_ok());
  FUZZ_CHECK(*again == *id);
  FUZZ_CHECK(again->to_string() == printed);
  return 0;
}
