#include "light/bundle.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "genesis/genesis_json.h"
#include "genesis/testnet.h"
#include "ledger/chain/ledger.h"
#include "ledger/names/name_key.h"
#include "ledger/rules/names.h"
#include "ledger/state/keys.h"
#include "ledger/state/memory_tree.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/testing/temp_dir.h"

namespace ans::light {
namespace {

using testing::TempDir;

constexpr uint64_t kGenesisMs = 1'767'225'600'000ULL;
constexpr const char* kAliceId = "alice@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";

PrivateKey key_of(const std::string& label) {
  return PrivateKey::from_bytes(sha256(as_bytes("ans/light-test/" + label))).value();
}

std::vector<TestnetNodeKeys> node_keys(const std::string& tag) {
  std::vector<TestnetNodeKeys> nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.push_back({key_of(tag + "validator" + std::to_string(i)),
                     key_of(tag + "owner" + std::to_string(i))});
  }
  return nodes;
}

// Signs a QC on `header` with the keys of `signers` (indexes into `members`, whose keys are
// `keys` by SP id), for `chain_id`. Built by hand, so a test can make one below quorum.
v1::QuorumCertificate sign_qc(const ChainId& chain_id, const v1::BlockHeader& header,
                              const std::vector<v1::ActiveSetMember>& members,
                              const std::map<std::string, PrivateKey>& keys,
                              const std::vector<size_t>& signers) {
  v1::QuorumCertificate qc;
  qc.set_block_hash(to_field(block_hash(header)));
  qc.set_height(header.height());
  qc.set_slot(header.slot());
  std::string bitmap((members.size() + 7) / 8, '\0');
  for (size_t i : signers) {
    bitmap[i / 8] = static_cast<char>(static_cast<uint8_t>(bitmap[i / 8]) | (1u << (i % 8)));
  }
  for (size_t i = 0; i < members.size(); ++i) {
    if (!((static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1u)) continue;
    v1::BlockVote vote;
    vote.set_block_hash(qc.block_hash());
    vote.set_height(qc.height());
    vote.set_slot(qc.slot());
    vote.set_voter(members[i].sp_id());
    qc.add_signatures(to_field(keys.at(members[i].sp_id()).sign(vote_signing_hash(chain_id, vote))));
  }
  qc.set_signers(bitmap);
  return qc;
}

// A real chain of four SPs on a real store: a registered name ("alice", one short year), the
// reserved "founder" with its genesis record, blocks whose headers hold the real state roots,
// and QCs signed by the active set's keys.
class Chain {
 public:
  explicit Chain(const std::string& tag) {
    nodes_ = node_keys(tag);
    genesis_ = testnet_genesis(nodes_, kGenesisMs);
    genesis_.params.year_s = 3600;
    genesis_.params.grace_s = 600;
    chain_id_ = chain_id(genesis_);
    ledger_ = Ledger::open(dir_.sub("chain"), genesis_, chain_id_, testing::test_store_options(false))
                  .value();
    auto sets = ledger_->prove(keys::kActiveSets, 0).value();
    v1::ActiveSetState state;
    EXPECT_TRUE(state.ParseFromString(*sets.value));
    members_.assign(state.active().begin(), state.active().end());
    for (const auto& m : members_) {
      for (const auto& n : nodes_) {
        if (to_field(n.validator.public_key().compressed()) == m.signing_key()) {
          keys_.emplace(m.sp_id(), n.validator);
        }
      }
    }
    headers_.push_back({});  // genesis has no header; its block hash is the chain id
    hashes_.push_back(chain_id_);
  }

  const ChainId& id() const { return chain_id_; }
  const ChainParams& params() const { return genesis_.params; }
  const std::vector<v1::ActiveSetMember>& members() const { return members_; }
  ActiveSet set() const { return ActiveSet::from_members(members_).value(); }
  const std::map<std::string, PrivateKey>& keys() const { return keys_; }
  const v1::BlockHeader& header(uint64_t height) const { return headers_.at(height); }
  uint64_t head() const { return headers_.size() - 1; }
  const PrivateKey& owner() const { return nodes_[0].owner; }

  // Applies and commits a block at `slot` with `txs`; returns its height.
  uint64_t add_block(uint64_t slot, const std::vector<v1::SignedTransaction>& txs = {}) {
    BlockContext ctx;
    ctx.height = head() + 1;
    ctx.slot = slot;
    ctx.time_ms = kGenesisMs + slot * params().block_interval_ms;
    ctx.producer = members_[slot % members_.size()].sp_id();
    ctx.final_height = head();
    auto prepared = ledger_->prepare_block(ctx, txs);
    EXPECT_TRUE(prepared) << prepared.status().to_string();
    v1::BlockHeader h;
    h.set_height(ctx.height);
    h.set_prev_hash(to_field(hashes_.back()));
    h.set_slot(ctx.slot);
    h.set_timestamp_ms(ctx.time_ms);
    h.set_producer(ctx.producer);
    h.set_tx_root(to_field(transactions_root(txs)));
    h.set_state_root(to_field(prepared->state_root));
    Hash256 hash = block_hash(h);
    EXPECT_TRUE(ledger_->commit_block(*prepared, hash));
    headers_.push_back(h);
    hashes_.push_back(hash);
    return ctx.height;
  }

  v1::SignedTransaction tx(const std::function<void(v1::Transaction&)>& body) {
    v1::Transaction t;
    t.set_sender_key(to_field(owner().public_key().compressed()));
    t.set_nonce(nonce_++);
    t.set_fee(to_field(params().min_tx_fee.to_bytes()));
    t.set_expiry_height(head() + 100);
    body(t);
    return sign_transaction(owner(), chain_id_, t);
  }

  // The bundle for `state_key` at `height`: its proof, its header, a QC by every member.
  v1::ProofBundle bundle(std::string_view state_key, uint64_t height) const {
    auto read = ledger_->prove(state_key, height);
    EXPECT_TRUE(read) << read.status().to_string();
    v1::ProofBundle b;
    b.set_state_key(std::string(state_key));
    b.set_state_proof(to_field(encode_state_proof(read->proof)));
    b.set_header(encode_string(header(height)));
    *b.mutable_qc() = sign_qc(chain_id_, header(height), members_, keys_, {0, 1, 2, 3});
    for (const auto& m : members_) *b.add_active_set() = m;
    return b;
  }
  v1::ProofBundle name_bundle(std::string_view name, uint64_t height) const {
    return bundle(name_state_key(name), height);
  }

 private:
  TempDir dir_{"ans-light"};
  std::vector<TestnetNodeKeys> nodes_;
  GenesisConfig genesis_;
  ChainId chain_id_{};
  std::unique_ptr<Ledger> ledger_;
  std::vector<v1::ActiveSetMember> members_;
  std::map<std::string, PrivateKey> keys_;
  std::vector<v1::BlockHeader> headers_;
  std::vector<Hash256> hashes_;
  uint64_t nonce_ = 0;
};

// Heights of the shared chain: before the registration, after it, in grace, released.
struct Heights {
  uint64_t before = 0;
  uint64_t registered = 0;
  uint64_t grace = 0;
  uint64_t released = 0;
};

class BundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    chain_ = new Chain("a");
    Chain& c = *chain_;
    Hash256 salt = sha256(as_bytes("alice salt"));
    Hash256 commitment = name_commitment("alice", EthAddress::from_public_key(c.owner().public_key()), salt);
    heights_.before = c.add_block(1, {c.tx([&](v1::Transaction& t) {
      t.mutable_name_commit()->set_commitment(to_field(commitment));
    })});
    c.add_block(2);
    c.add_block(3);
    heights_.registered = c.add_block(4, {c.tx([&](v1::Transaction& t) {
      auto* r = t.mutable_name_register();
      r->set_name("alice");
      r->set_salt(to_field(salt));
      r->set_years(1);
      r->mutable_records()->set_target(kAliceId);
    })});
    // One year (3600 s) after registration, plus a little: in grace (600 s); then past it.
    heights_.grace = c.add_block(4 + 3600 + 10);
    heights_.released = c.add_block(4 + 3600 + 600 + 10);
  }
  static void TearDownTestSuite() {
    delete chain_;
    chain_ = nullptr;
  }

