// A name's lifecycle state at a moment (spec section 3, "Lifecycle"): from its record and the
// grace period alone, so the rules and the light client (light/bundle.h) judge it one way.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ans/v1/state.pb.h"

namespace ans {

enum class NameStatus { kNeverRegistered, kReserved, kActive, kGrace, kReleased };
std::string_view name_status_name(NameStatus s);

// No record: never registered. Reserved: reserved. Otherwise active before expiry_s, in grace
// until expiry_s + grace_s, released from then on.
NameStatus name_status(uint64_t grace_s, const std::optional<v1::NameState>& record,
                       uint64_t now_s);
// When a registered name's grace ends and it is released.
uint64_t release_time_s(uint64_t grace_s, const v1::NameState& record);

}  // namespace ans
