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

#include "ans/v1/state.pb.h"
#include "ledger/state/keys.h"
#include "ledger/store/state_view.h"
#include "ledger/token/amount.h"

namespace ans {

class LedgerState {
 public:
  explicit LedgerState(StateOverlay& overlay) : overlay_(overlay) {}

  StateOverlay& overlay() { return overlay_; }
  // OK, or the first storage or decoding failure.
  Status status() const;

  // Amount fields of state records (always canonical: we wrote them).
  Amount amount(const std::string& bytes) const;
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

  StateOverlay& overlay_;
  mutable Status error_;
};

}  // namespace ans