  static Result<VerifiedName> verify(std::string_view name, const v1::ProofBundle& b) {
    return verify_name_bundle(chain_->id(), chain_->set(), chain_->params().grace_s, name, b);
  }
  static void expect_error(const Result<VerifiedName>& r, Errc code) {
    ASSERT_FALSE(r) << "verified, but should fail with " << errc_name(code);
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  }

  static Chain* chain_;
  static Heights heights_;
};
Chain* BundleTest::chain_ = nullptr;
Heights BundleTest::heights_;

TEST_F(BundleTest, PresenceVerifiesAndReturnsTheRecord) {
  const Chain& c = *chain_;
  auto r = verify("alice", c.name_bundle("alice", heights_.registered));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_TRUE(r->present());
  EXPECT_EQ(r->name, "alice");
  EXPECT_EQ(r->record->name(), "alice");
  EXPECT_EQ(r->record->records().target(), kAliceId);
  EXPECT_EQ(r->record->owner(), to_field(c.owner().public_key().account()));
  EXPECT_EQ(r->status, NameStatus::kActive);
  const v1::BlockHeader& h = c.header(heights_.registered);
  EXPECT_EQ(r->block.height, heights_.registered);
  EXPECT_EQ(r->block.slot, h.slot());
  EXPECT_EQ(r->block.block_hash, block_hash(h));
  EXPECT_EQ(to_field(r->block.state_root), h.state_root());
  EXPECT_EQ(r->block.time_ms, h.timestamp_ms());
  EXPECT_EQ(r->record->expiry_s(), r->block.time_s() + c.params().year_s);
}

