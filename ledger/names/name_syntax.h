// Name syntax rules. Two alphabets exist and must not be confused:
//  - an ID's name part (DIMP, spec section 1): 2–31 bytes of a-z A-Z 0-9 _ - . with case kept;
//  - an ANS registry name (spec section 3, a consensus rule): 2–31 bytes of a-z 0-9 - _ . ,
//    no separator first or last, never two separators together, no uppercase.
#pragma once

#include <string_view>

#include "ledger/util/status.h"

namespace ans {

inline constexpr size_t kMinNameBytes = 2;
inline constexpr size_t kMaxNameBytes = 31;

// OK, or kBadLength / kBadAlphabet / kBadName with the offending position.
Status validate_registry_name(std::string_view name);

// OK, or kBadLength / kBadAlphabet.
Status validate_id_name(std::string_view name);

// The registry form a wallet would submit for user input: ASCII lowercased.
// Validation still applies to the result.
std::string lowercase_ascii(std::string_view text);

}  // namespace ans
