#include "ledger/rules/names.h"

#include "ledger/identity/id.h"
#include "ledger/names/name_syntax.h"
#include "ledger/wire/codec.h"

namespace ans {
namespace {

TxStatus check_name_syntax(std::string_view name) {
  if (Status st = validate_registry_name(name); !st) {
    return TxStatus(TxError::kInvalidName, st.to_string());
  }
  return TxStatus::ok();
}

TxStatus check_years(const ChainParams& p, uint32_t years) {
  if (years < 1 || years > p.max_years) {
    return TxStatus(TxError::kBadYears, "years must be 1 to " + std::to_string(p.max_years) +
                                            ", got " + std::to_string(years));
  }
  return TxStatus::ok();
}

// Loads a name that must exist and not be reserved.
TxStatus load_registered(TxScope& s, std::string_view name, v1::NameState& out) {
  ANS_TX_CHECK(check_name_syntax(name));
  auto rec = s.state.name(name);
  if (!rec) return TxStatus(TxError::kNameNotFound, "'" + std::string(name) + "' is not registered");
  if (rec->reserved()) return TxStatus(TxError::kNameReserved, "'" + std::string(name) + "' is reserved");
  out = std::move(*rec);
  return TxStatus::ok();
}

// Loads a registered name that has not been released (active or in grace): what renew,
// update, transfer and primary names act on.
TxStatus load_unreleased(TxScope& s, std::string_view name, v1::NameState& out,
                         NameStatus& status) {
  ANS_TX_CHECK(load_registered(s, name, out));
  status = name_status(s.params(), out, s.now_s());
  if (status == NameStatus::kReleased) {
    return TxStatus(TxError::kNameNotActive, "'" + out.name() + "' was released; register it again");
  }
  return TxStatus::ok();
}

EthAddress owner_of(const v1::NameState& rec) {
  return EthAddress::from_bytes(as_bytes(rec.owner())).value();
}

// A reverse record stays only while its address is the name's owner or target; call after
// the owner or target of `rec` may have changed, with the accounts that might have lost it.
void drop_stale_primary(LedgerState& st, const v1::NameState& rec,
                        std::initializer_list<std::optional<EthAddress>> candidates) {
  std::optional<EthAddress> owner;
  if (rec.owner().size() == 20) owner = owner_of(rec);
  std::optional<EthAddress> target = target_account(rec.records());
  for (const auto& c : candidates) {
    if (!c) continue;
    if ((owner && *owner == *c) || (target && *target == *c)) continue;
    auto primary = st.primary_name(*c);
    if (primary && *primary == rec.name()) st.clear_primary_name(*c);
  }
}

uint64_t years_s(const ChainParams& p, uint32_t years) { return p.year_s * years; }

}  // namespace

uint64_t release_time_s(const ChainParams& p, const v1::NameState& record) {
  return release_time_s(p.grace_s, record);
}

NameStatus name_status(const ChainParams& p, const std::optional<v1::NameState>& record,
                       uint64_t now_s) {
  return name_status(p.grace_s, record, now_s);
}

Amount yearly_fee(const ChainParams& p, size_t length) {
  if (length <= 2) return p.fee_len2;
  if (length == 3) return p.fee_len3;
  if (length == 4) return p.fee_len4;
  return p.fee_len5_plus;
}

Amount release_premium(const ChainParams& p, uint64_t released_at_s, uint64_t now_s) {
  if (now_s < released_at_s) return p.release_premium_start;
  uint64_t elapsed = now_s - released_at_s;
  if (elapsed >= p.premium_duration_s || p.premium_halving_s == 0) return Amount();
  uint64_t halvings = elapsed / p.premium_halving_s;
  if (halvings >= 128) return Amount();
  return Amount::from_units(p.release_premium_start.units() >> static_cast<unsigned>(halvings));
}

Hash256 name_commitment(std::string_view name, const EthAddress& owner, const Hash256& salt) {
  Sha256 h;
  h.update(name).update(owner.bytes()).update(salt);
  return h.finish();
}

std::optional<EthAddress> target_account(const v1::RecordSet& records) {
  auto id = DimpId::parse(records.target());
  if (!id) return std::nullopt;
  if (const auto* eth = std::get_if<EthAddress>(&id->address().value())) return *eth;
  return std::nullopt;
}

TxStatus validate_records(const ChainParams& p, const v1::RecordSet& r) {
  auto bad = [](std::string msg) { return TxStatus(TxError::kBadRecords, std::move(msg)); };
  if (r.target().empty()) return bad("target is required");
  if (auto id = DimpId::parse(r.target()); !id) return bad("target: " + id.status().to_string());
  if (!r.btc().empty()) {
    if (auto a = BtcAddress::parse(r.btc()); !a) return bad("btc: " + a.status().to_string());
  }
  if (!r.eth().empty()) {
    if (auto a = EthAddress::parse(r.eth()); !a) return bad("eth: " + a.status().to_string());
  }
  if (static_cast<uint32_t>(r.text_size()) > p.max_text_records) {
    return bad("at most " + std::to_string(p.max_text_records) + " text records, got " +
               std::to_string(r.text_size()));
  }
  for (int i = 0; i < r.text_size(); ++i) {
    const auto& t = r.text(i);
    std::string where = "text[" + std::to_string(i) + "]";
    if (t.key().empty() || t.key().size() > p.max_text_key_bytes) {
      return bad(where + ".key must be 1 to " + std::to_string(p.max_text_key_bytes) + " bytes");
    }
    for (char c : t.key()) {
      if (c < 0x21 || c > 0x7e) return bad(where + ".key must be printable ASCII without spaces");
    }
    if (t.value().size() > p.max_text_value_bytes) {
      return bad(where + ".value is longer than " + std::to_string(p.max_text_value_bytes) +
                 " bytes");
    }
    if (i > 0 && !(r.text(i - 1).key() < t.key())) {
      return bad(where + ": text record keys must be unique and in ascending order");
    }
  }
  if (r.ByteSizeLong() > p.max_record_set_bytes) {
    return bad("the record set is " + std::to_string(r.ByteSizeLong()) + " bytes; at most " +
               std::to_string(p.max_record_set_bytes));
  }
  return TxStatus::ok();
}

TxStatus apply_name_commit(TxScope& s, const v1::NameCommit& body) {
  Hash256 c{};
  std::copy(body.commitment().begin(), body.commitment().end(), c.begin());
  if (auto existing = s.state.commitment(c)) {
    // A commitment too old to use may be made again; a usable one may not be refreshed.
    if (s.now_s() - existing->time_s() <= s.params().commit_max_age_s) {
      return TxStatus(TxError::kCommitmentExists, "this commitment is already recorded");
    }
    s.state.erase_commitment(c, existing->time_s());
  }
  v1::CommitmentState cs;
  cs.set_height(s.block.height);
  cs.set_time_s(s.now_s());
  s.state.put_commitment(c, cs);
  return TxStatus::ok();
}

TxStatus apply_name_register(TxScope& s, const v1::NameRegister& body) {
  const ChainParams& p = s.params();
  const std::string& name = body.name();
  ANS_TX_CHECK(check_name_syntax(name));
  ANS_TX_CHECK(check_years(p, body.years()));
  ANS_TX_CHECK(validate_records(p, body.records()));

  auto existing = s.state.name(name);
  NameStatus status = name_status(p, existing, s.now_s());
  if (status == NameStatus::kReserved) {
    return TxStatus(TxError::kNameReserved, "'" + name + "' is reserved");
  }
  if (status == NameStatus::kActive || status == NameStatus::kGrace) {
    return TxStatus(TxError::kNameTaken, "'" + name + "' is " + std::string(name_status_name(status)));
  }

  Hash256 salt{};
  std::copy(body.salt().begin(), body.salt().end(), salt.begin());
  Hash256 c = name_commitment(name, s.sender, salt);
  auto commit = s.state.commitment(c);
  if (!commit) {
    return TxStatus(TxError::kNoCommitment,
                    "no NameCommit matches SHA-256(name || sender || salt)");
  }
  if (s.block.height < commit->height() + p.commit_min_blocks) {
    return TxStatus(TxError::kCommitmentTooNew,
                    "the commitment is " + std::to_string(s.block.height - commit->height()) +
                        " blocks old; it must be at least " + std::to_string(p.commit_min_blocks));
  }
  if (s.now_s() - commit->time_s() > p.commit_max_age_s) {
    return TxStatus(TxError::kCommitmentTooOld,
                    "the commitment is " + std::to_string(s.now_s() - commit->time_s()) +
                        " s old; at most " + std::to_string(p.commit_max_age_s) + " s is allowed");
  }

  auto fee = yearly_fee(p, name.size()).checked_mul(body.years());
  if (!fee) return TxStatus(TxError::kInsufficientFunds, fee.status().message());
  Amount total = *fee;
  if (status == NameStatus::kReleased) {
    auto with_premium = total.checked_add(release_premium(p, release_time_s(p, *existing), s.now_s()));
    if (!with_premium) return TxStatus(TxError::kInsufficientFunds, with_premium.status().message());
    total = *with_premium;
  }
  ANS_TX_CHECK(s.pay_to_pool(total, "the registration fee"));
  s.state.erase_commitment(c, commit->time_s());

  if (existing) {
    // A released name that the epoch clean-up has not reached yet: clean up for it.
    if (!existing->released()) release_name(s.state, *existing);
    s.state.index_expiry(existing->expiry_s(), name, false);
  }
  v1::NameState rec;
  rec.set_name(name);
  rec.set_owner(std::string(s.sender.bytes().begin(), s.sender.bytes().end()));
  rec.set_expiry_s(s.now_s() + years_s(p, body.years()));
  *rec.mutable_records() = body.records();
  rec.set_registered_height(s.block.height);
  s.state.put_name(rec);
  if (existing) {
    s.state.index_owner(s.sender, name, true);
    s.state.index_expiry(rec.expiry_s(), name, true);
  } else {
    s.state.index_new_name(s.sender, name, rec.expiry_s());
  }
  return TxStatus::ok();
}

TxStatus apply_name_renew(TxScope& s, const v1::NameRenew& body) {
  const ChainParams& p = s.params();
  v1::NameState rec;
  NameStatus status;
  ANS_TX_CHECK(load_unreleased(s, body.name(), rec, status));
  if (status == NameStatus::kGrace && owner_of(rec) != s.sender) {
    return TxStatus(TxError::kNotOwner, "only the owner may renew a name in grace");
  }
  ANS_TX_CHECK(check_years(p, body.years()));
  uint64_t new_expiry = rec.expiry_s() + years_s(p, body.years());
  uint64_t max_prepaid = years_s(p, p.max_years);
  if (new_expiry > s.now_s() + max_prepaid) {
    return TxStatus(TxError::kPrepaidTooLong,
                    "renewing would prepay beyond " + std::to_string(p.max_years) + " years");
  }
  auto fee = yearly_fee(p, rec.name().size()).checked_mul(body.years());
  if (!fee) return TxStatus(TxError::kInsufficientFunds, fee.status().message());
  ANS_TX_CHECK(s.pay_to_pool(*fee, "the renewal fee"));
  s.state.index_expiry(rec.expiry_s(), rec.name(), false);
  rec.set_expiry_s(new_expiry);
  s.state.index_expiry(new_expiry, rec.name(), true);
  s.state.put_name(rec);
  return TxStatus::ok();
}

TxStatus apply_name_update(TxScope& s, const v1::NameUpdate& body) {
  const ChainParams& p = s.params();
  v1::NameState rec;
  NameStatus status;
  ANS_TX_CHECK(load_unreleased(s, body.name(), rec, status));
  if (owner_of(rec) != s.sender) return TxStatus(TxError::kNotOwner, "only the owner may update records");
  ANS_TX_CHECK(validate_records(p, body.records()));
  std::optional<EthAddress> old_target = target_account(rec.records());
  *rec.mutable_records() = body.records();
  s.state.put_name(rec);
  drop_stale_primary(s.state, rec, {old_target});
  return TxStatus::ok();
}

TxStatus apply_name_transfer(TxScope& s, const v1::NameTransfer& body) {
  v1::NameState rec;
  NameStatus status;
  ANS_TX_CHECK(load_unreleased(s, body.name(), rec, status));
  EthAddress old_owner = owner_of(rec);
  if (old_owner != s.sender) return TxStatus(TxError::kNotOwner, "only the owner may transfer a name");
  if (status == NameStatus::kGrace) {
    return TxStatus(TxError::kTransferFrozen, "transfers are frozen while a name is in grace");
  }
  EthAddress new_owner = EthAddress::from_bytes(as_bytes(body.new_owner())).value();
  rec.set_owner(body.new_owner());
  s.state.put_name(rec);
  s.state.index_owner(old_owner, rec.name(), false);
  s.state.index_owner(new_owner, rec.name(), true);
  drop_stale_primary(s.state, rec, {old_owner});
  return TxStatus::ok();
}

TxStatus apply_set_primary_name(TxScope& s, const v1::SetPrimaryName& body) {
  if (body.name().empty()) {
    s.state.clear_primary_name(s.sender);
    return TxStatus::ok();
  }
  v1::NameState rec;
  NameStatus status;
  ANS_TX_CHECK(load_unreleased(s, body.name(), rec, status));
  auto target = target_account(rec.records());
  if (owner_of(rec) != s.sender && !(target && *target == s.sender)) {
    return TxStatus(TxError::kPrimaryNotAllowed,
                    "a primary name must be owned by or point at the sender's address");
  }
  s.state.set_primary_name(s.sender, rec.name());
  return TxStatus::ok();
}

void release_name(LedgerState& st, v1::NameState record) {
  std::optional<EthAddress> owner;
  if (record.owner().size() == 20) owner = owner_of(record);
  if (owner) st.index_owner(*owner, record.name(), false);
  for (const auto& who : {owner, target_account(record.records())}) {
    if (!who) continue;
    auto primary = st.primary_name(*who);
    if (primary && *primary == record.name()) st.clear_primary_name(*who);
  }
  record.set_released(true);
  st.put_name(record);
}

}  // namespace ans