TEST_F(BundleTest, AbsenceVerifiesAsNeverRegistered) {
  auto r = verify("nobody", chain_->name_bundle("nobody", heights_.registered));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_FALSE(r->present());
  EXPECT_EQ(r->status, NameStatus::kNeverRegistered);
  // Before its registration, alice was not registered either.
  auto before = verify("alice", chain_->name_bundle("alice", heights_.before));
  ASSERT_TRUE(before) << before.status().to_string();
  EXPECT_FALSE(before->present());
  EXPECT_EQ(before->status, NameStatus::kNeverRegistered);
}

TEST_F(BundleTest, ReservedNameWithAGenesisRecord) {
  auto r = verify("founder", chain_->name_bundle("founder", heights_.registered));
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_TRUE(r->present());
  EXPECT_TRUE(r->record->reserved());
  EXPECT_EQ(r->record->records().target(), "moky@anywhere");
  EXPECT_EQ(r->status, NameStatus::kReserved);
}

TEST_F(BundleTest, LifecycleIsJudgedAtTheHeadersTime) {
  auto grace = verify("alice", chain_->name_bundle("alice", heights_.grace));
  ASSERT_TRUE(grace) << grace.status().to_string();
  EXPECT_TRUE(grace->present());
  EXPECT_GE(grace->block.time_s(), grace->record->expiry_s());
  EXPECT_EQ(grace->status, NameStatus::kGrace);

  auto released = verify("alice", chain_->name_bundle("alice", heights_.released));
  ASSERT_TRUE(released) << released.status().to_string();
  EXPECT_EQ(released->status, NameStatus::kReleased);
  // The same rule as the ledger's.
  EXPECT_EQ(released->status,
            name_status(chain_->params(), released->record, released->block.time_s()));
}

