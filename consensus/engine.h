// The consensus engine of one node: it validates and applies blocks, votes under the safety
// rules, gathers votes into QCs, tracks finality and fork choice, produces blocks in its
// slots, and turns equivocation it sees into evidence.
//
// Deterministic: time comes in with each call, randomness (BIP-340 auxiliary bytes) from a
// Randomness, and messages go out through a Network. The same inputs in the same order give
// the same outputs, which is what lets the simulator (tests/sim) replay a seed exactly.
//
// Owned by one thread (the chain strand); not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "consensus/block_tree.h"
#include "consensus/evidence_pool.h"
#include "consensus/mempool.h"
#include "consensus/schedule.h"
#include "consensus/store.h"
#include "consensus/verdict.h"
#include "ledger/chain/ledger.h"

namespace ans::consensus {

// What nodes say to each other about consensus. The P2P layer frames these on the wire; the
// simulator passes them in memory. A block is held by shared pointer: the block tree, the
// messages that carry it and the queues they wait in share one copy.
struct Message {
  enum class Kind { kBlock, kVote, kEvidence, kBlockRequest, kTransaction };
  Kind kind = Kind::kBlock;
  std::shared_ptr<const v1::Block> block;  // kBlock (never null there)
  v1::SignedBlockVote vote;
  v1::Evidence evidence;
  Hash256 request{};  // kBlockRequest: the hash of the block wanted
  v1::SignedTransaction transaction;

  static Message of(std::shared_ptr<const v1::Block> b) {
    Message m;
    m.kind = Kind::kBlock;
    m.block = std::move(b);
    return m;
  }
  static Message of(const v1::Block& b) { return of(std::make_shared<const v1::Block>(b)); }
  static Message of(const v1::SignedBlockVote& v) { Message m; m.kind = Kind::kVote; m.vote = v; return m; }
  static Message of(const v1::Evidence& e) { Message m; m.kind = Kind::kEvidence; m.evidence = e; return m; }
  static Message of(const v1::SignedTransaction& t) {
    Message m;
    m.kind = Kind::kTransaction;
    m.transaction = t;
    return m;
  }
  static Message request_for(const Hash256& h) { Message m; m.kind = Kind::kBlockRequest; m.request = h; return m; }
};

// How the engine reaches other nodes. What it makes itself (its blocks, votes, evidence, and
// transactions from local clients) it broadcasts; what it accepted from a peer it hands to
// relay(), and the network layer alone decides whether and to whom to pass that on (P2P: the
// peers that have not seen it). The engine never floods what it received on its own.
class Network {
 public:
  virtual ~Network() = default;
  virtual void broadcast(const Message& message) = 0;  // to every peer, not to self
  virtual void send(int peer, const Message& message) = 0;
  // A message from peer `from` that the engine accepted (Verdict::Kind::kAccepted): a block
  // once it is applied (for a block that waited for its parent, later than the call that
  // brought it), a vote, evidence or a transaction as on_message() takes it.
  virtual void relay(int from, const Message& message) = 0;
};

class Randomness {
 public:
  virtual ~Randomness() = default;
  virtual FixedBytes<32> aux32() = 0;  // BIP-340 auxiliary randomness for one signature
};

// Told about finality as it happens (the simulator's safety monitor, the node's log).
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  // Each block as it becomes final, in chain order.
  virtual void on_final(const BlockNode& block, uint64_t now_ms) = 0;
  // A block met the finality rule but does not extend this node's final block. It is never
  // followed (a final block is never reverted); it means more than f producers are faulty.
  virtual void on_conflicting_final(const BlockNode& block, uint64_t now_ms) = 0;
  // A transaction left the mempool without a block (why: the ledger's reason): it can no
  // longer apply after a block (its nonce used by another transaction, its balance spent, its
  // expiry passed), a rule refused it when a block was chosen, or a higher fee replaced or
  // evicted it (kFeeTooLow). RPC reports it as rejected.
  virtual void on_dropped(const Hash256& tx_id, const TxStatus& why) {
    (void)tx_id;
    (void)why;
  }
};

