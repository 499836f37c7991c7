#include "ledger/store/state_view.h"

#include <cassert>
#include <cstdint>
#include <vector>

namespace ans {

std::optional<std::string> StateOverlay::get(std::string_view key) const {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  if (auto it = parent_reads_.find(key); it != parent_reads_.end()) return it->second;
  std::optional<std::string> value = parent_.get(key);
  parent_reads_.emplace(std::string(key), value);
  return value;
}

std::optional<std::string> StateOverlay::get_unrecorded(std::string_view key) const {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  if (auto it = parent_reads_.find(key); it != parent_reads_.end()) return it->second;
  return parent_.get(key);
}

bool StateOverlay::touches_prefix(std::string_view prefix) const {
  for (const WriteSet* set : {&writes_, static_cast<const WriteSet*>(&parent_reads_)}) {
    auto it = set->lower_bound(prefix);
    if (it != set->end() && it->first.starts_with(prefix)) return true;
  }
  return false;
}

void StateOverlay::put(std::string_view key, std::string value) {
  write(key, std::optional<std::string>(std::move(value)));
}

void StateOverlay::erase(std::string_view key) { write(key, std::nullopt); }

void StateOverlay::write(std::string_view key, std::optional<std::string> value) {
  if (!in_savepoint_) {
    writes_.insert_or_assign(std::string(key), std::move(value));
    return;
  }
  auto [it, inserted] = writes_.try_emplace(std::string(key));
  if (inserted) {
    journal_.push_back({it, std::nullopt});
  } else {
    journal_.push_back({it, std::move(it->second)});
  }
  it->second = std::move(value);
}

void StateOverlay::begin_savepoint() {
  assert(!in_savepoint_ && "savepoints do not nest");
  journal_.clear();
  in_savepoint_ = true;
}

void StateOverlay::release_savepoint() {
  journal_.clear();
  in_savepoint_ = false;
}

void StateOverlay::rollback() {
  // Newest first: a key written twice gets its older value back, then (if the first write
  // created its entry) loses the entry.
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    if (it->before) {
      it->entry->second = std::move(*it->before);
    } else {
      writes_.erase(it->entry);
    }
  }
  journal_.clear();
  in_savepoint_ = false;
}

void StateOverlay::commit_into(StateOverlay& target) {
  for (auto& [key, value] : writes_) target.writes_.insert_or_assign(key, std::move(value));
  writes_.clear();
}

void StateOverlay::scan(std::string_view prefix, std::string_view start, size_t limit,
                        const ScanVisitor& visit) const {
  std::string from = start.empty() ? std::string(prefix) : std::string(start);
  auto own = writes_.lower_bound(from);
  auto in_prefix = [&](std::string_view k) { return k.substr(0, prefix.size()) == prefix; };

  // Our deletions can hide parent entries, so ask the parent for enough to still fill `limit`.
  size_t own_in_range = 0;
  for (auto it = own; it != writes_.end() && in_prefix(it->first); ++it) ++own_in_range;
  std::vector<std::pair<std::string, std::string>> below;
  const size_t asked = limit > SIZE_MAX - own_in_range ? SIZE_MAX : limit + own_in_range;
  parent_.scan(prefix, from, asked, [&](std::string_view k, std::string_view v) {
    below.emplace_back(k, v);
    return true;
  });
  // If the parent had more than we fetched, keys past the last fetched one are unknown: stop
  // there. Each of our writes shadows at most one parent entry, so `limit` are emitted first.
  const bool parent_truncated = below.size() == asked;

  size_t emitted = 0;
  auto pit = below.begin();
  while (emitted < limit) {
    bool own_left = own != writes_.end() && in_prefix(own->first);
    bool parent_left = pit != below.end();
    if (!parent_left && parent_truncated) break;
    if (!own_left && !parent_left) break;
    if (own_left && (!parent_left || own->first <= pit->first)) {
      if (parent_left && own->first == pit->first) ++pit;  // our write shadows the parent's
      const auto& [k, v] = *own;
      ++own;
      if (!v) continue;  // deleted here
      ++emitted;
      if (!visit(k, *v)) return;
    } else {
      ++emitted;
      if (!visit(pit->first, pit->second)) return;
      ++pit;
    }
  }
}

}  // namespace ans
