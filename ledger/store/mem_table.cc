#include "ledger/store/mem_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <functional>
#include <new>

#include "ledger/util/bytes.h"

namespace ans {

MemTable::Slots::Slots(size_t n) : size_(n), bytes_(n * sizeof(Slot)) {
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Only a hint: without huge pages (THP off, or none free) the pages are ordinary ones.
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes_ >= kHugePage) ::madvise(p, bytes_, MADV_HUGEPAGE);
  data_ = static_cast<Slot*>(p);  // zero: every slot empty
}

MemTable::Slots& MemTable::Slots::operator=(Slots&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, bytes_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

MemTable::Slots::~Slots() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
}

MemTable::~MemTable() {
  for_each([](const Entry& e) { destroy(const_cast<Entry*>(&e)); });
  for (Entry* e : retired_) destroy(e);
}

MemTable::Entry* MemTable::tombstone() {
  static Entry erased;
  return &erased;
}

MemTable::Entry* MemTable::make(std::string_view key, std::string_view value, uint64_t born,
                                size_t capacity) {
  void* memory = ::operator new(sizeof(Entry) + key.size() + capacity);
  Entry* e = new (memory) Entry();
  e->born_ = born;
  e->key_size_ = static_cast<uint32_t>(key.size());
  e->value_size_ = static_cast<uint32_t>(value.size());
  e->capacity_ = static_cast<uint32_t>(capacity);
  // (An empty key or value may be a view with no data: memcpy must not be given it.)
  if (!key.empty()) std::memcpy(e->bytes(), key.data(), key.size());
  if (!value.empty()) std::memcpy(e->bytes() + key.size(), value.data(), value.size());
  return e;
}

void MemTable::destroy(Entry* e) {
  if (e == nullptr) return;
  e->~Entry();
  ::operator delete(e);
}

namespace {

// Room for a new entry's value: its size, to a multiple of 8. A value that outgrows its
// entry (a tree page gaining a node) gets half as much again, so one that keeps growing moves
// a logarithmic number of times.
size_t room_for(size_t size) { return (size + 7) & ~size_t{7}; }
size_t room_to_grow(size_t old_capacity, size_t size) {
  return room_for(std::max(size, old_capacity + old_capacity / 2));
}

}  // namespace

uint64_t MemTable::hash_of(std::string_view key) { return key_hash(key); }

void MemTable::prefetch_slot(uint64_t hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
}

void MemTable::prefetch_entry(uint64_t hash) const {
  if (slots_.empty()) return;
  const Entry* e = slots_[hash & (slots_.size() - 1)].entry;
  if (e == nullptr || e == tombstone()) return;
  __builtin_prefetch(e);  // the header, and the key's first bytes with it
}

size_t MemTable::probe(const Slots& slots, std::string_view key, uint64_t hash) {
  const size_t mask = slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.entry == nullptr) return i;
    if (s.hash == hash && s.entry != tombstone() && s.entry->key() == key) return i;
  }
}

const MemTable::Entry* MemTable::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  const uint64_t hash = hash_of(key);
  const Entry* e = slots_[probe(slots_, key, hash)].entry;  // nullptr when the probe ended empty
  if (e == nullptr && !old_.empty()) e = old_[probe(old_, key, hash)].entry;
  return e;
}

MemTable::Put MemTable::put(std::string_view key, std::string_view value) {
  // At most half the slots used (tombstones count), so every probe meets an empty slot.
  if ((used_ + 1) * 2 > slots_.size()) grow();
  if (!old_.empty()) drain(kDrainPerWrite);
  const uint64_t hash = hash_of(key);
  Slot& s = slots_[probe(slots_, key, hash)];
  if (s.entry == nullptr && !old_.empty()) {
    // Still among the old slots: the key's slot moves over now, and is written below.
    Slot& o = old_[probe(old_, key, hash)];
    if (o.entry != nullptr) {
      s = o;
      o.entry = tombstone();
      ++used_;
    }
  }
  if (s.entry != nullptr) {
    Entry* old = s.entry;
    if (!is_frozen(old) && value.size() <= old->capacity_) {
      if (!value.empty()) std::memmove(old->bytes() + old->key_size_, value.data(), value.size());
      old->value_size_ = static_cast<uint32_t>(value.size());
      return {old, false, false, nullptr};
    }
    if (is_frozen(old)) {
      retired_.push_back(old);
      s.entry = make(key, value, freezes_, room_for(value.size()));
      return {s.entry, false, true, nullptr};
    }
    s.entry = make(key, value, freezes_, room_to_grow(old->capacity_, value.size()));
    return {s.entry, false, true, old};
  }
  s = {hash, make(key, value, freezes_, room_for(value.size()))};
  ++used_;
  ++live_;
  return {s.entry, true, false, nullptr};
}

bool MemTable::erase(std::string_view key) {
  if (slots_.empty()) return false;
  if (!old_.empty()) drain(kDrainPerWrite);
  const uint64_t hash = hash_of(key);
  Slot* s = &slots_[probe(slots_, key, hash)];
  if (s->entry == nullptr && !old_.empty()) s = &old_[probe(old_, key, hash)];
  if (s->entry == nullptr) return false;
  if (is_frozen(s->entry)) {
    retired_.push_back(s->entry);
  } else {
    destroy(s->entry);
  }
  s->entry = tombstone();  // keeps the probe chains through this slot intact
  --live_;
  return true;
}

std::vector<const MemTable::Entry*> MemTable::freeze() {
  std::vector<const Entry*> view;
  view.reserve(live_);
  for_each([&](const Entry& e) { view.push_back(&e); });
  ++freezes_;  // every entry now is older than the count: frozen
  frozen_ = true;
  return view;
}

void MemTable::thaw() {
  for (Entry* e : retired_) destroy(e);
  retired_.clear();
  retired_.shrink_to_fit();
  frozen_ = false;
}

void MemTable::grow() {
  if (!old_.empty()) drain(old_.size());
  size_t capacity = std::max<size_t>(64, slots_.size());
  while ((live_ + 1) * 4 > capacity) capacity *= 2;
  old_ = std::exchange(slots_, Slots(capacity));
  drained_ = 0;
  used_ = 0;
  if (live_ == 0) old_ = Slots();  // tombstones only, or nothing: nothing to drain
}

void MemTable::drain(size_t n) {
  const size_t end = std::min(old_.size(), drained_ + n);
  const size_t mask = slots_.size() - 1;
  for (; drained_ < end; ++drained_) {
    Slot& o = old_[drained_];
    if (o.entry == nullptr || o.entry == tombstone()) continue;
    // Not among the new slots (a key is in one or the other): the first empty slot.
    size_t i = o.hash & mask;
    while (slots_[i].entry != nullptr) i = (i + 1) & mask;
    slots_[i] = o;
    ++used_;
    o.entry = tombstone();  // probes for the keys after it in the old slots go on past it
  }
  if (drained_ == old_.size()) old_ = Slots();
}

}  // namespace ans
