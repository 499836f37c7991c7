// State proof decoding and verification (ledger/proof/state_proof.h).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_check.h"
#include "ledger/proof/state_proof.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ans::ByteView input(data, size);
  auto proof = ans::decode_state_proof(input);
  if (!proof) return 0;

  // The encoding is canonical: what decodes re-encodes to the same bytes.
  const ans::Bytes again = ans::encode_state_proof(*proof);
  FUZZ_CHECK(again.size() == size);
  FUZZ_CHECK(std::equal(again.begin(), again.end(), data));
  FUZZ_CHECK(ans::check_state_proof_shape(*proof).is_ok());

  // Verification must return, not crash, whatever the proof claims. The key is taken from
  // the proof where one fits its path, so the hashing path runs and not only the early checks.
  const ans::Hash256 root = ans::state_key_hash(ans::as_bytes("fuzz root"));
  ans::Hash256 kh = ans::state_key_hash(ans::as_bytes("fuzz key"));
  if (proof->kind == ans::StateProof::Kind::kAbsentOtherLeaf) {
    kh = proof->other_key_hash;
    kh[31] ^= 0x01;  // shares all 255 leading bits with the other leaf, but is not it
  }
  auto at_fixed_root = ans::verify_state_proof(root, kh, *proof);
  FUZZ_CHECK(!at_fixed_root.is_ok());  // a decoded guess never hits a root nobody built for it

  // Against the root the proof itself implies (folded here independently) it must verify.
  ans::Hash256 node = ans::kEmptyStateHash;
  if (proof->kind == ans::StateProof::Kind::kAbsentOtherLeaf) {
    node = ans::state_leaf_hash(proof->other_key_hash, proof->other_value_hash);
  } else if (proof->kind == ans::StateProof::Kind::kPresent) {
    node = ans::state_leaf_hash(kh, ans::sha256(ans::as_bytes(proof->value)));
  }
  for (size_t i = proof->depth; i-- > 0;) {
    const ans::Hash256 sibling = proof->siblings[i].value_or(ans::kEmptyStateHash);
    node = ans::state_key_bit(kh, static_cast<unsigned>(i)) == 0
               ? ans::state_internal_hash(node, sibling)
               : ans::state_internal_hash(sibling, node);
  }
  auto at_implied_root = ans::verify_state_proof(node, kh, *proof);
  FUZZ_CHECK(at_implied_root.is_ok());
  FUZZ_CHECK(at_implied_root->present == (proof->kind == ans::StateProof::Kind::kPresent));
  if (at_implied_root->present) FUZZ_CHECK(at_implied_root->value == proof->value);
  return 0;
}
