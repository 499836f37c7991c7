#include "rpc/chain_publisher.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ans::rpc {

void ChainPublisher::on_final(const consensus::BlockNode& block, uint64_t) {
  if (log_final_) {
    spdlog::info("final block {} (slot {}, {} transactions) {}", block.height, block.slot,
                 block.block->transactions_size(), to_hex(block.hash));
  }
  index(block);
}

void ChainPublisher::on_conflicting_final(const consensus::BlockNode& block, uint64_t) {
  spdlog::error("block {} at height {} meets the finality rule off the final chain",
                to_hex(block.hash), block.height);
}

void ChainPublisher::on_dropped(const Hash256& tx_id, const TxStatus& why) {
  spdlog::debug("transaction {} dropped from the mempool: {}", to_hex(tx_id), why.to_string());
  board_.note_rejected(tx_id, Rejection{std::string(tx_error_name(why.code())), why.message()});
}

void ChainPublisher::index(const consensus::BlockNode& block) {
  if (index_error_ || block.is_genesis()) return;
  Status st = store_.put_final(block.height, block.hash, *block.block, block.qc ? &*block.qc : nullptr);
  if (!st) index_error_ = st;
}

void ChainPublisher::start(const consensus::Engine& engine) {
  auto indexed = store_.indexed_final_height();
  if (!indexed) {
    index_error_ = indexed.status();
    return;
  }
  std::vector<const consensus::BlockNode*> missing;
  for (const consensus::BlockNode* b = &engine.final_block(); b != nullptr && b->height > *indexed;
       b = b->parent) {
    missing.push_back(b);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) index(**it);
  if (!missing.empty()) spdlog::info("indexed {} final blocks", missing.size());
  publish(engine);
}

void ChainPublisher::publish(const consensus::Engine& engine) {
  const consensus::BlockNode& head = engine.head();
  const consensus::BlockNode& final_block = engine.final_block();
  const std::string fault = engine.node_fault() ? engine.node_fault()->to_string() : std::string();
  std::shared_ptr<const ChainStatus> last = board_.status();
  if (last->version != 0 && last->head_hash == head.hash && last->final_hash == final_block.hash &&
      last->mempool_size == engine.mempool().size() && last->node_fault == fault &&
      last->stats.blocks_rejected == engine.stats().blocks_rejected) {
    return;
  }
  ChainStatus s;
  s.head_height = head.height;
  s.head_hash = head.hash;
  s.head_slot = head.slot;
  s.final_height = final_block.height;
  s.final_hash = final_block.hash;
  for (const consensus::BlockNode* b = &head; b != nullptr && b != &final_block; b = b->parent) {
    s.unfinal.push_back(b->block);
    s.unfinal_hashes.push_back(b->hash);
  }
  std::reverse(s.unfinal.begin(), s.unfinal.end());
  std::reverse(s.unfinal_hashes.begin(), s.unfinal_hashes.end());
  for (const auto& m : head.sets_after.active()) s.active_set.push_back(m.sp_id());
  s.mempool_size = engine.mempool().size();
  s.pending = std::make_shared<const std::vector<Hash256>>(engine.mempool().ids());
  s.stats = engine.stats();
  s.node_fault = fault;
  board_.publish(std::move(s));
}

}  // namespace ans::rpc
