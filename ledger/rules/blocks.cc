// Per-block and per-epoch effects of the state transition.
#include <cstdint>

#include "ledger/rules/names.h"
#include "ledger/rules/producers.h"
#include "ledger/rules/transition.h"

namespace ans {
namespace {

// How many index entries one epoch boundary processes of each kind. What is left over is
// processed at the next boundary; the rules that matter (a name's status, a commitment's age)
// are computed from time, never from whether the clean-up has run yet.
constexpr size_t kEpochWorkLimit = 10'000;

Amount reward_per_block(const ChainParams& p) {
  // rewards_per_day * interval / 1 day, in units, rounded down.
  return Amount::from_units(p.rewards_per_day.units() * p.block_interval_ms / 86'400'000u);
}

void count_missed_slots(LedgerState& st, const v1::ActiveSetState& sets, uint64_t last_slot,
                        uint64_t slot) {
  uint64_t n = static_cast<uint64_t>(sets.active_size());
  if (n == 0 || slot <= last_slot + 1) return;
  uint64_t gap = slot - last_slot - 1;
  // Slot s belongs to active[s mod n]; over a gap of g slots each member misses g / n, and
  // the first g mod n after last_slot one more.
  for (uint64_t i = 0; i < std::min(gap, n); ++i) {
    uint64_t misses = gap / n + (i < gap % n ? 1 : 0);
    const std::string& id = sets.active(static_cast<int>((last_slot + 1 + i) % n)).sp_id();
    auto sp = st.sp(id);
    if (!sp) continue;
    sp->set_missed_slots(sp->missed_slots() + misses);
    st.put_sp(*sp);
  }
}

void release_unbondings(LedgerState& st, uint64_t now_s) {
  std::vector<std::pair<std::string, v1::UnbondingState>> due;
  st.overlay().scan(keys::kUnbondingPrefix, {}, kEpochWorkLimit,
                    [&](std::string_view key, std::string_view value) {
                      if (key.size() < 17 || keys::read_be64(key.substr(1)) > now_s) return false;
                      v1::UnbondingState u;
                      if (u.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                        due.emplace_back(std::string(key), std::move(u));
                      }
                      return true;
                    });
  for (const auto& [key, u] : due) {
    EthAddress who = EthAddress::from_bytes(as_bytes(u.account())).value();
    v1::AccountState acct = st.account(who);
    acct.set_balance(LedgerState::amount_bytes(
        st.amount(acct.balance()).checked_add(st.amount(u.amount())).value()));
    st.put_account(who, acct);
    st.overlay().erase(key);
  }
}

void retire_unbonded_sps(LedgerState& st, uint64_t now_s) {
  v1::SpRegistryState registry = st.sp_registry();
  bool changed = false;
  for (const auto& id : registry.sp_ids()) {
    auto sp = st.sp(id);
    if (!sp || sp->retired() || sp->unbonding_until_s() == 0 || sp->unbonding_until_s() > now_s) {
      continue;
    }
    Amount back = st.amount(sp->self_stake()).checked_add(st.amount(sp->unclaimed_rewards())).value();
    EthAddress owner = EthAddress::from_bytes(as_bytes(sp->owner())).value();
    v1::AccountState acct = st.account(owner);
    acct.set_balance(LedgerState::amount_bytes(st.amount(acct.balance()).checked_add(back).value()));
    st.put_account(owner, acct);
    sp->set_self_stake(std::string());
    sp->set_unclaimed_rewards(std::string());
    sp->set_retired(true);
    st.put_sp(*sp);
    registry.set_sp_count(registry.sp_count() - 1);
    changed = true;
  }
  if (changed) st.put_sp_registry(registry);
}

void release_expired_names(const ChainParams& p, LedgerState& st, uint64_t now_s) {
  if (now_s < p.grace_s) return;
  uint64_t cutoff = now_s - p.grace_s;  // expiry at or before this: grace has ended
  std::vector<std::pair<std::string, std::string>> due;  // index key, name
  st.overlay().scan(keys::kExpiryIndexPrefix, {}, kEpochWorkLimit,
                    [&](std::string_view key, std::string_view) {
                      if (key.size() < 10 || keys::read_be64(key.substr(2)) > cutoff) return false;
                      due.emplace_back(std::string(key), std::string(key.substr(10)));
                      return true;
                    });
  for (const auto& [index_key, name] : due) {
    st.overlay().erase(index_key);
    auto rec = st.name(name);
    if (rec && !rec->reserved() && !rec->released() && name_status(p, rec, now_s) == NameStatus::kReleased) {
      release_name(st, *rec);
    }
  }
}

void drop_stale_commitments(const ChainParams& p, LedgerState& st, uint64_t now_s) {
  if (now_s <= p.commit_max_age_s) return;
  uint64_t cutoff = now_s - p.commit_max_age_s;  // made before this: too old to use
  std::vector<std::string> due;
  st.overlay().scan(keys::kCommitmentIndexPrefix, {}, kEpochWorkLimit,
                    [&](std::string_view key, std::string_view) {
                      if (key.size() < 42 || keys::read_be64(key.substr(2)) >= cutoff) return false;
                      due.emplace_back(key);
                      return true;
                    });
  for (const auto& index_key : due) {
    st.overlay().erase(index_key);
    st.overlay().erase("C" + index_key.substr(10));
  }
}

bool same_members(const google::protobuf::RepeatedPtrField<v1::ActiveSetMember>& a,
                  const std::vector<v1::ActiveSetMember>& b) {
  if (static_cast<size_t>(a.size()) != b.size()) return false;
  for (size_t i = 0; i < b.size(); ++i) {
    if (a[static_cast<int>(i)].sp_id() != b[i].sp_id() ||
        a[static_cast<int>(i)].signing_key() != b[i].signing_key()) {
      return false;
    }
  }
  return true;
}

}  // namespace

Status begin_block(const ApplyEnv& env, const BlockContext& block, StateOverlay& state) {
  LedgerState st(state);
  v1::ChainCursorState cursor = st.cursor();
  if (block.height != cursor.height() + 1) {
    return Status(Errc::kInvalidArgument, "block height " + std::to_string(block.height) +
                                              " does not follow " + std::to_string(cursor.height()));
  }
  if (block.slot <= cursor.slot()) {
    return Status(Errc::kInvalidArgument, "block slot " + std::to_string(block.slot) +
                                              " is not after the parent's slot " +
                                              std::to_string(cursor.slot()));
  }
  // Every time rule reads the block's time, so it must be the slot's, never a producer's
  // choice: the parent's time plus the slots between them.
  uint64_t gap = block.slot - cursor.slot();
  if (gap > (UINT64_MAX - cursor.time_ms()) / env.params.block_interval_ms ||
      block.time_ms != cursor.time_ms() + gap * env.params.block_interval_ms) {
    return Status(Errc::kInvalidArgument, "block time " + std::to_string(block.time_ms) +
                                              " ms is not the start of slot " +
                                              std::to_string(block.slot));
  }
  if (block.final_height >= block.height || block.final_height < cursor.final_height()) {
    return Status(Errc::kInvalidArgument, "final height " + std::to_string(block.final_height) +
                                              " must be below the block's height and not below "
                                              "the parent's " +
                                              std::to_string(cursor.final_height()));
  }
  v1::ActiveSetState sets = st.active_sets();
  count_missed_slots(st, sets, cursor.slot(), block.slot);
  if (sets.pending_fixed_height() != 0 && sets.pending_fixed_height() <= block.final_height) {
    *sets.mutable_active() = sets.pending();
    sets.clear_pending();
    sets.set_pending_fixed_height(0);
    st.put_active_sets(sets);
  }

  if (auto sp = st.sp(block.producer)) {
    Amount pool = st.reward_pool();
    Amount reward = std::min(reward_per_block(env.params), pool);
    sp->set_unclaimed_rewards(LedgerState::amount_bytes(
        st.amount(sp->unclaimed_rewards()).checked_add(reward).value()));
    sp->set_produced_blocks(sp->produced_blocks() + 1);
    st.put_sp(*sp);
    st.set_reward_pool(pool.checked_sub(reward).value());
  }

  cursor.set_height(block.height);
  cursor.set_slot(block.slot);
  cursor.set_time_ms(block.time_ms);
  cursor.set_final_height(block.final_height);
  st.put_cursor(cursor);
  return st.status();
}

Status end_block(const ApplyEnv& env, const BlockContext& block, StateOverlay& state) {
  if (env.params.epoch_length_blocks == 0 || block.height % env.params.epoch_length_blocks != 0) {
    return Status::ok();
  }
  LedgerState st(state);
  uint64_t now = block.now_s();
  release_unbondings(st, now);
  retire_unbonded_sps(st, now);
  release_expired_names(env.params, st, now);
  drop_stale_commitments(env.params, st, now);

  std::vector<v1::ActiveSetMember> next = compute_active_set(st, env.params.max_active_producers);
  v1::ActiveSetState sets = st.active_sets();
  // An empty set would halt the chain: keep the current one until someone is eligible.
  if (!next.empty() && !same_members(sets.active(), next)) {
    sets.clear_pending();
    for (auto& m : next) *sets.add_pending() = std::move(m);
    sets.set_pending_fixed_height(block.height);
    st.put_active_sets(sets);
  } else if (sets.pending_fixed_height() != 0) {
    sets.clear_pending();
    sets.set_pending_fixed_height(0);
    st.put_active_sets(sets);
  }
  return st.status();
}

}  // namespace ans
