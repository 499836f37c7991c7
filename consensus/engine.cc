#include "consensus/engine.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "consensus/mempool_file.h"
#include "ledger/state/keys.h"
#include "ledger/state/ledger_state.h"
#include "ledger/util/atomic_file.h"

namespace ans::consensus {
namespace {

std::optional<Hash256> hash_field(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Hash256 h{};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// Protobuf's repeated field is not contiguous; the ledger takes a span.
std::vector<v1::SignedTransaction> transactions_of(const v1::Block& block) {
  return {block.transactions().begin(), block.transactions().end()};
}

// Forgetting an invalid block only costs validating it again if it comes back.
constexpr size_t kMaxInvalidRemembered = 100'000;

// Blocks with fewer transactions are checked on the calling thread alone.
constexpr size_t kParallelFrom = 64;

}  // namespace

// The checks of one block's transactions (shape, signature, sender), begun on helper threads
// at once and read as they come: the block can be applied while they go on, the applying
// thread checking what the helpers have not claimed yet (SenderVerification). For a child
// waiting on the block being applied (catch-up), the helper first sees whether the body is
// the one its header commits to: verdicts for another body must not stand for this one.
class BlockChecks {
 public:
  BlockChecks(const ChainId& chain_id, std::vector<v1::SignedTransaction> txs, unsigned helpers,
              PublicKeyCache& keys, const KnownVerdicts* known,
              std::optional<std::string> tx_root = std::nullopt)
      : txs_(std::move(txs)), job_(chain_id, txs_, &keys, known) {
    if (!tx_root) {
      body_.store(kMatches);
    } else if (helpers == 0) {
      body_.store(to_field(transactions_root(txs_)) == *tx_root ? kMatches : kDiffers);
    }
    for (unsigned h = 0; h < helpers; ++h) {
      helpers_.emplace_back([this, root = h == 0 ? tx_root : std::nullopt] {
        if (root) {
          body_.store(to_field(transactions_root(txs_)) == *root ? kMatches : kDiffers);
          body_.notify_all();
        }
        job_.work();
      });
    }
  }
  BlockChecks(const BlockChecks&) = delete;
  BlockChecks& operator=(const BlockChecks&) = delete;
  ~BlockChecks() {
    job_.abandon();
    join();
  }

  // Whether the body is the one the header commits to (waits for the helper to know).
  bool body_matches() {
    body_.wait(kUnknown);
    return body_.load() == kMatches;
  }
  const std::vector<v1::SignedTransaction>& txs() const { return txs_; }
  SenderVerification& verdicts() { return job_; }
  // Waits for the helpers (they stop once nothing is left to claim).
  void join() {
    for (auto& h : helpers_) {
      if (h.joinable()) h.join();
    }
  }

 private:
  static constexpr int kUnknown = 0, kMatches = 1, kDiffers = 2;
  // Both before job_, which reads txs_, and the helpers, which start once they are built.
  std::vector<v1::SignedTransaction> txs_;
  std::atomic<int> body_{kUnknown};
  SenderVerification job_;
  std::vector<std::thread> helpers_;
};

namespace {

std::string short_hex(const Hash256& h) { return to_hex(ByteView(h.data(), 4)); }

// The active sets in the state after a prepared block: its own write of them, or else the
// parent's (unchanged).
v1::ActiveSetState active_sets_after(const PreparedBlock& prepared, const v1::ActiveSetState& parent) {
  const std::optional<std::string_view>* written = find_write(prepared.writes, keys::kActiveSets);
  if (written == nullptr || !*written) return parent;
  v1::ActiveSetState sets;
  if (!sets.ParseFromArray((*written)->data(), static_cast<int>((*written)->size()))) {
    return parent;  // we wrote it: cannot happen
  }
  return sets;
}

bool same_members(const ActiveSet& set,
                  const google::protobuf::RepeatedPtrField<v1::ActiveSetMember>& members) {
  if (set.size() != static_cast<size_t>(members.size())) return false;
  for (size_t i = 0; i < set.size(); ++i) {
    const auto& m = members[static_cast<int>(i)];
    if (set.member(i).sp_id != m.sp_id() ||
        to_field(set.member(i).signing_key.compressed()) != m.signing_key()) {
      return false;
    }
  }
  return true;
}

}  // namespace

Engine::~Engine() = default;

Engine::Engine(Ledger& ledger, ConsensusStore& store, Network& network, Randomness& randomness,
               uint64_t genesis_time_ms, EngineOptions options, EngineObserver* observer)
    : ledger_(ledger),
      store_(store),
      network_(network),
      randomness_(randomness),
      clock_(genesis_time_ms, ledger.params().block_interval_ms),
      options_(std::move(options)),
      observer_(observer),
      mempool_(options_.mempool) {
  if (options_.qc_wait_ms == 0) options_.qc_wait_ms = ledger.params().block_interval_ms / 2;
}

Result<std::unique_ptr<Engine>> Engine::open(Ledger& ledger, ConsensusStore& store,
                                             Network& network, Randomness& randomness,
                                             uint64_t genesis_time_ms, EngineOptions options,
                                             EngineObserver* observer) {
  std::unique_ptr<Engine> engine(new Engine(ledger, store, network, randomness, genesis_time_ms,
                                            std::move(options), observer));
  // The genesis block's record holds the active sets it starts with; a fresh store takes
  // them from the ledger, which is then still at the genesis block.
  const Hash256& genesis_hash = ledger.chain_id();
  v1::ActiveSetState genesis_sets;
  bool have_genesis = false;
  ANS_RETURN_IF_ERROR(store.for_each_block([&](const Hash256& hash, StoredBlock b) {
    if (hash == genesis_hash) {
      genesis_sets = std::move(b.sets_after);
      have_genesis = true;
    }
  }));
  if (!have_genesis) {
    if (ledger.head_height() != 0) {
      return Status(Errc::kCorruption,
                    "the consensus store is empty but the ledger is at block " +
                        std::to_string(ledger.head_height()));
    }
    auto raw = ledger.db().get(keys::kActiveSets);
    ANS_RETURN_IF_ERROR(ledger.db().status());
    if (!raw || !genesis_sets.ParseFromString(*raw)) {
      return Status(Errc::kCorruption, "the genesis state has no active set");
    }
    ANS_RETURN_IF_ERROR(store.put_block(genesis_hash, StoredBlock{v1::Block(), genesis_sets}));
  }
  ANS_RETURN_IF_ERROR(engine->load(genesis_sets));
  engine->load_mempool();
  return engine;
}

Status Engine::load(const v1::ActiveSetState& genesis_sets) {
  tree_ = std::make_unique<BlockTree>(ledger_.chain_id(), genesis_sets);
  auto loaded = store_.load_safety();
  if (!loaded) return loaded.status();
  safety_ = loaded->value_or(initial_safety_state(ledger_.chain_id()));

  // Every stored block was valid when stored; insert them parents first.
  std::vector<std::pair<Hash256, StoredBlock>> blocks;
  ANS_RETURN_IF_ERROR(store_.for_each_block([&](const Hash256& hash, StoredBlock b) {
    if (hash != ledger_.chain_id()) blocks.emplace_back(hash, std::move(b));
  }));
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
    return a.second.block.header().header().height() < b.second.block.header().header().height();
  });
  for (auto& [hash, stored] : blocks) {
    const v1::BlockHeader& h = stored.block.header().header();
    auto prev = hash_field(h.prev_hash());
    BlockNode* parent = prev ? tree_->find(*prev) : nullptr;
    if (parent == nullptr) continue;  // a stored orphan branch: fetched again if needed
    BlockNode* justify = &tree_->genesis();
    if (h.has_qc()) {
      auto target = hash_field(h.qc().block_hash());
      justify = target ? tree_->find(*target) : nullptr;
      if (justify == nullptr) return Status(Errc::kCorruption, "stored block without its QC's block");
    }
    BlockNode* hfinal = BlockTree::header_final(*parent, *justify);
    auto voters = voters_for(*parent, *hfinal);
    if (!voters) return Status(Errc::kCorruption, "stored block with no valid active set");
    v1::QuorumCertificate qc = h.qc();
    bool carries_qc = h.has_qc();
    proposals_seen_.emplace(std::make_pair(h.producer(), h.slot()), stored.block.header());
    BlockNode& node = tree_->insert(hash, std::make_shared<const v1::Block>(std::move(stored.block)),
                                    *parent, *justify, std::move(voters), std::move(stored.sets_after));
    if (carries_qc) note_qc(*justify, qc);
    (void)node;
  }
  ledger_tip_ = tree_->find(ledger_.db().head_hash());
  if (ledger_tip_ == nullptr) {
    return Status(Errc::kCorruption, "the ledger's head block " + to_hex(ledger_.db().head_hash()) +
                                         " is not in the consensus store");
  }
  // The ledger's state must be the one its head block's header names: a store whose state
  // and blocks disagree (a disk fault, a hand-edited store, a bug in reopening) would make
  // this node vote against everyone else; refuse to start instead.
  if (!ledger_tip_->is_genesis()) {
    auto root = ledger_.state_root();
    if (!root) return root.status();
    if (to_field(*root) != ledger_tip_->block->header().header().state_root()) {
      return Status(Errc::kCorruption,
                    "the ledger's state root " + to_hex(*root) + " at block " +
                        std::to_string(ledger_tip_->height) +
                        " is not the one its header names; the state store is damaged "
                        "(restore it from a snapshot or resync)");
    }
  }
  final_ = ledger_tip_;
  mempool_tip_ = ledger_tip_;
  while (final_->height > ledger_.final_height()) final_ = final_->parent;
  // QCs noted while loading may point past the ledger's final block: apply them now.
  BlockNode* qc_block = newest_qc_;
  newest_qc_ = nullptr;
  if (qc_block != nullptr && BlockTree::extends(*qc_block, *final_)) newest_qc_ = qc_block;
  publish_views();
  return Status::ok();
}

