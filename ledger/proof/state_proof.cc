#include "ledger/proof/state_proof.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ans {
namespace {

constexpr size_t kHashSize = 32;

bool is_zero(const Hash256& h) {
  return std::all_of(h.begin(), h.end(), [](uint8_t b) { return b == 0; });
}

constexpr uint8_t kLeafTag = 0x00, kInternalTag = 0x01;

// A node hash is SHA256(tag || a || b) over a fixed 65-byte input: the input laid out once.
std::array<uint8_t, 1 + 2 * kHashSize> node_input(uint8_t tag, const Hash256& a, const Hash256& b) {
  std::array<uint8_t, 1 + 2 * kHashSize> input;
  input[0] = tag;
  std::memcpy(input.data() + 1, a.data(), kHashSize);
  std::memcpy(input.data() + 1 + kHashSize, b.data(), kHashSize);
  return input;
}

Hash256 node_hash(uint8_t tag, const Hash256& a, const Hash256& b) {
  return sha256(node_input(tag, a, b));
}

// True when a and b agree on their first `bits` bits.
bool share_prefix(const Hash256& a, const Hash256& b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

std::string kind_name(StateProof::Kind kind) {
  switch (kind) {
    case StateProof::Kind::kAbsentEmpty: return "absent (empty slot)";
    case StateProof::Kind::kAbsentOtherLeaf: return "absent (other leaf)";
    case StateProof::Kind::kPresent: return "present";
  }
  return "unknown";
}

// Reads the encoding front to back; every shortfall names what was expected and where.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  Status need(size_t n, const char* what) const {
    if (remaining() >= n) return Status::ok();
    return Status(Errc::kBadLength, "state proof truncated: " + std::string(what) + " needs " +
                                        std::to_string(n) + " bytes at offset " +
                                        std::to_string(pos_) + ", " +
                                        std::to_string(remaining()) + " left");
  }
  uint8_t byte() { return data_[pos_++]; }
  Hash256 hash() {
    Hash256 h;
    std::memcpy(h.data(), data_.data() + pos_, kHashSize);
    pos_ += kHashSize;
    return h;
  }
  ByteView take(size_t n) {
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace

Hash256 state_key_hash(ByteView app_key) { return sha256(app_key); }

Hash256 state_leaf_hash(const Hash256& kh, const Hash256& value_hash) {
  return node_hash(kLeafTag, kh, value_hash);
}

Hash256 state_internal_hash(const Hash256& left, const Hash256& right) {
  return node_hash(kInternalTag, left, right);
}

void state_node_hash_x2(const StateNodeInput& x, const StateNodeInput& y, Hash256& out_x,
                        Hash256& out_y) {
  const auto in_x = node_input(x.leaf ? kLeafTag : kInternalTag, x.a, x.b);
  const auto in_y = node_input(y.leaf ? kLeafTag : kInternalTag, y.a, y.b);
  sha256_x2(in_x, in_y, out_x, out_y);
}

Status check_state_proof_shape(const StateProof& proof) {
  if (proof.kind != StateProof::Kind::kAbsentEmpty &&
      proof.kind != StateProof::Kind::kAbsentOtherLeaf &&
      proof.kind != StateProof::Kind::kPresent) {
    return Status(Errc::kUnknownType,
                  "state proof kind " + std::to_string(static_cast<int>(proof.kind)) +
                      " is not 0 (absent, empty), 1 (absent, other leaf) or 2 (present)");
  }
  if (proof.siblings.size() != proof.depth) {
    return Status(Errc::kBadLength, "state proof has " + std::to_string(proof.siblings.size()) +
                                        " siblings for depth " + std::to_string(proof.depth));
  }
  for (size_t i = 0; i < proof.siblings.size(); ++i) {
    if (proof.siblings[i] && is_zero(*proof.siblings[i])) {
      return Status(Errc::kNonCanonical, "state proof sibling " + std::to_string(i) +
                                             " is 32 zero bytes; an empty sibling is "
                                             "marked by a clear bitmap bit instead");
    }
  }
  // The terminal's parent holds 2+ keys and the terminal at most one, so the other side of
  // the parent is never empty in a canonical tree.
  if (proof.depth > 0 && !proof.siblings.back()) {
    return Status(Errc::kNonCanonical,
                  "state proof's last sibling (depth " + std::to_string(proof.depth) +
                      ") is empty; a canonical tree would hold the terminal one level higher");
  }
  if (proof.kind == StateProof::Kind::kPresent && proof.value.size() > kMaxProvenValueSize) {
    return Status(Errc::kTooLarge, "state proof value of " + std::to_string(proof.value.size()) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(kMaxProvenValueSize));
  }
  return Status::ok();
}

Bytes encode_state_proof(const StateProof& proof) {
  Bytes out;
  size_t present = 0;
  for (const auto& s : proof.siblings) present += s.has_value() ? 1 : 0;
  const size_t bitmap_size = (proof.depth + 7u) / 8u;
  out.reserve(2 + bitmap_size + kHashSize * present + 2 * kHashSize + 4 + proof.value.size());

  out.push_back(static_cast<uint8_t>(proof.kind));
  out.push_back(proof.depth);
  const size_t bitmap_at = out.size();
  out.resize(out.size() + bitmap_size, 0);
  for (size_t i = 0; i < proof.siblings.size() && i < proof.depth; ++i) {
    if (!proof.siblings[i]) continue;
    out[bitmap_at + i / 8] |= static_cast<uint8_t>(0x80u >> (i % 8));
    out.insert(out.end(), proof.siblings[i]->begin(), proof.siblings[i]->end());
  }
  if (proof.kind == StateProof::Kind::kAbsentOtherLeaf) {
    out.insert(out.end(), proof.other_key_hash.begin(), proof.other_key_hash.end());
    out.insert(out.end(), proof.other_value_hash.begin(), proof.other_value_hash.end());
  } else if (proof.kind == StateProof::Kind::kPresent) {
    const auto n = static_cast<uint32_t>(proof.value.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
    out.insert(out.end(), proof.value.begin(), proof.value.end());
  }
  return out;
}

Result<StateProof> decode_state_proof(ByteView encoded) {
  Reader in(encoded);
  StateProof proof;

  ANS_RETURN_IF_ERROR(in.need(2, "kind and depth"));
  const uint8_t kind = in.byte();
  if (kind > static_cast<uint8_t>(StateProof::Kind::kPresent)) {
    return Status(Errc::kUnknownType, "state proof kind " + std::to_string(kind) +
                                          " is not 0 (absent, empty), 1 (absent, other leaf) "
                                          "or 2 (present)");
  }
  proof.kind = static_cast<StateProof::Kind>(kind);
  proof.depth = in.byte();

  const size_t bitmap_size = (proof.depth + 7u) / 8u;
  ANS_RETURN_IF_ERROR(in.need(bitmap_size, "sibling bitmap"));
  const ByteView bitmap = in.take(bitmap_size);
  if (proof.depth % 8 != 0) {
    const auto unused = static_cast<uint8_t>(0xFFu >> (proof.depth % 8));
    if ((bitmap.back() & unused) != 0) {
      return Status(Errc::kNonCanonical, "state proof bitmap has bits set past depth " +
                                             std::to_string(proof.depth));
    }
  }

  proof.siblings.resize(proof.depth);
  for (size_t i = 0; i < proof.depth; ++i) {
    if (((bitmap[i / 8] >> (7 - i % 8)) & 1) == 0) continue;
    ANS_RETURN_IF_ERROR(in.need(kHashSize, "a sibling hash"));
    proof.siblings[i] = in.hash();
  }

  if (proof.kind == StateProof::Kind::kAbsentOtherLeaf) {
    ANS_RETURN_IF_ERROR(in.need(2 * kHashSize, "the other leaf's key and value hashes"));
    proof.other_key_hash = in.hash();
    proof.other_value_hash = in.hash();
  } else if (proof.kind == StateProof::Kind::kPresent) {
    ANS_RETURN_IF_ERROR(in.need(4, "the value length"));
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | in.byte();
    if (n > kMaxProvenValueSize) {
      return Status(Errc::kTooLarge, "state proof value length " + std::to_string(n) +
                                         " exceeds the limit of " +
                                         std::to_string(kMaxProvenValueSize));
    }
    ANS_RETURN_IF_ERROR(in.need(n, "the value"));
    proof.value = std::string(as_chars(in.take(n)));
  }

  if (in.remaining() != 0) {
    return Status(Errc::kBadLength, "state proof has " + std::to_string(in.remaining()) +
                                        " bytes left over after offset " +
                                        std::to_string(in.offset()));
  }
  ANS_RETURN_IF_ERROR(check_state_proof_shape(proof));
  return proof;
}

Result<ProvenValue> verify_state_proof(const Hash256& root, const Hash256& kh,
                                       const StateProof& proof) {
  ANS_RETURN_IF_ERROR(check_state_proof_shape(proof));

  Hash256 node = kEmptyStateHash;
  switch (proof.kind) {
    case StateProof::Kind::kAbsentEmpty:
      break;
    case StateProof::Kind::kAbsentOtherLeaf:
      if (proof.other_key_hash == kh) {
        return Status(Errc::kInvalidArgument,
                      "absence proof names the queried key itself as the other leaf");
      }
      if (!share_prefix(proof.other_key_hash, kh, proof.depth)) {
        return Status(Errc::kInvalidArgument,
                      "absence proof's other leaf " + to_hex(proof.other_key_hash) +
                          " does not share the first " + std::to_string(proof.depth) +
                          " bits with the queried key, so it cannot lie on its path");
      }
      node = state_leaf_hash(proof.other_key_hash, proof.other_value_hash);
      break;
    case StateProof::Kind::kPresent:
      node = state_leaf_hash(kh, sha256(as_bytes(proof.value)));
      break;
  }
  for (size_t i = proof.depth; i-- > 0;) {
    const Hash256& sibling = proof.siblings[i] ? *proof.siblings[i] : kEmptyStateHash;
    node = state_key_bit(kh, static_cast<unsigned>(i)) == 0 ? state_internal_hash(node, sibling)
                                                            : state_internal_hash(sibling, node);
  }
  if (node != root) {
    return Status(Errc::kBadSignature, "state proof (" + kind_name(proof.kind) + ", depth " +
                                           std::to_string(proof.depth) +
                                           ") does not lead to state root " + to_hex(root));
  }
  ProvenValue out;
  out.present = proof.kind == StateProof::Kind::kPresent;
  if (out.present) out.value = proof.value;
  return out;
}

}  // namespace ans
