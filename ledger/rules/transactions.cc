#include <algorithm>
#include <thread>

#include "ledger/rules/names.h"
#include "ledger/rules/producers.h"
#include "ledger/rules/transition.h"

namespace ans {

TxStatus TxScope::debit(v1::AccountState& account, const Amount& amount, std::string_view what) {
  Amount balance = state.amount(account.balance());
  if (balance < amount) {
    return TxStatus(TxError::kInsufficientFunds,
                    std::string(what) + " needs " + amount.to_string() + " DIMT; the balance is " +
                        balance.to_string());
  }
  account.set_balance(LedgerState::amount_bytes(balance.checked_sub(amount).value()));
  return TxStatus::ok();
}

TxStatus TxScope::debit_sender(const Amount& amount, std::string_view what) {
  v1::AccountState acct = state.account(sender);
  ANS_TX_CHECK(debit(acct, amount, what));
  state.put_account(sender, acct);
  return TxStatus::ok();
}

TxStatus TxScope::pay_to_pool(v1::AccountState& sender_account, const Amount& amount,
                              std::string_view what) {
  ANS_TX_CHECK(debit(sender_account, amount, what));
  // The pool can never overflow: it is bounded by the fixed total supply.
  state.set_reward_pool(state.reward_pool().checked_add(amount).value());
  return TxStatus::ok();
}

TxStatus TxScope::pay_to_pool(const Amount& amount, std::string_view what) {
  v1::AccountState acct = state.account(sender);
  ANS_TX_CHECK(pay_to_pool(acct, amount, what));
  state.put_account(sender, acct);
  return TxStatus::ok();
}

void TxScope::credit(const EthAddress& account, const Amount& amount) {
  v1::AccountState acct = state.account(account);
  acct.set_balance(
      LedgerState::amount_bytes(state.amount(acct.balance()).checked_add(amount).value()));
  state.put_account(account, acct);
}

namespace {

TxStatus apply_body(TxScope& s, const v1::Transaction& tx) {
  using T = v1::Transaction;
  switch (tx.body_case()) {
    case T::kTransfer: {
      Amount amount = s.state.amount(tx.transfer().amount());
      if (amount.is_zero()) return TxStatus(TxError::kBadAmount, "transfer amount must be positive");
      ANS_TX_CHECK(s.debit_sender(amount, "the transfer"));
      s.credit(EthAddress::from_bytes(as_bytes(tx.transfer().to())).value(), amount);
      return TxStatus::ok();
    }
    case T::kNameCommit: return apply_name_commit(s, tx.name_commit());
    case T::kNameRegister: return apply_name_register(s, tx.name_register());
    case T::kNameRenew: return apply_name_renew(s, tx.name_renew());
    case T::kNameUpdate: return apply_name_update(s, tx.name_update());
    case T::kNameTransfer: return apply_name_transfer(s, tx.name_transfer());
    case T::kSetPrimaryName: return apply_set_primary_name(s, tx.set_primary_name());
    case T::kSpRegister: return apply_sp_register(s, tx.sp_register());
    case T::kSpUpdate: return apply_sp_update(s, tx.sp_update());
    case T::kSpUnregister: return apply_sp_unregister(s, tx.sp_unregister());
    case T::kStake: return apply_stake(s, tx.stake());
    case T::kUnstake: return apply_unstake(s, tx.unstake());
    case T::kVote: return apply_vote(s, tx.vote());
    case T::kClaimRewards: return apply_claim_rewards(s, tx.claim_rewards());
    case T::kEvidence: return apply_evidence(s, tx.evidence());
    case T::kUnjail: return apply_unjail(s, tx.unjail());
    case T::BODY_NOT_SET: break;
  }
  return TxStatus(TxError::kMalformed, "transaction has no body");
}

}  // namespace

namespace {

// Nonce, fee and body, writing into `st`; the caller takes the writes back on failure.
TxStatus apply_nonce_fee_body(const ApplyEnv& env, const BlockContext& block, LedgerState& st,
                                const v1::Transaction& tx, const EthAddress& sender) {
  TxScope scope{env, block, st, sender};
  v1::AccountState acct = st.account(scope.sender);
  if (tx.nonce() != acct.nonce()) {
    return TxStatus(TxError::kBadNonce, "expected nonce " + std::to_string(acct.nonce()) +
                                            ", got " + std::to_string(tx.nonce()));
  }
  Amount fee = st.amount(tx.fee());
  if (fee < env.params.min_tx_fee) {
    return TxStatus(TxError::kFeeTooLow, "fee " + fee.to_string() + " DIMT is below the minimum " +
                                             env.params.min_tx_fee.to_string());
  }
  acct.set_nonce(acct.nonce() + 1);
  ANS_TX_CHECK(scope.pay_to_pool(acct, fee, "the fee"));
  st.put_account(scope.sender, acct);  // the nonce and the fee in one write
  ANS_TX_CHECK(apply_body(scope, tx));
  if (Status io = st.status(); !io) return TxStatus(TxError::kStorage, io.to_string());
  return TxStatus::ok();
}

// Everything after the signature: expiry, nonce, fee, body. The transaction writes into the
// block's overlay behind a savepoint: if any rule rejects it, every write it made is taken
// back, so it leaves no trace.
TxStatus apply_checked(const ApplyEnv& env, const BlockContext& block, StateOverlay& block_state,
                       const v1::SignedTransaction& stx, const EthAddress& sender) {
  const v1::Transaction& tx = stx.tx();
  if (tx.expiry_height() < block.height) {
    return TxStatus(TxError::kExpired, "expired at height " + std::to_string(tx.expiry_height()) +
                                           "; this block is " + std::to_string(block.height));
  }
  block_state.begin_savepoint();
  LedgerState st(block_state);
  // Accounts and the pool are held in `st` until the transaction is done: one write of each.
  st.hold_writes();
  TxStatus result = apply_nonce_fee_body(env, block, st, tx, sender);
  if (result) {
    st.flush_held();
    block_state.release_savepoint();
  } else {
    st.drop_held();
    block_state.rollback();
  }
  return result;
}

}  // namespace

TxStatus apply_transaction(const ApplyEnv& env, const BlockContext& block,
                           StateOverlay& block_state, const v1::SignedTransaction& stx,
                           SignatureCheck check) {
  // The key is parsed once, for the shape, the signature and the sender.
  auto key = check_transaction_shape_key(stx);
  if (!key) return TxStatus(TxError::kMalformed, key.status().to_string());
  if (check == SignatureCheck::kVerify) {
    if (Status sig = verify_transaction_signature(
            stx, *key, transaction_signing_hash(env.chain_id, stx.tx()));
        !sig) {
      return TxStatus(TxError::kBadSignature, sig.message());
    }
  }
  return apply_checked(env, block, block_state, stx, EthAddress::from_public_key(*key));
}

TxStatus apply_transaction(const ApplyEnv& env, const BlockContext& block,
                           StateOverlay& block_state, const v1::SignedTransaction& stx,
                           const VerifiedSender& verified) {
  if (verified.valid && !verified.signed_with(stx.signature())) {
    // An entry for another transaction (a caller that reordered or filtered): check afresh.
    return apply_transaction(env, block, block_state, stx);
  }
  if (!verified.valid) {
    // Shape first, so a malformed transaction is reported as such, not as a bad signature.
    if (Status shape = check_transaction_shape(stx); !shape) {
      return TxStatus(TxError::kMalformed, shape.to_string());
    }
    return TxStatus(TxError::kBadSignature, "transaction signature does not verify for this chain");
  }
  // verify_senders() checked the shape and the signature, and derived the sender.
  return apply_checked(env, block, block_state, stx, verified.sender);
}

namespace {

// apply_block's verdicts from a vector computed beforehand.
class VectorVerdicts final : public VerdictSource {
 public:
  explicit VectorVerdicts(const std::vector<VerifiedSender>& v) : v_(v) {}
  size_t size() const override { return v_.size(); }
  const VerifiedSender& verdict(size_t i) override { return v_[i]; }

