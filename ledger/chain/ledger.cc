#include "ledger/chain/ledger.h"

#include <algorithm>
#include <cassert>

#include "ledger/rules/genesis_state.h"
#include "ledger/state/keys.h"
#include "ledger/state/radix_tree.h"
#include "ledger/util/sorted_by_head.h"

namespace ans {
namespace {

constexpr std::string_view kChainIdKey = "\xfe" "chain-id";  // not authenticated, not 0xFF

// Tree pages live in the state's key space, written through the block's overlay.
class OverlayNodeStore final : public TreeNodeStore {
 public:
  // The tree reads its pages before it writes any, and the state transition never touches
  // them: so usually the overlay holds none yet, and reads skip it.
  explicit OverlayNodeStore(StateOverlay& overlay)
      : overlay_(overlay), read_parent_(!overlay.touches_prefix("T")) {}
  // Tree pages carry no undo data, so their reads need not be remembered for it.
  std::optional<std::string> get_page(const std::string& key) const override {
    return read_parent_ ? overlay_.parent().get(key) : overlay_.get_unrecorded(key);
  }
  void put_page(const std::string& key, std::string page) override {
    read_parent_ = false;
    overlay_.put(key, std::move(page));
  }
  void delete_page(const std::string& key) override {
    read_parent_ = false;
    overlay_.erase(key);
  }

 private:
  StateOverlay& overlay_;
  bool read_parent_;  // no page in the overlay yet
};

// The first 8 bytes of `key` as a big-endian number (be_word).
uint64_t key_head(std::string_view key) { return be_word(key, 0); }

// A block's tree update (LevelDB layout): pages are read from the store under the block's
// overlay and written to a list of their own, which the commit merges into the block's batch.
// The pages never enter the overlay's maps, which hold every other key of the block.
// REQUIRES: the overlay has no tree pages (the state transition never writes any). One
// update per collector: reads after writes (the new root) search the written list.
class PageCollector final : public TreeNodeStore {
 public:
  explicit PageCollector(const StateOverlay& overlay) : parent_(overlay.parent()) {}
  std::optional<std::string> get_page(const std::string& key) const override {
    for (auto it = writes_.rbegin(); it != writes_.rend(); ++it) {
      if (it->first == key) return to_owned(it->second);
    }
    return parent_.get(key);
  }
  void put_page(const std::string& key, std::string page) override { writes_.append(key, page); }
  void delete_page(const std::string& key) override { writes_.append(key, std::nullopt); }
  // The pages written, sorted by key (a tree update writes each page at most once).
  WriteList take_sorted() {
    writes_.sort_by_key();
    return std::exchange(writes_, {});
  }

 private:
  const StateReader& parent_;
  WriteList writes_;
};

// Read-only access for proofs against a committed or historical state.
class ReaderNodeStore final : public TreeNodeStore {
 public:
  explicit ReaderNodeStore(const StateReader& reader) : reader_(reader) {}
  std::optional<std::string> get_page(const std::string& key) const override { return reader_.get(key); }
  // Proving never writes; a write here is a programming error, made harmless.
  void put_page(const std::string&, std::string) override { assert(false); }
  void delete_page(const std::string&) override { assert(false); }

 private:
  const StateReader& reader_;
};

// A historical state with its tree rebuilt: the undo values of the blocks above it laid over
// the head, and the tree updated with them in an overlay (tree nodes keep no undo data).
class LedgerView final : public StateReader {
 public:
  explicit LedgerView(std::unique_ptr<HistoricalState> state)
      : state_(std::move(state)), overlay_(*state_) {}
  Status rebuild_tree() {
    OverlayNodeStore nodes(overlay_);
    RadixTree tree(nodes);
    return tree.apply(tree_changes(state_->restored()));
  }
  std::optional<std::string> get(std::string_view key) const override { return overlay_.get(key); }
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override {
    overlay_.scan(prefix, start, limit, visit);
  }
  Status status() const override { return overlay_.status(); }

