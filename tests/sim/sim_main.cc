// sim: runs the consensus simulator (tests/sim/sim.h).
//
//   sim --scenario crash --seed 42           replay one run exactly, with its summary
//   sim --scenario all --seeds 1000          seeds 1..1000 of every scenario
//   sim --scenario honest --validators 21 --seeds 20 --latency
//                                            slot-to-final latency p50/p99
// Exit status: 0 when every run holds its promises, 1 otherwise (each failure is printed
// with the command that replays it), 2 on a usage error.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "tests/sim/sim.h"

int main(int argc, char** argv) {
  CLI::App app("ANS consensus simulator");
  std::string scenario = "all";
  uint64_t seed = 1;
  uint64_t seeds = 1;
  int validators = 0;
  bool latency = false, verbose = false;
  app.add_option("--scenario", scenario, "scenario name, or 'all'");
  app.add_option("--seed", seed, "first seed");
  app.add_option("--seeds", seeds, "number of seeds, from --seed on")->check(CLI::Range(1ULL, 10'000'000ULL));
  app.add_option("--validators", validators, "validator count (default: drawn from the seed)")
      ->check(CLI::Range(1, 21));
  app.add_flag("--latency", latency, "print slot-to-final latency percentiles");
  app.add_flag("--verbose,-v", verbose, "print every run's summary");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(verbose ? spdlog::level::warn : spdlog::level::off);

  std::vector<std::string> names;
  if (scenario == "all") {
    names = ans::sim::scenario_names();
  } else {
    auto known = ans::sim::scenario_names();
    if (std::find(known.begin(), known.end(), scenario) == known.end()) {
      std::fprintf(stderr, "sim: unknown scenario '%s'\n", scenario.c_str());
      return 2;
    }
    names = {scenario};
  }
  bool single = seeds == 1 && names.size() == 1;
  int failures = 0;
  std::map<std::string, int> ran, violations_with_more_than_f;
  std::vector<double> latencies;
  auto started = std::chrono::steady_clock::now();
  for (uint64_t s = seed; s < seed + seeds; ++s) {
    for (const auto& name : names) {
      ans::sim::Scenario sc = ans::sim::make_scenario(name, s, validators);
      ans::sim::Result r = ans::sim::run(sc, s);
      ++ran[name];
      latencies.insert(latencies.end(), r.latencies.begin(), r.latencies.end());
      if (!sc.safety_expected && !r.safety_violations.empty()) ++violations_with_more_than_f[name];
      bool ok = r.ok(sc);
      if (single || verbose || !ok) std::printf("%s\n", r.summary().c_str());
      if (!ok) {
        ++failures;
        std::printf("  FAILED; replay: sim --scenario %s --seed %llu%s\n", name.c_str(),
                    static_cast<unsigned long long>(s),
                    validators ? (" --validators " + std::to_string(validators)).c_str() : "");
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int total = 0;
  for (const auto& [name, count] : ran) {
    total += count;
    std::printf("%-14s %6d runs", name.c_str(), count);
    if (violations_with_more_than_f.count(name)) {
      std::printf("  (safety broken in %d: more than f faulty, allowed)", violations_with_more_than_f[name]);
    }
    std::printf("\n");
  }
  if (latency && !latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
      size_t i = static_cast<size_t>(p * static_cast<double>(latencies.size() - 1));
      return latencies[i];
    };
    std::printf("slot-to-final latency over %zu (node, block) pairs, in block intervals: "
                "p50 %.2f  p99 %.2f  max %.2f\n",
                latencies.size(), pct(0.5), pct(0.99), latencies.back());
  }
  std::printf("%d runs, %d failed, %.1f s\n", total, failures, secs);
  return failures == 0 ? 0 : 1;
}
