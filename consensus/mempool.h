// Transactions waiting for a block (docs/consensus.md, "The mempool").
//
// A transaction is admitted only if it could apply on the head state: its shape, its
// signature, the chain's minimum fee, its expiry, its sender's nonce and balance, and, when it
// follows its sender's pending ones without a gap, every rule of the state transition. Each
// sender's transactions are kept by nonce; a block takes them in nonce order, contiguous from
// the account's nonce, and among senders the higher fee first. A higher fee replaces a pending
// transaction of the same sender and nonce, and evicts the lowest-priority one when the pool
// is full. After each block the pool is checked again against the new head.
//
// Owned by the engine's thread; not thread-safe, except find() (KnownVerdicts).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ledger/rules/transition.h"
#include "ledger/wire/codec.h"

namespace ans::consensus {

// The pool's limits. The defaults suit a node whose blocks hold up to 5,000 transactions.
struct MempoolOptions {
  size_t capacity = 20'000;   // transactions held in all
  size_t per_sender_cap = 64; // transactions held per sender
  // How far past a sender's next expected nonce (its account nonce plus the transactions it
  // has pending without a gap) a transaction may be held, waiting for the ones before it.
  // Such transactions lie in that window, so a sender holds at most this many of them.
  uint64_t max_nonce_gap = 16;
  // A replacement (same sender and nonce) must pay at least this much more, in percent of
  // the fee it replaces (and at least one unit more).
  uint64_t replacement_bump_percent = 10;
};

// A transaction from the pool, with the verdict its check on the way in gave: its sender,
// its id, and that its signature verifies for the pool's chain. A producer applies it with
// that verdict instead of verifying the signature again.
struct Candidate {
  v1::SignedTransaction tx;
  VerifiedSender checked;
};

// What a transaction is checked against: the state after the head block, and the block that
// would come next (its height and slot time; no producer).
struct HeadState {
  ApplyEnv env;
  const StateReader& state;
  BlockContext next;
};

// A limit of the pool's own policy (not a rule of the ledger) that refused a transaction.
enum class PoolLimit {
  kNone,
  kNonceGap,     // the nonce is more than max_nonce_gap past the sender's next expected one
  kSenderFull,   // the sender already has per_sender_cap transactions pending
  kPoolFull,     // the pool is full and holds nothing of lower priority to evict
  kUnderpriced,  // replaces a pending one (same sender and nonce) without the fee bump
};
std::string_view pool_limit_name(PoolLimit limit);

// A transaction that left the pool without a block, and why: the ledger's reason (kBadNonce
// when its nonce was used by another transaction, kExpired, kInsufficientFunds, or whatever
// rule refused it in a block), or kFeeTooLow, with a message saying so, when a higher fee
// replaced or evicted it.
struct Dropped {
  Hash256 tx_id{};
  TxStatus why;
};

// What the pool made of a transaction offered to it.
class Admission {
 public:
  enum class Kind { kAdded, kKnown, kRefused };
  static Admission added(std::vector<Dropped> pushed_out);
  static Admission known() { return Admission(Kind::kKnown); }
  // Refused by the ledger's rules on the head state; `as_error` says it to a client.
  static Admission refused(TxStatus rule, Status as_error);
  static Admission refused(PoolLimit limit, std::string message);

  Kind kind() const { return kind_; }
  bool is_added() const { return kind_ == Kind::kAdded; }
  // kRefused: the ledger's reason (kMalformed, kBadSignature, kFeeTooLow, kExpired, kBadNonce
  // for a nonce already used, kInsufficientFunds, or any rule of the state transition), kOk
  // when a limit of the pool refused it instead; and which limit (kNone for a rule).
  const TxStatus& rule() const { return rule_; }
  PoolLimit limit() const { return limit_; }
  // kRefused, as an error for a client: the shape's own code for a malformed transaction,
  // kBadSignature, kResourceExhausted for a full pool or sender (try later), and
  // kFailedPrecondition for the rest, the reason's name first in the message.
  const Status& error() const { return error_; }
  // Engine::submit's answer: true (added), false (already held), or error().
  Result<bool> result() const;
  // kAdded: the transactions it pushed out (the one it replaced, or the one evicted).
  const std::vector<Dropped>& pushed_out() const { return pushed_out_; }

 private:
  explicit Admission(Kind kind) : kind_(kind) {}
  Kind kind_;
  TxStatus rule_;
  PoolLimit limit_ = PoolLimit::kNone;
  Status error_;
  std::vector<Dropped> pushed_out_;
};

// Also the node's KnownVerdicts: a block's check takes the verdicts of the transactions the
// pool holds (find() only reads, so the verification threads may call it together while the
// engine's thread waits for them).
class Mempool final : public KnownVerdicts {
 public:
  explicit Mempool(MempoolOptions options = {}) : options_(options) {}

  // Checks `tx` against `head` and keeps it if it could apply there (see the top of this
  // file). `keys` (optional) caches parsed sender keys. A state read that fails is refused as
  // TxError::kStorage (the node's fault, not the transaction's).
  Admission add(const HeadState& head, const v1::SignedTransaction& tx,
                PublicKeyCache* keys = nullptr);