void Engine::publish_views() {
  if (options_.views == nullptr) return;
  auto view = ledger_.read_view();
  if (!view) {
    fault(Status(view.status().code(), "cannot make a read view: " + view.status().message()));
    return;
  }
  std::string header =
      ledger_tip_->is_genesis() ? std::string() : ledger_tip_->block->header().SerializeAsString();
  options_.views->publish((*view)->with_header(std::move(header)), ledger_.final_height());
}

const BlockNode& Engine::head() const { return tree_->head(*final_, newest_qc_); }

// ---------------------------------------------------------------- messages

Verdict Engine::on_message(int from, const Message& message, uint64_t now_ms) {
  now_ms_ = std::max(now_ms_, now_ms);
  switch (message.kind) {
    case Message::Kind::kBlock:
      if (!message.block) return Verdict::invalid(Status(Errc::kInvalidArgument, "a block message without a block"));
      return on_block(from, message.block);
    case Message::Kind::kVote: {
      Verdict v = on_vote(message.vote);
      if (v.is(Verdict::Kind::kAccepted)) network_.relay(from, message);
      return v;
    }
    case Message::Kind::kEvidence: {
      Verdict v = on_evidence(message.evidence);
      if (v.is(Verdict::Kind::kAccepted)) network_.relay(from, message);
      return v;
    }
    case Message::Kind::kBlockRequest: {
      const BlockNode* node = tree_->find(message.request);
      if (node == nullptr || node->is_genesis()) return Verdict::ignored();
      network_.send(from, Message::of(node->block));
      return Verdict::accepted();
    }
    case Message::Kind::kTransaction: return on_transaction(from, message.transaction);
  }
  return Verdict::invalid(Status(Errc::kInvalidArgument, "unknown message kind"));
}

void Engine::fault(const Status& why) {
  if (!node_fault_) {
    spdlog::error("node fault: {}; not voting or producing until the store works again",
                  why.to_string());
  }
  node_fault_ = why;
}