TEST_F(BundleTest, AnyKeyVerifiesWithItsRawValue) {
  auto r = verify_key_bundle(chain_->id(), chain_->set(),
                             chain_->bundle(keys::kActiveSets, heights_.registered));
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_TRUE(r->value);
  v1::ActiveSetState sets;
  ASSERT_TRUE(sets.ParseFromString(*r->value));
  EXPECT_EQ(sets.active_size(), 4);
}

TEST_F(BundleTest, AWrongValueFails) {
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  StateProof proof = decode_state_proof(as_bytes(b.state_proof())).value();
  v1::NameState record;
  ASSERT_TRUE(record.ParseFromString(proof.value));
  record.mutable_records()->set_target("mallory@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  proof.value = encode_string(record);
  b.set_state_proof(to_field(encode_state_proof(proof)));
  expect_error(verify("alice", b), Errc::kBadSignature);

  // An absence proof swapped in for a present name: its hashes lead elsewhere.
  v1::ProofBundle absent = chain_->name_bundle("alice", heights_.before);
  b = chain_->name_bundle("alice", heights_.registered);
  b.set_state_proof(absent.state_proof());
  expect_error(verify("alice", b), Errc::kBadSignature);
}

TEST_F(BundleTest, AnOldRootFailsBothWays) {
  // A proof of presence from a newer state against an older header, and a proof of absence
  // from an older state against a newer header.
  v1::ProofBundle newer = chain_->name_bundle("alice", heights_.registered);
  v1::ProofBundle older = chain_->name_bundle("alice", heights_.before);
  v1::ProofBundle mixed = older;
  mixed.set_state_proof(newer.state_proof());
  expect_error(verify("alice", mixed), Errc::kBadSignature);
  mixed = newer;
  mixed.set_state_proof(older.state_proof());
  expect_error(verify("alice", mixed), Errc::kBadSignature);
  // A proof from one block earlier: the roots differ by the block's own writes.
  v1::ProofBundle grace = chain_->name_bundle("alice", heights_.grace);
  mixed = chain_->name_bundle("alice", heights_.released);
  mixed.set_state_proof(grace.state_proof());
  expect_error(verify("alice", mixed), Errc::kBadSignature);
}

TEST_F(BundleTest, AQcFromTheWrongSetFails) {
  // Another chain's four SPs, with their own keys.
  Chain other("b");
  const v1::BlockHeader& h = chain_->header(heights_.registered);
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  // Signed by the other set and saying so: not the genesis set.
  *b.mutable_qc() = sign_qc(chain_->id(), h, other.members(), other.keys(), {0, 1, 2, 3});
  b.clear_active_set();
  for (const auto& m : other.members()) *b.add_active_set() = m;
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // Signed by the other keys, but claiming the genesis set.
  b = chain_->name_bundle("alice", heights_.registered);
  std::map<std::string, PrivateKey> wrong_keys;
  for (size_t i = 0; i < chain_->members().size(); ++i) {
    wrong_keys.emplace(chain_->members()[i].sp_id(), other.keys().at(other.members()[i].sp_id()));
  }
  *b.mutable_qc() = sign_qc(chain_->id(), h, chain_->members(), wrong_keys, {0, 1, 2, 3});
  expect_error(verify("alice", b), Errc::kBadSignature);
  // One member's key replaced: the set is no longer the genesis set.
  b = chain_->name_bundle("alice", heights_.registered);
  b.mutable_active_set(2)->set_signing_key(other.members()[2].signing_key());
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // The genesis set in another order.
  b = chain_->name_bundle("alice", heights_.registered);
  b.mutable_active_set()->SwapElements(0, 1);
  expect_error(verify("alice", b), Errc::kInvalidArgument);
}

TEST_F(BundleTest, MissingSignaturesFail) {
  const Chain& c = *chain_;
  const v1::BlockHeader& h = c.header(heights_.registered);
  // Three of four is the quorum (more than 2/3): it verifies.
  v1::ProofBundle b = c.name_bundle("alice", heights_.registered);
  *b.mutable_qc() = sign_qc(c.id(), h, c.members(), c.keys(), {0, 2, 3});
  ASSERT_TRUE(verify("alice", b)) << verify("alice", b).status().to_string();
  // Two of four is not.
  *b.mutable_qc() = sign_qc(c.id(), h, c.members(), c.keys(), {1, 3});
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // Four signers named, one signature dropped.
  b = c.name_bundle("alice", heights_.registered);
  b.mutable_qc()->mutable_signatures()->RemoveLast();
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // No QC at all.
  b.clear_qc();
  expect_error(verify("alice", b), Errc::kInvalidArgument);
}

TEST_F(BundleTest, DuplicatedSignaturesFail) {
  const Chain& c = *chain_;
  const v1::BlockHeader& h = c.header(heights_.registered);
  // Member 0's signature in member 1's place: a quorum by count, not by signers.
  v1::ProofBundle b = c.name_bundle("alice", heights_.registered);
  *b.mutable_qc() = sign_qc(c.id(), h, c.members(), c.keys(), {0, 1, 2});
  b.mutable_qc()->set_signatures(1, b.qc().signatures(0));
  expect_error(verify("alice", b), Errc::kBadSignature);
  // Two signers named, one of their signatures repeated to make three.
  *b.mutable_qc() = sign_qc(c.id(), h, c.members(), c.keys(), {0, 1});
  b.mutable_qc()->add_signatures(b.qc().signatures(1));
  expect_error(verify("alice", b), Errc::kInvalidArgument);
}

TEST_F(BundleTest, AHeaderOfAnotherChainFails) {
  Chain other("b");
  Hash256 other_id = other.id();
  ASSERT_NE(other_id, chain_->id());
  // Our header and set, with votes signed on the other chain.
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  *b.mutable_qc() = sign_qc(other_id, chain_->header(heights_.registered), chain_->members(),
                            chain_->keys(), {0, 1, 2, 3});
  expect_error(verify("alice", b), Errc::kBadSignature);
  // A bundle that is whole on the other chain, checked against ours.
  other.add_block(1);
  v1::ProofBundle theirs = other.name_bundle("founder", 1);
  ASSERT_TRUE(verify_name_bundle(other_id, other.set(), 600, "founder", theirs));
  expect_error(verify("founder", theirs), Errc::kInvalidArgument);  // another set
  expect_error(
      verify_name_bundle(chain_->id(), other.set(), 600, "founder", theirs),
      Errc::kBadSignature);  // the right set, another chain id
}

TEST_F(BundleTest, AQcOnAnotherBlockFails) {
  const Chain& c = *chain_;
  v1::ProofBundle b = c.name_bundle("alice", heights_.registered);
  *b.mutable_qc() = c.name_bundle("alice", heights_.registered - 1).qc();
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // The right block hash at another height or slot.
  b = c.name_bundle("alice", heights_.registered);
  b.mutable_qc()->set_height(heights_.registered + 1);
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  b = c.name_bundle("alice", heights_.registered);
  b.mutable_qc()->set_slot(b.qc().slot() + 1);
  expect_error(verify("alice", b), Errc::kInvalidArgument);
  // Another header under the QC of ours.
  b = c.name_bundle("alice", heights_.registered);
  b.set_header(encode_string(c.header(heights_.grace)));
  expect_error(verify("alice", b), Errc::kInvalidArgument);
}

TEST_F(BundleTest, ABundleForAnotherNameFails) {
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  expect_error(verify("bob", b), Errc::kInvalidArgument);
  // Claiming bob's key with alice's proof: the proof does not lead to the root for bob.
  b.set_state_key(name_state_key("bob"));
  auto r = verify("bob", b);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.status().code() == Errc::kBadSignature ||
              r.status().code() == Errc::kInvalidArgument)
      << r.status().to_string();
}

