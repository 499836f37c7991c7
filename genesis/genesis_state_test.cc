// The shipped genesis files build a consistent block-0 state in the real ledger.
#include <gtest/gtest.h>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "ledger/chain/ledger.h"
#include "ledger/rules/queries.h"
#include "ledger/rules/supply.h"
#include "ledger/state/ledger_state.h"
#include "ledger/testing/temp_dir.h"

namespace ans {
namespace {

void expect_consistent_block_zero(const GenesisConfig& g) {
  testing::TempDir dir("ans-genesis-state");
  StateDbOptions options;
  options.sync = false;
  auto ledger = Ledger::open(dir.path(), g, chain_id(g), options);
  ASSERT_TRUE(ledger) << ledger.status().to_string();
  const Ledger& l = **ledger;
  EXPECT_EQ(l.head_height(), 0u);
  EXPECT_EQ(l.final_height(), 0u);

  auto supply = compute_supply(l.db());
  ASSERT_TRUE(supply) << supply.status().to_string();
  EXPECT_EQ(supply->total().value(), g.params.total_supply);
  EXPECT_EQ(supply->reward_pool, g.reward_pool);

  uint64_t now = g.genesis_time_ms / 1000;
  for (const auto& name : g.reserved_names) {
    EXPECT_EQ(resolve_name(g.params, l.db(), name, now).status, NameStatus::kReserved) << name;
  }
  for (const auto& r : g.records) {
    Resolution res = resolve_name(g.params, l.db(), r.name, now);
    ASSERT_TRUE(res.record) << r.name;
    EXPECT_EQ(res.record->records().target(), r.target);
  }
  StateOverlay view(l.db());
  LedgerState st(view);
  v1::ActiveSetState sets = st.active_sets();
  EXPECT_EQ(static_cast<size_t>(sets.active_size()),
            std::min<size_t>(g.sps.size(), g.params.max_active_producers));
  EXPECT_TRUE(l.state_root());
}

TEST(GenesisState, DevGenesisBuildsAConsistentState) {
  expect_consistent_block_zero(dev_genesis());
}

TEST(GenesisState, MainnetGenesisBuildsAConsistentState) {
  auto g = load_genesis_file(std::string(ANS_SOURCE_DIR) + "/genesis/mainnet.json");
  ASSERT_TRUE(g) << g.status().to_string();
  expect_consistent_block_zero(*g);
  // founder -> moky@anywhere, as the spec's example.
  bool founder = false;
  for (const auto& r : g->records) founder |= r.name == "founder" && r.target == "moky@anywhere";
  EXPECT_TRUE(founder);
}

}  // namespace
}  // namespace ans
