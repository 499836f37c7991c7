#include "ledger/testing/tx_generator.h"

#include "ledger/rules/names.h"
#include "ledger/state/ledger_state.h"
#include "ledger/testing/test_chain.h"

namespace ans::testing {
namespace {

const char* const kFunded[] = {"alice", "bob", "carol", "dave", "sp-owner"};
constexpr size_t kUsers = 7;  // unfunded at genesis; transfers fund them

std::string amount_field_of(const Amount& a) { return to_field(a.to_bytes()); }

}  // namespace

RandomTxGenerator::RandomTxGenerator(uint64_t seed, const ChainParams& params,
                                     const ChainId& chain_id, double invalid_fraction)
    : seed_(seed), rng_(seed), params_(params), chain_id_(chain_id),
      invalid_fraction_(invalid_fraction) {
  for (const char* who : kFunded) keys_.push_back(test_key(who));
  for (size_t i = 0; i < kUsers; ++i) keys_.push_back(test_key("user" + std::to_string(i)));
  // Few names, so that registrations contend, expire and come back. All lengths priced.
  for (const char* n : {"ab", "xy", "abc", "dim", "moky", "chat", "alice", "bob.d", "carol-c",
                        "dave_1", "station.one", "n0", "n1", "n2", "name-three", "q9"}) {
    names_.emplace_back(n);
  }
}

std::string RandomTxGenerator::random_name() {
  if (chance(0.05)) return "Bad-Name";            // uppercase: invalid syntax
  if (chance(0.03)) return "admin";               // reserved
  return names_[pick(names_.size())];
}

std::string RandomTxGenerator::random_target() {
  static const char* const kTargets[] = {
      "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ", "alice@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
      "anyone@anywhere", "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm"};
  if (chance(0.4)) {  // point at one of our accounts: makes primary names by target possible
    return "user@" + address_of(keys_[pick(keys_.size())]).to_string();
  }
  return kTargets[pick(4)];
}

v1::Transaction RandomTxGenerator::base(const StateReader& state, const BlockContext& block,
                                        size_t who) {
  StateOverlay view(state);
  LedgerState st(view);
  v1::Transaction tx;
  tx.set_sender_key(to_field(keys_[who].public_key().compressed()));
  tx.set_nonce(st.account(address_of(keys_[who])).nonce());
  tx.set_fee(amount_field_of(params_.min_tx_fee.checked_mul(1 + pick(3)).value()));
  tx.set_expiry_height(block.height + 1 + pick(50));
  return tx;
}

void RandomTxGenerator::fill_body(v1::Transaction& tx, const StateReader& state,
                                  const BlockContext& block, size_t who) {
  StateOverlay view(state);
  LedgerState st(view);
  EthAddress me = address_of(keys_[who]);
  auto some_sp = [&]() -> std::string {
    auto ids = st.sp_registry().sp_ids();
    if (ids.empty() || chance(0.05)) return "nobody@" + sp_id_for("ghost").substr(6);
    return ids[static_cast<int>(pick(static_cast<size_t>(ids.size())))];
  };
  switch (pick(16)) {
    case 0:
    case 1: {
      auto* t = tx.mutable_transfer();
      t->set_to(to_field(address_of(keys_[pick(keys_.size())]).bytes()));
      Amount amount = Amount::from_dimt(1 + pick(5'000));
      if (chance(0.05)) amount = Amount::from_dimt(1'000'000'000);  // unaffordable
      t->set_amount(amount_field_of(amount));
      break;
    }
    case 2:
    case 3: {
      std::string name = random_name();
      std::string salt = "salt-" + std::to_string(salt_counter_++);
      Hash256 c = name_commitment(name, me, sha256(as_bytes(salt)));
      tx.mutable_name_commit()->set_commitment(to_field(c));
      commits_.push_back({who, name, salt, block.height});
      break;
    }
    case 4:
    case 5: {
      auto* r = tx.mutable_name_register();
      // Mostly reveal one of our own commitments (valid when old enough), sometimes guess.
      std::vector<size_t> mine;
      for (size_t i = 0; i < commits_.size(); ++i) {
        if (commits_[i].who == who) mine.push_back(i);
      }
      if (!mine.empty() && !chance(0.1)) {
        const Commit& c = commits_[mine[pick(mine.size())]];
        r->set_name(c.name);
        r->set_salt(to_field(sha256(as_bytes(c.salt_label))));
      } else {
        r->set_name(random_name());
        r->set_salt(to_field(sha256(as_bytes("guess"))));
      }
      r->set_years(static_cast<uint32_t>(chance(0.05) ? 11 : 1 + pick(3)));
      r->mutable_records()->set_target(random_target());
      break;
    }
    case 6:
      tx.mutable_name_renew()->set_name(random_name());
      tx.mutable_name_renew()->set_years(static_cast<uint32_t>(1 + pick(2)));
      break;
    case 7: {
      auto* u = tx.mutable_name_update();
      u->set_name(random_name());
      u->mutable_records()->set_target(random_target());
      if (chance(0.5)) u->mutable_records()->set_eth(me.to_string());
      if (chance(0.5)) {
        auto* text = u->mutable_records()->add_text();
        text->set_key("note");
        text->set_value(std::string(pick(300), 'x'));  // sometimes over 256 bytes
      }
      break;
    }
    case 8:
      tx.mutable_name_transfer()->set_name(random_name());
      tx.mutable_name_transfer()->set_new_owner(to_field(address_of(keys_[pick(keys_.size())]).bytes()));
      break;
    case 9:
      tx.mutable_set_primary_name()->set_name(chance(0.1) ? std::string() : random_name());
      break;
    case 10:
      tx.mutable_stake()->set_amount(amount_field_of(Amount::from_dimt(1 + pick(20'000))));
      break;
    case 11:
      tx.mutable_unstake()->set_amount(amount_field_of(Amount::from_dimt(1 + pick(10'000))));
      break;
    case 12: {
      size_t n = pick(4);
      for (size_t i = 0; i < n; ++i) tx.mutable_vote()->add_sp_ids(some_sp());
      break;
    }
    case 13: {
      // Register a new SP (needs 5M DIMT), or update/unregister/claim/unjail an existing one.
      size_t which = pick(5);
      std::string label = "sp-" + std::to_string(pick(4));
      if (which == 0) {
        auto* r = tx.mutable_sp_register();
        r->set_sp_id(sp_id_for(label));
        r->set_display_name(label);
        r->set_url("https://" + label + ".example");
        auto* station = r->add_stations();
        station->set_id("station@anywhere");
        station->set_host("10.0.0." + std::to_string(pick(200)));
        station->set_port(9394);
        r->set_signing_key(to_field(test_key(label + "/signing").public_key().compressed()));
        r->set_self_stake(amount_field_of(params_.min_self_stake.checked_add(
            Amount::from_dimt(pick(1'000'000))).value()));
      } else if (which == 1) {
        auto* u = tx.mutable_sp_update();
        u->set_sp_id(some_sp());
        u->set_url("https://updated.example");
        u->set_signing_key(to_field(test_key(label + "/signing-" + std::to_string(pick(3)))
                                        .public_key().compressed()));
      } else if (which == 2) {
        tx.mutable_sp_unregister()->set_sp_id(some_sp());
      } else if (which == 3) {
        tx.mutable_claim_rewards()->set_sp_id(some_sp());
      } else {
        tx.mutable_unjail()->set_sp_id(some_sp());
      }
      break;
    }
    case 14: {
      // Double-vote evidence: genuine (signed with the SP's key) or forged.
      std::string sp_id = some_sp();
      std::string label = sp_id.substr(0, sp_id.find('@'));
      PrivateKey signer = test_key(label == "genesis-sp" ? "genesis-sp/signing" : label + "/signing");
      if (chance(0.3)) signer = test_key("forger");
      auto* dv = tx.mutable_evidence()->mutable_double_vote();
      uint64_t height = 1 + pick(1000);
      for (int i = 0; i < 2; ++i) {
        v1::BlockVote vote;
        vote.set_block_hash(to_field(sha256(as_bytes("block " + std::to_string(i)))));
        vote.set_height(height);
        vote.set_slot(height);
        vote.set_voter(sp_id);
        auto* sv = i == 0 ? dv->mutable_first() : dv->mutable_second();
        *sv->mutable_vote() = vote;
        sv->set_signature(to_field(signer.sign(vote_signing_hash(chain_id_, vote))));
      }
      break;
    }
    default:
      tx.mutable_claim_rewards()->set_sp_id(sp_id_for("genesis-sp"));
      break;
  }
}

v1::SignedTransaction RandomTxGenerator::next(const StateReader& state, const BlockContext& block) {
  // The funded accounts send most transactions; the others only once funded.
  size_t who = chance(0.7) ? pick(std::size(kFunded)) : pick(keys_.size());
  v1::Transaction tx = base(state, block, who);
  fill_body(tx, state, block, who);
  ChainId signing_chain = chain_id_;
  if (chance(invalid_fraction_)) {
    switch (pick(5)) {
      case 0: tx.set_nonce(tx.nonce() + 1 + pick(3)); break;
      case 1: tx.set_fee(std::string()); break;
      case 2: tx.set_expiry_height(block.height - 1); break;
      case 3: signing_chain = sha256(as_bytes("some other chain")); break;
      default: tx.set_nonce(tx.nonce() == 0 ? 5 : tx.nonce() - 1); break;
    }
  }
  return sign_transaction(keys_[who], signing_chain, tx);
}

void RandomTxGenerator::included(const v1::SignedTransaction& stx, const BlockContext&) {
  if (!stx.tx().has_name_register()) return;
  const auto& r = stx.tx().name_register();
  for (auto it = commits_.begin(); it != commits_.end(); ++it) {
    if (it->name == r.name() && sha256(as_bytes(it->salt_label)) ==
                                    fixed_from_hex<32>(to_hex(as_bytes(r.salt()))).value()) {
      commits_.erase(it);
      return;
    }
  }
}

uint64_t RandomTxGenerator::next_slot_gap() {
  uint64_t day = 86'400'000 / params_.block_interval_ms;
  if (chance(0.01)) return day * (1 + pick(40));   // a long pause: expiries, unbondings
  if (chance(0.03)) return day / 24 * (1 + pick(24));
  return 1 + (chance(0.1) ? pick(3) : 0);          // an occasional missed slot
}

}  // namespace ans::testing