 private:
  std::unique_ptr<HistoricalState> state_;
  StateOverlay overlay_;
};

Result<Hash256> root_of(const StateReader& reader) {
  ReaderNodeStore nodes(reader);
  RadixTree tree(nodes);
  auto root = tree.root_hash();
  if (!root) return root.status();
  ANS_RETURN_IF_ERROR(reader.status());
  return root;
}

}  // namespace

namespace {

// The authenticated keys' changes, sorted by key hash. Each key is in `writes` once, so each
// key hash is too (two keys with one SHA-256 would be a collision).
template <typename Writes>
std::vector<TreeChange> changes_of(const Writes& writes) {
  // The authenticated writes' key and value hashes, two at a time (sha256_x2).
  std::vector<const typename Writes::value_type*> authenticated;
  authenticated.reserve(writes.size());
  for (const auto& write : writes) {
    if (keys::is_authenticated(write.first)) authenticated.push_back(&write);
  }
  std::vector<TreeChange> changes(authenticated.size());
  std::vector<size_t> valued;  // the changes that set a value
  valued.reserve(authenticated.size());
  for (size_t i = 0; i < authenticated.size(); ++i) {
    if (authenticated[i]->second) valued.push_back(i);
  }
  for (size_t i = 0; i < authenticated.size(); i += 2) {
    if (i + 1 == authenticated.size()) {
      changes[i].kh = sha256(as_bytes(authenticated[i]->first));
      break;
    }
    sha256_x2(as_bytes(authenticated[i]->first), as_bytes(authenticated[i + 1]->first),
              changes[i].kh, changes[i + 1].kh);
  }
  for (size_t n = 0; n < valued.size(); n += 2) {
    const size_t i = valued[n];
    if (n + 1 == valued.size()) {
      changes[i].value_hash = sha256(as_bytes(*authenticated[i]->second));
      break;
    }
    const size_t j = valued[n + 1];
    Hash256 hi, hj;
    sha256_x2(as_bytes(*authenticated[i]->second), as_bytes(*authenticated[j]->second), hi, hj);
    changes[i].value_hash = hi;
    changes[j].value_hash = hj;
  }
  // Key hashes are uniform: their first 8 bytes almost always decide.
  return sorted_by_head(
      changes,
      [](const TreeChange& c) {
        return key_head(std::string_view(reinterpret_cast<const char*>(c.kh.data()), 8));
      },
      [](const TreeChange& a, const TreeChange& b) { return a.kh < b.kh; });
}

}  // namespace

std::vector<TreeChange> tree_changes(const WriteLog& writes) { return changes_of(writes); }
std::vector<TreeChange> tree_changes(const WriteSet& writes) { return changes_of(writes); }

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& path, const GenesisConfig& genesis,
                                             const ChainId& chain_id, const StateDbOptions& options) {
  StateDbOptions store_options = options;
  if (!options.memory_state) {
    store_options.undo_exempt_prefix = "T";  // tree pages: rebuilt from the state on undo
    // Every block reads and rewrites the tree's upper levels. The pages whose top is at
    // depth 16 or above (keys of at most 2 + 2 bytes) stay in memory: at most 69,905 pages
    // of at most 964 bytes, about 70 MB when all are full (a tree of millions of keys).
    store_options.cached_prefix = "T";
    store_options.cached_key_max_bytes = 4;
  }
  // The memory layout keeps no tree pages (its tree is a MemoryTree), and keeps in key order
  // only what the rules and queries scan: not the name records ("N") or commitments ("C"),
  // which are only read by key.
  store_options.unordered_prefixes = {"N", "C"};
  auto db = StateDb::open(path, store_options);
  if (!db) return db.status();
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(db).value(), genesis, chain_id));
  StateDb& store = *ledger->db_;
  std::string id(chain_id.begin(), chain_id.end());
  if (store.has_head()) {
    auto stored = store.get(kChainIdKey);
    ANS_RETURN_IF_ERROR(store.status());
    if (!stored) {
      return Status(Errc::kCorruption, "the state store at " + path +
                                           " is damaged or not an ANS store: it has no chain id");
    }
    if (*stored != id) {
      return Status(Errc::kInvalidArgument,
                    "the state store at " + path + " belongs to another chain (chain id " +
                        to_hex(as_bytes(*stored)) +
                        ", expected " + to_hex(chain_id) + ")");
    }
    if (store.memory_state()) ANS_RETURN_IF_ERROR(ledger->build_memory_tree());
    return ledger;
  }
  StateOverlay genesis_state(store);
  ANS_RETURN_IF_ERROR(apply_genesis(genesis, genesis_state));
  if (!store.memory_state()) {
    OverlayNodeStore nodes(genesis_state);
    RadixTree tree(nodes);
    ANS_RETURN_IF_ERROR(tree.apply(tree_changes(genesis_state.write_log())));
  }
  genesis_state.put(kChainIdKey, id);
  ANS_RETURN_IF_ERROR(store.commit_final_block(0, chain_id, genesis_state.writes()));
  if (store.memory_state()) ANS_RETURN_IF_ERROR(ledger->build_memory_tree());
  return ledger;
}

