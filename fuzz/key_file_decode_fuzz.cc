// The wallet's key files (wallet/key_file.h): decode never crashes, a decoded file encodes to
// a text that decodes to the same file, and opening one with a wrong passphrase fails cleanly.
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "wallet/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = ans::wallet::decode_key_file(text, "fuzz.json");
  if (!file) return 0;
  const std::string encoded = ans::wallet::encode_key_file(*file);
  auto again = ans::wallet::decode_key_file(encoded, "fuzz.json");
  FUZZ_CHECK(again.is_ok());
  FUZZ_CHECK(ans::wallet::encode_key_file(*again) == encoded);
  FUZZ_CHECK(again->name == file->name && again->address == file->address);
  // Only cheap scrypt costs are tried: the cost is the file's, and fuzzing wants speed.
  if (file->kdf.n <= 1024) {
    auto key = ans::wallet::open_key(*file, "not the passphrase");
    FUZZ_CHECK(!key.is_ok() || key->public_key() == file->public_key);
  }
  return 0;
}
