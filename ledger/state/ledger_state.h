// Typed access to the state through an overlay: accounts, names, SPs and the chain-wide
// records. Absent records read as their defaults where the spec gives one (an account nobody
// has funded has balance 0 and nonce 0).
//
// A stored record that does not decode is corruption, not bad input: it is recorded in
// status() and the block being applied is abandoned by the caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "ans/v1/state.pb.h"
#include "ledger/state/keys.h"
#include "ledger/store/state_view.h"
#include "ledger/token/amount.h"

namespace ans {

class LedgerState {
 public:
  explicit LedgerState(StateOverlay& overlay) : overlay_(overlay) {}

  // Write-back, for the applying of one transaction. From hold_writes() on, account records
  // and the reward pool are kept here once read or written, and reach the overlay only at
  // flush_held(): a transaction reads and writes its sender's account and the pool several
  // times (the nonce and fee, then the body's own payment), and each record is now parsed
  // once and encoded once. drop_held() forgets them, for a transaction that is rolled back.
  // Meanwhile every access to those records must go through this object (the overlay would
  // still answer with what they were). Both end the holding.
  void hold_writes() { holding_ = true; }
  void flush_held();
  void drop_held();

  StateOverlay& overlay() { return overlay_; }
  // OK, or the first storage or decoding failure.
  Status status() const;

  // Amount fields of state records (always canonical: we wrote them).
  Amount amount(std::string_view bytes) const;
  static std::string amount_bytes(const Amount& a);

  v1::AccountState account(const EthAddress& a) const;
  void put_account(const EthAddress& a, const v1::AccountState& s);

  std::optional<v1::NameState> name(std::string_view n) const;
  void put_name(const v1::NameState& s);

  std::optional<v1::CommitmentState> commitment(const Hash256& c) const;
  void put_commitment(const Hash256& c, const v1::CommitmentState& s);
  void erase_commitment(const Hash256& c, uint64_t time_s);

  std::optional<v1::SpState> sp(std::string_view sp_id) const;
  void put_sp(const v1::SpState& s);

  std::optional<std::string> primary_name(const EthAddress& a) const;
  void set_primary_name(const EthAddress& a, std::string_view n);
  void clear_primary_name(const EthAddress& a);

  Amount reward_pool() const;
  void set_reward_pool(const Amount& a);

  v1::SpRegistryState sp_registry() const;
  void put_sp_registry(const v1::SpRegistryState& s);
  v1::ActiveSetState active_sets() const;
  void put_active_sets(const v1::ActiveSetState& s);
  v1::ChainCursorState cursor() const;
  void put_cursor(const v1::ChainCursorState& s);

  void put_unbonding(uint64_t release_s, uint64_t seq, const v1::UnbondingState& s);

  bool evidence_seen(const std::string& key) const { return overlay_.get(key).has_value(); }
  void mark_evidence(const std::string& key) { overlay_.put(key, std::string()); }

  void index_owner(const EthAddress& owner, std::string_view n, bool present);
  void index_expiry(uint64_t expiry_s, std::string_view n, bool present);
  // index_owner and index_expiry for a name that had no record before this write: none of its
  // index keys can exist, which spares the store reading them for undo data.
  void index_new_name(const EthAddress& owner, std::string_view n, uint64_t expiry_s);

 private:
  template <typename Msg>
  std::optional<Msg> read(std::string_view key) const;
  void write(std::string_view key, const google::protobuf::Message& m);

  // The held account of `a`, or nullptr.
  struct HeldAccount {
    EthAddress who;
    v1::AccountState state;
    bool dirty = false;
  };
  HeldAccount* held_account(const EthAddress& a) const;

  StateOverlay& overlay_;
  mutable Status error_;
  bool holding_ = false;
  // A transaction touches a handful of accounts (its sender, a recipient): a short list.
  mutable boost::container::small_vector<HeldAccount, 2> held_accounts_;
  mutable std::optional<Amount> held_pool_;
  bool pool_dirty_ = false;
  std::string encoded_;  // write()'s buffer
};

}  // namespace ans