Verdict Engine::on_block(int from, std::shared_ptr<const v1::Block> block, OwnBlock* own) {
  const v1::BlockHeader& header = block->header().header();
  Hash256 hash = block_hash(header);
  if (tree_->find(hash) != nullptr || orphans_.count(hash) != 0) return Verdict::ignored();
  if (invalid_.count(hash) != 0) {
    return Verdict::invalid(Status(Errc::kInvalidArgument, "block " + short_hex(hash) + " is known invalid"),
                            true);
  }
  auto prev = hash_field(header.prev_hash());
  if (!prev) {
    ++stats_.blocks_rejected;
    return Verdict::invalid(Status(Errc::kBadLength, "prev_hash must be 32 bytes"), true);
  }
  BlockNode* parent = tree_->find(*prev);
  if (parent == nullptr) {
    if (orphans_.size() >= options_.max_orphans) {
      // Full (a peer sending blocks nobody can connect, or a long catch-up): start over.
      // Genuine orphans are asked for again when their descendants arrive.
      orphans_.clear();
      orphans_by_parent_.clear();
    }
    orphans_.emplace(hash, std::make_pair(from, std::move(block)));
    orphans_by_parent_.emplace(*prev, hash);
    // Ask for the oldest missing ancestor we know of.
    Hash256 want = *prev;
    for (auto it = orphans_.find(want); it != orphans_.end(); it = orphans_.find(want)) {
      auto p = hash_field(it->second.second->header().header().prev_hash());
      if (!p) break;
      want = *p;
    }
    network_.send(from, Message::request_for(want));
    return Verdict::not_yet(Status(Errc::kNotFound, "parent " + short_hex(*prev) + " not known yet"));
  }
  if (!BlockTree::extends(*parent, *final_)) return Verdict::ignored();  // a branch off the final chain: dead
  if (clock_.slot_start_ms(header.slot()) > now_ms_ + options_.max_clock_skew_ms) {
    // From the future: not invalid, just early; it will be offered again.
    return Verdict::not_yet(Status(Errc::kInvalidArgument,
                                   "slot " + std::to_string(header.slot()) + " has not begun"));
  }
  BlockNode* node = nullptr;
  // A copy, not a move: `header` points into the block, and a rejected block would be
  // freed inside accept() while the log line below still reads it.
  Verdict verdict = accept(*parent, hash, block, node, own);
  if (verdict.is(Verdict::Kind::kNodeFault)) {
    fault(verdict.reason());
    return verdict;
  }
  if (!verdict.is(Verdict::Kind::kAccepted)) {
    ++stats_.blocks_rejected;
    if (verdict.condemns_hash()) {
      if (invalid_.size() >= kMaxInvalidRemembered) invalid_.clear();
      invalid_.insert(hash);
    }
    spdlog::debug("rejected block {} at height {} slot {}: {}", short_hex(hash), header.height(),
                  header.slot(), verdict.reason().to_string());
    return verdict;
  }
  node_fault_.reset();  // the stores took a block: they work
  after_accept(*node, from);
  return verdict;
}

void Engine::after_accept(BlockNode& node, int from) {
  ++stats_.blocks_accepted;
  if (from < 0) {
    network_.broadcast(Message::of(node.block));
  } else {
    network_.relay(from, Message::of(node.block));
  }
  const v1::BlockHeader& header = node.block->header().header();
  if (header.has_qc()) note_qc(*node.justify, header.qc());
  recheck_mempool(node);
  maybe_vote(node);

  auto early = early_votes_.find(node.hash);
  if (early != early_votes_.end()) {
    std::vector<v1::SignedBlockVote> votes = std::move(early->second);
    early_votes_.erase(early);
    for (const auto& v : votes) on_vote(v);
  }
  // Children that were waiting for this block.
  std::vector<std::pair<int, std::shared_ptr<const v1::Block>>> waiting;
  auto [lo, hi] = orphans_by_parent_.equal_range(node.hash);
  for (auto it = lo; it != hi; ++it) {
    auto orphan = orphans_.find(it->second);
    if (orphan != orphans_.end()) {
      waiting.push_back(std::move(orphan->second));
      orphans_.erase(orphan);
    }
  }
  orphans_by_parent_.erase(lo, hi);
  for (auto& [sender, child] : waiting) on_block(sender, std::move(child));
}

std::shared_ptr<const ActiveSet> Engine::voters_for(const BlockNode& parent,
                                                    const BlockNode& header_final) const {
  const v1::ActiveSetState& sets = parent.sets_after;
  bool pending = sets.pending_fixed_height() != 0 && sets.pending_fixed_height() <= header_final.height;
  const auto& members = pending ? sets.pending() : sets.active();
  if (parent.voters && same_members(*parent.voters, members)) return parent.voters;
  auto set = ActiveSet::from_members({members.begin(), members.end()});
  if (!set) return nullptr;
  return std::make_shared<const ActiveSet>(std::move(*set));
}

Status Engine::check_header(BlockNode& parent, const v1::BlockHeader& header, BlockNode*& justify,
                            std::shared_ptr<const ActiveSet>& voters) const {
  if (header.height() != parent.height + 1) {
    return Status(Errc::kInvalidArgument, "height " + std::to_string(header.height()) +
                                              " does not follow its parent's " +
                                              std::to_string(parent.height));
  }
  if (header.slot() <= parent.slot) {
    return Status(Errc::kInvalidArgument, "slot " + std::to_string(header.slot()) +
                                              " is not after its parent's");
  }
  if (header.timestamp_ms() != clock_.slot_start_ms(header.slot())) {
    return Status(Errc::kInvalidArgument, "timestamp is not the start of its slot");
  }
  if (header.next_active_set_size() != 0) {
    return Status(Errc::kInvalidArgument, "next_active_set is not used yet and must be empty");
  }
  justify = &tree_->genesis();
  if (header.has_qc()) {
    auto target = hash_field(header.qc().block_hash());
    justify = target ? tree_->find(*target) : nullptr;
    if (justify == nullptr || justify->is_genesis() || !BlockTree::extends(parent, *justify)) {
      return Status(Errc::kInvalidArgument, "the QC is not on an ancestor of the block");
    }
    if (header.qc().height() != justify->height || header.qc().slot() != justify->slot) {
      return Status(Errc::kInvalidArgument, "the QC's height or slot is not its block's");
    }
    // A QC this node already holds for that block is the same statement; checking the
    // signatures once per distinct QC is enough.
    bool known = justify->qc && justify->qc->SerializeAsString() == header.qc().SerializeAsString();
    if (!known) ANS_RETURN_IF_ERROR(verify_qc(ledger_.chain_id(), *justify->voters, header.qc()));
  }
  BlockNode* hfinal = BlockTree::header_final(parent, *justify);
  voters = voters_for(parent, *hfinal);
  if (!voters) return Status(Errc::kCorruption, "the parent's state has no valid active set");
  const ActiveSet::Member& producer =
      voters->member(producer_index(header.slot(), voters->size()));
  if (header.producer() != producer.sp_id) {
    return Status(Errc::kInvalidArgument, "slot " + std::to_string(header.slot()) + " belongs to '" +
                                              producer.sp_id + "', not '" + header.producer() + "'");
  }
  return Status::ok();
}

Status Engine::check_header_signature(const Hash256& hash, const v1::BlockHeader& header,
                                      const std::string& signature, const ActiveSet& voters) const {
  const ActiveSet::Member& producer = voters.member(producer_index(header.slot(), voters.size()));
  auto sig = signature_field(signature, "header signature");
  if (!sig) return sig.status();
  if (!producer.signing_key.verify(header_signing_hash(ledger_.chain_id(), hash), *sig)) {
    return Status(Errc::kBadSignature, "the header is not signed by its producer");
  }
  return Status::ok();
}

