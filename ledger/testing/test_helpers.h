// Small helpers shared by the rule tests: amount arithmetic that fails loudly, time units,
// and the supply-invariant watch. Header-only because it uses GoogleTest's macros.
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include "ledger/testing/test_chain.h"

namespace ans::testing {

inline constexpr uint64_t kDay = 86'400;
inline constexpr uint64_t kYear = 365 * kDay;

inline Amount dimt(uint64_t n) { return Amount::from_dimt(n); }
inline Amount units(uint64_t n) { return Amount::from_units(n); }
inline Amount plus(const Amount& a, const Amount& b) { return a.checked_add(b).value(); }
inline Amount minus(const Amount& a, const Amount& b) { return a.checked_sub(b).value(); }
inline Amount times(const Amount& a, uint64_t n) { return a.checked_mul(n).value(); }

// Spec section 2's invariant on the block being built, and after every block so far.
inline void expect_supply(const TestChain& c) {
  EXPECT_EQ(c.supply().total().value(), c.params().total_supply);
  EXPECT_TRUE(c.supply_errors().empty()) << c.supply_errors().front();
}

// Checks the invariant after every block of `c` and, when the test ends, on the block
// being built.
class SupplyWatch {
 public:
  explicit SupplyWatch(TestChain& c) : c_(c) { c_.check_supply_every_block(); }
  ~SupplyWatch() { expect_supply(c_); }
  SupplyWatch(const SupplyWatch&) = delete;
  SupplyWatch& operator=(const SupplyWatch&) = delete;

 private:
  TestChain& c_;
};

}  // namespace ans::testing
