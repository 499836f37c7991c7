#include "ledger/state/ledger_state.h"

#include <gtest/gtest.h>

#include "ledger/store/memory_store.h"

namespace ans {
namespace {

EthAddress address(uint8_t b) {
  FixedBytes<20> bytes{};
  bytes.fill(b);
  return EthAddress::from_bytes(ByteView(bytes.data(), bytes.size())).value();
}

v1::AccountState account_with(uint64_t nonce) {
  v1::AccountState a;
  a.set_nonce(nonce);
  a.set_balance(LedgerState::amount_bytes(Amount::from_dimt(1000 + nonce)));
  return a;
}

// Held writes: reads through the LedgerState see them at once, the overlay only after
// flush_held(), and never after drop_held().
TEST(LedgerStateHeld, ReadsSeeHeldWritesAndOnlyAFlushReachesTheOverlay) {
  MemoryStore store;
  StateOverlay overlay(store);
  {
    LedgerState setup(overlay);
    setup.put_account(address(1), account_with(1));
    setup.set_reward_pool(Amount::from_dimt(50));
  }
  const WriteSet before = overlay.writes();

  LedgerState st(overlay);
  st.hold_writes();
  EXPECT_EQ(st.account(address(1)).nonce(), 1u);
  st.put_account(address(1), account_with(2));
  st.put_account(address(2), account_with(7));  // an account read nowhere before
  st.set_reward_pool(Amount::from_dimt(60));
  EXPECT_EQ(st.account(address(1)).nonce(), 2u);
  EXPECT_EQ(st.account(address(2)).nonce(), 7u);
  EXPECT_EQ(st.reward_pool(), Amount::from_dimt(60));
  EXPECT_EQ(overlay.writes(), before) << "held writes reached the overlay early";

  st.drop_held();
  EXPECT_EQ(overlay.writes(), before);
  EXPECT_EQ(st.account(address(1)).nonce(), 1u) << "a dropped write is still read";
  EXPECT_EQ(st.reward_pool(), Amount::from_dimt(50));

  st.hold_writes();
  st.put_account(address(1), account_with(3));
  (void)st.account(address(3));  // read only: not written at the flush
  st.set_reward_pool(Amount::from_dimt(70));
  st.flush_held();
  LedgerState after(overlay);
  EXPECT_EQ(after.account(address(1)).nonce(), 3u);
  EXPECT_EQ(after.reward_pool(), Amount::from_dimt(70));
  EXPECT_FALSE(overlay.get(keys::account(address(3))).has_value())
      << "an account only read was written";
  // Not holding any more: writes go straight through.
  st.put_account(address(4), account_with(9));
  EXPECT_TRUE(overlay.get(keys::account(address(4))).has_value());
}

// keys::Key holds short keys in place and long ones on the heap; either way its bytes are
// the parts joined, and a copy has its own.
TEST(StateKeys, KeyJoinsItsPartsInPlaceOrOnTheHeap) {
  const std::string long_part(100, 'x');
  for (const std::string& middle : {std::string("abc"), long_part}) {
    const keys::Key key = keys::key_of("io", middle, "tail");
    const std::string want = "io" + middle + "tail";
    EXPECT_EQ(key.view(), want);
    EXPECT_EQ(key.size(), want.size());
    const keys::Key copy = key;
    EXPECT_EQ(copy.view(), want);
    EXPECT_NE(copy.view().data(), key.view().data()) << "a copy views the original's bytes";
    const std::string as_string = key;
    EXPECT_EQ(as_string, want);
  }
  EXPECT_EQ(keys::account(address(7)).view(), "A" + std::string(20, '\x07'));
  EXPECT_EQ(keys::expiry_index(1, "ab").view(), std::string("ix\0\0\0\0\0\0\0\x01" "ab", 12));
}

}  // namespace
}  // namespace ans