TEST_F(BundleTest, EpochChangesAreNotVerifiableYet) {
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  v1::EpochChange* change = b.add_epoch_changes();
  change->set_header(encode_string(chain_->header(heights_.before)));
  *change->mutable_qc() = chain_->name_bundle("alice", heights_.before).qc();
  expect_error(verify("alice", b), Errc::kUnimplemented);
}

TEST_F(BundleTest, MalformedPartsGetTheDecodersErrors) {
  v1::ProofBundle good = chain_->name_bundle("alice", heights_.registered);
  v1::ProofBundle b = good;
  b.set_state_proof(good.state_proof().substr(0, good.state_proof().size() - 1));
  expect_error(verify("alice", b), Errc::kBadLength);
  b = good;
  b.set_state_proof(good.state_proof() + '\0');
  expect_error(verify("alice", b), Errc::kBadLength);
  b = good;
  b.set_header(good.header() + '\0');
  EXPECT_FALSE(verify("alice", b));
  b = good;
  b.set_header(std::string("\xff\xff\xff", 3));
  EXPECT_FALSE(verify("alice", b));
  b = good;
  b.mutable_qc()->set_signers(std::string("\x0f\x00", 2));
  expect_error(verify("alice", b), Errc::kBadLength);
  b = good;
  b.mutable_qc()->set_signers("\x1f");  // member 4 of a set of 4
  expect_error(verify("alice", b), Errc::kNonCanonical);
  b = good;
  b.mutable_active_set(0)->set_signing_key(std::string(33, '\x02'));
  EXPECT_FALSE(verify("alice", b));
}

