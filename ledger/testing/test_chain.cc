#include "ledger/testing/test_chain.h"

#include <cassert>
#include <stdexcept>

namespace ans::testing {

ChainParams test_params() {
  ChainParams p;
  p.epoch_length_blocks = 10;
  return p;
}

PrivateKey test_key(const std::string& label) {
  return PrivateKey::from_bytes(sha256(as_bytes("ans/test/" + label))).value();
}

EthAddress address_of(const PrivateKey& key) { return EthAddress::from_public_key(key.public_key()); }

std::string sp_id_for(const std::string& label) {
  auto addr = BtcAddress::from_public_key(test_key("sp-id/" + label).public_key().compressed(), 0x03);
  return label + "@" + addr.value().to_string();
}

PrivateKey sp_signing_key(const std::string& label) { return test_key(label + "/signing"); }

v1::SpRegister sp_register_body(const std::string& label, const Amount& self_stake) {
  v1::SpRegister r;
  r.set_sp_id(sp_id_for(label));
  r.set_display_name("SP " + label);
  r.set_url("https://" + label + ".example");
  v1::Station* station = r.add_stations();
  station->set_id("station@anywhere");
  station->set_host(label + ".example");
  station->set_port(9394);
  r.set_signing_key(to_field(sp_signing_key(label).public_key().compressed()));
  r.set_self_stake(to_field(self_stake.to_bytes()));
  return r;
}

v1::SignedBlockHeader signed_header(const PrivateKey& signer, const ChainId& chain_id,
                                    const std::string& producer, uint64_t slot,
                                    const std::string& variant) {
  v1::SignedBlockHeader sh;
  v1::BlockHeader* h = sh.mutable_header();
  h->set_height(slot);
  h->set_prev_hash(to_field(sha256(as_bytes("prev"))));
  h->set_slot(slot);
  h->set_timestamp_ms(slot * 1000);
  h->set_producer(producer);
  h->set_tx_root(to_field(sha256(as_bytes("txs"))));
  h->set_state_root(to_field(sha256(as_bytes("state/" + variant))));
  sh.set_signature(to_field(signer.sign(header_signing_hash(chain_id, block_hash(*h)))));
  return sh;
}

v1::SignedBlockVote signed_vote(const PrivateKey& signer, const ChainId& chain_id,
                                const std::string& voter, uint64_t height,
                                const std::string& variant) {
  v1::SignedBlockVote sv;
  v1::BlockVote* v = sv.mutable_vote();
  v->set_block_hash(to_field(sha256(as_bytes("block/" + variant))));
  v->set_height(height);
  v->set_slot(height);
  v->set_voter(voter);
  sv.set_signature(to_field(signer.sign(vote_signing_hash(chain_id, *v))));
  return sv;
}

ChainId test_chain_id() { return sha256(as_bytes("ans test chain")); }

GenesisConfig make_test_genesis(const ChainParams& params) {
  GenesisConfig g;
  g.chain_name = "ans-test";
  g.genesis_time_ms = 1'767'225'600'000ULL;  // 2026-01-01T00:00:00Z
  g.params = params;
  Amount allocated;
  for (const char* who : {"alice", "bob", "carol", "dave", "sp-owner"}) {
    Amount each = Amount::from_dimt(100'000'000);
    g.allocations.push_back({address_of(test_key(who)), each});
    allocated = allocated.checked_add(each).value();
  }
  GenesisSp sp;
  sp.sp_id = sp_id_for("genesis-sp");
  sp.owner = address_of(test_key("sp-owner"));
  sp.display_name = "Genesis SP";
  sp.url = "https://sp.example";
  sp.stations.push_back({"station@anywhere", "127.0.0.1", 9394});
  sp.signing_key = test_key("genesis-sp/signing").public_key().compressed();
  sp.self_stake = params.min_self_stake;
  g.sps.push_back(sp);
  g.reserved_names = {"admin", "founder"};
  g.records.push_back({"founder", "moky@anywhere"});
  g.reward_pool = params.total_supply.checked_sub(allocated).value().checked_sub(sp.self_stake).value();
  return g;
}

TestChain::TestChain(ChainParams params) : TestChain(std::move(params), nullptr) {}

TestChain::TestChain(ChainParams params, const std::function<void(GenesisConfig&)>& customize)
    : params_(std::move(params)) {
  chain_id_ = test_chain_id();
  genesis_ = make_test_genesis(params_);
  if (customize) customize(genesis_);
  producer_ = genesis_.sps.empty() ? std::string() : genesis_.sps[0].sp_id;

  StateOverlay genesis_state(store_);
  Status st = apply_genesis(genesis_, genesis_state);
  if (!st) throw std::runtime_error("genesis: " + st.to_string());
  store_.apply(genesis_state.writes());
  block_.height = 1;
  block_.slot = 1;
  begin();
}

void TestChain::begin() {
  block_.time_ms = genesis_.genesis_time_ms + block_.slot * params_.block_interval_ms;
  block_.producer = producer_;
  // As consensus would: below the block's height, and never moving backwards.
  uint64_t lagged = block_.height > finality_lag_ ? block_.height - finality_lag_ : 0;
  lagged = std::min(lagged, block_.height - 1);
  block_.final_height = std::max(block_.final_height, lagged);
  block_state_ = std::make_unique<StateOverlay>(store_);
  ApplyEnv env{params_, chain_id_};
  Status st = begin_block(env, block_, *block_state_);
  if (!st) throw std::runtime_error("begin_block: " + st.to_string());
}

void TestChain::next_block(uint64_t slots_later) {
  ApplyEnv env{params_, chain_id_};
  Status st = end_block(env, block_, *block_state_);
  if (!st) throw std::runtime_error("end_block: " + st.to_string());
  store_.apply(block_state_->writes());
  if (check_supply_) check_committed_supply();
  block_.height += 1;
  block_.slot += std::max<uint64_t>(1, slots_later);
  begin();
}

void TestChain::advance_seconds(uint64_t seconds) {
  uint64_t slots = (seconds * 1000 + params_.block_interval_ms - 1) / params_.block_interval_ms;
  next_block(slots);
}

void TestChain::advance_to_time(uint64_t time_s) {
  uint64_t target_ms = time_s * 1000;
  if (target_ms <= block_.time_ms ||
      (target_ms - genesis_.genesis_time_ms) % params_.block_interval_ms != 0) {
    throw std::invalid_argument("advance_to_time: " + std::to_string(time_s) +
                                " is not a later slot start");
  }
  next_block((target_ms - block_.time_ms) / params_.block_interval_ms);
}

void TestChain::check_committed_supply() {
  auto breakdown = compute_supply(store_);
  if (!breakdown) {
    supply_errors_.push_back("block " + std::to_string(block_.height) + ": " +
                             breakdown.status().to_string());
    return;
  }
  auto total = breakdown->total();
  if (!total || *total != params_.total_supply) {
    supply_errors_.push_back("block " + std::to_string(block_.height) + ": supply is " +
                             (total ? total->to_string() : total.status().to_string()) +
                             " DIMT, not " + params_.total_supply.to_string());
  }
}

void TestChain::run_to_epoch_end() {
  while (block_.height % params_.epoch_length_blocks != 0) next_block();
  next_block();
}

v1::SignedTransaction TestChain::make_tx(const PrivateKey& who,
                                         const std::function<void(v1::Transaction&)>& body,
                                         const Amount& fee) {
  v1::Transaction tx;
  tx.set_sender_key(to_field(who.public_key().compressed()));
  tx.set_nonce(nonce(who));
  tx.set_fee(to_field((fee.is_zero() ? params_.min_tx_fee : fee).to_bytes()));
  tx.set_expiry_height(block_.height + 100);
  body(tx);
  return sign_transaction(who, chain_id_, tx);
}

TxStatus TestChain::apply(const v1::SignedTransaction& stx) {
  ApplyEnv env{params_, chain_id_};
  return apply_transaction(env, block_, *block_state_, stx);
}

TxStatus TestChain::submit(const PrivateKey& who, const std::function<void(v1::Transaction&)>& body,
                           const Amount& fee) {
  return apply(make_tx(who, body, fee));
}

Amount TestChain::balance(const PrivateKey& who) {
  LedgerState st = ledger();
  return st.amount(st.account(address_of(who)).balance());
}

uint64_t TestChain::nonce(const PrivateKey& who) {
  return ledger().account(address_of(who)).nonce();
}

Resolution TestChain::resolve(const std::string& name) const {
  return resolve_name(params_, *block_state_, name, block_.now_s());
}

SupplyBreakdown TestChain::supply() const { return compute_supply(*block_state_).value(); }

TxStatus TestChain::register_name(const PrivateKey& who, const std::string& name, uint32_t years,
                                  const std::string& target, const std::string& salt_label) {
  Hash256 c = name_commitment(name, address_of(who), salt(salt_label));
  ANS_TX_CHECK(submit(who, [&](v1::Transaction& t) { t.mutable_name_commit()->set_commitment(to_field(c)); }));
  for (uint64_t i = 0; i < params_.commit_min_blocks; ++i) next_block();
  return submit(who, [&](v1::Transaction& t) {
    auto* r = t.mutable_name_register();
    r->set_name(name);
    r->set_salt(to_field(salt(salt_label)));
    r->set_years(years);
    r->mutable_records()->set_target(target);
  });
}

}  // namespace ans::testing
