// The simulator in ctest: many seeds of every scenario (docs/consensus.md). A failure names
// its seed; `sim --scenario NAME --seed S` replays it.
#include "tests/sim/sim.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace ans::sim {
namespace {

// ANS_SIM_SEEDS_SCALE scales every scenario's seed count (e.g. 0.25 under the sanitizers).
uint64_t seeds(uint64_t n) {
  if (const char* scale = std::getenv("ANS_SIM_SEEDS_SCALE")) {
    double s = std::atof(scale);
    if (s > 0) return std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(n) * s));
  }
  return n;
}

void run_seeds(const std::string& name, uint64_t first, uint64_t count) {
  spdlog::set_level(spdlog::level::off);
  int violated = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    Scenario s = make_scenario(name, seed);
    Result r = run(s, seed);
    EXPECT_TRUE(r.ok(s)) << r.summary() << "\n  replay: sim --scenario " << name << " --seed " << seed;
    if (!r.safety_violations.empty()) ++violated;
    // Every run makes progress at all (not only the ones that check a bound), and blocks
    // carry the clients' transactions from the mempools.
    EXPECT_GT(r.final_height, 0u) << r.summary();
    EXPECT_GT(r.transfers_final, 0u) << r.summary();
  }
  if (name != "byzantine-f+1") {
    EXPECT_EQ(violated, 0);
  }
}

// 1,040 seeds in all, split so ctest can run them in parallel.
TEST(Simulation, Honest) { run_seeds("honest", 1, seeds(150)); }
TEST(Simulation, Lossy) { run_seeds("lossy", 1, seeds(150)); }
TEST(Simulation, PartitionHeal) { run_seeds("partition", 1, seeds(150)); }
TEST(Simulation, CrashRestart) { run_seeds("crash", 1, seeds(150)); }
TEST(Simulation, ByzantineF) { run_seeds("byzantine", 1, seeds(200)); }
TEST(Simulation, ByzantineFPlusOne) { run_seeds("byzantine-f+1", 1, seeds(120)); }
TEST(Simulation, Equivocator) { run_seeds("equivocator", 1, seeds(120)); }

// A double-signing producer is slashed and jailed on chain within 10 slots of its first
// double proposal, and the active set shrinks by one.
TEST(Simulation, DoubleSignerIsPunishedWithinTenSlots) {
  spdlog::set_level(spdlog::level::off);
  for (uint64_t seed = 1; seed <= seeds(20); ++seed) {
    for (int n : {4, 7}) {
      Scenario s = make_scenario("equivocator", seed, n);
      Result r = run(s, seed);
      ASSERT_NE(r.first_equivocation_slot, 0u) << r.summary();
      ASSERT_EQ(r.punishments.size(), 1u) << r.summary();
      const Punishment& p = r.punishments[0];
      EXPECT_LE(p.included_slot, r.first_equivocation_slot + 10) << r.summary();
      EXPECT_EQ(p.active_after, static_cast<size_t>(n - 1)) << r.summary();
      EXPECT_FALSE(p.offender_active_after) << r.summary();
      EXPECT_TRUE(p.jailed) << r.summary();
    }
  }
}

// The same seed gives the same run, bit for bit (what makes `sim --seed` a replay).
TEST(Simulation, ASeedReplaysExactly) {
  spdlog::set_level(spdlog::level::off);
  for (const auto& name : scenario_names()) {
    Scenario s = make_scenario(name, 7);
    Result a = run(s, 7), b = run(s, 7);
    EXPECT_EQ(a.digest, b.digest) << name;
    EXPECT_EQ(a.messages, b.messages) << name;
    EXPECT_EQ(a.final_height, b.final_height) << name;
    EXPECT_NE(a.digest, 0u) << name;
  }
}

}  // namespace
}  // namespace ans::sim
