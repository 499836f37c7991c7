// The checks of an SP's public data (spec section 4): its display name, URL and stations.
// The one validator both for SpRegister and SpUpdate transactions and for the SPs of a
// genesis file, so a chain can neither be born with nor later accept data the other refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/util/status.h"

namespace ans {

inline constexpr size_t kMaxDisplayNameBytes = 64;
inline constexpr size_t kMaxUrlBytes = 256;
inline constexpr size_t kMaxHostBytes = 253;

// Every byte is 0x21-0x7e (so true for the empty string).
bool printable_ascii_without_spaces(std::string_view s);
// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without
// control characters (C0, DEL, C1).
bool printable_utf8(std::string_view s);

// Each returns ok, or kInvalidArgument whose message completes a sentence that starts with
// the field's name ("must be 1 to 64 bytes of UTF-8 without control characters").
// The display name: 1 to kMaxDisplayNameBytes bytes of printable UTF-8.
Status check_sp_display_name(std::string_view name);
// The URL: empty, or at most kMaxUrlBytes bytes of printable ASCII without spaces.
Status check_sp_url(std::string_view url);
// A station's host: 1 to kMaxHostBytes bytes of printable ASCII without spaces.
Status check_station_host(std::string_view host);
// A station's port: 1 to 65535.
Status check_station_port(uint64_t port);

}  // namespace ans