BlockContext Engine::context_of(const v1::BlockHeader& header, const BlockNode& header_final) const {
  BlockContext context;
  context.height = header.height();
  context.slot = header.slot();
  context.time_ms = clock_.slot_start_ms(header.slot());
  context.producer = header.producer();
  context.final_height = header_final.height;
  return context;
}

Result<PreparedBlock> Engine::prepare(const v1::BlockHeader& header, const BlockNode& header_final,
                                      std::span<const v1::SignedTransaction> txs,
                                      const std::vector<VerifiedSender>* checked) {
  const BlockContext context = context_of(header, header_final);
  if (checked) return ledger_.prepare_block(context, txs, checked);
  const std::vector<VerifiedSender> verified = check_transactions(txs);
  count_checks(verified);
  return ledger_.prepare_block(context, txs, &verified);
}

std::vector<VerifiedSender> Engine::check_transactions(
    std::span<const v1::SignedTransaction> txs) const {
  const unsigned threads =
      txs.size() >= kParallelFrom ? std::max(1u, options_.verify_threads) : 1u;
  return verify_senders(ledger_.chain_id(), txs, threads, &sender_keys_,
                        mempool_.size() == 0 ? nullptr : &mempool_);
}

std::unique_ptr<BlockChecks> Engine::checks_for(const Hash256& hash,
                                               std::vector<v1::SignedTransaction> txs) {
  std::unique_ptr<BlockChecks> ahead = std::move(ahead_);
  if (ahead && ahead_hash_ == hash && ahead->txs().size() == txs.size() && ahead->body_matches()) {
    stats_.transactions_checked_ahead += txs.size();
    return ahead;
  }
  ahead.reset();  // another block's, or another body's: its checks stop
  const unsigned helpers =
      txs.size() >= kParallelFrom ? std::max(1u, options_.verify_threads) - 1 : 0u;
  return std::make_unique<BlockChecks>(ledger_.chain_id(), std::move(txs), helpers, sender_keys_,
                                       mempool_.size() == 0 ? nullptr : &mempool_);
}

void Engine::count_checks(const std::vector<VerifiedSender>& checked) {
  for (const VerifiedSender& v : checked) ++(v.known ? stats_.transactions_known : stats_.transactions_checked);
}

Verdict Engine::accept(BlockNode& parent, const Hash256& hash, std::shared_ptr<const v1::Block> block_ptr,
                       BlockNode*& out, OwnBlock* own) {
  const v1::Block& block = *block_ptr;
  const v1::SignedBlockHeader& signed_header = block.header();
  const v1::BlockHeader& header = signed_header.header();
  BlockNode* justify = nullptr;
  std::shared_ptr<const ActiveSet> voters;
  // Everything check_header() looks at is fixed by the block hash: a failure condemns it.
  if (Status st = check_header(parent, header, justify, voters); !st) {
    if (is_storage_failure(st)) return Verdict::node_fault(st);
    return Verdict::invalid(st, true);
  }
  // The signature is not fixed by the hash (nor is the body): a relay could spoil either, so
  // failing them must not condemn the hash.
  if (Status st = check_header_signature(hash, header, signed_header.signature(), *voters); !st) {
    return Verdict::invalid(st);
  }

  // The header is genuine: a second one by this producer for this slot is evidence.
  auto key = std::make_pair(header.producer(), header.slot());
  auto seen = proposals_seen_.find(key);
  if (seen == proposals_seen_.end()) {
    proposals_seen_.emplace(key, signed_header);
  } else if (block_hash(seen->second.header()) != hash) {
    v1::Evidence ev;
    *ev.mutable_double_proposal()->mutable_first() = seen->second;
    *ev.mutable_double_proposal()->mutable_second() = signed_header;
    add_evidence(std::move(ev));
  }

  std::vector<v1::SignedTransaction> txs = transactions_of(block);
  if (header.tx_root() != to_field(transactions_root(txs))) {
    return Verdict::invalid(Status(Errc::kInvalidArgument, "tx_root does not match the transactions"));
  }
  // Shape, signature and sender of each transaction: for a block this node built, the
  // verdicts it built it with; else checked on helper threads for a large block, begun here
  // (or while its parent was applied, catching up) and taken as the application reaches each
  // transaction. The first invalid transaction in block order gets the block refused.
  const bool own_checked = own != nullptr && own->checked.size() == txs.size();
  std::unique_ptr<BlockChecks> checks;
  if (!own_checked) checks = checks_for(hash, std::move(txs));
  std::span<const v1::SignedTransaction> body = checks ? std::span(checks->txs()) : std::span(txs);
  // Catching up, a child of this block may be waiting already: its checks begin now, beside
  // this block's application, and wait for the child in ahead_.
  std::unique_ptr<BlockChecks> ahead;
  Hash256 ahead_hash{};
  if (options_.verify_threads > 1) {
    auto [lo, hi] = orphans_by_parent_.equal_range(hash);
    for (auto it = lo; it != hi && !ahead; ++it) {
      auto orphan = orphans_.find(it->second);
      if (orphan == orphans_.end()) continue;
      const v1::Block& child = *orphan->second.second;
      if (static_cast<size_t>(child.transactions_size()) < kParallelFrom) continue;
      ahead_hash = orphan->first;
      ahead = std::make_unique<BlockChecks>(ledger_.chain_id(), transactions_of(child), 1,
                                            sender_keys_, nullptr,
                                            child.header().header().tx_root());
    }
  }
  // The body is the one the header commits to: from here on the hash stands for it all.
  // Moving the ledger to the parent re-applies blocks that were valid: a failure is ours.
  if (Status st = switch_ledger(parent); !st) return Verdict::node_fault(st);
  BlockNode* hfinal = BlockTree::header_final(parent, *justify);
  // Our own block was prepared when it was built, on this parent, with this context: commit
  // that preparation rather than apply the block a second time.
  auto reusable = [&](const PreparedBlock& p) {
    return p.parent_hash == parent.hash && p.parent_hash == ledger_.db().head_hash() &&
           p.context.height == header.height() && p.context.slot == header.slot() &&
           p.context.producer == header.producer() &&
           p.context.final_height == hfinal->height &&
           p.context.time_ms == clock_.slot_start_ms(header.slot());
  };
  const bool as_built = own != nullptr && own->prepared && reusable(*own->prepared);
  Result<PreparedBlock> prepared =
      as_built ? Result<PreparedBlock>(std::move(*own->prepared))
      : checks ? ledger_.prepare_block(context_of(header, *hfinal), body, checks->verdicts())
               : prepare(header, *hfinal, body, &own->checked);
  if (checks) {
    checks->join();  // done with the mempool's verdicts before the mempool changes
    stats_.transactions_checked += checks->verdicts().checked();
    stats_.transactions_known += checks->verdicts().known();
  }
  if (!prepared) {
    // The ledger tells a store that failed underneath (kIoError, kCorruption) from a block
    // that breaks a rule.
    if (is_storage_failure(prepared.status())) return Verdict::node_fault(prepared.status());
    return Verdict::invalid(prepared.status(), true);
  }
  if (to_field(prepared->state_root) != header.state_root()) {
    return Verdict::invalid(
        Status(Errc::kInvalidArgument, "state_root does not match the state after the block"), true);
  }
  v1::ActiveSetState after = active_sets_after(*prepared, parent.sets_after);
  // The consensus store first: a block in the ledger is always in the store. The block is
  // valid from here on: a failure is ours.
  if (Status st = store_.put_block(hash, block, after); !st) return Verdict::node_fault(st);
  if (Status st = ledger_.commit_block(*prepared, hash); !st) return Verdict::node_fault(st);
  if (as_built) ++stats_.own_blocks_committed_as_built;
  BlockNode& node = tree_->insert(hash, std::move(block_ptr), parent, *justify, std::move(voters),
                                  std::move(after));
  ledger_tip_ = &node;
  publish_views();
  if (ahead) {
    ahead_ = std::move(ahead);
    ahead_hash_ = ahead_hash;
  }
  out = &node;
  return Verdict::accepted();
}

