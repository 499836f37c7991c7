// Stored tree pages (ledger/state/radix_tree.h): whatever bytes the state store holds under
// the tree's keys, reading, proving and updating the tree return a Status, never crash; and
// when an update succeeds, a proof for the changed key verifies against the new root.
//
// Input: records of [selector][length][page bytes]. Selector 0 is the root page ("T\0");
// selector s > 0 is the depth-4 page under the nibble s & 0x0F, or with s & 0x10 the depth-8
// page under the byte that follows the length byte. A length byte L below 0x80 means a
// well-formed size, 4 + 64 * (L & 0x0F) bytes; from 0x80 on, L & 0x7F bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "ledger/proof/state_proof.h"
#include "ledger/state/radix_tree.h"
#include "ledger/testing/map_page_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ans::testing::MapPageStore store;
  size_t at = 0;
  while (at + 2 <= size) {
    const uint8_t selector = data[at];
    const uint8_t length_byte = data[at + 1];
    const size_t length = (length_byte & 0x80) != 0 ? (length_byte & 0x7Fu) : 4 + 64 * (length_byte & 0x0Fu);
    at += 2;
    ans::Hash256 path{};
    unsigned depth = 0;
    if (selector != 0) {
      depth = 4;
      path[0] = static_cast<uint8_t>(selector << 4);
      if ((selector & 0x10) != 0 && at < size) {
        depth = 8;
        path[0] = data[at++];
      }
    }
    const size_t n = std::min(length, size - at);
    store.pages[ans::tree_page_key(depth, path)] =
        std::string(reinterpret_cast<const char*>(data + at), n);
    at += n;
  }

  ans::RadixTree tree(store);
  (void)tree.root_hash();
  const ans::Hash256 kh = ans::sha256(ans::ByteView(data, size));
  (void)tree.value_hash(kh);
  (void)tree.prove(kh, std::nullopt);
  (void)tree.prove(kh, std::string("value"));

  const ans::Hash256 vh = ans::sha256(ans::as_bytes(std::string("value")));
  if (!tree.apply({{kh, vh}}).is_ok()) return 0;
  auto root = tree.root_hash();
  FUZZ_CHECK(root.is_ok());
  auto proof = tree.prove(kh, std::string("value"));
  FUZZ_CHECK(proof.is_ok());
  auto proven = ans::verify_state_proof(*root, kh, *proof);
  FUZZ_CHECK(proven.is_ok());

  // And the key can be deleted again, leaving a proof of absence.
  if (!tree.apply({{kh, std::nullopt}}).is_ok()) return 0;
  root = tree.root_hash();
  FUZZ_CHECK(root.is_ok());
  proof = tree.prove(kh, std::nullopt);
  FUZZ_CHECK(proof.is_ok());
  FUZZ_CHECK(ans::verify_state_proof(*root, kh, *proof).is_ok());
  return 0;
}
