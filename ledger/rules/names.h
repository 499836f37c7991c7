// Name registry rules (spec section 3): lifecycle, fees, commitments, records, and the
// name transactions.
#pragma once

#include <optional>
#include <string_view>

#include "ans/v1/state.pb.h"
#include "ledger/names/name_lifecycle.h"
#include "ledger/rules/tx_scope.h"

namespace ans {

// The lifecycle (NameStatus, name_status_name) is ledger/names/name_lifecycle.h; these take
// the grace period from the chain's parameters.
NameStatus name_status(const ChainParams& p, const std::optional<v1::NameState>& record,
                       uint64_t now_s);
// When a registered name's grace ends and it is released.
uint64_t release_time_s(const ChainParams& p, const v1::NameState& record);

// The yearly fee for a name of `length` bytes (>= 2).
Amount yearly_fee(const ChainParams& p, size_t length);
// The premium for registering a name released at `released_at_s`: the start premium halved
// once per full halving period elapsed, and zero from premium_duration_s on.
Amount release_premium(const ChainParams& p, uint64_t released_at_s, uint64_t now_s);
// SHA-256(name || owner (20 bytes) || salt (32 bytes)).
Hash256 name_commitment(std::string_view name, const EthAddress& owner, const Hash256& salt);

// Target required and a valid DIMP ID; btc/eth valid if present; at most max_text_records
// text records with keys of 1..max_text_key_bytes printable ASCII (no space), strictly
// ascending, values of at most max_text_value_bytes; the encoded set at most
// max_record_set_bytes.
TxStatus validate_records(const ChainParams& p, const v1::RecordSet& records);
// The account a record set's target names, if its address is ETH-style.
std::optional<EthAddress> target_account(const v1::RecordSet& records);

TxStatus apply_name_commit(TxScope& s, const v1::NameCommit& body);
TxStatus apply_name_register(TxScope& s, const v1::NameRegister& body);
TxStatus apply_name_renew(TxScope& s, const v1::NameRenew& body);
TxStatus apply_name_update(TxScope& s, const v1::NameUpdate& body);
TxStatus apply_name_transfer(TxScope& s, const v1::NameTransfer& body);
TxStatus apply_set_primary_name(TxScope& s, const v1::SetPrimaryName& body);

// Epoch clean-up for a name whose grace has ended: drop the owner index entry and any reverse
// record that points at it, and mark it released.
void release_name(LedgerState& st, v1::NameState record);

}  // namespace ans
