// Seeded random transactions for property, undo and crash tests: a mix of valid
// transactions of every type and deliberately invalid ones (bad nonce, low fee, expired,
// wrong chain, unaffordable amounts, bad names, unknown names and SPs, forged evidence).
// Deterministic for a seed. Test-only.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "ledger/rules/context.h"
#include "ledger/store/state_view.h"

namespace ans::testing {

class RandomTxGenerator {
 public:
  RandomTxGenerator(uint64_t seed, const ChainParams& params, const ChainId& chain_id,
                    double invalid_fraction = 0.3);

  // One transaction to try next in the block `block`, whose state so far is `state`.
  v1::SignedTransaction next(const StateReader& state, const BlockContext& block);
  // Tells the generator that `stx` made it into the block (it tracks commitments).
  void included(const v1::SignedTransaction& stx, const BlockContext& block);
  // Slots until the next block: mostly 1, sometimes hours or weeks, so that names expire,
  // unbondings mature and premiums decay.
  uint64_t next_slot_gap();

  uint64_t seed() const { return seed_; }

 private:
  struct Commit {
    size_t who;
    std::string name;
    std::string salt_label;
    uint64_t height;
  };

  size_t pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::string random_name();
  std::string random_target();
  v1::Transaction base(const StateReader& state, const BlockContext& block, size_t who);
  void fill_body(v1::Transaction& tx, const StateReader& state, const BlockContext& block,
                 size_t who);

  uint64_t seed_;
  std::mt19937_64 rng_;
  const ChainParams& params_;
  ChainId chain_id_;
  double invalid_fraction_;
  std::vector<PrivateKey> keys_;
  std::vector<std::string> names_;
  std::vector<Commit> commits_;
  uint64_t salt_counter_ = 0;
};

}  // namespace ans::testing
