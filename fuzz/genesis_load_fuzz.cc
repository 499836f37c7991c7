// Genesis loading: arbitrary text never crashes the loader, and whatever loads is written back
// (pretty and canonical) to text that loads to the same config, with a stable canonical form.
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "genesis/genesis_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = ans::parse_genesis_json(text);
  if (!config) {
    // Every rejection explains itself.
    FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(ans::validate_genesis(*config).is_ok());
  auto pretty = ans::parse_genesis_json(ans::genesis_to_json(*config));
  FUZZ_CHECK(pretty.is_ok());
  FUZZ_CHECK(*pretty == *config);
  std::string canonical = ans::canonical_genesis_json(*config);
  auto reparsed = ans::parse_genesis_json(canonical);
  FUZZ_CHECK(reparsed.is_ok());
  FUZZ_CHECK(*reparsed == *config);
  FUZZ_CHECK(ans::canonical_genesis_json(*reparsed) == canonical);
  FUZZ_CHECK(ans::chain_id(*reparsed) == ans::chain_id(*config));
  return 0;
}
