#include "ledger/state/ledger_state.h"

#include "ledger/wire/codec.h"

namespace ans::keys {

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t read_be64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

}  // namespace ans::keys

namespace ans {

Status LedgerState::status() const {
  if (!error_.is_ok()) return error_;
  return overlay_.status();
}

template <typename Msg>
std::optional<Msg> LedgerState::read(std::string_view key) const {
  const std::optional<std::string_view> raw = overlay_.get_ref(key);
  if (!raw) return std::nullopt;
  Msg m;
  if (!m.ParseFromArray(raw->data(), static_cast<int>(raw->size()))) {
    if (error_.is_ok()) {
      error_ = Status(Errc::kCorruption, "state record " + to_hex(as_bytes(key)) + " does not decode");
    }
    return std::nullopt;
  }
  return m;
}

void LedgerState::write(std::string_view key, const google::protobuf::Message& m) {
  encode_into(m, encoded_);  // the overlay copies it: one buffer serves every record
  overlay_.put(key, encoded_);
}

Amount LedgerState::amount(std::string_view bytes) const {
  auto a = Amount::from_bytes(as_bytes(bytes));
  if (!a) {
    if (error_.is_ok()) error_ = Status(Errc::kCorruption, "stored amount: " + a.status().message());
    return Amount();
  }
  return *a;
}

std::string LedgerState::amount_bytes(const Amount& a) { return a.to_byte_string(); }

LedgerState::HeldAccount* LedgerState::held_account(const EthAddress& a) const {
  for (HeldAccount& h : held_accounts_) {
    if (h.who == a) return &h;
  }
  return nullptr;
}

v1::AccountState LedgerState::account(const EthAddress& a) const {
  if (holding_) {
    if (const HeldAccount* h = held_account(a)) return h->state;
  }
  v1::AccountState s = read<v1::AccountState>(keys::account(a)).value_or(v1::AccountState());
  if (holding_) held_accounts_.push_back({a, s, false});
  return s;
}

void LedgerState::put_account(const EthAddress& a, const v1::AccountState& s) {
  if (!holding_) {
    write(keys::account(a), s);
    return;
  }
  HeldAccount* h = held_account(a);
  if (h == nullptr) h = &held_accounts_.emplace_back(HeldAccount{a, {}, false});
  h->state = s;
  h->dirty = true;
}

void LedgerState::flush_held() {
  for (const HeldAccount& h : held_accounts_) {
    if (h.dirty) write(keys::account(h.who), h.state);
  }
  if (pool_dirty_) overlay_.put(keys::kRewardPool, amount_bytes(*held_pool_));
  drop_held();
}

void LedgerState::drop_held() {
  held_accounts_.clear();
  held_pool_.reset();
  pool_dirty_ = false;
  holding_ = false;
}

std::optional<v1::NameState> LedgerState::name(std::string_view n) const {
  return read<v1::NameState>(keys::name(n));
}

void LedgerState::put_name(const v1::NameState& s) { write(keys::name(s.name()), s); }

std::optional<v1::CommitmentState> LedgerState::commitment(const Hash256& c) const {
  return read<v1::CommitmentState>(keys::commitment(c));
}

void LedgerState::put_commitment(const Hash256& c, const v1::CommitmentState& s) {
  write(keys::commitment(c), s);
  overlay_.put(keys::commitment_index(s.time_s(), c), std::string());
}

void LedgerState::erase_commitment(const Hash256& c, uint64_t time_s) {
  overlay_.erase(keys::commitment(c));
  // A commitment and its index entry are written and erased together, so the entry is there.
  overlay_.erase_over(keys::commitment_index(time_s, c), std::string());
}

std::optional<v1::SpState> LedgerState::sp(std::string_view sp_id) const {
  return read<v1::SpState>(keys::sp(sp_id));
}

void LedgerState::put_sp(const v1::SpState& s) { write(keys::sp(s.sp_id()), s); }

std::optional<std::string> LedgerState::primary_name(const EthAddress& a) const {
  return overlay_.get(keys::primary_name(a));
}

void LedgerState::set_primary_name(const EthAddress& a, std::string_view n) {
  overlay_.put(keys::primary_name(a), std::string(n));
}

void LedgerState::clear_primary_name(const EthAddress& a) {
  overlay_.erase(keys::primary_name(a));
}

Amount LedgerState::reward_pool() const {
  if (holding_ && held_pool_) return *held_pool_;
  const std::optional<std::string_view> raw = overlay_.get_ref(keys::kRewardPool);
  Amount pool = raw ? amount(*raw) : Amount();
  if (holding_) held_pool_ = pool;
  return pool;
}

void LedgerState::set_reward_pool(const Amount& a) {
  if (holding_) {
    held_pool_ = a;
    pool_dirty_ = true;
    return;
  }
  overlay_.put(keys::kRewardPool, amount_bytes(a));
}

v1::SpRegistryState LedgerState::sp_registry() const {
  return read<v1::SpRegistryState>(keys::kSpRegistry).value_or(v1::SpRegistryState());
}
void LedgerState::put_sp_registry(const v1::SpRegistryState& s) { write(keys::kSpRegistry, s); }

v1::ActiveSetState LedgerState::active_sets() const {
  return read<v1::ActiveSetState>(keys::kActiveSets).value_or(v1::ActiveSetState());
}
void LedgerState::put_active_sets(const v1::ActiveSetState& s) { write(keys::kActiveSets, s); }

v1::ChainCursorState LedgerState::cursor() const {
  return read<v1::ChainCursorState>(keys::kCursor).value_or(v1::ChainCursorState());
}
void LedgerState::put_cursor(const v1::ChainCursorState& s) { write(keys::kCursor, s); }

void LedgerState::put_unbonding(uint64_t release_s, uint64_t seq, const v1::UnbondingState& s) {
  write(keys::unbonding(release_s, seq), s);
}

void LedgerState::index_owner(const EthAddress& owner, std::string_view n, bool present) {
  if (present) {
    overlay_.put(keys::owner_index(owner, n), std::string());
  } else {
    overlay_.erase(keys::owner_index(owner, n));
  }
}

void LedgerState::index_new_name(const EthAddress& owner, std::string_view n, uint64_t expiry_s) {
  // Index entries exist only for names with a record, and name records are never deleted: a
  // name without one has none.
  overlay_.put_over(keys::owner_index(owner, n), std::string(), std::nullopt);
  overlay_.put_over(keys::expiry_index(expiry_s, n), std::string(), std::nullopt);
}

void LedgerState::index_expiry(uint64_t expiry_s, std::string_view n, bool present) {
  if (present) {
    overlay_.put(keys::expiry_index(expiry_s, n), std::string());
  } else {
    overlay_.erase(keys::expiry_index(expiry_s, n));
  }
}

}  // namespace ans
