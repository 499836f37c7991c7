#include "consensus/mempool.h"

#include <algorithm>
#include <queue>

#include "ledger/state/ledger_state.h"

namespace ans::consensus {
namespace {

// An amount field the shape check has already found canonical.
Amount amount_of(const std::string& bytes) {
  auto a = Amount::from_bytes(field_bytes(bytes));
  return a ? *a : Amount();
}

Amount add_or_max(const Amount& a, const Amount& b) {
  auto sum = a.checked_add(b);
  return sum ? *sum : Amount::max();
}

// What the transaction takes out of its sender's spendable balance that the pool can tell
// without the rules: the fee, and the amount of a transfer, a stake or an SP's self-stake.
// (A name's price is left to the rules, which check it when the transaction is next.)
Amount spend_of(const v1::Transaction& tx) {
  Amount amount;
  switch (tx.body_case()) {
    case v1::Transaction::kTransfer: amount = amount_of(tx.transfer().amount()); break;
    case v1::Transaction::kStake: amount = amount_of(tx.stake().amount()); break;
    case v1::Transaction::kSpRegister: amount = amount_of(tx.sp_register().self_stake()); break;
    default: break;
  }
  return add_or_max(amount_of(tx.fee()), amount);
}

// The least fee that replaces `old`: replacement_bump_percent more, and at least one unit.
Amount replacement_fee(const Amount& old, uint64_t bump_percent) {
  auto scaled = old.checked_mul(bump_percent);
  Amount bump = scaled ? scaled->div(100) : Amount::max();
  if (bump.is_zero()) bump = Amount::from_units(1);
  return add_or_max(old, bump);
}

std::string short_hex(const Hash256& h) { return to_hex(ByteView(h.data(), 4)); }

// How a refusal by the ledger's rules reads to a client.
Status rule_error(const TxStatus& rule) {
  switch (rule.code()) {
    case TxError::kBadSignature: return Status(Errc::kBadSignature, rule.message());
    case TxError::kStorage: return Status(Errc::kIoError, rule.message());
    default: return Status(Errc::kFailedPrecondition, rule.to_string());
  }
}

}  // namespace

std::string_view pool_limit_name(PoolLimit limit) {
  switch (limit) {
    case PoolLimit::kNone: return "none";
    case PoolLimit::kNonceGap: return "nonce gap";
    case PoolLimit::kSenderFull: return "sender full";
    case PoolLimit::kPoolFull: return "mempool full";
    case PoolLimit::kUnderpriced: return "replacement underpriced";
  }
  return "unknown";
}

Admission Admission::added(std::vector<Dropped> pushed_out) {
  Admission a(Kind::kAdded);
  a.pushed_out_ = std::move(pushed_out);
  return a;
}

Admission Admission::refused(TxStatus rule, Status as_error) {
  Admission a(Kind::kRefused);
  a.rule_ = std::move(rule);
  a.error_ = std::move(as_error);
  return a;
}

Admission Admission::refused(PoolLimit limit, std::string message) {
  Admission a(Kind::kRefused);
  a.limit_ = limit;
  const bool try_later = limit == PoolLimit::kPoolFull || limit == PoolLimit::kSenderFull;
  a.error_ = Status(try_later ? Errc::kResourceExhausted : Errc::kFailedPrecondition,
                    std::string(pool_limit_name(limit)) + ": " + message);
  return a;
}

Result<bool> Admission::result() const {
  if (kind_ == Kind::kRefused) return error_;
  return kind_ == Kind::kAdded;
}

bool Mempool::Victim::operator<(const Victim& o) const {
  if (includable != o.includable) return !includable;  // a gap's first
  if (fee != o.fee) return fee < o.fee;
  if (seq != o.seq) return seq > o.seq;  // newer first
  return sender_key < o.sender_key;
}

Mempool::SenderKey Mempool::sender_key_of(const v1::Transaction& tx) {
  SenderKey key{};
  std::copy_n(tx.sender_key().begin(), std::min(tx.sender_key().size(), key.size()), key.begin());
  return key;
}

Admission Mempool::refuse_rule(TxError code, std::string message) const {
  TxStatus rule(code, std::move(message));
  Status error = rule_error(rule);
  return Admission::refused(std::move(rule), std::move(error));
}

uint64_t Mempool::next_expected(const Sender& sender, uint64_t account_nonce) {
  uint64_t next = account_nonce;
  for (auto it = sender.by_nonce.lower_bound(next); it != sender.by_nonce.end() && it->first == next; ++it) {
    ++next;
  }
  return next;
}

Amount Mempool::pending_spend(const Sender& sender, uint64_t account_nonce, std::optional<uint64_t> except) const {
  Amount total;
  for (auto it = sender.by_nonce.lower_bound(account_nonce); it != sender.by_nonce.end(); ++it) {
    if (except && it->first == *except) continue;
    total = add_or_max(total, by_id_.at(it->second).spend);
  }
  return total;
}

Admission Mempool::add(const HeadState& head, const v1::SignedTransaction& tx, PublicKeyCache* keys) {
  // One key parse and one encoding serve the shape, the id and the signature.
  FixedBytes<20> account_bytes{};
  auto key = check_transaction_shape_key(tx, keys, &account_bytes);
  if (!key) return Admission::refused(TxStatus(TxError::kMalformed, key.status().to_string()), key.status());
  const TransactionHashes hashes = transaction_hashes(head.env.chain_id, tx.tx());
  if (by_id_.count(hashes.id) != 0) return Admission::known();

  // The cheap checks first: a transaction they refuse costs no signature check.
  const v1::Transaction& body = tx.tx();
  const Amount fee = amount_of(body.fee());
  if (fee < head.env.params.min_tx_fee) {
    return refuse_rule(TxError::kFeeTooLow, "fee " + fee.to_string() + " DIMT is below the minimum " +
                                                head.env.params.min_tx_fee.to_string());
  }
  if (body.expiry_height() < head.next.height) {
    return refuse_rule(TxError::kExpired, "expired at height " + std::to_string(body.expiry_height()) +
                                              "; the next block is " + std::to_string(head.next.height));
  }
  const EthAddress account = EthAddress::from_account(account_bytes);
  StateOverlay view(head.state);
  LedgerState state(view);
  const v1::AccountState acct = state.account(account);
  if (Status io = view.status(); !io) return refuse_rule(TxError::kStorage, io.to_string());

  // What the pool holds of the sender (maybe nothing), seen from the head's nonce.
  static const Sender kNoSender;
  const SenderKey sender_key = sender_key_of(body);
  auto held = senders_.find(sender_key);
  const Sender& sender = held != senders_.end() ? held->second : kNoSender;
  const uint64_t nonce = body.nonce();
  if (nonce < acct.nonce()) {
    return refuse_rule(TxError::kBadNonce, "nonce " + std::to_string(nonce) +
                                               " is already used; the account's next is " +
                                               std::to_string(acct.nonce()));
  }
  const uint64_t next = next_expected(sender, acct.nonce());
  if (nonce > next && nonce - next > options_.max_nonce_gap) {
    return Admission::refused(PoolLimit::kNonceGap,
                              "nonce " + std::to_string(nonce) + " is more than " +
                                  std::to_string(options_.max_nonce_gap) +
                                  " past the sender's next expected nonce " + std::to_string(next) +
                                  "; send the ones before it first");
  }
  std::optional<Hash256> replaced;
  if (auto same = sender.by_nonce.find(nonce); same != sender.by_nonce.end()) {
    replaced = same->second;
    const Amount& old_fee = by_id_.at(*replaced).fee;
    const Amount needed = replacement_fee(old_fee, options_.replacement_bump_percent);
    if (fee < needed) {
      return Admission::refused(PoolLimit::kUnderpriced,
                                "transaction " + short_hex(*replaced) + " with nonce " +
                                    std::to_string(nonce) + " is pending with fee " +
                                    old_fee.to_string() + " DIMT; a replacement pays at least " +
                                    needed.to_string());
    }
  } else if (sender.by_nonce.size() >= options_.per_sender_cap) {
    return Admission::refused(PoolLimit::kSenderFull,
                              "the sender has " + std::to_string(sender.by_nonce.size()) +
                                  " transactions pending, the most one sender may");
  }
  const Amount spend = spend_of(body);
  const Amount total =
      add_or_max(pending_spend(sender, acct.nonce(), replaced ? std::optional(nonce) : std::nullopt), spend);
  const Amount balance = state.amount(acct.balance());
  if (balance < total) {
    return refuse_rule(TxError::kInsufficientFunds,
                       "the balance " + balance.to_string() + " DIMT does not cover the fees and amounts of "
                       "this and the sender's pending transactions, " + total.to_string());
  }
  const bool includable = nonce <= next;
  std::optional<Hash256> victim;
  if (!replaced && by_id_.size() >= options_.capacity) {
    victim = victim_for(sender_key, nonce, includable, fee);
    if (!victim) {
      return Admission::refused(PoolLimit::kPoolFull,
                                "the mempool holds " + std::to_string(by_id_.size()) +
                                    " transactions and none pays less; try later or pay more");
    }
  }

  if (Status sig = verify_transaction_signature(tx, *key, hashes.signing); !sig) {
    return Admission::refused(TxStatus(TxError::kBadSignature, sig.message()), sig);
  }
  Entry entry;
  entry.candidate.tx = tx;
  entry.candidate.checked.valid = true;
  entry.candidate.checked.sender = account;
  entry.candidate.checked.set_signature(tx.signature());
  entry.candidate.checked.tx_id = hashes.id;
  if (includable) {
    TxStatus rules = check_rules(head, sender, acct.nonce(), tx, entry.candidate.checked);
    if (!rules) {
      Status error = rule_error(rules);
      return Admission::refused(std::move(rules), std::move(error));
    }
  }

  std::vector<Dropped> pushed_out;
  if (replaced) {
    pushed_out.push_back({*replaced, TxStatus(TxError::kFeeTooLow, "replaced by transaction " + short_hex(hashes.id) +
                                                                       " with the higher fee " + fee.to_string())});
    erase(*replaced);
  }
  if (victim) {
    pushed_out.push_back({*victim, TxStatus(TxError::kFeeTooLow, "evicted from the full mempool by transaction " +
                                                                     short_hex(hashes.id) + " with a higher fee")});
    erase(*victim);
  }
  entry.sender_key = sender_key;
  entry.nonce = nonce;
  entry.fee = fee;
  entry.spend = spend;
  entry.seq = next_seq_++;
  insert(std::move(entry), account, acct.nonce());
  return Admission::added(std::move(pushed_out));
}

TxStatus Mempool::check_rules(const HeadState& head, const Sender& sender, uint64_t account_nonce,
                              const v1::SignedTransaction& tx, const VerifiedSender& checked) const {
  StateOverlay overlay(head.state);
  for (auto it = sender.by_nonce.lower_bound(account_nonce);
       it != sender.by_nonce.end() && it->first < tx.tx().nonce(); ++it) {
    const Candidate& before = by_id_.at(it->second).candidate;
    if (!apply_transaction(head.env, head.next, overlay, before.tx, before.checked)) {
      if (Status io = overlay.status(); !io) return TxStatus(TxError::kStorage, io.to_string());
      return TxStatus::ok();
    }
  }
  TxStatus st = apply_transaction(head.env, head.next, overlay, tx, checked);
  if (Status io = overlay.status(); !io) return TxStatus(TxError::kStorage, io.to_string());
  return st;
}

std::optional<Hash256> Mempool::victim_for(const SenderKey& sender_key, uint64_t nonce, bool includable,
                                           const Amount& fee) const {
  for (const Victim& v : victims_) {
    const Sender& owner = senders_.at(v.sender_key);
    const auto& [last_nonce, last_id] = *owner.by_nonce.rbegin();
    // The incoming transaction's own sender gives up its last one only for a lower nonce:
    // anything else would leave the new one behind a gap.
    if (v.sender_key == sender_key && last_nonce < nonce) continue;
    const bool outranks = includable != v.includable ? includable : v.fee < fee;
    if (!outranks) return std::nullopt;  // and nothing after it ranks lower
    return last_id;
  }
  return std::nullopt;
}

void Mempool::insert(Entry entry, const EthAddress& account, uint64_t account_nonce) {
  const Hash256 id = entry.candidate.checked.tx_id;
  const SenderKey key = entry.sender_key;
  Sender& sender = senders_[key];
  sender.account = account;
  sender.account_nonce = account_nonce;
  sender.by_nonce[entry.nonce] = id;
  by_expiry_.emplace(entry.candidate.tx.tx().expiry_height(), id);
  by_id_.emplace(id, std::move(entry));
  refresh_victim(key);
}

void Mempool::erase(Hash256 tx_id, bool refresh) {
  auto it = by_id_.find(tx_id);
  if (it == by_id_.end()) return;
  const Entry& entry = it->second;
  const SenderKey key = entry.sender_key;
  auto sender = senders_.find(key);
  by_expiry_.erase({entry.candidate.tx.tx().expiry_height(), tx_id});
  sender->second.by_nonce.erase(entry.nonce);
  by_id_.erase(it);
  if (sender->second.by_nonce.empty()) {
    if (sender->second.last) victims_.erase(*sender->second.last);
    senders_.erase(sender);
    return;
  }
  if (refresh) refresh_victim(key);
}

bool Mempool::remove(const Hash256& tx_id) {
  if (by_id_.count(tx_id) == 0) return false;
  erase(tx_id);
  return true;
}

void Mempool::refresh_victim(const SenderKey& sender_key) {
  Sender& sender = senders_.at(sender_key);
  if (sender.last) victims_.erase(*sender.last);
  const auto& [last_nonce, last_id] = *sender.by_nonce.rbegin();
  const Entry& last = by_id_.at(last_id);
  Victim v;
  v.includable = next_expected(sender, sender.account_nonce) > last_nonce;
  v.fee = last.fee;
  v.seq = last.seq;
  v.sender_key = sender_key;
  victims_.insert(v);
  sender.last = std::move(v);
}

void Mempool::drop_expired(const HeadState& head, std::vector<Dropped>& dropped) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < head.next.height) {
    const auto [expiry, id] = *by_expiry_.begin();
    dropped.push_back({id, TxStatus(TxError::kExpired, "expired at height " + std::to_string(expiry) +
                                                           "; the next block is " +
                                                           std::to_string(head.next.height))});
    erase(id);
  }
}

