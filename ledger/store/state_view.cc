#include "ledger/store/state_view.h"

#include <cassert>
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace ans {

uint64_t OverlayIndex::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

size_t OverlayIndex::probe(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.state == State::kEmpty) return i;
    if (slot.state == State::kFull && slot.hash == hash && slot.entry->first == key) return i;
  }
}

OverlayIndex::Found OverlayIndex::find(std::string_view key) const {
  if (slots_.empty()) return {};
  const Slot& slot = slots_[probe(key, hash_of(key))];
  if (slot.state != State::kFull) return {};
  return {slot.entry, slot.written};
}

void OverlayIndex::set(WriteSet::value_type* entry, bool written) {
  // At most half the slots in use (tombstones count), so a probe always meets an empty slot.
  if ((used_ + 1) * 2 > slots_.size()) grow();
  const uint64_t hash = hash_of(entry->first);
  Slot& slot = slots_[probe(entry->first, hash)];
  if (slot.state == State::kEmpty) ++used_;
  slot = {hash, entry, State::kFull, written};
}

void OverlayIndex::remove(std::string_view key) {
  if (slots_.empty()) return;
  Slot& slot = slots_[probe(key, hash_of(key))];
  if (slot.state == State::kFull) slot = {0, nullptr, State::kTomb, false};
}

void OverlayIndex::clear() {
  slots_.clear();
  used_ = 0;
}

void OverlayIndex::grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::max<size_t>(64, slots_.size() * 2)));
  used_ = 0;
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.state != State::kFull) continue;
    size_t i = s.hash & mask;
    while (slots_[i].state != State::kEmpty) i = (i + 1) & mask;
    slots_[i] = s;
    ++used_;
  }
}

const OverlayIndex& StateOverlay::index() const {
  if (index_stale_) {
    index_.clear();
    for (auto& entry : parent_reads_) index_.set(&entry, false);
    // The index hands out entries to write through; only the non-const members do.
    for (auto& entry : const_cast<WriteSet&>(writes_)) index_.set(&entry, true);
    index_stale_ = false;
  }
  return index_;
}

std::optional<std::string> StateOverlay::get(std::string_view key) const {
  if (auto found = index().find(key); found.entry) return found.entry->second;
  std::optional<std::string> value = parent_.get(key);
  auto it = parent_reads_.emplace(std::string(key), value).first;
  index_.set(&*it, false);
  return value;
}

std::optional<std::string> StateOverlay::get_unrecorded(std::string_view key) const {
  if (auto found = index().find(key); found.entry) return found.entry->second;
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
  if (auto found = index().find(key); found.written) {
    if (in_savepoint_) journal_.push_back({found.entry, std::move(found.entry->second)});
    found.entry->second = std::move(value);
    return;
  }
  auto it = writes_.emplace(std::string(key), std::move(value)).first;
  index_.set(&*it, true);
  if (in_savepoint_) journal_.push_back({&*it, std::nullopt});
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
  // created its entry) loses the entry, and reads see what the parent held again.
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    if (it->before) {
      it->entry->second = std::move(*it->before);
      continue;
    }
    const std::string_view key = it->entry->first;
    auto written = writes_.find(key);
    (void)index();
    index_.remove(key);
    if (auto read = parent_reads_.find(key); read != parent_reads_.end()) index_.set(&*read, false);
    writes_.erase(written);
  }
  journal_.clear();
  in_savepoint_ = false;
}

WriteSet StateOverlay::take_writes() {
  WriteSet out = std::exchange(writes_, {});
  reindex();
  return out;
}

WriteSet StateOverlay::take_parent_reads() {
  WriteSet out = std::exchange(parent_reads_, {});
  reindex();
  return out;
}

void StateOverlay::reindex() {
  // Lazily: an overlay whose maps are taken is usually dropped next.
  index_.clear();
  index_stale_ = true;
}

void StateOverlay::commit_into(StateOverlay& target) {
  for (auto& [key, value] : writes_) target.write(key, std::move(value));
  writes_.clear();
  reindex();
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
