#include "ledger/rules/producers.h"

#include <algorithm>
#include <set>

#include "ledger/identity/id.h"
#include "ledger/rules/sp_data.h"

namespace ans {
namespace {

TxStatus load_own_sp(TxScope& s, const std::string& sp_id, v1::SpState& out,
                     bool allow_retired = false) {
  auto sp = s.state.sp(sp_id);
  if (!sp || (sp->retired() && !allow_retired)) {
    return TxStatus(TxError::kSpNotFound, "no registered SP '" + sp_id + "'");
  }
  if (sp->owner() != std::string(s.sender.bytes().begin(), s.sender.bytes().end())) {
    return TxStatus(TxError::kNotOwner, "only the owner account of '" + sp_id + "' may do this");
  }
  out = std::move(*sp);
  return TxStatus::ok();
}

TxStatus check_sp_data(const ChainParams& p, const std::string& url,
                       const google::protobuf::RepeatedPtrField<v1::Station>& stations) {
  auto bad = [](std::string m) { return TxStatus(TxError::kBadSpData, std::move(m)); };
  if (Status st = check_sp_url(url); !st) return bad("url " + st.message());
  if (static_cast<uint32_t>(stations.size()) > p.max_stations) {
    return bad("at most " + std::to_string(p.max_stations) + " stations, got " +
               std::to_string(stations.size()));
  }
  for (int i = 0; i < stations.size(); ++i) {
    const auto& st = stations[i];
    std::string where = "stations[" + std::to_string(i) + "]";
    if (auto id = DimpId::parse(st.id()); !id) return bad(where + ".id: " + id.status().to_string());
    if (Status host = check_station_host(st.host()); !host) {
      return bad(where + ".host " + host.message());
    }
    if (Status port = check_station_port(st.port()); !port) {
      return bad(where + ".port " + port.message());
    }
  }
  return TxStatus::ok();
}

// The key must be a curve point and not the signing key of any other SP (a key signs for
// exactly one producer, or evidence could not say who equivocated).
TxStatus check_signing_key(const LedgerState& st, const std::string& key, const std::string& self) {
  if (!PublicKey::parse(as_bytes(key))) {
    return TxStatus(TxError::kBadSigningKey, "signing_key is not a valid secp256k1 point");
  }
  const v1::SpRegistryState registry = st.sp_registry();
  for (const auto& id : registry.sp_ids()) {
    if (id == self) continue;
    auto other = st.sp(id);
    if (!other) continue;
    bool used = other->signing_key() == key;
    for (const auto& past : other->past_signing_keys()) used |= past == key;
    if (used) return TxStatus(TxError::kSigningKeyInUse, "signing_key belongs to SP '" + id + "'");
  }
  return TxStatus::ok();
}

// Adds (or, with add=false, removes) `stake` to the votes_received of each SP in `votes`.
// Removing never underflows: votes_received always contains the stake that was added.
void shift_votes(LedgerState& st, const google::protobuf::RepeatedPtrField<std::string>& votes,
                 const Amount& stake, bool add) {
  if (stake.is_zero()) return;
  for (const auto& id : votes) {
    auto sp = st.sp(id);
    if (!sp) continue;
    Amount have = st.amount(sp->votes_received());
    Amount now = add ? have.checked_add(stake).value() : have.checked_sub(stake).value();
    sp->set_votes_received(LedgerState::amount_bytes(now));
    st.put_sp(*sp);
  }
}

// Evidence signatures count if made with the SP's current or any earlier signing key.
bool signed_by_sp(const v1::SpState& sp, const Hash256& message, const std::string& sig_bytes) {
  auto sig = signature_field(sig_bytes, "signature");
  if (!sig) return false;
  auto try_key = [&](const std::string& key) {
    auto pk = PublicKey::parse(as_bytes(key));
    return pk && pk->verify(message, *sig);
  };
  if (try_key(sp.signing_key())) return true;
  return std::any_of(sp.past_signing_keys().begin(), sp.past_signing_keys().end(), try_key);
}

// Removes an offender from the active and pending sets at once (spec section 5) — except
// that the active set never becomes empty: a chain with no producer could not even include
// the offender's Unjail. A sole offender stays until another SP is eligible.
void remove_from_sets(LedgerState& st, const std::string& sp_id) {
  v1::ActiveSetState sets = st.active_sets();
  auto drop = [&](google::protobuf::RepeatedPtrField<v1::ActiveSetMember>* members,
                  bool keep_last) {
    for (int i = 0; i < members->size(); ++i) {
      if ((*members)[i].sp_id() == sp_id) {
        if (keep_last && members->size() == 1) return;
        members->erase(members->begin() + i);
        return;
      }
    }
  };
  drop(sets.mutable_active(), /*keep_last=*/true);
  drop(sets.mutable_pending(), /*keep_last=*/false);
  if (sets.pending_size() == 0) sets.set_pending_fixed_height(0);
  st.put_active_sets(sets);
}

}  // namespace

Amount sp_weight(const LedgerState& st, const v1::SpState& sp) {
  return st.amount(sp.self_stake()).checked_add(st.amount(sp.votes_received())).value();
}

bool sp_eligible(const v1::SpState& sp) {
  return !sp.retired() && sp.unbonding_until_s() == 0 && sp.jailed_until_s() == 0;
}

std::vector<v1::ActiveSetMember> compute_active_set(const LedgerState& st, uint32_t max_active) {
  struct Candidate { Amount weight; std::string sp_id; std::string key; };
  std::vector<Candidate> candidates;
  const v1::SpRegistryState registry = st.sp_registry();
  for (const auto& id : registry.sp_ids()) {
    auto sp = st.sp(id);
    if (!sp || !sp_eligible(*sp)) continue;
    candidates.push_back({sp_weight(st, *sp), sp->sp_id(), sp->signing_key()});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.sp_id < b.sp_id;
  });
  if (candidates.size() > max_active) candidates.resize(max_active);
  std::vector<v1::ActiveSetMember> out;
  for (const auto& c : candidates) {
    v1::ActiveSetMember m;
    m.set_sp_id(c.sp_id);
    m.set_signing_key(c.key);
    out.push_back(std::move(m));
  }
  return out;
}