Status Ledger::build_memory_tree() {
  // The store holds no tree pages: the tree's shape is a function of the state, so it is
  // built from the state as it now is.
  std::vector<TreeChange> all;
  all.reserve(db_->keys_in_memory());
  db_->for_each_in_memory([&](std::string_view key, std::string_view value) {
    if (keys::is_authenticated(key)) {
      all.push_back(TreeChange{sha256(as_bytes(key)), sha256(as_bytes(value))});
    }
  });
  std::sort(all.begin(), all.end(),
            [](const TreeChange& a, const TreeChange& b) { return a.kh < b.kh; });
  auto tree = std::make_unique<LiveTree>();
  ANS_RETURN_IF_ERROR(tree->tree.apply(all));
  tree->height = db_->head_height();
  live_tree_ = std::move(tree);  // at opening: no view has the old one
  staged_for_ = 0;
  return Status::ok();
}

MemoryTree& Ledger::head_tree() const {
  if (live_tree_->tree.staged()) {
    ViewLock::Exclusive lock(live_tree_->lock);
    live_tree_->tree.unstage();
  }
  staged_for_ = 0;
  return live_tree_->tree;
}

Status Ledger::with_tree_at(uint64_t height,
                            const std::function<Status(const MemoryTree&)>& use) const {
  MemoryTree& tree = head_tree();
  if (height == db_->head_height()) return use(tree);
  auto state = db_->view_at(height);
  if (!state) return state.status();
  {
    ViewLock::Exclusive lock(live_tree_->lock);
    ANS_RETURN_IF_ERROR(tree.stage(tree_changes((*state)->restored())));
  }
  Status st = use(tree);
  ViewLock::Exclusive lock(live_tree_->lock);
  tree.unstage();
  return st;
}

Result<Hash256> Ledger::state_root() const {
  if (live_tree_) return live_tree_->tree.unstaged_root();
  return root_of(*db_);
}

Result<Hash256> Ledger::state_root_at(uint64_t height) const {
  if (height == db_->head_height()) return state_root();
  if (live_tree_) {
    Hash256 root{};
    ANS_RETURN_IF_ERROR(with_tree_at(height, [&root](const MemoryTree& tree) {
      root = tree.root_hash();
      return Status::ok();
    }));
    return root;
  }
  auto view = view_at(height);
  if (!view) return view.status();
  return root_of(**view);
}

Result<std::unique_ptr<StateReader>> Ledger::view_at(uint64_t height) const {
  auto state = db_->view_at(height);
  if (!state) return state.status();
  if (live_tree_) return std::unique_ptr<StateReader>(std::move(state).value());
  auto view = std::make_unique<LedgerView>(std::move(state).value());
  ANS_RETURN_IF_ERROR(view->rebuild_tree());
  return std::unique_ptr<StateReader>(std::move(view));
}

