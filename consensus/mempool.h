// Transactions waiting for a block: checked (shape and signature) on the way in, unique by
// transaction id, bounded, handed to the producer in arrival order.
#pragma once

#include <deque>
#include <map>
#include <vector>

#include "ledger/rules/transition.h"
#include "ledger/wire/codec.h"

namespace ans::consensus {

// A transaction from the pool, with the verdict its check on the way in gave: its sender,
// its id, and that its signature verifies for the pool's chain. A producer applies it with
// that verdict instead of verifying the signature again.
struct Candidate {
  v1::SignedTransaction tx;
  VerifiedSender checked;
};

// Also the node's KnownVerdicts: a block's check takes the verdicts of the transactions the
// pool holds (find() only reads, so the verification threads may call it together while the
// engine's thread waits for them).
class Mempool final : public KnownVerdicts {
 public:
  explicit Mempool(size_t capacity = 20'000) : capacity_(capacity) {}

  // Errors: kMalformed-style shape errors (kInvalidArgument, kBadLength, ...),
  // kBadSignature, kResourceExhausted (the pool is full). A transaction already in the pool is OK and
  // returns false; a new one returns true. `keys` (optional) caches parsed sender keys.
  Result<bool> add(const ChainId& chain_id, const v1::SignedTransaction& tx,
                   PublicKeyCache* keys = nullptr);

  // Up to `max` transactions, oldest first, each with its verdict (checked.valid is true).
  std::vector<Candidate> candidates(size_t max) const;
  void remove(const Hash256& tx_id);
  bool contains(const Hash256& tx_id) const { return by_id_.count(tx_id) != 0; }
  size_t size() const { return by_id_.size(); }
  // The ids of the transactions held, in id order.
  std::vector<Hash256> ids() const {
    std::vector<Hash256> out;
    out.reserve(by_id_.size());
    for (const auto& [id, seq] : by_id_) out.push_back(id);
    return out;
  }
  const VerifiedSender* find(const Hash256& tx_id) const override;

 private:
  size_t capacity_;
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Candidate> by_seq_;  // arrival order
  std::map<Hash256, uint64_t> by_id_;
};

}  // namespace ans::consensus
