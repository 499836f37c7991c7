// The state transition: (state view, block) -> new state + receipts.
//
// A pure function of its inputs: the chain's parameters and id, the block context, the
// transactions, and the state read through the overlay. No clock, randomness, I/O or logging.
// Writes go into the overlay; the caller commits them (ledger/chain/ledger.h).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string_view>

#include <span>
#include <vector>

#include "ledger/rules/context.h"
#include "ledger/rules/tx_status.h"
#include "ledger/store/state_view.h"

namespace ans {

enum class SignatureCheck {
  kVerify,           // verify the signature here
  kAlreadyVerified,  // the caller verified it (e.g. in parallel, see verify_senders)
};

// A transaction whose signature was checked ahead of applying it, and the account that sent
// it (deriving it parses the key, the same work verification does, so both happen in the
// parallel pre-pass and the serial transition does neither).
struct VerifiedSender {
  bool valid = false;
  EthAddress sender;
  SchnorrSignature signature{};  // the verified transaction's signature: ties the entry to it
  Hash256 tx_id{};        // transaction_id(), computed from the encoding the check hashed
  bool known = false;     // taken from KnownVerdicts (an earlier check), not verified here

  // Whether `sig` (a transaction's signature field) is the signature this entry is for.
  bool signed_with(std::string_view sig) const {
    return sig.size() == signature.size() && std::memcmp(sig.data(), signature.data(), sig.size()) == 0;
  }
  void set_signature(std::string_view sig) {
    signature = {};
    std::memcpy(signature.data(), sig.data(), std::min(sig.size(), signature.size()));
  }
};

// Verdicts a node already holds for transactions it checked before (its mempool's), by
// transaction id: a block's check takes them instead of verifying those signatures again
// (as Bitcoin Core's signature cache does). Called from the verification threads: find() must
// be safe to call concurrently, and the verdicts must not change while a check runs.
class KnownVerdicts {
 public:
  virtual ~KnownVerdicts() = default;
  // The verdict of the transaction with this id, or nullptr. A verdict is taken only when it
  // is valid and for the same signature: the id covers the body, not the signature.
  virtual const VerifiedSender* find(const Hash256& tx_id) const = 0;
};

// Applies one transaction on top of `block_state`. On success its writes are merged into
// `block_state`; on failure nothing of it is (no fee, no nonce, nothing), and the returned
// status says why. Used by producers (a failing transaction is left out) and validators (a
// failing transaction makes the block invalid).
TxStatus apply_transaction(const ApplyEnv& env, const BlockContext& block,
                           StateOverlay& block_state, const v1::SignedTransaction& stx,
                           SignatureCheck check = SignatureCheck::kVerify);
// The same, for a transaction already verified by verify_senders(): a `verified` that is not
// valid is rejected as a bad signature without re-checking.
TxStatus apply_transaction(const ApplyEnv& env, const BlockContext& block,
                           StateOverlay& block_state, const v1::SignedTransaction& stx,
                           const VerifiedSender& verified);

// Per-block effects before the transactions: activation of a pending active set once the
// block that fixed it is final, missed-slot accounting, the producer's reward from the pool.
// Errors: kInvalidArgument if the block does not follow the last one (height, slot).
Status begin_block(const ApplyEnv& env, const BlockContext& block, StateOverlay& state);

// Per-block effects after the transactions; at an epoch boundary (height multiple of
// epoch_length_blocks): unbonding releases, name releases (grace ended) with reverse-record
// clean-up, stale commitment clean-up, and the active-set recomputation.
Status end_block(const ApplyEnv& env, const BlockContext& block, StateOverlay& state);

struct BlockOutcome {
  std::vector<Hash256> tx_ids;
};

// Verdicts apply_block takes one transaction at a time, in block order: a block's
// application can then begin while its signatures are still being checked
// (SenderVerification, which makes the caller help with the checks while it waits).
class VerdictSource {
 public:
  virtual ~VerdictSource() = default;
  virtual size_t size() const = 0;
  // The verdict of transaction i (i < size()); may wait until it is ready. The reference
  // stays valid as long as the source.
  virtual const VerifiedSender& verdict(size_t i) = 0;
};

// begin_block, every transaction, end_block. Any rejected transaction rejects the block:
// a transaction that is invalid at inclusion never enters a block.
// `verified` (optional) comes from verify_senders() for exactly these transactions, in this
// order; a mismatch in count is an error, an entry for another transaction is ignored.
Result<BlockOutcome> apply_block(const ApplyEnv& env, const BlockContext& block,
                                 StateOverlay& state,
                                 std::span<const v1::SignedTransaction> txs,
                                 const std::vector<VerifiedSender>* verified = nullptr);
// The same with the verdicts taken from `verdicts` as each transaction's turn comes (a count
// other than txs.size() is an error).
Result<BlockOutcome> apply_block(const ApplyEnv& env, const BlockContext& block,
                                 StateOverlay& state,
                                 std::span<const v1::SignedTransaction> txs,
                                 VerdictSource& verdicts);

// Verifies every transaction's signature and derives its sender's account, using up to
// `threads` threads (1 = inline). Deterministic: the result depends only on the inputs.
// With `keys`, sender keys are looked up there before they are parsed (PublicKeyCache); the
// results are the same either way.
// With `known`, a transaction whose verdict it holds is not verified again.
std::vector<VerifiedSender> verify_senders(const ChainId& chain_id,
                                           std::span<const v1::SignedTransaction> txs,
                                           unsigned threads, PublicKeyCache* keys = nullptr,
                                           const KnownVerdicts* known = nullptr);

// verify_senders() for one block, shared out among whichever threads call work(): a
// validator's helper thread starts on the next block while the applying thread is still busy
// with this one, and the applying thread joins in as soon as it is free, so the two cores
// never wait on each other. Deterministic like verify_senders().
//
// It is also a VerdictSource: the applying thread can apply the block while helpers check
// it. verdict(i) returns at once when transaction i is checked; otherwise the calling thread
// checks the next transactions no one has claimed yet, and only when none is left does it
// wait for the helper that has i in hand.
class SenderVerification final : public VerdictSource {
 public:
  // The transactions must outlive this object and not change.
  // `keys` and `known` (optional) must outlive it too.
  SenderVerification(const ChainId& chain_id, std::span<const v1::SignedTransaction> txs,
                     PublicKeyCache* keys = nullptr, const KnownVerdicts* known = nullptr);
  // Verifies transactions until none is left to claim. Any number of threads may call it at
  // once; each claims a few transactions at a time.
  void work();
  // Claims the next few transactions and checks them; false when none was left. (work() is
  // this until false, for callers that want to stop in between.)
  bool work_some();
  size_t size() const override { return out_.size(); }
  const VerifiedSender& verdict(size_t i) override;
  // The results. REQUIRES: every call to work() has returned (e.g. the helpers are joined).
  std::vector<VerifiedSender> take();
  // From now on nothing more is claimed: work() returns once the chunks in hand are done.
  // For a check no longer wanted. verdict() must not be called after it.
  void abandon() { next_.store(out_.size(), std::memory_order_relaxed); }
  // How many transactions were checked here, and how many took a KnownVerdicts verdict, so
  // far (all of them once work() has returned everywhere, unless abandoned).
  size_t checked() const { return checked_.load(std::memory_order_relaxed); }
  size_t known() const { return known_count_.load(std::memory_order_relaxed); }

 private:
  // Transactions are claimed in chunks of this many, in order: small enough to share the
  // tail of a block evenly.
  static constexpr size_t kChunk = 16;
  ChainId chain_id_;
  std::span<const v1::SignedTransaction> txs_;
  PublicKeyCache* keys_;
  const KnownVerdicts* known_;
  std::vector<VerifiedSender> out_;
  std::unique_ptr<std::atomic<bool>[]> done_;  // per chunk: its verdicts are in out_
  std::atomic<size_t> next_{0};                // the next chunk to claim
  std::atomic<size_t> checked_{0};
  std::atomic<size_t> known_count_{0};
};

}  // namespace ans