Status Engine::switch_ledger(BlockNode& target) {
  if (ledger_tip_ == &target) return Status::ok();
  ++stats_.ledger_switches;
  while (!BlockTree::extends(target, *ledger_tip_)) {
    ANS_RETURN_IF_ERROR(ledger_.undo_head_block());
    ledger_tip_ = ledger_tip_->parent;
  }
  std::vector<BlockNode*> path;
  for (BlockNode* at = &target; at != ledger_tip_; at = at->parent) path.push_back(at);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    BlockNode& node = **it;
    const v1::BlockHeader& header = node.block->header().header();
    auto prepared = prepare(header, *node.header_final, transactions_of(*node.block));
    if (!prepared) return prepared.status();
    ANS_RETURN_IF_ERROR(ledger_.commit_block(*prepared, node.hash));
    ledger_tip_ = &node;
  }
  publish_views();
  return Status::ok();
}

// ---------------------------------------------------------------- votes and QCs

void Engine::maybe_vote(BlockNode& node) {
  if (!options_.signing_key || node.is_genesis() || node_fault_) return;
  int member = node.voters->index_of(options_.sp_id);
  if (member < 0) return;
  BlockNode* lock = tree_->find(safety_.lock.hash);
  bool extends_lock = lock != nullptr && BlockTree::extends(node, *lock);
  VoteCheck check = check_vote(safety_, node.ref(), node.justify->ref(), extends_lock);
  if (check != VoteCheck::kSafe) {
    ++stats_.votes_refused;
    return;
  }
  SafetyState next = safety_;
  record_vote(next, node.ref(), node.justify->ref());
  // On disk before the vote exists anywhere else.
  if (Status st = store_.save_safety(next); !st) {
    fault(Status(st.code(), "cannot save the voter safety state: " + st.message()));
    return;
  }
  safety_ = next;
  v1::SignedBlockVote vote;
  v1::BlockVote* v = vote.mutable_vote();
  v->set_block_hash(to_field(node.hash));
  v->set_height(node.height);
  v->set_slot(node.slot);
  v->set_voter(options_.sp_id);
  vote.set_signature(to_field(
      options_.signing_key->sign(vote_signing_hash(ledger_.chain_id(), *v), randomness_.aux32())));
  ++stats_.votes_sent;
  network_.broadcast(Message::of(vote));
  count_vote(node, static_cast<size_t>(member), vote);
}

Verdict Engine::on_vote(const v1::SignedBlockVote& vote) {
  auto hash = hash_field(vote.vote().block_hash());
  if (!hash) return Verdict::invalid(Status(Errc::kBadLength, "vote.block_hash must be 32 bytes"));
  BlockNode* node = tree_->find(*hash);
  if (node == nullptr) {
    auto it = early_votes_.find(*hash);
    if (it == early_votes_.end()) {
      if (early_votes_.size() >= options_.max_early_vote_blocks) early_votes_.clear();
      it = early_votes_.emplace(*hash, std::vector<v1::SignedBlockVote>()).first;
    }
    if (it->second.size() < 2 * size_t{ledger_.params().max_active_producers}) it->second.push_back(vote);
    return Verdict::not_yet(Status(Errc::kNotFound, "a vote for block " + short_hex(*hash) +
                                                        ", not known yet"));
  }
  if (node->is_genesis()) return Verdict::invalid(Status(Errc::kInvalidArgument, "a vote for the genesis block"));
  if (vote.vote().height() != node->height || vote.vote().slot() != node->slot) {
    return Verdict::invalid(Status(Errc::kInvalidArgument, "the vote's height or slot is not its block's"));
  }
  if (Status st = verify_vote(ledger_.chain_id(), *node->voters, vote); !st) return Verdict::invalid(st);
  int member = node->voters->index_of(vote.vote().voter());

  auto key = std::make_pair(vote.vote().voter(), vote.vote().slot());
  auto seen = votes_seen_.find(key);
  if (seen == votes_seen_.end()) {
    votes_seen_.emplace(key, vote);
  } else if (seen->second.vote().block_hash() != vote.vote().block_hash()) {
    v1::Evidence ev;
    *ev.mutable_double_vote()->mutable_first() = seen->second;
    *ev.mutable_double_vote()->mutable_second() = vote;
    add_evidence(std::move(ev));
  }
  return count_vote(*node, static_cast<size_t>(member), vote) ? Verdict::accepted() : Verdict::ignored();
}

bool Engine::count_vote(BlockNode& node, size_t member, const v1::SignedBlockVote& vote) {
  auto& sigs = votes_[node.hash];
  if (sigs.size() != node.voters->size()) sigs.assign(node.voters->size(), std::string());
  if (!sigs[member].empty()) return false;
  sigs[member] = vote.signature();
  if (node.qc) return true;
  size_t count = static_cast<size_t>(std::count_if(sigs.begin(), sigs.end(),
                                                   [](const std::string& s) { return !s.empty(); }));
  if (count < node.voters->quorum()) return true;
  auto qc = assemble_qc(*node.voters, vote.vote(), sigs);
  if (!qc) return true;
  ++stats_.qcs_formed;
  note_qc(node, *qc);
  return true;
}

