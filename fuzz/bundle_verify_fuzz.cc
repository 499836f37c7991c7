// Proof bundle decoding and verification (light/bundle.h), against a fixed chain id and a
// fixed genesis set of four SPs whose keys this target holds.
//
// Each input is checked twice: as sent (it verifies only with a QC by this set, as the seeds
// carry), and rebuilt honestly around its own state proof: the header's state root set to the root the
// proof implies, the QC signed by the set, the genesis set as active set. The rebuilt bundle
// must verify (or fail only where the proof cannot sit on the key's path), and a name bundle
// must then give the proven record or a typed error for a value that is not one.
//
// With ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets it), the target first writes genuine
// seeds there: a presence and an absence bundle for a name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "ledger/names/name_key.h"
#include "ledger/proof/state_proof.h"
#include "ledger/wire/codec.h"
#include "light/bundle.h"

namespace {

constexpr uint64_t kGraceS = 600;

struct Fixture {
  ans::ChainId chain_id = ans::sha256(ans::as_bytes("fuzz bundle chain"));
  std::vector<ans::PrivateKey> keys;
  std::vector<ans::v1::ActiveSetMember> members;
  ans::light::ActiveSet set;

  Fixture() {
    for (int i = 0; i < 4; ++i) {
      keys.push_back(
          ans::PrivateKey::from_bytes(ans::sha256(ans::as_bytes("fuzz sp " + std::to_string(i))))
              .value());
      ans::v1::ActiveSetMember m;
      m.set_sp_id("sp" + std::to_string(i));
      m.set_signing_key(ans::to_field(keys.back().public_key().compressed()));
      members.push_back(m);
    }
    set = ans::light::ActiveSet::from_members(members).value();
  }

  ans::v1::QuorumCertificate sign(const ans::v1::BlockHeader& header) const {
    ans::v1::QuorumCertificate qc;
    qc.set_block_hash(ans::to_field(ans::block_hash(header)));
    qc.set_height(header.height());
    qc.set_slot(header.slot());
    qc.set_signers(std::string(1, '\x0f'));
    for (size_t i = 0; i < members.size(); ++i) {
      ans::v1::BlockVote vote;
      vote.set_block_hash(qc.block_hash());
      vote.set_height(qc.height());
      vote.set_slot(qc.slot());
      vote.set_voter(members[i].sp_id());
      qc.add_signatures(ans::to_field(keys[i].sign(ans::vote_signing_hash(chain_id, vote))));
    }
    return qc;
  }

