#include "ledger/rules/test_chain.h"

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

TestChain::TestChain(ChainParams params) : params_(std::move(params)) {
  chain_id_ = sha256(as_bytes("ans test chain"));
  genesis_.chain_name = "ans-test";
  genesis_.genesis_time_ms = 1'767'225'600'000ULL;  // 2026-01-01T00:00:00Z
  genesis_.params = params_;
  Amount allocated;
  for (const char* who : {"alice", "bob", "carol", "dave", "sp-owner"}) {
    Amount each = Amount::from_dimt(100'000'000);
    genesis_.allocations.push_back({address_of(test_key(who)), each});
    allocated = allocated.checked_add(each).value();
  }
  GenesisSp sp;
  sp.sp_id = sp_id_for("genesis-sp");
  sp.owner = address_of(test_key("sp-owner"));
  sp.display_name = "Genesis SP";
  sp.url = "https://sp.example";
  sp.stations.push_back({"station@anywhere", "127.0.0.1", 9394});
  sp.signing_key = test_key("genesis-sp/signing").public_key().compressed();
  sp.self_stake = params_.min_self_stake;
  genesis_.sps.push_back(sp);
  genesis_.reserved_names = {"admin", "founder"};
  genesis_.records.push_back({"founder", "moky@anywhere"});
  genesis_.reward_pool = params_.total_supply.checked_sub(allocated).value()
                             .checked_sub(sp.self_stake).value();

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
  block_.producer = genesis_.sps[0].sp_id;
  block_.final_height = block_.height - 1;
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
  block_.height += 1;
  block_.slot += std::max<uint64_t>(1, slots_later);
  begin();
}

void TestChain::advance_seconds(uint64_t seconds) {
  uint64_t slots = (seconds * 1000 + params_.block_interval_ms - 1) / params_.block_interval_ms;
  next_block(slots);
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