void Mempool::recheck_sender(const HeadState& head, const SenderKey& sender_key,
                             std::vector<Dropped>& dropped) {
  auto it = senders_.find(sender_key);
  if (it == senders_.end()) return;
  Sender& sender = it->second;
  StateOverlay view(head.state);
  LedgerState state(view);
  const v1::AccountState acct = state.account(sender.account);
  if (view.status()) sender.account_nonce = acct.nonce();
  refresh_victim(sender_key);
  if (!view.status()) return;  // our store failed: nothing is known about them
  // Nonces used by other transactions, then in nonce order every one whose fee and amount,
  // with those before it, the balance no longer covers (so no gap is left before a survivor).
  const Amount balance = state.amount(acct.balance());
  Amount total;
  std::vector<Dropped> out;
  for (const auto& [nonce, id] : sender.by_nonce) {
    if (nonce < acct.nonce()) {
      out.push_back({id, TxStatus(TxError::kBadNonce, "nonce " + std::to_string(nonce) +
                                                          " was used by another transaction")});
      continue;
    }
    total = add_or_max(total, by_id_.at(id).spend);
    if (balance < total) {
      out.push_back({id, TxStatus(TxError::kInsufficientFunds,
                                  "the balance " + balance.to_string() + " DIMT no longer covers the fees and "
                                  "amounts of this and the sender's pending transactions before it, " +
                                      total.to_string())});
    }
  }
  for (Dropped& d : out) {
    erase(d.tx_id);  // the last one takes the sender out: `sender` is not used after
    dropped.push_back(std::move(d));
  }
}