TEST_F(BundleTest, TheBundleRoundTripsThroughItsDecoder) {
  v1::ProofBundle b = chain_->name_bundle("alice", heights_.registered);
  std::string bytes = encode_string(b);
  auto decoded = decode_proof_bundle(as_bytes(bytes));
  ASSERT_TRUE(decoded) << decoded.status().to_string();
  ASSERT_TRUE(verify("alice", *decoded));
  auto truncated = decode_proof_bundle(as_bytes(bytes).first(bytes.size() - 1));
  EXPECT_FALSE(truncated);
  auto big = decode_proof_bundle(as_bytes(std::string(kMaxProofBundleBytes + 1, '\0')));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.status().code(), Errc::kTooLarge);
}

// A dishonest quorum can certify any root; the verifier still refuses a proven value that is
// not the record of the name asked for.
TEST_F(BundleTest, AProvenValueMustBeTheNamesRecord) {
  const Chain& c = *chain_;
  auto bundle_with = [&](const std::string& state_key, const std::string& value) {
    Hash256 kh = state_key_hash(as_bytes(state_key));
    MemoryTree tree;
    std::vector<TreeChange> changes{{kh, sha256(as_bytes(value))}};
    EXPECT_TRUE(tree.apply(changes));
    v1::BlockHeader h = c.header(heights_.registered);
    h.set_state_root(to_field(tree.root_hash()));
    v1::ProofBundle b;
    b.set_state_key(state_key);
    b.set_state_proof(to_field(encode_state_proof(tree.prove(kh, value).value())));
    b.set_header(encode_string(h));
    *b.mutable_qc() = sign_qc(c.id(), h, c.members(), c.keys(), {0, 1, 2, 3});
    for (const auto& m : c.members()) *b.add_active_set() = m;
    return b;
  };
  v1::NameState alice;
  alice.set_name("alice");
  alice.set_expiry_s(1);
  // It is alice's record, filed under bob's key.
  expect_error(verify("bob", bundle_with(name_state_key("bob"), encode_string(alice))),
               Errc::kInvalidArgument);
  // Not a NameState at all.
  EXPECT_FALSE(verify("bob", bundle_with(name_state_key("bob"), std::string("\xff\x01", 2))));
  // The raw key check does not judge the value.
  auto raw = verify_key_bundle(c.id(), c.set(), bundle_with(name_state_key("bob"), "junk"));
  ASSERT_TRUE(raw) << raw.status().to_string();
  EXPECT_EQ(*raw->value, "junk");
}

}  // namespace
}  // namespace ans::light
