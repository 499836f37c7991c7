#include "consensus/schedule.h"

#include <gtest/gtest.h>

namespace ans::consensus {
namespace {

TEST(SlotClock, FloorOfElapsedIntervals) {
  SlotClock clock(1'000'000, 1000);
  EXPECT_FALSE(clock.slot_at(999'999));
  EXPECT_EQ(clock.slot_at(1'000'000), 0u);
  EXPECT_EQ(clock.slot_at(1'000'999), 0u);
  EXPECT_EQ(clock.slot_at(1'001'000), 1u);
  EXPECT_EQ(clock.slot_at(1'060'500), 60u);
  EXPECT_EQ(clock.slot_start_ms(60), 1'060'000u);
  SlotClock dev(0, 500);  // --dev: 500 ms slots
  EXPECT_EQ(dev.slot_at(1'499), 2u);
}

TEST(Schedule, ProducerIsActiveSlotModN) {
  EXPECT_EQ(producer_index(0, 21), 0u);
  EXPECT_EQ(producer_index(20, 21), 20u);
  EXPECT_EQ(producer_index(21, 21), 0u);
  EXPECT_EQ(producer_index(1'000'003, 4), 3u);
  EXPECT_EQ(producer_index(7, 1), 0u);
}

}  // namespace
}  // namespace ans::consensus
