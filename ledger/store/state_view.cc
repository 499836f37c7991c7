#include "ledger/store/state_view.h"

#include <cassert>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "ledger/util/bytes.h"
#include "ledger/util/sorted_by_head.h"

namespace ans {

uint64_t OverlayIndex::hash_of(std::string_view key) {
  return key_hash(key);
}

uint64_t EntryIndex::hash_of(std::string_view key) { return OverlayIndex::hash_of(key); }

size_t EntryIndex::probe(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.state == State::kEmpty) return i;
    if (slot.state == State::kFull && slot.hash == hash && slot.entry->first == key) return i;
  }
}

EntryIndex::Entry* EntryIndex::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  const Slot& slot = slots_[probe(key, hash_of(key))];
  return slot.state == State::kFull ? slot.entry : nullptr;
}

void EntryIndex::set(Entry* entry) {
  // At most half the slots in use (tombstones count), so a probe always meets an empty slot.
  if ((used_ + 1) * 2 > slots_.size()) grow();
  const uint64_t hash = hash_of(entry->first);
  Slot& slot = slots_[probe(entry->first, hash)];
  if (slot.state == State::kEmpty) ++used_;
  slot = {hash, entry, State::kFull};
}

void EntryIndex::remove(std::string_view key) {
  if (slots_.empty()) return;
  Slot& slot = slots_[probe(key, hash_of(key))];
  if (slot.state == State::kFull) slot = {0, nullptr, State::kTomb};
}

void EntryIndex::clear() {
  slots_.clear();
  used_ = 0;
}

void EntryIndex::grow() {
  std::vector<Slot> old =
      std::exchange(slots_, std::vector<Slot>(std::max<size_t>(64, slots_.size() * 2)));
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

const std::optional<std::string_view>* find_write(const WriteLog& log, std::string_view key) {
  for (const auto& [k, v] : log) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view ByteArena::copy(std::string_view bytes) {
  if (bytes.empty()) return std::string_view("");  // not null: memcpy and the like take it
  if (bytes.size() > left_) {
    // A large value gets a chunk of its own, and the newest chunk's room stays in use.
    if (bytes.size() > kChunk / 4) {
      chunks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
      std::memcpy(chunks_.back().get(), bytes.data(), bytes.size());
      return {chunks_.back().get(), bytes.size()};
    }
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(kChunk));
    next_ = chunks_.back().get();
    left_ = kChunk;
  }
  std::memcpy(next_, bytes.data(), bytes.size());
  std::string_view out(next_, bytes.size());
  next_ += bytes.size();
  left_ -= bytes.size();
  return out;
}

void WriteList::sort_by_key() {
  // The keys' first 8 bytes, computed once, decide most comparisons.
  entries_ = sorted_by_head(
      entries_, [](const EntryView& e) { return be_word(e.first, 0); },
      [](const EntryView& a, const EntryView& b) { return a.first < b.first; });
}

const ReadMemo::Entry& ReadMemo::add(std::string_view key, std::optional<std::string_view> value) {
  first_bytes_.add(key);
  return entries_.emplace_back(Entry{bytes_.copy(key), bytes_.copy_value(value)});
}

const ReadMemo::Entry* ReadMemo::find(std::string_view key) const {
  for (; indexed_ < entries_.size(); ++indexed_) {
    index_.set(const_cast<Entry*>(&entries_[indexed_]));
  }
  return index_.find(key);
}

size_t OverlayIndex::probe(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.empty()) return i;
    if (!s.tomb && s.hash == hash && s.key() == key) return i;
  }
}

void OverlayIndex::reserve_one() {
  if ((used_ + 1) * 2 > slots_.size()) rebuild(std::max<size_t>(64, slots_.size() * 2));
}

OverlayIndex::Slot& OverlayIndex::locate(std::string_view key, uint64_t hash) {
  assert(!slots_.empty() && "reserve_one() first");
  return slots_[probe(key, hash)];
}

const OverlayIndex::Slot* OverlayIndex::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  const Slot& s = slots_[probe(key, hash_of(key))];
  return s.empty() ? nullptr : &s;
}

void OverlayIndex::claim(Slot& slot, uint64_t hash) {
  assert(slot.empty());
  slot.hash = hash;
  ++used_;
}

void OverlayIndex::clear_write(std::string_view key) {
  if (slots_.empty()) return;
  Slot& s = slots_[probe(key, hash_of(key))];
  if (s.empty()) return;
  s.write = nullptr;
  if (s.read == nullptr) s.tomb = true;
}

// Clearing leaves a tombstone where neither entry is left, as clear_write() does: probe
// chains stay intact, and no table is allocated and filled again (an overlay's writes and
// reads are taken as it is done with, when its table is megabytes). A later reserve_one()
// rebuilds the table if the tombstones fill it.
void OverlayIndex::clear_writes() {
  for (Slot& s : slots_) {
    if (s.write == nullptr) continue;
    s.write = nullptr;
    if (s.read == nullptr) s.tomb = true;
  }
}

void OverlayIndex::clear_reads() {
  for (Slot& s : slots_) {
    if (s.read == nullptr) continue;
    s.read = nullptr;
    if (s.write == nullptr) s.tomb = true;
  }
}

void OverlayIndex::reserve(size_t keys) {
  size_t size = std::max<size_t>(64, slots_.size());
  while (size < 2 * (keys + used_)) size *= 2;
  if (size != slots_.size()) rebuild(size);
}