void Engine::note_qc(BlockNode& node, const v1::QuorumCertificate& qc) {
  if (!node.qc) node.qc = qc;
  if (final_ == nullptr) {  // still loading: remember the newest, finality comes after
    if (newest_qc_ == nullptr || node.slot > newest_qc_->slot) newest_qc_ = &node;
    return;
  }
  if (BlockTree::extends(node, *final_) && (newest_qc_ == nullptr || node.slot > newest_qc_->slot)) {
    newest_qc_ = &node;
  }
  if (BlockNode* f = BlockTree::finalized_by_qc_on(node)) advance_final(*f);
}

void Engine::advance_final(BlockNode& block) {
  if (block.height <= final_->height) {
    if (!BlockTree::extends(*final_, block) && observer_) observer_->on_conflicting_final(block, now_ms_);
    return;
  }
  if (!BlockTree::extends(block, *final_)) {
    spdlog::error("block {} at height {} meets the finality rule but conflicts with final block {}: "
                  "more than a third of the producers are faulty",
                  short_hex(block.hash), block.height, short_hex(final_->hash));
    if (observer_) observer_->on_conflicting_final(block, now_ms_);
    return;
  }
  if (!BlockTree::extends(*ledger_tip_, block)) {
    if (Status st = switch_ledger(block); !st) {
      fault(Status(st.code(), "cannot move the ledger to final block " + short_hex(block.hash) +
                                  ": " + st.message()));
      return;
    }
  }
  if (Status st = ledger_.set_final(block.height); !st) {
    fault(Status(st.code(), "cannot mark block " + std::to_string(block.height) +
                                " final: " + st.message()));
    return;
  }
  std::vector<BlockNode*> newly;
  for (BlockNode* at = &block; at != final_; at = at->parent) newly.push_back(at);
  final_ = &block;
  publish_views();
  if (newest_qc_ != nullptr && !BlockTree::extends(*newest_qc_, *final_)) newest_qc_ = nullptr;
  if (observer_) {
    for (auto it = newly.rbegin(); it != newly.rend(); ++it) observer_->on_final(**it, now_ms_);
  }
  // Equivocation records far below the final slot can no longer matter for evidence that a
  // producer would still include: keep a generous window.
  uint64_t keep_from = final_->slot > 10'000 ? final_->slot - 10'000 : 0;
  std::erase_if(proposals_seen_, [&](const auto& e) { return e.first.second < keep_from; });
  std::erase_if(votes_seen_, [&](const auto& e) { return e.first.second < keep_from; });
  std::erase_if(votes_, [&](const auto& e) {
    const BlockNode* n = tree_->find(e.first);
    return n == nullptr || n->height < final_->height;
  });
}

// ---------------------------------------------------------------- evidence

void Engine::add_evidence(v1::Evidence evidence) {
  std::string key = offence_key(evidence);
  Message message = Message::of(evidence);
  if (!evidence_pool_.add_own(std::move(evidence))) return;
  ++stats_.evidence_found;
  spdlog::warn("evidence of equivocation: {}", key);
  network_.broadcast(message);
}

Verdict Engine::on_evidence(const v1::Evidence& evidence) {
  // Checked in full by the ledger when included; here kept if it could be evidence, with its
  // signatures checked when the offender is in the head's active set.
  const BlockNode& h = head();
  const ActiveSet* voters = h.is_genesis() ? nullptr : h.voters.get();
  return evidence_pool_.add(ledger_.chain_id(), evidence, voters);
}

Verdict Engine::on_transaction(int from, const v1::SignedTransaction& tx) {
  Admission admission = admit(tx);
  switch (admission.kind()) {
    case Admission::Kind::kAdded:
      network_.relay(from, Message::of(tx));
      return Verdict::accepted();
    case Admission::Kind::kKnown: return Verdict::ignored();
    case Admission::Kind::kRefused: break;
  }
  // Whose fault the refusal is. A full pool or sender, or a gap, may take the transaction
  // later. Only what every node refuses whatever its head is the peer's: a malformed
  // transaction, a bad signature, a fee below the chain's minimum. What depends on the head
  // (a nonce or balance just used by a block, an expiry just passed, a name just taken, a
  // replacement that lost to another) may be a race between gossip and blocks.
  switch (admission.limit()) {
    case PoolLimit::kNonceGap:
    case PoolLimit::kSenderFull:
    case PoolLimit::kPoolFull: return Verdict::not_yet(admission.error());
    case PoolLimit::kUnderpriced: return Verdict::ignored();
    case PoolLimit::kNone: break;
  }
  switch (admission.rule().code()) {
    case TxError::kMalformed:
    case TxError::kBadSignature:
    case TxError::kFeeTooLow: return Verdict::invalid(admission.error());
    case TxError::kStorage: return Verdict::node_fault(admission.error());
    default: return Verdict::ignored();
  }
}

Admission Engine::admit(const v1::SignedTransaction& tx) {
  // Checked against the head: after a block off it (a fork) moved the ledger there, the
  // ledger goes back first.
  BlockNode* head_block = tree_->find(head().hash);
  if (ledger_tip_ != head_block) {
    if (Status st = switch_ledger(*head_block); !st) {
      fault(Status(st.code(), "cannot move the ledger to the head: " + st.message()));
      return Admission::refused(TxStatus(TxError::kStorage, st.to_string()), st);
    }
  }
  Admission admission = mempool_.add(head_state(), tx, &sender_keys_);
  report(admission.pushed_out());
  return admission;
}

HeadState Engine::head_state() const {
  // The next block is at the next height, in the slot after the head's or the current one,
  // whichever is later (a real block may come later still: time only adds to a commitment's
  // age or ends a jail).
  BlockContext next;
  next.height = ledger_tip_->height + 1;
  next.slot = ledger_tip_->slot + 1;
  if (auto now = clock_.slot_at(now_ms_)) next.slot = std::max(next.slot, *now);
  next.time_ms = clock_.slot_start_ms(next.slot);
  next.final_height = ledger_.final_height();
  return HeadState{ApplyEnv{ledger_.params(), ledger_.chain_id()}, ledger_.db(), next};
}

