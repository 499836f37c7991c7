// Transaction decoding: whatever decodes is canonical (re-encodes to the same bytes), has a
// stable id, and signature verification on it returns a verdict rather than crashing.
#include "fuzz/fuzz_check.h"
#include "ledger/wire/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ans::ChainId chain = ans::sha256(ans::as_bytes("fuzz chain"));
  auto stx = ans::decode_transaction(ans::ByteView(data, size));
  if (!stx) {
    FUZZ_CHECK(!stx.status().message().empty());
    return 0;
  }
  ans::Bytes again = ans::encode(*stx);
  FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));
  FUZZ_CHECK(ans::transaction_id(stx->tx()) == ans::transaction_id(stx->tx()));
  (void)ans::verify_transaction_signature(chain, *stx);
  return 0;
}