struct EngineOptions {
  std::string sp_id;                      // empty: an observer that never votes or produces
  std::optional<PrivateKey> signing_key;  // the SP's block and vote key
  std::optional<PrivateKey> account_key;  // pays the fee of the Evidence transactions it makes
  uint64_t max_clock_skew_ms = 500;       // how far in the future a block's slot may start
  // How long into its slot a producer waits for the QC on the block it extends, when it does
  // not have it yet; 0 = half the block interval.
  uint64_t qc_wait_ms = 0;
  size_t max_orphans = 512;           // blocks kept while their parent is fetched
  // Production budget: at most this many transactions per block, and, when a monotonic
  // clock is given (a real node; never in the simulator, which must stay deterministic), at
  // most this much time spent choosing them.
  size_t max_block_transactions = 5000;
  uint64_t production_budget_us = 200'000;
  std::function<uint64_t()> monotonic_us;
  MempoolOptions mempool;
  // Where save_mempool() keeps the pending transactions for the next open(), which takes
  // them back; empty: nowhere (they are lost at a restart).
  std::string mempool_path;
  size_t max_early_vote_blocks = 256; // blocks whose votes arrived before them
  // Threads that check a block's signatures before it is applied (the calling thread is one
  // of them), for blocks of at least 64 transactions; smaller blocks are checked inline.
  unsigned verify_threads = 2;
  // Where the engine publishes a read view of the ledger's state (with the header that holds
  // its root) after each change of the head or the final block, for queries on other threads
  // (RPC). Not owned; it and its views must be destroyed before the ledger. Null: none.
  ViewRegistry* views = nullptr;
};

struct EngineStats {
  uint64_t blocks_accepted = 0;
  uint64_t blocks_rejected = 0;
  uint64_t blocks_produced = 0;
  uint64_t votes_sent = 0;
  uint64_t votes_refused = 0;  // the safety rules said no
  uint64_t qcs_formed = 0;
  uint64_t evidence_found = 0;
  uint64_t transactions_included = 0;  // in blocks this node produced
  uint64_t ledger_switches = 0;
  // Transactions whose signatures this node verified to apply a block. A producer's own
  // blocks add none: their transactions carry the verdicts of the mempool's check.
  uint64_t transactions_checked = 0;
  // Transactions of others' blocks whose verdicts came from this node's mempool (checked on
  // their way in), so their signatures were not verified again.
  uint64_t transactions_known = 0;
  // Blocks this node produced and committed with the preparation it built them with.
  uint64_t own_blocks_committed_as_built = 0;
  // Catching up: transactions of a block that waited for its parent, checked on a helper
  // thread while the parent was applied (also counted in transactions_checked).
  uint64_t transactions_checked_ahead = 0;
};

class BlockChecks;  // engine.cc

class Engine {
 public:
  // Rebuilds the block tree from `store` (or starts it from the ledger's genesis block on a
  // fresh store) and loads the voter safety state. `ledger` and `store` must belong together
  // (the same node's) and outlive the engine.
  // Errors: kCorruption (the stores do not match each other), storage errors.
  static Result<std::unique_ptr<Engine>> open(Ledger& ledger, ConsensusStore& store,
                                              Network& network, Randomness& randomness,
                                              uint64_t genesis_time_ms, EngineOptions options,
                                              EngineObserver* observer = nullptr);
  ~Engine();  // waits for the checks of a block begun ahead, if any
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Time passes: produce a block if this slot is ours and not produced yet.
  void on_tick(uint64_t now_ms);
  // When on_tick() next has something to do, if nothing arrives before: the time (ms, on the
  // clock on_tick() is given) of this node's next slot, or of the moment within it when it
  // stops waiting for a QC. nullopt when it has nothing to do on its own (an observer, or a
  // node fault). A message can bring it closer: ask again after each. A driver sets a timer
  // for it rather than polling; calling on_tick() earlier or more often is harmless.
  std::optional<uint64_t> next_wakeup_ms() const;
  // A message from peer `from`, and what the engine made of it. Only kInvalid is the
  // sender's fault. Bad input changes no state (beyond being counted).
  Verdict on_message(int from, const Message& message, uint64_t now_ms);

  // A transaction from a local client (RPC): into the mempool, and broadcast if new. True
  // when added, false when already held. Errors: the refusal (Admission::error()).
  Result<bool> submit(const v1::SignedTransaction& tx);

  // Writes the mempool's transactions to EngineOptions::mempool_path, atomically (a
  // temporary file, synced, renamed over the old one, the directory synced), for the next
  // open() to take back, each checked again on the head state then. For a clean shutdown;
  // nothing is saved meanwhile. OK and nothing written when the path is empty.
  // Errors: kIoError.
  Status save_mempool() const;

  // Set when this node's own storage or resources failed (a node fault): a read or write of
  // its stores failed, or they hold damaged data. Meanwhile the engine neither votes nor
  // produces; a block it applies and commits afterwards (the stores work again) clears it.
  // A node that cannot repair its stores stops with this status.
  const std::optional<Status>& node_fault() const { return node_fault_; }