void Engine::recheck_mempool(const BlockNode& block) {
  if (&head() != &block) {
    // A block the head does not follow (a fork): its transactions leave, but the pool is
    // checked only against the head, next time a block takes the ledger back to it.
    for (const auto& stx : block.block->transactions()) mempool_.remove(transaction_id(stx.tx()));
    return;
  }
  const HeadState head = head_state();
  std::vector<Dropped> dropped = mempool_.after_block(head, *block.block);
  if (block.parent != mempool_tip_) {
    std::vector<Dropped> more = mempool_.recheck(head);
    dropped.insert(dropped.end(), more.begin(), more.end());
  }
  mempool_tip_ = &block;
  report(dropped);
}

void Engine::report(const std::vector<Dropped>& dropped) {
  if (observer_ == nullptr) return;
  for (const Dropped& d : dropped) observer_->on_dropped(d.tx_id, d.why);
}

Status Engine::save_mempool() const {
  if (options_.mempool_path.empty()) return Status::ok();
  const std::filesystem::path path(options_.mempool_path);
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
  const std::vector<v1::SignedTransaction> txs = mempool_.transactions();
  ANS_RETURN_IF_ERROR(write_file_atomically(dir, path.filename().string(),
                                            encode_mempool_file(ledger_.chain_id(), txs), Overwrite::kYes));
  spdlog::info("saved {} pending transactions to {}", txs.size(), options_.mempool_path);
  return Status::ok();
}

void Engine::load_mempool() {
  if (options_.mempool_path.empty()) return;
  auto file = read_small_file(options_.mempool_path, max_mempool_file_bytes(options_.mempool.capacity));
  if (!file) {
    if (file.status().code() != Errc::kNotFound) {
      spdlog::warn("cannot read the saved mempool: {}; starting with an empty one", file.status().to_string());
    }
    return;
  }
  auto txs = decode_mempool_file(ledger_.chain_id(), *file);
  if (!txs) {
    spdlog::warn("{}: {}; ignored, starting with an empty mempool", options_.mempool_path,
                 txs.status().to_string());
    return;
  }
  // Each is checked again on the head state, as if it had just arrived; those that no longer
  // apply (included, expired, spent) are dropped. They are not broadcast again.
  size_t taken = 0;
  std::optional<Status> first_refusal;
  for (const v1::SignedTransaction& tx : *txs) {
    Admission admission = admit(tx);
    if (admission.is_added()) {
      ++taken;
    } else if (admission.kind() == Admission::Kind::kRefused) {
      spdlog::debug("saved transaction {} not taken back: {}", short_hex(transaction_id(tx.tx())),
                    admission.error().to_string());
      if (!first_refusal) first_refusal = admission.error();
    }
  }
  spdlog::info("took back {} of {} saved pending transactions from {}{}", taken, txs->size(),
               options_.mempool_path,
               first_refusal ? "; the others no longer apply (first: " + first_refusal->to_string() + ")"
                             : std::string());
}

v1::SignedTransaction Engine::evidence_transaction(const v1::Evidence& evidence, uint64_t nonce,
                                                  uint64_t expiry_height) {
  PublicKey pub = options_.account_key->public_key();
  v1::Transaction tx;
  tx.set_sender_key(to_field(pub.compressed()));
  tx.set_nonce(nonce);
  tx.set_fee(LedgerState::amount_bytes(ledger_.params().min_tx_fee));
  tx.set_expiry_height(expiry_height);
  *tx.mutable_evidence() = evidence;
  return sign_transaction(*options_.account_key, ledger_.chain_id(), tx, randomness_.aux32());
}

// ---------------------------------------------------------------- production

void Engine::on_tick(uint64_t now_ms) {
  now_ms_ = std::max(now_ms_, now_ms);
  if (!options_.signing_key || node_fault_) return;
  auto slot = clock_.slot_at(now_ms_);
  if (!slot || *slot == 0 || *slot <= safety_.last_proposal_slot) return;
  const BlockNode& head_block = head();
  if (*slot <= head_block.slot) return;
  const BlockNode* justify = &justify_for(head_block);
  const BlockNode* hfinal = BlockTree::header_final(head_block, *justify);
  auto voters = voters_for(head_block, *hfinal);
  if (!voters || voters->member(producer_index(*slot, voters->size())).sp_id != options_.sp_id) return;
  // Carrying the QC on the block we extend is what lets it become final a slot later; wait
  // a little for it.
  if (justify != &head_block && now_ms_ < clock_.slot_start_ms(*slot) + options_.qc_wait_ms) return;
  produce(*slot);
}

std::optional<uint64_t> Engine::next_wakeup_ms() const {
  if (!options_.signing_key || node_fault_) return std::nullopt;
  // on_tick() produces in slot s when s is this node's on the head's set, s is after the
  // head's slot and the last proposal's, and (when the head has no QC yet) the QC wait of
  // s is over. Until a message changes the head, the first such moment is in one of the
  // next voters->size() slots.
  const BlockNode& head_block = head();
  const BlockNode* justify = &justify_for(head_block);
  const BlockNode* hfinal = BlockTree::header_final(head_block, *justify);
  auto voters = voters_for(head_block, *hfinal);
  if (!voters) return std::nullopt;
  const uint64_t wait = justify != &head_block ? options_.qc_wait_ms : 0;
  const auto now_slot = clock_.slot_at(now_ms_);
  uint64_t first = std::max({now_slot.value_or(0), safety_.last_proposal_slot + 1, head_block.slot + 1,
                             uint64_t{1}});
  for (uint64_t slot = first; slot < first + voters->size(); ++slot) {
    if (voters->member(producer_index(slot, voters->size())).sp_id != options_.sp_id) continue;
    return std::max(now_ms_, clock_.slot_start_ms(slot) + wait);
  }
  return std::nullopt;  // not in the set: nothing to produce until a message changes that
}

Result<bool> Engine::submit(const v1::SignedTransaction& tx) {
  Admission admission = admit(tx);
  if (admission.is_added()) network_.broadcast(Message::of(tx));
  return admission.result();
}

const BlockNode& Engine::justify_for(const BlockNode& parent) const {
  if (newest_qc_ != nullptr && BlockTree::extends(parent, *newest_qc_)) return *newest_qc_;
  for (const BlockNode* at = &parent; !at->is_genesis(); at = at->parent) {
    if (at->qc) return *at;
  }
  return tree_->genesis();
}

