// Read-only questions about the state, as the RPC and the CLI ask them (spec section 3,
// "Queries"). They read a StateReader, so they work on the head state or a historical view.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ans/v1/state.pb.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/rules/names.h"
#include "ledger/store/state_view.h"

namespace ans {

struct Resolution {
  NameStatus status = NameStatus::kNeverRegistered;
  std::optional<v1::NameState> record;  // present unless never registered
  bool expiring() const { return status == NameStatus::kGrace; }
};
Resolution resolve_name(const ChainParams& p, const StateReader& state, std::string_view name,
                        uint64_t now_s);

// The address's primary name, if set and still valid (the name resolves and the address is
// still its owner or target).
std::optional<std::string> reverse_lookup(const ChainParams& p, const StateReader& state,
                                          const EthAddress& address, uint64_t now_s);

// Names owned by `owner`, in name order, after `start_after` (empty = from the start).
std::vector<std::string> names_by_owner(const StateReader& state, const EthAddress& owner,
                                        std::string_view start_after, size_t limit);

struct Availability {
  bool available = false;     // registrable now through commit/reveal
  NameStatus status = NameStatus::kNeverRegistered;
  std::string reason;         // why not, when not available
  Amount yearly_fee;
  Amount premium;             // the release premium now (0 unless recently released)
  Amount total_for_years;     // yearly_fee * years + premium
};
Availability name_availability(const ChainParams& p, const StateReader& state,
                               std::string_view name, uint32_t years, uint64_t now_s);

}  // namespace ans