std::vector<Dropped> Mempool::after_block(const HeadState& head, const v1::Block& block) {
  std::vector<Dropped> dropped;
  drop_expired(head, dropped);
  std::set<SenderKey> touched;
  for (const v1::SignedTransaction& stx : block.transactions()) {
    auto sender = senders_.find(sender_key_of(stx.tx()));
    if (sender == senders_.end()) continue;
    touched.insert(sender->first);
    auto held = sender->second.by_nonce.find(stx.tx().nonce());
    // recheck_sender() refreshes what is left of the sender.
    if (held != sender->second.by_nonce.end() && held->second == transaction_id(stx.tx())) {
      erase(held->second, /*refresh=*/false);
    }
  }
  for (const SenderKey& key : touched) recheck_sender(head, key, dropped);
  return dropped;
}

std::vector<Dropped> Mempool::recheck(const HeadState& head) {
  std::vector<Dropped> dropped;
  drop_expired(head, dropped);
  std::vector<SenderKey> keys;
  keys.reserve(senders_.size());
  for (const auto& [key, sender] : senders_) keys.push_back(key);
  for (const SenderKey& key : keys) recheck_sender(head, key, dropped);
  return dropped;
}

void Mempool::visit_in_block_order(const std::function<Take(const Candidate&)>& take) const {
  // Each sender's next transaction, the best on top.
  struct Next {
    const Entry* entry;
    const Sender* sender;
    std::map<uint64_t, Hash256>::const_iterator at;
  };
  auto below = [](const Next& a, const Next& b) {
    if (a.entry->fee != b.entry->fee) return a.entry->fee < b.entry->fee;
    return a.entry->seq > b.entry->seq;  // the earlier arrival on top
  };
  std::priority_queue<Next, std::vector<Next>, decltype(below)> heads(below);
  auto next_of = [&](const Sender& s, std::map<uint64_t, Hash256>::const_iterator at) {
    return Next{&by_id_.at(at->second), &s, at};
  };
  for (const auto& [key, sender] : senders_) {
    auto first = sender.by_nonce.find(sender.account_nonce);
    if (first != sender.by_nonce.end()) heads.push(next_of(sender, first));
  }
  while (!heads.empty()) {
    const Next n = heads.top();
    heads.pop();
    const Take taken = take(n.entry->candidate);
    if (taken == Take::kStop) return;
    if (taken == Take::kSenderDone) continue;
    auto after = std::next(n.at);
    if (after == n.sender->by_nonce.end()) continue;
    if (taken == Take::kIncluded && after->first != n.at->first + 1) continue;  // a gap: it waits
    heads.push(next_of(*n.sender, after));
  }
}

std::vector<Hash256> Mempool::ids() const {
  std::vector<Hash256> out;
  out.reserve(by_id_.size());
  for (const auto& [id, entry] : by_id_) out.push_back(id);
  return out;
}

std::vector<v1::SignedTransaction> Mempool::transactions() const {
  std::vector<v1::SignedTransaction> out;
  out.reserve(by_id_.size());
  for (const auto& [key, sender] : senders_) {
    for (const auto& [nonce, id] : sender.by_nonce) out.push_back(by_id_.at(id).candidate.tx);
  }
  return out;
}

const VerifiedSender* Mempool::find(const Hash256& tx_id) const {
  auto it = by_id_.find(tx_id);
  return it == by_id_.end() ? nullptr : &it->second.candidate.checked;
}

}  // namespace ans::consensus
