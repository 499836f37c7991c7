#include "ledger/chain/read_view.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "ledger/state/keys.h"
#include "ledger/state/radix_tree.h"

namespace ans {
namespace {

// The tree's pages as a snapshot holds them (LevelDB layout), for proving only.
class SnapshotPages final : public TreeNodeStore {
 public:
  explicit SnapshotPages(const StoreSnapshot& state) : state_(state) {}
  std::optional<std::string> get_page(const std::string& key) const override {
    auto page = state_.get(key);
    if (!page) {
      if (error_.is_ok()) error_ = page.status();
      return std::nullopt;
    }
    return std::move(page).value();
  }
  // Proving never writes; a write here is a programming error, made harmless.
  void put_page(const std::string&, std::string) override { assert(false); }
  void delete_page(const std::string&) override { assert(false); }
  const Status& error() const { return error_; }

 private:
  const StoreSnapshot& state_;
  mutable Status error_;
};

}  // namespace

ReadView::ReadView(std::shared_ptr<const StoreSnapshot> state, const Hash256& state_root,
                   const LiveTree* live_tree)
    : state_(std::move(state)), state_root_(state_root), live_tree_(live_tree) {}

std::shared_ptr<const ReadView> ReadView::with_header(std::string header) const {
  auto out = std::make_shared<ReadView>(state_, state_root_, live_tree_);
  out->header_ = std::move(header);
  return out;
}

Result<std::optional<std::string>> ReadView::get(std::string_view key) const {
  return state_->get(key);
}

Status ReadView::scan(std::string_view prefix, std::string_view start, size_t limit,
                      const ScanVisitor& visit) const {
  return state_->scan(prefix, start, limit, visit);
}

Result<ProvenRead> ReadView::prove(std::string_view state_key) const {
  ProvenRead out;
  out.height = height();
  out.state_root = state_root_;
  auto value = get(state_key);
  if (!value) return value.status();
  out.value = std::move(value).value();
  const Hash256 kh = sha256(as_bytes(state_key));
  if (live_tree_ != nullptr) {
    auto proof = prove_in_memory_tree(kh, out.value);
    if (!proof) return proof.status();
    out.proof = std::move(proof).value();
    return out;
  }
  SnapshotPages pages(*state_);
  RadixTree tree(pages);
  auto root = tree.root_hash();
  if (!root) return root.status();
  ANS_RETURN_IF_ERROR(pages.error());
  if (*root != state_root_) {
    return Status(Errc::kCorruption, "the tree stored at block " + std::to_string(height()) +
                                         " does not have the block's state root");
  }
  auto proof = tree.prove(kh, out.value);
  if (!proof) return proof.status();
  ANS_RETURN_IF_ERROR(pages.error());
  out.proof = std::move(proof).value();
  return out;
}

Result<StateProof> ReadView::prove_in_memory_tree(const Hash256& kh,
                                                  const std::optional<std::string>& value) const {
  ViewLock::Shared lock(live_tree_->lock);
  const MemoryTree& tree = live_tree_->tree;
  const uint64_t tree_height = live_tree_->height;
  if (tree_height < height()) {
    return Status(Errc::kNotFound, "the view of block " + std::to_string(height()) +
                                       " is no longer on the chain (undone); take the new head");
  }
  // The tree at this view's height is the live one with, per key hash, the value hash it had
  // here: from the lowest block above this one that wrote the key, else from the staged
  // batch's record of what it changed.
  std::map<Hash256, std::optional<Hash256>> here;
  ANS_RETURN_IF_ERROR(state_->before_images(tree_height, [&](std::span<const EntryView> before) {
    for (const EntryView& e : before) {
      if (!keys::is_authenticated(e.first)) continue;
      const Hash256 key_hash = sha256(as_bytes(e.first));
      if (here.contains(key_hash)) continue;
      here.emplace(key_hash, e.second ? std::optional<Hash256>(sha256(as_bytes(*e.second)))
                                      : std::nullopt);
    }
  }));
  auto staged = tree.staged_reverse();
  if (!staged) return staged.status();
  for (const TreeChange& c : *staged) here.emplace(c.kh, c.value_hash);
  std::vector<TreeChange> changes;
  changes.reserve(here.size());
  for (const auto& [key_hash, value_hash] : here) changes.push_back(TreeChange{key_hash, value_hash});
  // (A proof from a tree that is not this view's fails verification against state_root();
  // checking the root here as well would hash the changed subtrees twice.)
  return tree.prove_with(changes, kh, value);
}

std::optional<std::string> ReadView::Reader::get(std::string_view key) const {
  auto value = view_.get(key);
  if (!value) {
    record(value.status());
    return std::nullopt;
  }
  return std::move(value).value();
}

void ReadView::Reader::scan(std::string_view prefix, std::string_view start, size_t limit,
                            const ScanVisitor& visit) const {
  record(view_.scan(prefix, start, limit, visit));
}

ViewRegistry::ViewRegistry(size_t kept_final) : kept_final_(std::max<size_t>(kept_final, 1)) {}

void ViewRegistry::publish(std::shared_ptr<const ReadView> head, uint64_t final_height) {
  // Views dropped here die after the lock is released: their snapshots' release is no
  // reader's wait.
  std::vector<std::shared_ptr<const ReadView>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = by_height_.upper_bound(head->height()); it != by_height_.end();) {
    dropped.push_back(std::move(it->second));
    it = by_height_.erase(it);
  }
  std::shared_ptr<const ReadView>& slot = by_height_[head->height()];
  if (slot) dropped.push_back(std::move(slot));
  slot = head;
  if (auto it = by_height_.find(final_height); it != by_height_.end()) final_ = it->second;
  if (head_) dropped.push_back(std::move(head_));
  head_ = std::move(head);
  // The final views kept: those at or below the final height, the newest kept_final_.
  size_t final_kept = static_cast<size_t>(std::distance(by_height_.begin(),
                                                        by_height_.upper_bound(final_height)));
  while (final_kept > kept_final_) {
    dropped.push_back(std::move(by_height_.begin()->second));
    by_height_.erase(by_height_.begin());
    --final_kept;
  }
}

std::shared_ptr<const ReadView> ViewRegistry::head() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return head_;
}

std::shared_ptr<const ReadView> ViewRegistry::final_view() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return final_;
}

std::shared_ptr<const ReadView> ViewRegistry::at(uint64_t height) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_height_.find(height);
  return it == by_height_.end() ? nullptr : it->second;
}

}  // namespace ans
