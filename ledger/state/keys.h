// The state key layout (docs/state.md). One byte of prefix, then the identifying bytes.
// Keys beginning with an uppercase letter other than 'T' are state proper and go into the
// authenticated tree; 'T' keys are the tree's own nodes; 'i' keys are secondary indexes that
// only this node uses (never proven, rebuilt with the state).
#pragma once

#include <string>
#include <string_view>

#include "ledger/crypto/hash.h"
#include "ledger/identity/address.h"

namespace ans::keys {

std::string be64(uint64_t v);
uint64_t read_be64(std::string_view bytes);  // REQUIRES: bytes.size() >= 8

inline std::string account(const EthAddress& a) {
  return "A" + std::string(a.bytes().begin(), a.bytes().end());
}
inline std::string name(std::string_view n) { return "N" + std::string(n); }
inline std::string commitment(const Hash256& c) { return "C" + std::string(c.begin(), c.end()); }
inline std::string sp(std::string_view sp_id) { return "S" + std::string(sp_id); }
inline std::string primary_name(const EthAddress& a) {
  return "R" + std::string(a.bytes().begin(), a.bytes().end());
}
inline constexpr std::string_view kUnbondingPrefix = "U";
inline std::string unbonding(uint64_t release_s, uint64_t seq) {
  return "U" + be64(release_s) + be64(seq);
}
// Evidence already acted on: offender + kind + height/slot, so it slashes once.
inline std::string evidence(std::string_view sp_id, char kind, uint64_t at) {
  return "X" + std::string(sp_id) + '\0' + kind + be64(at);
}
inline constexpr std::string_view kRewardPool = "GP";
inline constexpr std::string_view kSpRegistry = "GS";
inline constexpr std::string_view kActiveSets = "GA";
inline constexpr std::string_view kCursor = "GC";

// Secondary indexes.
inline std::string owner_index(const EthAddress& owner, std::string_view n) {
  return "io" + std::string(owner.bytes().begin(), owner.bytes().end()) + std::string(n);
}
inline std::string owner_index_prefix(const EthAddress& owner) {
  return "io" + std::string(owner.bytes().begin(), owner.bytes().end());
}
inline constexpr std::string_view kExpiryIndexPrefix = "ix";
inline std::string expiry_index(uint64_t expiry_s, std::string_view n) {
  return "ix" + be64(expiry_s) + std::string(n);
}
inline constexpr std::string_view kCommitmentIndexPrefix = "ic";
inline std::string commitment_index(uint64_t time_s, const Hash256& c) {
  return "ic" + be64(time_s) + std::string(c.begin(), c.end());
}

// True for keys whose values are committed in the state root.
inline bool is_authenticated(std::string_view key) {
  return !key.empty() && key[0] >= 'A' && key[0] <= 'Z' && key[0] != 'T';
}

}  // namespace ans::keys
