// The state key of a name's record (docs/state.md): "N" followed by the name's bytes.
// ledger/state/keys.h builds it from this prefix; the light client (light/bundle.h) checks
// that a proof is for this key.
#pragma once

#include <string>
#include <string_view>

namespace ans {

inline constexpr std::string_view kNameKeyPrefix = "N";

inline std::string name_state_key(std::string_view name) {
  std::string key(kNameKeyPrefix);
  key.append(name);
  return key;
}

}  // namespace ans