TxStatus apply_sp_register(TxScope& s, const v1::SpRegister& body) {
  const ChainParams& p = s.params();
  auto id = DimpId::parse(body.sp_id());
  if (!id) return TxStatus(TxError::kBadSpId, "sp_id: " + id.status().to_string());
  if (!is_service_provider_type(id->network())) {
    return TxStatus(TxError::kBadSpId, "sp_id must have an SP type (0x03 or legacy 0x76)");
  }
  if (!id->terminal().empty() || id->to_string() != body.sp_id()) {
    return TxStatus(TxError::kBadSpId, "sp_id must be written in its canonical form without a "
                                       "terminal: " + id->without_terminal().to_string());
  }
  auto existing = s.state.sp(body.sp_id());
  if (existing && !existing->retired()) {
    return TxStatus(TxError::kSpExists, "'" + body.sp_id() + "' is already registered");
  }
  if (existing) {
    // A retired id still producing (kept because no one else was eligible) keeps its old key
    // in the set until the next epoch: registering it again now would pay that key's blocks
    // to the new owner.
    v1::ActiveSetState sets = s.state.active_sets();
    for (const auto* members : {&sets.active(), &sets.pending()}) {
      for (const auto& m : *members) {
        if (m.sp_id() == body.sp_id()) {
          return TxStatus(TxError::kSpExists, "'" + body.sp_id() +
                                                  "' is still in the active set; register it "
                                                  "again after the next epoch");
        }
      }
    }
  }
  v1::SpRegistryState registry = s.state.sp_registry();
  if (registry.sp_count() >= p.max_sps) {
    return TxStatus(TxError::kSpLimit, "the registry holds the maximum of " +
                                           std::to_string(p.max_sps) + " SPs");
  }
  if (Status name = check_sp_display_name(body.display_name()); !name) {
    return TxStatus(TxError::kBadSpData, "display_name " + name.message());
  }
  ANS_TX_CHECK(check_sp_data(p, body.url(), body.stations()));
  ANS_TX_CHECK(check_signing_key(s.state, body.signing_key(), body.sp_id()));
  Amount stake = s.state.amount(body.self_stake());
  if (stake < p.min_self_stake) {
    return TxStatus(TxError::kStakeTooLow, "self stake " + stake.to_string() + " DIMT is below the " +
                                               p.min_self_stake.to_string() + " DIMT minimum");
  }
  ANS_TX_CHECK(s.debit_sender(stake, "the self stake"));

  v1::SpState sp;
  if (existing) {
    // A retired SP id registered again keeps its vote tally: the voters that still list it
    // vote for it again.
    sp.set_votes_received(existing->votes_received());
    *sp.mutable_past_signing_keys() = existing->past_signing_keys();
    if (existing->signing_key() != body.signing_key()) sp.add_past_signing_keys(existing->signing_key());
    // A retired SP still earns for the blocks it produces while no other SP is eligible (the
    // active set is then kept). Those rewards go to its former owner, as at retirement: the
    // new record must not drop them, since nothing burns after genesis.
    Amount earned = s.state.amount(existing->unclaimed_rewards());
    if (!earned.is_zero()) {
      s.credit(EthAddress::from_bytes(as_bytes(existing->owner())).value(), earned);
    }
  }
  sp.set_sp_id(body.sp_id());
  sp.set_owner(std::string(s.sender.bytes().begin(), s.sender.bytes().end()));
  sp.set_display_name(body.display_name());
  sp.set_url(body.url());
  *sp.mutable_stations() = body.stations();
  sp.set_signing_key(body.signing_key());
  sp.set_self_stake(body.self_stake());
  sp.set_registered_height(s.block.height);
  s.state.put_sp(sp);

  registry.set_sp_count(registry.sp_count() + 1);
  // sp_ids stays sorted and unique; a re-registered retired id is already in it.
  auto* ids = registry.mutable_sp_ids();
  auto pos = std::lower_bound(ids->begin(), ids->end(), body.sp_id());
  if (pos == ids->end() || *pos != body.sp_id()) {
    auto index = pos - ids->begin();
    ids->Add(std::string(body.sp_id()));
    for (auto i = ids->size() - 1; i > index; --i) ids->SwapElements(i, i - 1);
  }
  s.state.put_sp_registry(registry);
  return TxStatus::ok();
}