Status Ledger::undo_head_block() {
  auto restore = db_->head_undo();
  if (!restore) return restore.status();
  if (live_tree_) {
    MemoryTree& tree = head_tree();
    // Held across the store's undo: a view's proof reverses the blocks above it on the tree,
    // and the tree and the store's history must name the same head while it does.
    ViewLock::Exclusive lock(live_tree_->lock);
    ANS_RETURN_IF_ERROR(tree.stage(tree_changes(*restore)));
    if (Status st = db_->undo_head_block({}); !st) {
      tree.unstage();
      return st;
    }
    tree.keep_staged();
    live_tree_->height = db_->head_height();
    return Status::ok();
  }
  StateOverlay rebuilt(*db_);
  for (const auto& [key, value] : *restore) {
    if (value) {
      rebuilt.put(key, *value);
    } else {
      rebuilt.erase(key);
    }
  }
  OverlayNodeStore nodes(rebuilt);
  RadixTree tree(nodes);
  ANS_RETURN_IF_ERROR(tree.apply(tree_changes(*restore)));
  ANS_RETURN_IF_ERROR(rebuilt.status());
  WriteSet tree_writes;
  for (const auto& [key, value] : rebuilt.take_writes()) {
    if (!key.empty() && key[0] == 'T') tree_writes.emplace(std::string(key), to_owned(value));
  }
  return db_->undo_head_block(tree_writes);
}

Result<PreparedBlock> Ledger::prepare_block(const BlockContext& context,
                                            std::span<const v1::SignedTransaction> txs,
                                            const std::vector<VerifiedSender>* verified) const {
  return prepare_with(context, txs.size(), [&](const ApplyEnv& env, StateOverlay& block_state) {
    return apply_block(env, context, block_state, txs, verified);
  });
}

Result<PreparedBlock> Ledger::prepare_block(const BlockContext& context,
                                            std::span<const v1::SignedTransaction> txs,
                                            VerdictSource& verdicts) const {
  return prepare_with(context, txs.size(), [&](const ApplyEnv& env, StateOverlay& block_state) {
    return apply_block(env, context, block_state, txs, verdicts);
  });
}

Result<PreparedBlock> Ledger::prepare_with(
    const BlockContext& context, size_t txs,
    const std::function<Result<BlockOutcome>(const ApplyEnv&, StateOverlay&)>& transition) const {
  // A read error recorded before belongs to work that was given up: this block reads afresh.
  db_->clear_read_error();
  StateOverlay block_state(*db_);
  // A name registration reads and writes about eight keys; other transactions fewer.
  block_state.reserve(8 * txs);
  ApplyEnv env{genesis_.params, chain_id_};
  auto outcome = transition(env, block_state);
  if (!outcome) {
    // A rule that saw a failed read saw wrong data: report the store, not the block.
    if (Status io = block_state.status(); !io) return io;
    return outcome.status();
  }
  if (block_state.touches_prefix("T")) {
    return Status(Errc::kCorruption, "the state transition touched the tree's own keys");
  }
  PreparedBlock out;
  if (live_tree_) {
    // Staged in the tree: a commit of this block keeps them, anything else puts them back.
    ANS_RETURN_IF_ERROR(block_state.status());
    out.tree_changes = tree_changes(block_state.write_log());
    MemoryTree& tree = head_tree();
    {
      ViewLock::Exclusive lock(live_tree_->lock);
      ANS_RETURN_IF_ERROR(tree.stage(out.tree_changes));
    }
    out.tree_stage = staged_for_ = ++stages_;
    out.state_root = tree.root_hash();
  } else {
    PageCollector pages(block_state);
    RadixTree tree(pages);
    ANS_RETURN_IF_ERROR(tree.apply(tree_changes(block_state.write_log())));
    auto root = tree.root_hash();
    if (!root) return root.status();
    ANS_RETURN_IF_ERROR(block_state.status());
    out.tree_writes = pages.take_sorted();
    out.state_root = *root;
  }
  out.context = context;
  out.parent_hash = db_->head_hash();
  out.writes = block_state.take_writes();
  out.read_before = block_state.take_parent_reads();
  out.first_writes = block_state.take_first_writes();
  out.tx_ids = std::move(outcome->tx_ids);
  return out;
}

