// Sorting by a precomputed numeric prefix of the sort key.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ans {

// `items` in the order of `less`, which `head` (a big-endian prefix of the sort key, computed
// once per item) decides in most comparisons; each item is moved once, and `items` is left
// empty. Cheaper than sorting the items themselves when they are large to move or slow to
// compare (hashes, keys that share a long prefix).
template <typename T, typename Head, typename Less>
std::vector<T> sorted_by_head(std::vector<T>& items, Head head, Less less) {
  std::vector<std::pair<uint64_t, size_t>> order;
  order.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) order.emplace_back(head(items[i]), i);
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : less(items[a.second], items[b.second]);
  });
  std::vector<T> sorted;
  sorted.reserve(items.size());
  for (const auto& [h, i] : order) sorted.push_back(std::move(items[i]));
  items.clear();
  return sorted;
}

}  // namespace ans
