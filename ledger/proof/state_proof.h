// Proofs of presence and absence in the authenticated state tree, and their stand-alone
// verifier (docs/state-tree.md). This library links only ans_core (bytes, status, SHA-256):
// a station or the CLI verifies a name with it, without LevelDB, Protobuf or the node.
//
// The tree is a binary radix tree over 256-bit key hashes kh = SHA256(app_key). Bit i of kh
// (MSB first) chooses the child at depth i: 0 goes left, 1 goes right. Node hashes:
//   empty    = 32 zero bytes
//   leaf     = SHA256(0x00 || kh || value_hash)        value_hash = SHA256(value bytes)
//   internal = SHA256(0x01 || left_hash || right_hash)
// Every hash and byte layout here is consensus-critical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/crypto/hash.h"
#include "ledger/util/bytes.h"
#include "ledger/util/status.h"

namespace ans {

// The largest value a proof carries, in bytes.
inline constexpr size_t kMaxProvenValueSize = 65536;

struct StateProof {
  enum class Kind : uint8_t { kAbsentEmpty = 0, kAbsentOtherLeaf = 1, kPresent = 2 };

  Kind kind = Kind::kAbsentEmpty;
  // Levels from the root to the terminal position: the empty slot, the other key's leaf, or
  // the proven key's leaf. 0 means the terminal is the root itself.
  uint8_t depth = 0;
  // One entry per level, root level first; siblings[i] is the hash of the subtree next to
  // the path at depth i + 1. nullopt = empty subtree (never Some(32 zero bytes)).
  std::vector<std::optional<Hash256>> siblings;
  Hash256 other_key_hash{};    // kAbsentOtherLeaf only: the leaf found where kh would be
  Hash256 other_value_hash{};  // kAbsentOtherLeaf only
  std::string value;           // kPresent only: the application value bytes

  bool operator==(const StateProof&) const = default;
};

// Fields a kind does not use are ignored by encode and verify, and left default by decode.

// The canonical encoding (docs/state-tree.md, "Proof encoding").
// REQUIRES: check_state_proof_shape(proof) is OK; otherwise the bytes will not decode.
Bytes encode_state_proof(const StateProof& proof);

// Strict: exactly one encoding decodes to a given proof. Errors:
//   kBadLength     truncated input, or bytes left over after the proof
//   kUnknownType   kind byte not 0, 1 or 2
//   kNonCanonical  a bitmap bit set past `depth`, a non-empty sibling of 32 zero bytes,
//                  or an empty last sibling (no canonical tree has one)
//   kTooLarge      value length above kMaxProvenValueSize
Result<StateProof> decode_state_proof(ByteView encoded);

// The structural rules the decoder enforces, for proofs built in memory:
// siblings.size() == depth, no Some(zero) sibling, a non-empty last sibling when depth > 0,
// value no longer than kMaxProvenValueSize. Errors as decode_state_proof.
Status check_state_proof_shape(const StateProof& proof);

struct ProvenValue {
  bool present = false;
  std::string value;  // the proven value bytes when present, empty otherwise
};

// Verifies `proof` for key hash `kh` against the state root `root`.
// Returns whether kh is present and, if so, its value. Errors:
//   the shape errors of check_state_proof_shape;
//   kInvalidArgument  an other-leaf proof whose key equals kh, or whose key does not share
//                     the first `depth` bits with kh (it cannot sit on kh's path);
//   kBadSignature     the hashes do not lead to `root`.
Result<ProvenValue> verify_state_proof(const Hash256& root, const Hash256& kh,
                                       const StateProof& proof);

// The tree key of an application state key: SHA256(app_key).
Hash256 state_key_hash(ByteView app_key);

// Node hashes, shared by the tree and the verifier so both compute them one way.
Hash256 state_leaf_hash(const Hash256& kh, const Hash256& value_hash);
Hash256 state_internal_hash(const Hash256& left, const Hash256& right);
// Two node hashes at once (sha256_x2: little more time than one), each as
// state_leaf_hash or state_internal_hash gives it.
struct StateNodeInput {
  bool leaf;         // leaf: a = key hash, b = value hash; internal: a = left, b = right
  const Hash256& a;
  const Hash256& b;
};
void state_node_hash_x2(const StateNodeInput& x, const StateNodeInput& y, Hash256& out_x,
                        Hash256& out_y);
inline constexpr Hash256 kEmptyStateHash{};

// Bit `i` (0..255, MSB first) of a key hash: the direction taken at depth i (1 = right).
inline int state_key_bit(const Hash256& kh, unsigned i) {
  return (kh[i / 8] >> (7 - i % 8)) & 1;
}

}  // namespace ans
