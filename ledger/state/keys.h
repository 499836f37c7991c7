// The state key layout (docs/state.md). One byte of prefix, then the identifying bytes.
// Keys beginning with an uppercase letter other than 'T' are state proper and go into the
// authenticated tree; 'T' keys are the tree's own nodes; 'i' keys are secondary indexes that
// only this node uses (never proven, rebuilt with the state).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/crypto/hash.h"
#include "ledger/identity/address.h"

namespace ans::keys {

std::string be64(uint64_t v);
uint64_t read_be64(std::string_view bytes);  // REQUIRES: bytes.size() >= 8

// A key from its parts, in one allocation: prefix + parts, with no temporaries (a block
// builds several keys per transaction).
inline std::string key_of(std::string_view prefix, std::string_view a, std::string_view b = {}) {
  std::string out;
  out.reserve(prefix.size() + a.size() + b.size());
  out.append(prefix).append(a).append(b);
  return out;
}
template <size_t N>
std::string_view chars(const std::array<uint8_t, N>& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), N);
}

inline std::string account(const EthAddress& a) { return key_of("A", chars(a.bytes())); }
inline std::string name(std::string_view n) { return key_of("N", n); }
inline std::string commitment(const Hash256& c) { return key_of("C", chars(c)); }
inline std::string sp(std::string_view sp_id) { return key_of("S", sp_id); }
inline std::string primary_name(const EthAddress& a) { return key_of("R", chars(a.bytes())); }
inline constexpr std::string_view kUnbondingPrefix = "U";
inline std::string unbonding(uint64_t release_s, uint64_t seq) {
  return key_of("U", be64(release_s), be64(seq));
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
  return key_of("io", chars(owner.bytes()), n);
}
inline std::string owner_index_prefix(const EthAddress& owner) {
  return key_of("io", chars(owner.bytes()));
}
inline constexpr std::string_view kExpiryIndexPrefix = "ix";
inline std::string expiry_index(uint64_t expiry_s, std::string_view n) {
  return key_of("ix", be64(expiry_s), n);
}
inline constexpr std::string_view kCommitmentIndexPrefix = "ic";
inline std::string commitment_index(uint64_t time_s, const Hash256& c) {
  return key_of("ic", be64(time_s), chars(c));
}

// True for keys whose values are committed in the state root.
inline bool is_authenticated(std::string_view key) {
  return !key.empty() && key[0] >= 'A' && key[0] <= 'Z' && key[0] != 'T';
}

}  // namespace ans::keys
