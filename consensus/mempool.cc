#include "consensus/mempool.h"

namespace ans::consensus {

Result<bool> Mempool::add(const ChainId& chain_id, const v1::SignedTransaction& tx,
                          PublicKeyCache* keys) {
  // One key parse and one encoding serve the shape, the id and the signature.
  FixedBytes<20> account{};
  auto key = check_transaction_shape_key(tx, keys, &account);
  if (!key) return key.status();
  const TransactionHashes hashes = transaction_hashes(chain_id, tx.tx());
  const Hash256& id = hashes.id;
  if (by_id_.count(id) != 0) return false;
  if (by_id_.size() >= capacity_) {
    return Status(Errc::kResourceExhausted, "the mempool is full (" + std::to_string(capacity_) + " transactions)");
  }
  ANS_RETURN_IF_ERROR(verify_transaction_signature(tx, *key, hashes.signing));
  uint64_t seq = next_seq_++;
  Candidate entry{tx, {}};
  entry.checked.valid = true;
  entry.checked.sender = EthAddress::from_account(account);
  entry.checked.set_signature(tx.signature());
  entry.checked.tx_id = id;
  by_seq_.emplace(seq, std::move(entry));
  by_id_.emplace(id, seq);
  return true;
}

std::vector<Candidate> Mempool::candidates(size_t max) const {
  std::vector<Candidate> out;
  for (auto it = by_seq_.begin(); it != by_seq_.end() && out.size() < max; ++it) out.push_back(it->second);
  return out;
}

const VerifiedSender* Mempool::find(const Hash256& tx_id) const {
  auto id = by_id_.find(tx_id);
  if (id == by_id_.end()) return nullptr;
  auto entry = by_seq_.find(id->second);
  return entry == by_seq_.end() ? nullptr : &entry->second.checked;
}

void Mempool::remove(const Hash256& tx_id) {
  auto it = by_id_.find(tx_id);
  if (it == by_id_.end()) return;
  by_seq_.erase(it->second);
  by_id_.erase(it);
}

}  // namespace ans::consensus