TxStatus apply_sp_update(TxScope& s, const v1::SpUpdate& body) {
  v1::SpState sp;
  ANS_TX_CHECK(load_own_sp(s, body.sp_id(), sp));
  if (sp.unbonding_until_s() != 0) {
    return TxStatus(TxError::kSpInactive, "'" + body.sp_id() + "' is unbonding");
  }
  ANS_TX_CHECK(check_sp_data(s.params(), body.url(), body.stations()));
  ANS_TX_CHECK(check_signing_key(s.state, body.signing_key(), body.sp_id()));
  if (sp.signing_key() != body.signing_key()) sp.add_past_signing_keys(sp.signing_key());
  sp.set_url(body.url());
  *sp.mutable_stations() = body.stations();
  sp.set_signing_key(body.signing_key());
  s.state.put_sp(sp);
  return TxStatus::ok();
}

TxStatus apply_sp_unregister(TxScope& s, const v1::SpUnregister& body) {
  v1::SpState sp;
  ANS_TX_CHECK(load_own_sp(s, body.sp_id(), sp));
  if (sp.unbonding_until_s() != 0) {
    return TxStatus(TxError::kSpInactive, "'" + body.sp_id() + "' is already unbonding");
  }
  sp.set_unbonding_until_s(s.now_s() + s.params().unbonding_s);
  s.state.put_sp(sp);
  return TxStatus::ok();
}

TxStatus apply_stake(TxScope& s, const v1::Stake& body) {
  Amount amount = s.state.amount(body.amount());
  if (amount.is_zero()) return TxStatus(TxError::kBadAmount, "stake amount must be positive");
  ANS_TX_CHECK(s.debit_sender(amount, "the stake"));
  v1::AccountState acct = s.state.account(s.sender);
  acct.set_staked(LedgerState::amount_bytes(s.state.amount(acct.staked()).checked_add(amount).value()));
  s.state.put_account(s.sender, acct);
  shift_votes(s.state, acct.votes(), amount, true);
  return TxStatus::ok();
}

TxStatus apply_unstake(TxScope& s, const v1::Unstake& body) {
  Amount amount = s.state.amount(body.amount());
  if (amount.is_zero()) return TxStatus(TxError::kBadAmount, "unstake amount must be positive");
  v1::AccountState acct = s.state.account(s.sender);
  Amount staked = s.state.amount(acct.staked());
  if (staked < amount) {
    return TxStatus(TxError::kInsufficientStake, "staked " + staked.to_string() +
                                                     " DIMT, asked to unstake " + amount.to_string());
  }
  acct.set_staked(LedgerState::amount_bytes(staked.checked_sub(amount).value()));
  s.state.put_account(s.sender, acct);
  shift_votes(s.state, acct.votes(), amount, false);
  v1::ChainCursorState cursor = s.state.cursor();
  v1::UnbondingState u;
  u.set_account(std::string(s.sender.bytes().begin(), s.sender.bytes().end()));
  u.set_amount(body.amount());
  s.state.put_unbonding(s.now_s() + s.params().unbonding_s, cursor.unbonding_seq(), u);
  cursor.set_unbonding_seq(cursor.unbonding_seq() + 1);
  s.state.put_cursor(cursor);
  return TxStatus::ok();
}

TxStatus apply_vote(TxScope& s, const v1::Vote& body) {
  if (static_cast<uint32_t>(body.sp_ids_size()) > s.params().max_votes) {
    return TxStatus(TxError::kTooManyVotes, "at most " + std::to_string(s.params().max_votes) +
                                                " SPs per vote, got " +
                                                std::to_string(body.sp_ids_size()));
  }
  std::set<std::string> chosen;
  for (const auto& id : body.sp_ids()) {
    if (!chosen.insert(id).second) return TxStatus(TxError::kDuplicateVote, "'" + id + "' is listed twice");
    auto sp = s.state.sp(id);
    if (!sp || sp->retired()) return TxStatus(TxError::kUnknownSp, "no registered SP '" + id + "'");
  }
  v1::AccountState acct = s.state.account(s.sender);
  Amount staked = s.state.amount(acct.staked());
  shift_votes(s.state, acct.votes(), staked, false);
  acct.clear_votes();
  for (const auto& id : chosen) acct.add_votes(id);  // std::set: sorted
  s.state.put_account(s.sender, acct);
  shift_votes(s.state, acct.votes(), staked, true);
  return TxStatus::ok();
}

