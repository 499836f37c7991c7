// "Did you mean …?" for a key that is not one of the known ones: the genesis reader and the
// node's config name the key a typo meant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ans {

// Levenshtein distance: the fewest one-character insertions, deletions and substitutions
// that turn `a` into `b`. Quadratic: for short keys.
size_t edit_distance(std::string_view a, std::string_view b);

// " (did you mean 'x'?)" for the first known key nearest `key` when it is within 2 edits,
// else "". `known` is any range of things convertible to std::string_view.
template <typename Names>
std::string did_you_mean(std::string_view key, const Names& known) {
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view k : known) {
    size_t d = edit_distance(key, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

}  // namespace ans
