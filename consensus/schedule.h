// The slot schedule (spec section 5): slot = floor((t - genesis_time) / interval), and the
// producer of slot s is active[s mod n]. Pure arithmetic: time comes in as an argument.
#pragma once

#include <cstdint>
#include <optional>

namespace ans::consensus {

class SlotClock {
 public:
  // REQUIRES: interval_ms > 0.
  SlotClock(uint64_t genesis_time_ms, uint64_t interval_ms)
      : genesis_ms_(genesis_time_ms), interval_ms_(interval_ms) {}

  // The slot in progress at `unix_ms`; nullopt before genesis.
  std::optional<uint64_t> slot_at(uint64_t unix_ms) const {
    if (unix_ms < genesis_ms_) return std::nullopt;
    return (unix_ms - genesis_ms_) / interval_ms_;
  }
  uint64_t slot_start_ms(uint64_t slot) const { return genesis_ms_ + slot * interval_ms_; }
  uint64_t interval_ms() const { return interval_ms_; }

 private:
  uint64_t genesis_ms_;
  uint64_t interval_ms_;
};

// Index into the active set of the producer of `slot`. REQUIRES: set_size > 0.
inline uint64_t producer_index(uint64_t slot, uint64_t set_size) { return slot % set_size; }

}  // namespace ans::consensus
