#include "light/bundle.h"

#include <vector>

#include "ledger/names/name_key.h"
#include "ledger/proof/state_proof.h"
#include "ledger/wire/codec.h"

namespace ans::light {
namespace {

Hash256 hash_field(const std::string& bytes) {
  Hash256 h{};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Status with_context(std::string_view what, const Status& st) {
  if (st) return st;
  return Status(st.code(), std::string(what) + ": " + st.message());
}

// Step 1: the set that signed is the one reached from the genesis set.
Status check_active_set(const ActiveSet& genesis_set, const v1::ProofBundle& bundle) {
  if (bundle.epoch_changes_size() > 0) {
    return Status(Errc::kUnimplemented,
                  "the bundle carries " + std::to_string(bundle.epoch_changes_size()) +
                      " epoch changes; following the active set past genesis is not "
                      "verifiable yet (epoch headers carry no next_active_set)");
  }
  std::vector<v1::ActiveSetMember> members(bundle.active_set().begin(), bundle.active_set().end());
  auto set = ActiveSet::from_members(members);
  if (!set) return with_context("bundle.active_set", set.status());
  if (!(*set == genesis_set)) {
    return Status(Errc::kInvalidArgument,
                  "bundle.active_set is not the genesis active set, and the bundle carries no "
                  "epoch changes that lead to it");
  }
  return Status::ok();
}

// Steps 2 and 3: the header, and a QC on exactly its block by more than 2/3 of the set.
Result<CertifiedBlock> certify_header(const ChainId& chain_id, const ActiveSet& set,
                                      const v1::ProofBundle& bundle) {
  auto header = decode_block_header(as_bytes(bundle.header()));
  if (!header) return with_context("bundle.header", header.status());
  CertifiedBlock out;
  out.height = header->height();
  out.slot = header->slot();
  out.block_hash = block_hash(*header);
  out.state_root = hash_field(header->state_root());
  out.time_ms = header->timestamp_ms();

  if (!bundle.has_qc()) return Status(Errc::kInvalidArgument, "bundle.qc is missing");
  const v1::QuorumCertificate& qc = bundle.qc();
  if (qc.block_hash() != std::string(as_chars(out.block_hash))) {
    return Status(Errc::kInvalidArgument, "bundle.qc is on another block than bundle.header");
  }
  if (qc.height() != out.height || qc.slot() != out.slot) {
    return Status(Errc::kInvalidArgument,
                  "bundle.qc is at height " + std::to_string(qc.height()) + ", slot " +
                      std::to_string(qc.slot()) + "; the header is at height " +
                      std::to_string(out.height) + ", slot " + std::to_string(out.slot));
  }
  ANS_RETURN_IF_ERROR(with_context("bundle.qc", verify_qc(chain_id, set, qc)));
  return out;
}

}  // namespace

Result<v1::ProofBundle> decode_proof_bundle(ByteView bytes) {
  v1::ProofBundle bundle;
  ANS_RETURN_IF_ERROR(decode_canonical(bytes, kMaxProofBundleBytes, bundle));
  return bundle;
}

Result<VerifiedKey> verify_key_bundle(const ChainId& chain_id, const ActiveSet& genesis_set,
                                      const v1::ProofBundle& bundle) {
  ANS_RETURN_IF_ERROR(check_active_set(genesis_set, bundle));
  auto block = certify_header(chain_id, genesis_set, bundle);
  if (!block) return block.status();

  // Step 4: the state proof, against the certified root.
  auto proof = decode_state_proof(as_bytes(bundle.state_proof()));
  if (!proof) return with_context("bundle.state_proof", proof.status());
  auto proven = verify_state_proof(block->state_root, state_key_hash(as_bytes(bundle.state_key())),
                                   *proof);
  if (!proven) {
    return with_context("bundle.state_proof against the header's state root", proven.status());
  }
  VerifiedKey out;
  out.block = *block;
  out.state_key = bundle.state_key();
  if (proven->present) out.value = std::move(proven->value);
  return out;
}

Result<VerifiedName> verify_name_bundle(const ChainId& chain_id, const ActiveSet& genesis_set,
                                        uint64_t grace_s, std::string_view name,
                                        const v1::ProofBundle& bundle) {
  if (bundle.state_key() != name_state_key(name)) {
    return Status(Errc::kInvalidArgument,
                  "bundle.state_key is not the state key of '" + std::string(name) + "'");
  }
  auto key = verify_key_bundle(chain_id, genesis_set, bundle);
  if (!key) return key.status();

  VerifiedName out;
  out.block = key->block;
  out.name = std::string(name);
  if (key->value) {
    v1::NameState record;
    ANS_RETURN_IF_ERROR(with_context(
        "the proven value", decode_canonical(as_bytes(*key->value), kMaxProvenValueSize, record)));
    if (record.name() != name) {
      return Status(Errc::kInvalidArgument, "the proven record is of '" + record.name() +
                                                "', not of '" + std::string(name) + "'");
    }
    out.record = std::move(record);
  }
  out.status = name_status(grace_s, out.record, out.block.time_s());
  return out;
}

}  // namespace ans::light