  // `bundle` with `header` (its state root replaced by `root`), a QC by the whole set, and
  // the genesis set.
  ans::v1::ProofBundle rebuild(ans::v1::ProofBundle bundle, ans::v1::BlockHeader header,
                               const ans::Hash256& root) const {
    header.set_state_root(ans::to_field(root));
    bundle.set_header(ans::encode_string(header));
    *bundle.mutable_qc() = sign(header);
    bundle.clear_active_set();
    for (const auto& m : members) *bundle.add_active_set() = m;
    bundle.clear_epoch_changes();
    return bundle;
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// The root `proof` implies for key hash `kh`, folded from its terminal up.
ans::Hash256 implied_root(const ans::StateProof& proof, const ans::Hash256& kh) {
  ans::Hash256 node = ans::kEmptyStateHash;
  if (proof.kind == ans::StateProof::Kind::kAbsentOtherLeaf) {
    node = ans::state_leaf_hash(proof.other_key_hash, proof.other_value_hash);
  } else if (proof.kind == ans::StateProof::Kind::kPresent) {
    node = ans::state_leaf_hash(kh, ans::sha256(ans::as_bytes(proof.value)));
  }
  for (size_t i = proof.depth; i-- > 0;) {
    const ans::Hash256 sibling = proof.siblings[i].value_or(ans::kEmptyStateHash);
    node = ans::state_key_bit(kh, static_cast<unsigned>(i)) == 0
               ? ans::state_internal_hash(node, sibling)
               : ans::state_internal_hash(sibling, node);
  }
  return node;
}

void write_seed(const std::string& path, const ans::v1::ProofBundle& bundle) {
  std::ofstream out(path, std::ios::binary);
  out << ans::encode_string(bundle);
}

ans::v1::BlockHeader seed_header() {
  ans::v1::BlockHeader h;
  h.set_height(7);
  h.set_prev_hash(std::string(32, '\x11'));
  h.set_slot(9);
  h.set_timestamp_ms(1'767'225'609'000ULL);
  h.set_producer("sp1");
  h.set_tx_root(std::string(32, '\0'));
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("ANS_FUZZ_WRITE_SEEDS");
  if (dir == nullptr) return 0;
  const Fixture& f = fixture();
  ans::v1::NameState record;
  record.set_name("fuzzname");
  record.set_owner(std::string(20, '\x22'));
  record.set_expiry_s(1'767'229'209ULL);
  record.mutable_records()->set_target("fuzzname@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  record.set_registered_height(3);

  ans::StateProof present;
  present.kind = ans::StateProof::Kind::kPresent;
  present.value = ans::encode_string(record);
  ans::v1::ProofBundle b;
  b.set_state_key(ans::name_state_key("fuzzname"));
  b.set_state_proof(ans::to_field(ans::encode_state_proof(present)));
  const ans::Hash256 kh = ans::state_key_hash(ans::as_bytes(b.state_key()));
  b = f.rebuild(b, seed_header(), implied_root(present, kh));
  FUZZ_CHECK(ans::light::verify_name_bundle(f.chain_id, f.set, kGraceS, "fuzzname", b).is_ok());
  write_seed(std::string(dir) + "/seed-present", b);

  ans::StateProof absent;  // the empty tree
  b.set_state_key(ans::name_state_key("nobody"));
  b.set_state_proof(ans::to_field(ans::encode_state_proof(absent)));
  b = f.rebuild(b, seed_header(), ans::kEmptyStateHash);
  FUZZ_CHECK(ans::light::verify_name_bundle(f.chain_id, f.set, kGraceS, "nobody", b).is_ok());
  write_seed(std::string(dir) + "/seed-absent", b);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = fixture();
  auto bundle = ans::light::decode_proof_bundle(ans::ByteView(data, size));
  if (!bundle) return 0;
  // The decoder is canonical: what decodes re-encodes to the same bytes.
  FUZZ_CHECK(ans::encode_string(*bundle) == std::string(reinterpret_cast<const char*>(data), size));

  // As sent: whatever it holds, an answer or a typed error. An answer (a seed, or an input
  // that kept a seed's QC and header) is the one its own proof gives.
  auto sent = ans::light::verify_key_bundle(f.chain_id, f.set, *bundle);
  if (sent) {
    FUZZ_CHECK(bundle->epoch_changes_size() == 0);
    auto sent_proof = ans::decode_state_proof(ans::as_bytes(bundle->state_proof()));
    FUZZ_CHECK(sent_proof.is_ok());
    FUZZ_CHECK(sent->value.has_value() == (sent_proof->kind == ans::StateProof::Kind::kPresent));
  }

  // Rebuilt honestly around its own proof and header.
  auto header = ans::decode_block_header(ans::as_bytes(bundle->header()));
  auto proof = ans::decode_state_proof(ans::as_bytes(bundle->state_proof()));
  if (!header || !proof) return 0;
  const ans::Hash256 kh = ans::state_key_hash(ans::as_bytes(bundle->state_key()));
  const ans::v1::ProofBundle honest = f.rebuild(*bundle, *header, implied_root(*proof, kh));
  auto key = ans::light::verify_key_bundle(f.chain_id, f.set, honest);
  if (!key) {
    // Only an other-leaf proof whose leaf cannot sit on this key's path may fail.
    FUZZ_CHECK(proof->kind == ans::StateProof::Kind::kAbsentOtherLeaf);
    FUZZ_CHECK(key.status().code() == ans::Errc::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(key->value.has_value() == (proof->kind == ans::StateProof::Kind::kPresent));
  if (key->value) FUZZ_CHECK(*key->value == proof->value);
  FUZZ_CHECK(key->block.height == header->height() && key->block.slot == header->slot());

  // The same bundle under another chain id fails on its signatures.
  ans::ChainId other = f.chain_id;
  other[0] ^= 0x01;
  auto elsewhere = ans::light::verify_key_bundle(other, f.set, honest);
  FUZZ_CHECK(!elsewhere.is_ok() && elsewhere.status().code() == ans::Errc::kBadSignature);

  // As a name bundle, when its key is a name's.
  const std::string& state_key = bundle->state_key();
  if (state_key.empty() || state_key[0] != ans::kNameKeyPrefix[0]) return 0;
  const std::string name = state_key.substr(1);
  auto named = ans::light::verify_name_bundle(f.chain_id, f.set, kGraceS, name, honest);
  if (!named) {
    // Only a proven value that is not the name's record may fail now.
    FUZZ_CHECK(key->value.has_value());
    return 0;
  }
  FUZZ_CHECK(named->present() == key->value.has_value());
  if (named->record) FUZZ_CHECK(named->record->name() == name);
  FUZZ_CHECK(named->status == ans::name_status(kGraceS, named->record, named->block.time_s()));
  return 0;
}