  // What a block's builder did with a candidate that visit_in_block_order() offered.
  enum class Take {
    kIncluded,    // in the block: the sender's next nonce may follow
    kSkipped,     // not in the block, but the sender's next nonce may still follow
    kSenderDone,  // nothing more of this sender in this block
    kStop,        // the block is full
  };
  // Offers the transactions a block could take, in block order: each sender's in nonce order
  // from its account nonce (as last read from the head), without a gap after an included one;
  // among senders, the higher fee first, then the earlier arrival. A sender with nothing at
  // its account nonce waits. The pool must not change meanwhile.
  void visit_in_block_order(const std::function<Take(const Candidate&)>& take) const;

  // The head moved on by `block`: its transactions leave the pool, and the senders it
  // touched are checked again on `head` (the state after it): a nonce used by another
  // transaction, and those the balance no longer covers, are dropped. So are transactions
  // the new height has expired, whoever sent them. Returns what was dropped, not what the
  // block included.
  std::vector<Dropped> after_block(const HeadState& head, const v1::Block& block);
  // The same check for every sender, after the head moved some other way (a fork switch).
  std::vector<Dropped> recheck(const HeadState& head);

  // Takes a transaction out without reporting it (included in a block). False if absent.
  bool remove(const Hash256& tx_id);
  bool contains(const Hash256& tx_id) const { return by_id_.count(tx_id) != 0; }
  size_t size() const { return by_id_.size(); }
  // The ids of the transactions held, in id order.
  std::vector<Hash256> ids() const;
  // Every transaction held, each sender's in nonce order (as they would be admitted again).
  std::vector<v1::SignedTransaction> transactions() const;
  const MempoolOptions& options() const { return options_; }
  const VerifiedSender* find(const Hash256& tx_id) const override;

 private:
  // A sender's key field (33 bytes, the shape check's): one account, one key. Fixed bytes
  // keep the indexes' comparisons in their nodes.
  using SenderKey = FixedBytes<33>;
  static SenderKey sender_key_of(const v1::Transaction& tx);

  struct Entry {
    Candidate candidate;
    SenderKey sender_key{};
    uint64_t nonce = 0;
    Amount fee;
    Amount spend;            // the fee and the amount the body moves out of the balance
    uint64_t seq = 0;        // arrival order, for ties
  };
  // Which transaction a full pool gives up first: a sender's last (never one before it, which
  // would strand the rest), one waiting behind a gap before one that could be included, then
  // the lower fee, then the newer.
  struct Victim {
    bool includable = false;
    Amount fee;
    uint64_t seq = 0;
    SenderKey sender_key{};
    bool operator<(const Victim& o) const;
  };
  struct Sender {
    EthAddress account;
    uint64_t account_nonce = 0;          // as last read from the head state
    std::map<uint64_t, Hash256> by_nonce;
    std::optional<Victim> last;          // its entry in victims_
  };

  Admission refuse_rule(TxError code, std::string message) const;
  // The nonce after the sender's pending ones that follow `account_nonce` without a gap.
  static uint64_t next_expected(const Sender& sender, uint64_t account_nonce);
  // The sum of `spend` over the sender's pending transactions from `account_nonce` on,
  // without `except` (a nonce being replaced); Amount::max() if it overflows.
  Amount pending_spend(const Sender& sender, uint64_t account_nonce, std::optional<uint64_t> except) const;
  // Whether the ledger's rules take `tx` after the sender's pending ones from
  // `account_nonce` up to it, on the head state: OK, their reason, or OK when an earlier
  // pending one no longer applies (then the block's builder finds out).
  TxStatus check_rules(const HeadState& head, const Sender& sender, uint64_t account_nonce,
                       const v1::SignedTransaction& tx, const VerifiedSender& checked) const;
  // The sender's last transaction a full pool gives up for one of `sender_key` at `nonce`
  // (`includable`: without a gap before it; paying `fee`), or nullopt when none ranks below
  // that one.
  std::optional<Hash256> victim_for(const SenderKey& sender_key, uint64_t nonce,
                                    bool includable, const Amount& fee) const;
  void insert(Entry entry, const EthAddress& account, uint64_t account_nonce);
  // Takes the entry out of every index; the sender goes when it has nothing left. By value:
  // callers pass ids held in the indexes it changes. Without `refresh`, the sender's entry in
  // victims_ is left as it was, for the caller to refresh before victims_ is next read.
  void erase(Hash256 tx_id, bool refresh = true);
  // Puts the sender's last transaction back in victims_ after its transactions changed.
  void refresh_victim(const SenderKey& sender_key);
  // Checks the sender's transactions on `head`: a nonce used, the balance.
  void recheck_sender(const HeadState& head, const SenderKey& sender_key,
                      std::vector<Dropped>& dropped);
  void drop_expired(const HeadState& head, std::vector<Dropped>& dropped);

  MempoolOptions options_;
  uint64_t next_seq_ = 0;
  std::map<Hash256, Entry> by_id_;
  std::map<SenderKey, Sender> senders_;
  std::set<std::pair<uint64_t, Hash256>> by_expiry_;
  std::set<Victim> victims_;  // each sender's last transaction, first to give up first
};

}  // namespace ans::consensus