Engine::Selection Engine::select_transactions(BlockNode& parent, uint64_t slot) {
  Selection chosen;
  const BlockNode& justify = justify_for(parent);
  BlockContext context;
  context.height = parent.height + 1;
  context.slot = slot;
  context.time_ms = clock_.slot_start_ms(slot);
  context.producer = options_.sp_id;
  context.final_height = BlockTree::header_final(parent, justify)->height;
  ApplyEnv env{ledger_.params(), ledger_.chain_id()};
  StateOverlay block_state(ledger_.db());  // the ledger is at `parent`
  if (!begin_block(env, context, block_state)) return chosen;
  LedgerState state(block_state);
  uint64_t started = options_.monotonic_us ? options_.monotonic_us() : 0;
  auto within_budget = [&] {
    if (chosen.txs.size() >= options_.max_block_transactions) return false;
    return !options_.monotonic_us || options_.monotonic_us() - started < options_.production_budget_us;
  };
  auto keep = [&](v1::SignedTransaction stx, VerifiedSender checked) {
    chosen.txs.push_back(std::move(stx));
    chosen.checked.push_back(std::move(checked));
  };

  if (options_.account_key && !evidence_pool_.empty()) {
    EthAddress me = EthAddress::from_public_key(options_.account_key->public_key());
    for (const auto& [key, evidence] : evidence_pool_.entries()) {
      if (!within_budget()) break;
      v1::SignedTransaction stx =
          evidence_transaction(evidence, state.account(me).nonce(), context.height + 100);
      VerifiedSender checked =
          std::move(verify_senders(ledger_.chain_id(), std::span(&stx, 1), 1, &sender_keys_)[0]);
      if (apply_transaction(env, context, block_state, stx, checked)) {
        keep(std::move(stx), std::move(checked));
      } else if (ledger_.db().status()) {
        evidence_pool_.erase(key);  // already punished on this chain, or not provable
      }
    }
  }
  std::vector<Dropped> dropped;
  mempool_.visit_in_block_order([&](const Candidate& c) {
    if (!within_budget()) return Mempool::Take::kStop;
    // The mempool verified the signature and derived the sender on the way in.
    TxStatus st = apply_transaction(env, context, block_state, c.tx, c.checked);
    if (st) {
      keep(c.tx, c.checked);
      return Mempool::Take::kIncluded;
    }
    // Our store failed: the transaction may be fine; produce() sees the failure.
    if (st.code() == TxError::kStorage || !ledger_.db().status()) return Mempool::Take::kStop;
    if (st.code() == TxError::kBadNonce) {
      // Ahead of the account's, it waits for the ones before it. Behind it (an Evidence
      // transaction of this block took the nonce) it can never apply, but the next may.
      if (c.tx.tx().nonce() > state.account(c.checked.sender).nonce()) return Mempool::Take::kSenderDone;
      dropped.push_back({c.checked.tx_id, std::move(st)});
      return Mempool::Take::kSkipped;
    }
    // Anything else will not apply after what this block holds; the sender's later ones wait.
    dropped.push_back({c.checked.tx_id, std::move(st)});
    return Mempool::Take::kSenderDone;
  });
  for (const Dropped& d : dropped) mempool_.remove(d.tx_id);
  report(dropped);
  return chosen;
}

void Engine::produce(uint64_t slot) {
  BlockNode* parent = tree_->find(head().hash);
  if (Status st = switch_ledger(*parent); !st) {
    fault(Status(st.code(), "cannot produce: " + st.message()));
    return;
  }
  Selection selection = select_transactions(*parent, slot);
  if (Status st = ledger_.db().status(); !st) {
    fault(Status(st.code(), "cannot produce: " + st.message()));
    return;
  }
  size_t count = selection.txs.size();
  OwnBlock own;
  auto block = build_block(parent->hash, slot, std::move(selection.txs), &selection.checked,
                           &own.prepared);
  own.checked = std::move(selection.checked);
  if (!block) {
    if (is_storage_failure(block.status())) {
      fault(Status(block.status().code(), "cannot produce a block for slot " + std::to_string(slot) +
                                              ": " + block.status().message()));
    } else {
      spdlog::error("cannot produce a block for slot {}: {}", slot, block.status().to_string());
    }
    return;
  }
  SafetyState next = safety_;
  next.last_proposal_slot = slot;
  if (Status st = store_.save_safety(next); !st) {
    fault(Status(st.code(), "cannot save the safety state: " + st.message()));
    return;
  }
  safety_ = next;
  ++stats_.blocks_produced;
  stats_.transactions_included += count;
  on_block(-1, std::make_shared<const v1::Block>(std::move(block).value()), &own);
}

Result<v1::Block> Engine::build_block(const Hash256& parent_hash, uint64_t slot,
                                      std::vector<v1::SignedTransaction> txs,
                                      const std::vector<VerifiedSender>* checked,
                                      std::optional<PreparedBlock>* prepared_out) {
  if (checked && checked->size() != txs.size()) {
    return Status(Errc::kInvalidArgument, std::to_string(checked->size()) + " verdicts for " +
                                              std::to_string(txs.size()) + " transactions");
  }
  if (!options_.signing_key) return Status(Errc::kInvalidArgument, "not a producer");
  BlockNode* parent = tree_->find(parent_hash);
  if (parent == nullptr) return Status(Errc::kNotFound, "unknown parent block");
  if (slot <= parent->slot) return Status(Errc::kInvalidArgument, "slot not after the parent's");
  const BlockNode* justify = &justify_for(*parent);
  ANS_RETURN_IF_ERROR(switch_ledger(*parent));
  v1::BlockHeader header;
  header.set_height(parent->height + 1);
  header.set_prev_hash(to_field(parent->hash));
  header.set_slot(slot);
  header.set_timestamp_ms(clock_.slot_start_ms(slot));
  header.set_producer(options_.sp_id);
  header.set_tx_root(to_field(transactions_root(txs)));
  if (!justify->is_genesis()) *header.mutable_qc() = *justify->qc;
  const BlockNode* hfinal = BlockTree::header_final(*parent, *justify);
  auto prepared = prepare(header, *hfinal, txs, checked);
  if (!prepared) return prepared.status();
  header.set_state_root(to_field(prepared->state_root));
  if (prepared_out) *prepared_out = std::move(prepared).value();
  v1::Block block;
  v1::SignedBlockHeader* signed_header = block.mutable_header();
  *signed_header->mutable_header() = header;
  signed_header->set_signature(to_field(options_.signing_key->sign(
      header_signing_hash(ledger_.chain_id(), block_hash(header)), randomness_.aux32())));
  for (auto& tx : txs) *block.add_transactions() = std::move(tx);
  return block;
}

}  // namespace ans::consensus