 private:
  const std::vector<VerifiedSender>& v_;
};

Result<BlockOutcome> apply_block_with(const ApplyEnv& env, const BlockContext& block,
                                      StateOverlay& state,
                                      std::span<const v1::SignedTransaction> txs,
                                      VerdictSource* verdicts) {
  if (verdicts && verdicts->size() != txs.size()) {
    return Status(Errc::kInvalidArgument, std::to_string(verdicts->size()) +
                                              " verification results for " +
                                              std::to_string(txs.size()) + " transactions");
  }
  ANS_RETURN_IF_ERROR(begin_block(env, block, state));
  BlockOutcome out;
  out.tx_ids.reserve(txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    const VerifiedSender* checked = verdicts ? &verdicts->verdict(i) : nullptr;
    TxStatus st = checked ? apply_transaction(env, block, state, txs[i], *checked)
                          : apply_transaction(env, block, state, txs[i]);
    if (!st) {
      // A store that failed underneath makes any verdict meaningless (a failed read looks
      // like an absent key): that is the node's fault, never the transaction's.
      if (Status io = state.status(); !io) return io;
      if (st.code() == TxError::kStorage) return Status(Errc::kIoError, st.message());
      return Status(Errc::kInvalidArgument,
                    "transaction " + std::to_string(i) + " is invalid: " + st.to_string());
    }
    // A valid entry was computed for this very transaction (apply_transaction checked its
    // signature matches), so its id is this transaction's.
    const bool reuse = checked && checked->valid && checked->signed_with(txs[i].signature());
    out.tx_ids.push_back(reuse ? checked->tx_id : transaction_id(txs[i].tx()));
  }
  ANS_RETURN_IF_ERROR(end_block(env, block, state));
  ANS_RETURN_IF_ERROR(state.status());
  return out;
}

}  // namespace

Result<BlockOutcome> apply_block(const ApplyEnv& env, const BlockContext& block,
                                 StateOverlay& state, std::span<const v1::SignedTransaction> txs,
                                 const std::vector<VerifiedSender>* verified) {
  if (!verified) return apply_block_with(env, block, state, txs, nullptr);
  VectorVerdicts verdicts(*verified);
  return apply_block_with(env, block, state, txs, &verdicts);
}

Result<BlockOutcome> apply_block(const ApplyEnv& env, const BlockContext& block,
                                 StateOverlay& state, std::span<const v1::SignedTransaction> txs,
                                 VerdictSource& verdicts) {
  return apply_block_with(env, block, state, txs, &verdicts);
}

namespace {

// Shape, signature and sender of one transaction: the key is parsed once, for both.
// A verdict from `known` is taken when it is valid and for this signature.
void verify_sender(const ChainId& chain_id, const v1::SignedTransaction& stx, PublicKeyCache* keys,
                   const KnownVerdicts* known, VerifiedSender& out) {
  const TransactionHashes hashes = transaction_hashes(chain_id, stx.tx());
  if (known != nullptr) {
    const VerifiedSender* v = known->find(hashes.id);
    if (v != nullptr && v->valid && v->tx_id == hashes.id && v->signed_with(stx.signature())) {
      out = *v;
      out.known = true;
      return;
    }
  }
  FixedBytes<20> account{};
  auto key = check_transaction_shape_key(stx, keys, &account);
  if (!key) return;
  if (!verify_transaction_signature(stx, *key, hashes.signing)) return;
  out.valid = true;
  out.set_signature(stx.signature());  // 64 bytes: the shape check saw to it
  out.sender = EthAddress::from_account(account);
  out.tx_id = hashes.id;
}

}  // namespace

SenderVerification::SenderVerification(const ChainId& chain_id,
                                       std::span<const v1::SignedTransaction> txs,
                                       PublicKeyCache* keys, const KnownVerdicts* known)
    : chain_id_(chain_id),
      txs_(txs),
      keys_(keys),
      known_(known),
      out_(txs.size()),
      done_(std::make_unique<std::atomic<bool>[]>((txs.size() + kChunk - 1) / kChunk)) {}

bool SenderVerification::work_some() {
  const size_t chunk = next_.fetch_add(1, std::memory_order_relaxed);
  const size_t begin = chunk * kChunk;
  if (begin >= txs_.size()) return false;
  const size_t end = std::min(begin + kChunk, txs_.size());
  size_t known = 0;
  for (size_t i = begin; i < end; ++i) {
    verify_sender(chain_id_, txs_[i], keys_, known_, out_[i]);
    known += out_[i].known;
  }
  known_count_.fetch_add(known, std::memory_order_relaxed);
  checked_.fetch_add(end - begin - known, std::memory_order_relaxed);
  done_[chunk].store(true, std::memory_order_release);
  done_[chunk].notify_all();
  return true;
}

void SenderVerification::work() {
  while (work_some()) {
  }
}

const VerifiedSender& SenderVerification::verdict(size_t i) {
  std::atomic<bool>& done = done_[i / kChunk];
  while (!done.load(std::memory_order_acquire)) {
    // Check what no one has claimed yet rather than wait; wait once all is claimed (the
    // chunk of i is then in another thread's hands).
    if (!work_some()) done.wait(false, std::memory_order_acquire);
  }
  return out_[i];
}

std::vector<VerifiedSender> SenderVerification::take() { return std::move(out_); }

std::vector<VerifiedSender> verify_senders(const ChainId& chain_id,
                                           std::span<const v1::SignedTransaction> txs,
                                           unsigned threads, PublicKeyCache* keys,
                                           const KnownVerdicts* known) {
  SenderVerification job(chain_id, txs, keys, known);
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < txs.size(); ++t) helpers.emplace_back([&job] { job.work(); });
  job.work();
  for (auto& th : helpers) th.join();
  return job.take();
}

}  // namespace ans
