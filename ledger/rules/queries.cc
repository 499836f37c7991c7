#include "ledger/rules/queries.h"

#include "ledger/names/name_syntax.h"
#include "ledger/state/ledger_state.h"

namespace ans {
namespace {

std::optional<v1::NameState> read_name(const StateReader& state, std::string_view name) {
  auto raw = state.get(keys::name(name));
  if (!raw) return std::nullopt;
  v1::NameState rec;
  if (!rec.ParseFromString(*raw)) return std::nullopt;
  return rec;
}

}  // namespace

Resolution resolve_name(const ChainParams& p, const StateReader& state, std::string_view name,
                        uint64_t now_s) {
  Resolution r;
  r.record = read_name(state, name);
  r.status = name_status(p, r.record, now_s);
  return r;
}

std::optional<std::string> reverse_lookup(const ChainParams& p, const StateReader& state,
                                          const EthAddress& address, uint64_t now_s) {
  auto primary = state.get(keys::primary_name(address));
  if (!primary) return std::nullopt;
  Resolution r = resolve_name(p, state, *primary, now_s);
  if (!r.record || (r.status != NameStatus::kActive && r.status != NameStatus::kGrace)) {
    return std::nullopt;
  }
  std::string me(address.bytes().begin(), address.bytes().end());
  auto target = target_account(r.record->records());
  if (r.record->owner() != me && !(target && *target == address)) return std::nullopt;
  return primary;
}

std::vector<std::string> names_by_owner(const StateReader& state, const EthAddress& owner,
                                        std::string_view start_after, size_t limit) {
  std::string prefix = keys::owner_index_prefix(owner);
  std::string start = start_after.empty() ? std::string() : prefix + std::string(start_after) + '\0';
  std::vector<std::string> out;
  state.scan(prefix, start, limit, [&](std::string_view key, std::string_view) {
    out.emplace_back(key.substr(prefix.size()));
    return true;
  });
  return out;
}

Availability name_availability(const ChainParams& p, const StateReader& state,
                               std::string_view name, uint32_t years, uint64_t now_s) {
  Availability a;
  if (Status st = validate_registry_name(name); !st) {
    a.reason = st.to_string();
    return a;
  }
  Resolution r = resolve_name(p, state, name, now_s);
  a.status = r.status;
  a.yearly_fee = yearly_fee(p, name.size());
  if (r.status == NameStatus::kReleased) {
    a.premium = release_premium(p, release_time_s(p, *r.record), now_s);
  }
  auto total = a.yearly_fee.checked_mul(years);
  if (total) total = total->checked_add(a.premium);
  if (total) a.total_for_years = *total;
  switch (r.status) {
    case NameStatus::kNeverRegistered:
    case NameStatus::kReleased:
      a.available = true;
      break;
    case NameStatus::kReserved:
      a.reason = "reserved at genesis";
      break;
    case NameStatus::kActive:
    case NameStatus::kGrace:
      a.reason = "registered (" + std::string(name_status_name(r.status)) + ")";
      break;
  }
  return a;
}

}  // namespace ans