TxStatus apply_claim_rewards(TxScope& s, const v1::ClaimRewards& body) {
  v1::SpState sp;
  // A retired SP kept producing (no one else was eligible) earns rewards its owner may claim.
  ANS_TX_CHECK(load_own_sp(s, body.sp_id(), sp, /*allow_retired=*/true));
  Amount unclaimed = s.state.amount(sp.unclaimed_rewards());
  if (unclaimed.is_zero()) return TxStatus(TxError::kNothingToClaim, "no unclaimed rewards");
  sp.set_unclaimed_rewards(std::string());
  s.state.put_sp(sp);
  s.credit(s.sender, unclaimed);
  return TxStatus::ok();
}

TxStatus apply_unjail(TxScope& s, const v1::Unjail& body) {
  v1::SpState sp;
  ANS_TX_CHECK(load_own_sp(s, body.sp_id(), sp));
  if (sp.jailed_until_s() == 0) return TxStatus(TxError::kNotJailed, "'" + body.sp_id() + "' is not jailed");
  if (s.now_s() < sp.jailed_until_s()) {
    return TxStatus(TxError::kStillJailed, "jailed for " +
                                               std::to_string(sp.jailed_until_s() - s.now_s()) +
                                               " more seconds");
  }
  sp.set_jailed_until_s(0);
  s.state.put_sp(sp);
  return TxStatus::ok();
}

TxStatus apply_evidence(TxScope& s, const v1::Evidence& body) {
  auto bad = [](std::string m) { return TxStatus(TxError::kBadEvidence, std::move(m)); };
  std::string offender;
  std::string marker;
  std::optional<v1::SpState> sp;
  if (body.has_double_proposal()) {
    const auto& a = body.double_proposal().first();
    const auto& b = body.double_proposal().second();
    if (a.header().producer() != b.header().producer()) return bad("the two headers have different producers");
    if (a.header().slot() != b.header().slot()) return bad("the two headers are for different slots");
    Hash256 ha = block_hash(a.header());
    Hash256 hb = block_hash(b.header());
    if (ha == hb) return bad("the two headers are the same block");
    offender = a.header().producer();
    sp = s.state.sp(offender);
    if (!sp) return bad("no SP '" + offender + "'");
    if (!signed_by_sp(*sp, header_signing_hash(s.env.chain_id, ha), a.signature()) ||
        !signed_by_sp(*sp, header_signing_hash(s.env.chain_id, hb), b.signature())) {
      return bad("a header is not signed by " + offender);
    }
    marker = keys::evidence(offender, 'p', a.header().slot());
  } else {
    const auto& a = body.double_vote().first();
    const auto& b = body.double_vote().second();
    if (a.vote().voter() != b.vote().voter()) return bad("the two votes have different voters");
    // A voter votes at most once per slot (docs/consensus.md, vote rule V1): two votes for
    // different blocks of one slot are the offence, whatever heights they name.
    if (a.vote().slot() != b.vote().slot()) return bad("the two votes are for different slots");
    if (a.vote().block_hash() == b.vote().block_hash()) return bad("the two votes are for the same block");
    offender = a.vote().voter();
    sp = s.state.sp(offender);
    if (!sp) return bad("no SP '" + offender + "'");
    if (!signed_by_sp(*sp, vote_signing_hash(s.env.chain_id, a.vote()), a.signature()) ||
        !signed_by_sp(*sp, vote_signing_hash(s.env.chain_id, b.vote()), b.signature())) {
      return bad("a vote is not signed by " + offender);
    }
    marker = keys::evidence(offender, 'v', a.vote().slot());
  }
  if (s.state.evidence_seen(marker)) {
    return TxStatus(TxError::kEvidenceKnown, "this offence of '" + offender + "' was already punished");
  }
  s.state.mark_evidence(marker);

  Amount stake = s.state.amount(sp->self_stake());
  Amount penalty = stake.checked_mul(s.params().slash_percent).value().div(100);
  sp->set_self_stake(LedgerState::amount_bytes(stake.checked_sub(penalty).value()));
  sp->set_jailed_until_s(s.now_s() + s.params().jail_s);
  s.state.put_sp(*sp);
  s.state.set_reward_pool(s.state.reward_pool().checked_add(penalty).value());
  remove_from_sets(s.state, offender);
  return TxStatus::ok();
}

}  // namespace ans