  // Builds and signs (but neither applies nor sends) a block on `parent` for `slot`, carrying
  // the newest QC on `parent`'s chain and the given transactions (each must be valid).
  // Used by block production and by tests that need an alternative block.
  // `checked` (optional): the transactions' verdicts, one per transaction in order (a
  // producer's, from its mempool), so they are not verified again. `prepared` (optional)
  // receives the ledger's preparation of the block, which accepting it can commit.
  Result<v1::Block> build_block(const Hash256& parent, uint64_t slot,
                                std::vector<v1::SignedTransaction> txs,
                                const std::vector<VerifiedSender>* checked = nullptr,
                                std::optional<PreparedBlock>* prepared = nullptr);

  const BlockNode& head() const;
  const BlockNode& final_block() const { return *final_; }
  const BlockNode* newest_qc() const { return newest_qc_; }
  const SafetyState& safety() const { return safety_; }
  const BlockTree& tree() const { return *tree_; }
  const EngineStats& stats() const { return stats_; }
  size_t evidence_pending() const { return evidence_pool_.size(); }
  const EvidencePool& evidence_pool() const { return evidence_pool_; }
  const Mempool& mempool() const { return mempool_; }
  size_t orphan_count() const { return orphans_.size(); }
  const SlotClock& clock() const { return clock_; }

 private:
  Engine(Ledger& ledger, ConsensusStore& store, Network& network, Randomness& randomness,
         uint64_t genesis_time_ms, EngineOptions options, EngineObserver* observer);

  // A block this node has just built: the verdicts of its transactions and the ledger's
  // preparation of it, which accept() uses instead of checking and preparing it again (when
  // the preparation is for the same parent and context; otherwise it prepares afresh).
  struct OwnBlock {
    std::vector<VerifiedSender> checked;
    std::optional<PreparedBlock> prepared;
  };
  // The transactions chosen for a block, and their verdicts (one each, in order).
  struct Selection {
    std::vector<v1::SignedTransaction> txs;
    std::vector<VerifiedSender> checked;
  };

  Status load(const v1::ActiveSetState& genesis_sets);
  Verdict on_block(int from, std::shared_ptr<const v1::Block> block, OwnBlock* own = nullptr);
  Verdict on_vote(const v1::SignedBlockVote& vote);
  Verdict on_evidence(const v1::Evidence& evidence);
  Verdict on_transaction(int from, const v1::SignedTransaction& tx);
  // The mempool's check of `tx` on the head (the ledger is moved back to it if a fork took it
  // elsewhere); what it pushed out is reported.
  Admission admit(const v1::SignedTransaction& tx);
  // What a transaction is checked against: the ledger's head state and the block after it.
  HeadState head_state() const;
  // The mempool follows the head after `block` was committed: a block on the state it was
  // last checked on takes out the block's transactions and checks its senders again; after
  // any other move (a fork switch) every sender is checked. A block that is not the head only
  // takes its transactions out.
  void recheck_mempool(const BlockNode& block);
  // Takes back the transactions save_mempool() wrote, if any (open()); a damaged file is
  // logged and ignored.
  void load_mempool();
  // Tells the observer of transactions that left the mempool.
  void report(const std::vector<Dropped>& dropped);
  // Records a node fault (node_fault()), logged at error level.
  void fault(const Status& why);
  // Publishes the ledger's head (and so its final block) to options_.views, if set.
  void publish_views();

  // Validates `block` on `parent` and applies it: kAccepted with `out` set, or why not
  // (kInvalid, or kNodeFault when our own stores failed). `own` (optional): see OwnBlock.
  Verdict accept(BlockNode& parent, const Hash256& hash, std::shared_ptr<const v1::Block> block,
                 BlockNode*& out, OwnBlock* own = nullptr);
  // The header checks that need no state and that the block hash fixes: height, slot, time,
  // producer, QC. Sets `justify` and `voters`.
  Status check_header(BlockNode& parent, const v1::BlockHeader& header, BlockNode*& justify,
                      std::shared_ptr<const ActiveSet>& voters) const;
  // The producer's signature on the header (which the block hash does not fix).
  Status check_header_signature(const Hash256& hash, const v1::BlockHeader& header,
                                const std::string& signature, const ActiveSet& voters) const;
  std::shared_ptr<const ActiveSet> voters_for(const BlockNode& parent,
                                              const BlockNode& header_final) const;
  // Moves the ledger's head to `target` (undoing and re-applying non-final blocks).
  Status switch_ledger(BlockNode& target);
  // The ledger's preparation of `header`'s block on the ledger's head (which must be its
  // parent), with the final height its header chain gives. `checked` (optional) is
  // check_transactions(txs); without it the transactions are checked here.
  Result<PreparedBlock> prepare(const v1::BlockHeader& header, const BlockNode& header_final,
                                std::span<const v1::SignedTransaction> txs,
                                const std::vector<VerifiedSender>* checked = nullptr);
  BlockContext context_of(const v1::BlockHeader& header, const BlockNode& header_final) const;
  // Shape and signature of every transaction, and its sender: on verify_threads threads for
  // a block of 64 transactions or more. The verdicts do not depend on the thread count.
  // Transactions the mempool holds take its verdicts instead (KnownVerdicts).
  std::vector<VerifiedSender> check_transactions(std::span<const v1::SignedTransaction> txs) const;
  // Adds a block check's verdicts to the stats: verified here, or known from the mempool.
  void count_checks(const std::vector<VerifiedSender>& checked);
  // The checks of block `hash`'s transactions: those begun while its parent was applied
  // (ahead_, catch-up) when they are for this body, else begun now on verify_threads - 1
  // helpers (none for a block under 64 transactions), the applying thread joining in.
  std::unique_ptr<BlockChecks> checks_for(const Hash256& hash,
                                          std::vector<v1::SignedTransaction> txs);

