// Block, header and vote decoding: canonical or rejected, never a crash.
#include "fuzz/fuzz_check.h"
#include "ledger/wire/codec.h"

namespace {

template <typename Msg>
void check_canonical(const ans::Result<Msg>& decoded, const uint8_t* data, size_t size) {
  if (!decoded) return;
  ans::Bytes again = ans::encode(*decoded);
  FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ans::ByteView bytes(data, size);
  check_canonical(ans::decode_block(bytes), data, size);
  auto header = ans::decode_header(bytes);
  check_canonical(header, data, size);
  if (header) (void)ans::block_hash(header->header());
  check_canonical(ans::decode_vote(bytes), data, size);
  return 0;
}