void OverlayIndex::rebuild(size_t size) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(size));
  used_ = 0;
  const size_t mask = size - 1;
  for (const Slot& s : old) {
    if (s.write == nullptr && s.read == nullptr) continue;  // empty or tombstone
    size_t i = s.hash & mask;
    while (!slots_[i].empty()) i = (i + 1) & mask;
    slots_[i] = s;
    slots_[i].tomb = false;
    ++used_;
  }
}

bool ReadMemo::has_prefix(std::string_view prefix) const {
  if (!first_bytes_.may_start(prefix)) return false;
  for (const Entry& e : entries_) {
    if (e.first.starts_with(prefix)) return true;
  }
  return false;
}

std::optional<std::string> StateOverlay::get(std::string_view key) const {
  return to_owned(get_ref(key));
}

std::optional<std::string_view> StateOverlay::get_ref(std::string_view key) const {
  index_.reserve_one();
  const uint64_t hash = OverlayIndex::hash_of(key);
  OverlayIndex::Slot& slot = index_.locate(key, hash);
  if (slot.write != nullptr) return slot.write->second;
  if (slot.read != nullptr) return slot.read->second;
  const auto& read = parent_reads_.add(key, to_view(parent_.get(key)));
  index_.claim(slot, hash);
  slot.read = &read;
  return read.second;
}

std::optional<std::string> StateOverlay::get_unrecorded(std::string_view key) const {
  if (const OverlayIndex::Slot* slot = index_.find(key)) {
    return to_owned(slot->write != nullptr ? slot->write->second : slot->read->second);
  }
  return parent_.get(key);
}

bool StateOverlay::touches_prefix(std::string_view prefix) const {
  if (written_first_bytes_.may_start(prefix)) {
    for (const auto& e : writes_) {
      if (e.first.starts_with(prefix)) return true;
    }
  }
  return parent_reads_.has_prefix(prefix);
}

void StateOverlay::put(std::string_view key, std::string_view value) { write(key, value); }

void StateOverlay::erase(std::string_view key) { write(key, std::nullopt); }

void StateOverlay::put_over(std::string_view key, std::string_view value,
                            std::optional<std::string> before) {
  write(key, value, &before);
}

void StateOverlay::erase_over(std::string_view key, std::optional<std::string> before) {
  write(key, std::nullopt, &before);
}

void StateOverlay::write(std::string_view key, std::optional<std::string_view> value,
                         const std::optional<std::string>* claimed_before) {
  index_.reserve_one();
  const uint64_t hash = OverlayIndex::hash_of(key);
  OverlayIndex::Slot& slot = index_.locate(key, hash);
  if (EntryView* entry = slot.write) {
    if (in_savepoint_) journal_.push_back({entry, entry->second});
    writes_.assign(*entry, value);
    return;
  }
  if (slot.empty()) index_.claim(slot, hash);
  written_first_bytes_.add(key);
  EntryView* it = &writes_.append(key, value);
  slot.write = it;
  // The key was usually read just before. A value the caller claims for the parent is
  // recorded as if read, unless the key was read.
  const auto* read = slot.read;
  if (read == nullptr && claimed_before != nullptr) {
    assert(parent_.get(key) == *claimed_before &&
           "the parent does not hold the value claimed for this key");
    read = &parent_reads_.add(key, to_view(*claimed_before));
    slot.read = read;
  }
  first_writes_.push_back({it->first, read ? &read->second : nullptr});
  if (in_savepoint_) journal_.push_back({it, std::nullopt});
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
      it->entry->second = *it->before;
      continue;
    }
    // New entries are the newest first writes, so they come off the end in the same order.
    assert(!first_writes_.empty() && first_writes_.back().key.data() == it->entry->first.data());
    assert(&writes_.back() == it->entry);
    first_writes_.pop_back();
    index_.clear_write(it->entry->first);
    writes_.pop_back();
  }
  journal_.clear();
  in_savepoint_ = false;
}

WriteLog StateOverlay::take_writes() {
  index_.clear_writes();
  return std::exchange(writes_, {});
}

WriteSet StateOverlay::writes() const {
  WriteSet out;
  for (const auto& [key, value] : writes_) out.emplace(std::string(key), to_owned(value));
  return out;
}

void StateOverlay::commit_into(StateOverlay& target) {
  for (const auto& [key, value] : writes_) target.write(key, value);
  writes_.clear();
  index_.clear_writes();
  first_writes_.clear();
}

void StateOverlay::scan(std::string_view prefix, std::string_view start, size_t limit,
                        const ScanVisitor& visit) const {
  std::string from = start.empty() ? std::string(prefix) : std::string(start);
  auto in_prefix = [&](std::string_view k) { return k.substr(0, prefix.size()) == prefix; };
  // Our writes in range, sorted: a walk over all of them (scans are rare beside writes: the
  // rules scan at the start of a block, when an overlay holds few).
  std::vector<const EntryView*> mine;
  for (const auto& e : writes_) {
    if (in_prefix(e.first) && e.first >= from) mine.push_back(&e);
  }
  std::sort(mine.begin(), mine.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  auto own = mine.begin();

  // Our deletions can hide parent entries, so ask the parent for enough to still fill `limit`.
  const size_t own_in_range = mine.size();
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
    bool own_left = own != mine.end();
    bool parent_left = pit != below.end();
    if (!parent_left && parent_truncated) break;
    if (!own_left && !parent_left) break;
    if (own_left && (!parent_left || (*own)->first <= pit->first)) {
      if (parent_left && (*own)->first == pit->first) ++pit;  // our write shadows the parent's
      const auto& [k, v] = **own;
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
