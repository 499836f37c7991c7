// The stand-alone check of a proof bundle (ans.v1.ProofBundle, spec section 6): a station or
// wallet that trusts only the chain id and the genesis active set learns a state value, or its
// absence, at a certified block, without trusting the node that sent the bundle.
//
// A bundle verifies when, in this order:
//   1. it carries no epoch changes (following the set past genesis needs next_active_set in
//      epoch headers, which the chain does not write yet: kUnimplemented) and its active set
//      is the genesis set, member for member;
//   2. its header decodes (decode_block_header) and its QC is on exactly that header's block
//      hash, height and slot;
//   3. the QC verifies for the chain id against that set (verify_qc: more than 2/3 signed);
//   4. the state proof decodes and verifies for the state key against the header's state root.
// A QC on a block means more than 2/3 of the set accepted its state root; it does not by
// itself make the block final (docs/consensus.md, "The finality rule").
//
// Links only the primitives and ans_proof: the `ans` wallet links it, never the node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ans/v1/chain.pb.h"
#include "ans/v1/state.pb.h"
#include "ledger/names/name_lifecycle.h"
#include "ledger/util/bytes.h"
#include "light/quorum.h"

namespace ans::light {

// The largest encoded bundle decode_proof_bundle takes.
inline constexpr size_t kMaxProofBundleBytes = 1 << 20;

// Errors: kTooLarge (over kMaxProofBundleBytes), kInvalidArgument (not a ProofBundle),
// kNonCanonical (not its canonical encoding).
Result<v1::ProofBundle> decode_proof_bundle(ByteView bytes);

// The certified block a bundle speaks for.
struct CertifiedBlock {
  uint64_t height = 0;
  uint64_t slot = 0;
  Hash256 block_hash{};
  Hash256 state_root{};
  uint64_t time_ms = 0;  // the header's timestamp_ms
  uint64_t time_s() const { return time_ms / 1000; }
};

struct VerifiedKey {
  CertifiedBlock block;
  std::string state_key;
  std::optional<std::string> value;  // nullopt: the key is absent from the state
};

// Checks steps 1-4 for the bundle's own state key, whatever it is.
// Errors:
//   kUnimplemented     epoch changes are present;
//   kInvalidArgument   the active set is not the genesis set (or is malformed), the QC is on
//                      another block, height or slot, or a QC or proof mismatch below;
//   kBadLength, kNonCanonical, kTooLarge, kUnknownType   from the header, QC and proof decoders;
//   kBadSignature      a QC signature does not verify (another chain, another set's keys), a
//                      key is not a curve point, or the proof does not lead to the state root.
Result<VerifiedKey> verify_key_bundle(const ChainId& chain_id, const ActiveSet& genesis_set,
                                      const v1::ProofBundle& bundle);

struct VerifiedName {
  CertifiedBlock block;
  std::string name;
  std::optional<v1::NameState> record;  // nullopt: not registered (and not reserved)
  NameStatus status = NameStatus::kNeverRegistered;  // judged at block.time_s()
  bool present() const { return record.has_value(); }
};

// verify_key_bundle, plus: the bundle's state key is `name`'s (name_state_key), a present value
// decodes as the NameState of `name`, and the lifecycle is judged with `grace_s`
// (ChainParams::grace_s of the chain) at the header's time.
// Errors: those of verify_key_bundle; kInvalidArgument (a bundle for another key, a record of
// another name); the NameState decoder's (kInvalidArgument, kNonCanonical).
Result<VerifiedName> verify_name_bundle(const ChainId& chain_id, const ActiveSet& genesis_set,
                                        uint64_t grace_s, std::string_view name,
                                        const v1::ProofBundle& bundle);

}  // namespace ans::light
