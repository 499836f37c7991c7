// The deterministic consensus simulator: N validators in one process, each a real Engine on a
// real Ledger and ConsensusStore (LevelDB on an in-memory file system of its own, kept across
// a simulated crash), talking through a simulated network.
//
// Everything that varies comes from the seed: message delays, loss, duplication (and so
// reordering), partitions, crashes, which validators are byzantine and how. Virtual time
// advances from event to event. The same (scenario, seed) replays exactly.
//
// Checked continuously:
//   safety    no two honest nodes finalize different blocks at one height, no honest node's
//             final chain jumps or goes back (also across its crashes), and no honest node
//             sees a block meet the finality rule off its final chain;
//   liveness  once the network is synchronous again (no loss, partition or crash), every
//             honest node finalizes a block of a later slot within a bound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ans::sim {

// What a byzantine validator does; bits combine.
enum Fault : unsigned {
  kHonest = 0,
  kEquivocate = 1,  // proposes two different blocks in each of its slots, half the peers each
  kWithhold = 2,    // sends nothing: no blocks, votes or answers
  kBreakRules = 4,  // votes for every block it hears of, whatever the voting rules say
  kForkOff = 8,     // in its slots, builds on an older block (the head's parent or grandparent)
                    // instead of the head, to fork off blocks others may have locked on
};

struct Partition {
  uint64_t from_slot = 0, to_slot = 0;  // active in [from, to)
  std::vector<int> group_of;            // per node
};

struct Crash {
  int node = 0;
  uint64_t at_slot = 0, restart_slot = 0;
};

struct Scenario {
  std::string name;
  int validators = 4;
  std::vector<unsigned> faults;    // per node: Fault bits; 0 = honest
  uint64_t slots = 40;             // how long to run
  uint64_t min_delay_ms = 10, max_delay_ms = 100;
  double loss = 0, duplicate = 0;  // while disrupted
  uint64_t max_disrupted_delay_ms = 0;  // while disrupted, if above max_delay_ms
  std::vector<Partition> partitions;
  std::vector<Crash> crashes;
  // From this slot on the network is synchronous: no loss, partition or crash.
  uint64_t sync_slot = 1;
  // Honest nodes must finalize a block of slot >= sync_slot within this many slots of it.
  uint64_t liveness_bound_slots = 0;
  // Safety is only promised with at most f faulty; with more, violations are reported but
  // do not fail the run.
  bool safety_expected = true;
  // The run fails unless every equivocating or rule-breaking validator is punished on chain.
  bool evidence_expected = false;
};

// Known names: honest, lossy, partition, crash, byzantine, byzantine-f+1, equivocator.
std::vector<std::string> scenario_names();
// A scenario of that kind, its details drawn from the seed. `validators` 0 = drawn too.
Scenario make_scenario(const std::string& name, uint64_t seed, int validators = 0);

struct Punishment {
  std::string offender;
  uint64_t included_slot = 0;   // the slot of the block that carries the evidence
  size_t active_after = 0;      // active-set size in the state after that block
  bool offender_active_after = true;
  bool jailed = false;          // in the node's current state
};

struct Result {
  std::string scenario;
  uint64_t seed = 0;
  int validators = 0;
  int faulty = 0;
  std::vector<std::string> safety_violations;
  std::vector<std::string> liveness_failures;
  std::vector<std::string> evidence_failures;
  // Slot-to-final latency, in block intervals, of every (honest node, final block) pair
  // with the block's slot at or after sync_slot.
  std::vector<double> latencies;
  uint64_t final_height = 0;          // the highest final block among honest nodes
  uint64_t first_equivocation_slot = 0;  // 0: none
  // On the longest honest final chain (head chain when more than f are faulty).
  std::vector<Punishment> punishments;
  uint64_t messages = 0;
  uint64_t transfers_final = 0;  // client transfers in the longest honest final chain
  uint64_t digest = 0;  // of every honest node's final chain: equal runs, equal digest

  bool ok(const Scenario& s) const;
  std::string summary() const;
};

Result run(const Scenario& scenario, uint64_t seed);

}  // namespace ans::sim