  void maybe_vote(BlockNode& node);
  // Whether the vote was new (not counted before).
  bool count_vote(BlockNode& node, size_t member, const v1::SignedBlockVote& vote);
  void note_qc(BlockNode& node, const v1::QuorumCertificate& qc);
  void advance_final(BlockNode& block);
  // `from`: the peer that sent it, or -1 for this node's own block.
  void after_accept(BlockNode& node, int from);
  void add_evidence(v1::Evidence evidence);
  v1::SignedTransaction evidence_transaction(const v1::Evidence& evidence, uint64_t nonce,
                                             uint64_t expiry_height);
  void produce(uint64_t slot);
  // The transactions a block for `slot` on `parent` gets: evidence first, then the mempool in
  // its block order (Mempool::visit_in_block_order), each kept only if it applies on top of
  // the ones before; within budget.
  // Mempool transactions are applied with the verdict of their check on the way in: their
  // signatures are not verified again.
  Selection select_transactions(BlockNode& parent, uint64_t slot);
  // The block a new block on `parent` carries the QC on: the newest QC, or the newest on
  // `parent`'s own chain when the newest is elsewhere.
  const BlockNode& justify_for(const BlockNode& parent) const;

  Ledger& ledger_;
  ConsensusStore& store_;
  Network& network_;
  Randomness& randomness_;
  SlotClock clock_;
  EngineOptions options_;
  EngineObserver* observer_;
  uint64_t now_ms_ = 0;

  std::unique_ptr<BlockTree> tree_;
  BlockNode* ledger_tip_ = nullptr;  // the block the ledger's state is after
  BlockNode* final_ = nullptr;
  BlockNode* newest_qc_ = nullptr;   // the certified block of greatest slot on the final chain
  SafetyState safety_;

  // Votes gathered per block: member index -> signature.
  std::map<Hash256, std::vector<std::string>> votes_;
  std::map<Hash256, std::vector<v1::SignedBlockVote>> early_votes_;
  // Orphans: blocks whose parent is not known yet, by hash, and by the parent they wait on.
  std::map<Hash256, std::pair<int, std::shared_ptr<const v1::Block>>> orphans_;
  std::multimap<Hash256, Hash256> orphans_by_parent_;
  // Hashes of blocks known invalid whatever their signature and body (a failure in what the
  // hash covers: Verdict::condemns_hash()).
  std::set<Hash256> invalid_;
  std::optional<Status> node_fault_;
  // The first signed header per (producer, slot) and vote per (voter, slot): a second,
  // different one is evidence.
  std::map<std::pair<std::string, uint64_t>, v1::SignedBlockHeader> proposals_seen_;
  std::map<std::pair<std::string, uint64_t>, v1::SignedBlockVote> votes_seen_;
  EvidencePool evidence_pool_;
  Mempool mempool_;
  const BlockNode* mempool_tip_ = nullptr;  // the block the mempool was last checked after
  // Parsed sender keys, shared by the mempool's checks and the blocks' (check_transactions is
  // const: the cache changes no result).
  mutable PublicKeyCache sender_keys_{size_t{1} << 14};
  EngineStats stats_;
  // Catch-up: while a block is applied, the transactions of a child already waiting for it
  // are checked on a helper thread, so that applying one block and checking the next share
  // the two cores; the checks go on here until the child is applied (last: they use
  // sender_keys_).
  std::unique_ptr<BlockChecks> ahead_;
  Hash256 ahead_hash_{};
};

}  // namespace ans::consensus
