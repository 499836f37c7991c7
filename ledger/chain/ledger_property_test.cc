// The seeded property test of the state transition (issue: ledger acceptance):
// >= 10,000 random valid and invalid transactions over >= 500 blocks on a real LevelDB
// ledger. After every block the supply invariant holds exactly, nonces never repeat,
// rejected transactions leave no trace, the validator agrees with the producer; and the
// same seed gives the same state roots, on both store layouts. Set ANS_PROPERTY_SEED to
// replay a failure.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ledger/testing/chain_driver.h"
#include "ledger/testing/temp_dir.h"
#include "ledger/testing/test_chain.h"

namespace ans {
namespace {

using namespace ans::testing;

uint64_t property_seed() {
  const char* env = std::getenv("ANS_PROPERTY_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 20261121;
}

struct ChainRun {
  std::vector<Hash256> roots;
  DriverStats stats;
};

// `memory`: the memory layout, snapshotting every few blocks.
ChainRun run_chain(uint64_t seed, const std::string& dir, size_t blocks, size_t txs_per_block,
                   bool memory = false) {
  ChainParams params = test_params();
  StateDbOptions options = test_store_options(memory);
  auto ledger = Ledger::open(dir, make_test_genesis(params), test_chain_id(), options);
  EXPECT_TRUE(ledger) << ledger.status().to_string();
  if (!ledger) return {};
  ChainDriver driver(**ledger, seed, txs_per_block);
  std::string failure;
  for (size_t b = 0; b < blocks; ++b) {
    driver.produce_block(failure);
    if (!failure.empty()) {
      ADD_FAILURE() << failure << " (replay: ANS_PROPERTY_SEED=" << seed << ")";
      break;
    }
  }
  return {driver.roots(), driver.stats()};
}

TEST(LedgerProperty, RandomTransactionsKeepEveryInvariant) {
  const uint64_t seed = property_seed();
  constexpr size_t kBlocks = 520;
  constexpr size_t kTxsPerBlock = 20;
  TempDir dir("ans-property");
  ChainRun first = run_chain(seed, dir.sub("a"), kBlocks, kTxsPerBlock);
  ASSERT_EQ(first.roots.size(), kBlocks) << "seed " << seed;
  EXPECT_GE(first.stats.tried, 10'000u);

  // The mix is meaningful: plenty of both outcomes, and many kinds of transactions landed.
  EXPECT_GT(first.stats.included, first.stats.tried / 4) << "seed " << seed;
  EXPECT_GT(first.stats.rejected, first.stats.tried / 10) << "seed " << seed;
  EXPECT_GE(first.stats.included_by_body.size(), 12u) << "seed " << seed;
  EXPECT_GE(first.stats.rejected_by_reason.size(), 15u) << "seed " << seed;

  // The second run keeps its state in memory (the other store layout): the same seed must
  // give the same roots there too, block by block.
  ChainRun second = run_chain(seed, dir.sub("b"), kBlocks, kTxsPerBlock, /*memory=*/true);
  EXPECT_EQ(first.roots, second.roots) << "same seed, different state roots: seed " << seed;

  std::cout << "seed " << seed << ": " << first.stats.tried << " transactions, "
            << first.stats.included << " included, " << first.stats.rejected << " rejected, "
            << first.stats.included_by_body.size() << " body types included, "
            << first.stats.rejected_by_reason.size() << " rejection reasons seen\n";
}

TEST(LedgerProperty, DifferentSeedsDiverge) {
  TempDir dir("ans-property");
  ChainRun a = run_chain(1, dir.sub("a"), 20, 10);
  ChainRun b = run_chain(2, dir.sub("b"), 20, 10);
  ASSERT_EQ(a.roots.size(), 20u);
  ASSERT_EQ(b.roots.size(), 20u);
  EXPECT_NE(a.roots.back(), b.roots.back());
}

}  // namespace
}  // namespace ans