Status Ledger::commit_block(const PreparedBlock& block, const Hash256& block_hash) {
  if (block.parent_hash != db_->head_hash() || block.context.height != db_->head_height() + 1) {
    return Status(Errc::kInvalidArgument, "block " + std::to_string(block.context.height) +
                                              " was prepared on another head");
  }
  if (!live_tree_) {
    return db_->commit_block(block.context.height, block_hash, block.writes, &block.first_writes,
                             &block.tree_writes);
  }
  MemoryTree& tree = live_tree_->tree;
  if (block.tree_stage == 0 || block.tree_stage != staged_for_) {
    // Another block's changes were staged since (or none are): stage this one's again.
    head_tree();
    ViewLock::Exclusive lock(live_tree_->lock);
    ANS_RETURN_IF_ERROR(tree.stage(block.tree_changes));
    if (tree.root_hash() != block.state_root) {
      tree.unstage();
      return Status(Errc::kCorruption, "block " + std::to_string(block.context.height) +
                                           "'s tree changes do not give its state root");
    }
  }
  staged_for_ = 0;
  // The staged batch stays while the store commits: views that see the new block in the
  // store and the tree still at the block below reverse the batch (tree.staged_reverse()).
  if (Status st = db_->commit_block(block.context.height, block_hash, block.writes,
                                    &block.first_writes, nullptr);
      !st) {
    ViewLock::Exclusive lock(live_tree_->lock);
    tree.unstage();
    return st;
  }
  ViewLock::Exclusive lock(live_tree_->lock);
  tree.keep_staged();
  live_tree_->height = block.context.height;
  return Status::ok();
}

Result<ProvenRead> Ledger::prove(std::string_view state_key, std::optional<uint64_t> height) const {
  const uint64_t at = height.value_or(db_->head_height());
  std::unique_ptr<StateReader> view;
  const StateReader* reader = db_.get();
  if (at != db_->head_height()) {
    auto v = view_at(at);
    if (!v) return v.status();
    view = std::move(v).value();
    reader = view.get();
  }
  ProvenRead out;
  out.height = at;
  out.value = reader->get(state_key);
  ANS_RETURN_IF_ERROR(reader->status());
  const Hash256 key_hash = sha256(as_bytes(state_key));
  if (live_tree_) {
    // The memory layout keeps no tree pages: the linked tree, staged back to `at`, proves.
    ANS_RETURN_IF_ERROR(with_tree_at(at, [&](const MemoryTree& tree) {
      out.state_root = tree.root_hash();
      auto proof = tree.prove(key_hash, out.value);
      if (!proof) return proof.status();
      out.proof = std::move(proof).value();
      return Status::ok();
    }));
    return out;
  }
  ReaderNodeStore nodes(*reader);
  RadixTree tree(nodes);
  auto root = tree.root_hash();
  if (!root) return root.status();
  out.state_root = *root;
  auto proof = tree.prove(key_hash, out.value);
  if (!proof) return proof.status();
  ANS_RETURN_IF_ERROR(reader->status());
  out.proof = std::move(proof).value();
  return out;
}

Result<std::shared_ptr<const ReadView>> Ledger::read_view() const {
  auto state = db_->snapshot();
  if (!state) return state.status();
  auto root = state_root();
  if (!root) return root.status();
  return std::make_shared<const ReadView>(std::move(state).value(), *root, live_tree_.get());
}

}  // namespace ans
