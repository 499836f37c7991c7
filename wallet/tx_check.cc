#include "wallet/tx_check.h"

#include <map>
#include <optional>
#include <set>

#include "genesis/genesis_json.h"
#include "ledger/rules/genesis_state.h"
#include "ledger/rules/transition.h"
#include "ledger/state/ledger_state.h"
#include "light/quorum.h"
#include "ledger/state/keys.h"
#include "ledger/store/state_view.h"

namespace ans::wallet {
namespace {

// State entries fetched from the node; a key not fetched yet reads as absent and is noted, so
// the check runs again once it is fetched.
class FetchedState final : public StateReader {
 public:
  std::optional<std::string> get(std::string_view key) const override {
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
    // A commitment's index entry is erased with the commitment, blind: the ledger claims it is
    // there (empty) instead of reading it, and the overlay's debug check asks the parent. The
    // rules never read it otherwise, so it is answered as the ledger claims, not fetched.
    if (key.starts_with(keys::kCommitmentIndexPrefix)) return std::string();
    missing_.insert(std::string(key));
    return std::nullopt;
  }
  void scan(std::string_view, std::string_view, size_t, const ScanVisitor&) const override {
    // No transaction's rules scan (only the block's epoch work does); one that did could not
    // be checked from single entries.
    scanned_ = true;
  }
  Status status() const override {
    if (scanned_) return Status(Errc::kUnimplemented, "this transaction's check scans the state");
    return Status::ok();
  }

  std::vector<std::string> take_missing() {
    std::vector<std::string> out(missing_.begin(), missing_.end());
    missing_.clear();
    return out;
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : entries_) out.push_back(k);
    return out;
  }
  // `nonce_key`'s account, if present, gets a nonce of at least `nonce`.
  void set(const v1::StateEntry& e, const std::string& nonce_key, uint64_t nonce) {
    std::optional<std::string> value;
    if (e.present()) value = e.value();
    v1::AccountState account;
    if (value && e.key() == nonce_key && account.ParseFromString(*value) && account.nonce() < nonce) {
      account.set_nonce(nonce);
      value = encode_string(account);
    }
    entries_[e.key()] = std::move(value);
  }
  void clear() { entries_.clear(); }

 private:
  std::map<std::string, std::optional<std::string>, std::less<>> entries_;
  mutable std::set<std::string> missing_;
  mutable bool scanned_ = false;
};

constexpr size_t kKeysPerCall = 64;
constexpr int kMaxRounds = 16;

}  // namespace

Result<Chain> read_chain(NodeClient& node) {
  Chain chain;
  auto info = node.info();
  if (!info) return info.status();
  chain.info = *info;
  auto genesis = node.genesis();
  if (!genesis) return genesis.status();
  auto config = parse_genesis_json(genesis->genesis_json());
  if (!config) {
    return Status(Errc::kCorruption, "the node at " + node.address() + " sent a genesis that does not parse: " +
                                         config.status().to_string());
  }
  chain.genesis = std::move(config).value();
  chain.id = chain_id(chain.genesis);
  if (to_hex(chain.id) != chain.info.chain_id()) {
    return Status(Errc::kCorruption, "the node at " + node.address() + " sent a genesis of chain " +
                                         to_hex(chain.id) + ", not of the chain " + chain.info.chain_id() +
                                         " it names");
  }
  return chain;
}

NextBlock next_block(const Chain& chain, uint64_t now_ms) {
  const ChainParams& p = chain.genesis.params;
  NextBlock b;
  b.height = chain.info.head_height() + 1;
  const uint64_t genesis_ms = chain.genesis.genesis_time_ms;
  const uint64_t clock_slot = now_ms > genesis_ms ? (now_ms - genesis_ms) / p.block_interval_ms : 0;
  b.slot = std::max(clock_slot, chain.info.head_slot() + 1);
  b.time_ms = genesis_ms + b.slot * p.block_interval_ms;
  if (chain.info.active_set_size() > 0) {
    b.producer = chain.info.active_set(static_cast<int>(b.slot % chain.info.active_set_size()));
  }
  b.final_height = chain.info.final_height();
  return b;
}

Result<TxStatus> check_transaction(NodeClient& node, const Chain& chain, const v1::SignedTransaction& stx,
                                   uint64_t now_ms) {
  FetchedState fetched;
  std::vector<std::string> wanted;
  // The sender's account entry, whose nonce the check takes as the transaction's own when it
  // is behind: transactions this wallet sent before may still wait in the mempool.
  std::string sender_key;
  if (auto key = PublicKey::parse(field_bytes(stx.tx().sender_key()))) {
    sender_key = keys::account(EthAddress::from_public_key(*key)).view();
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    // Every key of the last run, fetched again with the new ones, so the run that decides
    // reads entries of one view (when they fit one call, as every transaction's do).
    if (!wanted.empty()) {
      std::vector<std::string> keys = fetched.keys();
      keys.insert(keys.end(), wanted.begin(), wanted.end());
      fetched.clear();
      v1::GetInfoResponse head;
      for (size_t i = 0; i < keys.size(); i += kKeysPerCall) {
        v1::GetStateRequest request;
        for (size_t j = i; j < std::min(keys.size(), i + kKeysPerCall); ++j) request.add_keys(keys[j]);
        auto response = node.state(request);
        if (!response) return response.status();
        for (const auto& e : response->entries()) fetched.set(e, sender_key, stx.tx().nonce());
      }
    }
    const NextBlock next = next_block(chain, now_ms);
    BlockContext block;
    block.height = next.height;
    block.slot = next.slot;
    block.time_ms = next.time_ms;
    block.producer = next.producer;
    block.final_height = next.final_height;
    const ApplyEnv env{chain.genesis.params, chain.id};
    StateOverlay overlay(fetched);
    TxStatus verdict = apply_transaction(env, block, overlay, stx);
    wanted = fetched.take_missing();
    if (wanted.empty()) {
      if (Status st = fetched.status(); !st) return st;
      return verdict;
    }
  }
  return Status(Errc::kUnimplemented, "the transaction's check read more state than the wallet fetches");
}

Result<light::ActiveSet> genesis_active_set(const Chain& chain) {
  FetchedState empty;
  StateOverlay state(empty);
  if (Status st = apply_genesis(chain.genesis, state); !st) return st;
  LedgerState ledger(state);
  const v1::ActiveSetState sets = ledger.active_sets();
  if (Status st = ledger.status(); !st) return st;
  return light::ActiveSet::from_members({sets.active().begin(), sets.active().end()});
}

}  // namespace ans::wallet
