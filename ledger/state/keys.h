// The state key layout (docs/state.md). One byte of prefix, then the identifying bytes.
// Keys beginning with an uppercase letter other than 'T' are state proper and go into the
// authenticated tree; 'T' keys are the tree's own nodes; 'i' keys are secondary indexes that
// only this node uses (never proven, rebuilt with the state).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ledger/crypto/hash.h"
#include "ledger/identity/address.h"
#include "ledger/names/name_key.h"

namespace ans::keys {

std::string be64(uint64_t v);
uint64_t read_be64(std::string_view bytes);  // REQUIRES: bytes.size() >= 8

// A key from its parts, built in place: keys up to kInline bytes (every key the rules build
// per transaction) take no allocation. The overlay and the store take keys as views and copy
// what they keep, so most keys need never be a std::string; it converts to one where needed.
class Key {
 public:
  static constexpr size_t kInline = 64;
  Key(std::string_view prefix, std::string_view a, std::string_view b = {})
      : size_(prefix.size() + a.size() + b.size()) {
    char* p = inline_.data();
    if (size_ > kInline) {
      heap_.resize(size_);
      p = heap_.data();
    }
    // (An empty part may be a view with no data: memcpy must not be given it.)
    if (!prefix.empty()) std::memcpy(p, prefix.data(), prefix.size());
    if (!a.empty()) std::memcpy(p + prefix.size(), a.data(), a.size());
    if (!b.empty()) std::memcpy(p + prefix.size() + a.size(), b.data(), b.size());
  }
  std::string_view view() const { return {size_ > kInline ? heap_.data() : inline_.data(), size_}; }
  operator std::string_view() const { return view(); }
  operator std::string() const { return std::string(view()); }
  size_t size() const { return size_; }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  size_t size_;
  std::array<char, kInline> inline_;  // the first size_ bytes, when size_ <= kInline
  std::string heap_;                  // otherwise
};

inline Key key_of(std::string_view prefix, std::string_view a, std::string_view b = {}) {
  return Key(prefix, a, b);
}

inline Key account(const EthAddress& a) { return key_of("A", as_chars(a.bytes())); }
inline Key name(std::string_view n) { return key_of(kNameKeyPrefix, n); }
inline Key commitment(const Hash256& c) { return key_of("C", as_chars(c)); }
inline Key sp(std::string_view sp_id) { return key_of("S", sp_id); }
inline Key primary_name(const EthAddress& a) { return key_of("R", as_chars(a.bytes())); }
inline constexpr std::string_view kUnbondingPrefix = "U";
inline Key unbonding(uint64_t release_s, uint64_t seq) {
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
inline Key owner_index(const EthAddress& owner, std::string_view n) {
  return key_of("io", as_chars(owner.bytes()), n);
}
inline Key owner_index_prefix(const EthAddress& owner) {
  return key_of("io", as_chars(owner.bytes()));
}
inline constexpr std::string_view kExpiryIndexPrefix = "ix";
inline Key expiry_index(uint64_t expiry_s, std::string_view n) {
  return key_of("ix", be64(expiry_s), n);
}
inline constexpr std::string_view kCommitmentIndexPrefix = "ic";
inline Key commitment_index(uint64_t time_s, const Hash256& c) {
  return key_of("ic", be64(time_s), as_chars(c));
}

// True for keys whose values are committed in the state root.
inline bool is_authenticated(std::string_view key) {
  return !key.empty() && key[0] >= 'A' && key[0] <= 'Z' && key[0] != 'T';
}

}  // namespace ans::keys
