#include "ledger/names/name_lifecycle.h"

namespace ans {

std::string_view name_status_name(NameStatus s) {
  switch (s) {
    case NameStatus::kNeverRegistered: return "never registered";
    case NameStatus::kReserved: return "reserved";
    case NameStatus::kActive: return "active";
    case NameStatus::kGrace: return "grace";
    case NameStatus::kReleased: return "released";
  }
  return "unknown";
}

uint64_t release_time_s(uint64_t grace_s, const v1::NameState& record) {
  return record.expiry_s() + grace_s;
}

NameStatus name_status(uint64_t grace_s, const std::optional<v1::NameState>& record,
                       uint64_t now_s) {
  if (!record) return NameStatus::kNeverRegistered;
  if (record->reserved()) return NameStatus::kReserved;
  if (now_s < record->expiry_s()) return NameStatus::kActive;
  if (now_s < release_time_s(grace_s, *record)) return NameStatus::kGrace;
  return NameStatus::kReleased;
}

}  // namespace ans
