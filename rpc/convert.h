// From the chain's records to the RPC's shapes (rpc.proto's conventions: hex hashes, EIP-55
// addresses, decimal DIMT amounts). Pure functions.
#pragma once

#include <string>

#include "ans/v1/rpc.pb.h"
#include "ans/v1/state.pb.h"
#include "ledger/crypto/hash.h"
#include "ledger/rules/genesis_config.h"
#include "ledger/rules/names.h"

namespace ans::rpc {

std::string hex(const Hash256& h);
// An amount field's bytes as decimal DIMT ("0" for empty or unreadable bytes).
std::string dimt(const std::string& amount_bytes);
// 20 account bytes as an EIP-55 address; empty for empty bytes.
std::string account_text(const std::string& account_bytes);

// "active", "grace", "released", "reserved", "never_registered".
std::string lifecycle_name(NameStatus status);

v1::NameRecord name_record(const ChainParams& p, std::string_view name, NameStatus status,
                           const std::optional<v1::NameState>& record);

v1::TransactionInfo transaction_info(const v1::SignedTransaction& stx);
v1::BlockInfo block_info(const Hash256& hash, const v1::Block& block, bool final, bool include_raw);

}  // namespace ans::rpc
