#include "ledger/rules/supply.h"

#include <limits>

#include "ans/v1/state.pb.h"
#include "ledger/state/keys.h"

namespace ans {
namespace {

constexpr size_t kAll = std::numeric_limits<size_t>::max();

Status add(Amount& into, const std::string& bytes) {
  auto a = Amount::from_bytes(as_bytes(bytes));
  if (!a) return Status(Errc::kCorruption, "stored amount: " + a.status().message());
  auto sum = into.checked_add(*a);
  if (!sum) return sum.status();
  into = *sum;
  return Status::ok();
}

template <typename Msg>
Status for_each(const StateReader& state, std::string_view prefix,
                const std::function<Status(const Msg&)>& fn) {
  Status result;
  state.scan(prefix, {}, kAll, [&](std::string_view key, std::string_view value) {
    Msg m;
    if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      result = Status(Errc::kCorruption, "record " + to_hex(as_bytes(key)) + " does not decode");
      return false;
    }
    result = fn(m);
    return result.is_ok();
  });
  return result;
}

}  // namespace

Result<Amount> SupplyBreakdown::total() const {
  Amount t;
  for (const Amount* a : {&spendable, &sp_stakes, &voter_stakes, &unbonding, &unclaimed_rewards,
                          &reward_pool}) {
    auto sum = t.checked_add(*a);
    if (!sum) return sum.status();
    t = *sum;
  }
  return t;
}

Result<SupplyBreakdown> compute_supply(const StateReader& state) {
  SupplyBreakdown b;
  ANS_RETURN_IF_ERROR(for_each<v1::AccountState>(state, "A", [&](const v1::AccountState& a) {
    ANS_RETURN_IF_ERROR(add(b.spendable, a.balance()));
    return add(b.voter_stakes, a.staked());
  }));
  ANS_RETURN_IF_ERROR(for_each<v1::SpState>(state, "S", [&](const v1::SpState& sp) {
    ANS_RETURN_IF_ERROR(add(sp.unbonding_until_s() != 0 ? b.unbonding : b.sp_stakes, sp.self_stake()));
    return add(b.unclaimed_rewards, sp.unclaimed_rewards());
  }));
  ANS_RETURN_IF_ERROR(for_each<v1::UnbondingState>(state, keys::kUnbondingPrefix,
                                                   [&](const v1::UnbondingState& u) {
                                                     return add(b.unbonding, u.amount());
                                                   }));
  if (auto pool = state.get(keys::kRewardPool)) ANS_RETURN_IF_ERROR(add(b.reward_pool, *pool));
  ANS_RETURN_IF_ERROR(state.status());
  return b;
}

}  // namespace ans
