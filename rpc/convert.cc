#include "rpc/convert.h"

#include "ledger/crypto/keys.h"
#include "ledger/identity/address.h"
#include "ledger/token/amount.h"
#include "ledger/wire/codec.h"

namespace ans::rpc {

std::string hex(const Hash256& h) { return to_hex(ByteView(h.data(), h.size())); }

std::string dimt(const std::string& amount_bytes) {
  auto a = Amount::from_bytes(as_bytes(amount_bytes));
  return a ? a->to_string() : "0";
}

std::string account_text(const std::string& account_bytes) {
  if (account_bytes.empty()) return {};
  auto a = EthAddress::from_bytes(as_bytes(account_bytes));
  return a ? a->to_string() : to_hex(as_bytes(account_bytes));
}

std::string lifecycle_name(NameStatus status) {
  switch (status) {
    case NameStatus::kNeverRegistered: return "never_registered";
    case NameStatus::kReserved: return "reserved";
    case NameStatus::kActive: return "active";
    case NameStatus::kGrace: return "grace";
    case NameStatus::kReleased: return "released";
  }
  return "unknown";
}

v1::NameRecord name_record(const ChainParams& p, std::string_view name, NameStatus status,
                           const std::optional<v1::NameState>& record) {
  v1::NameRecord out;
  out.set_name(std::string(name));
  out.set_state(lifecycle_name(status));
  if (record) {
    out.set_owner(account_text(record->owner()));
    out.set_expiry_s(record->expiry_s());
    if (!record->reserved()) out.set_grace_ends_s(record->expiry_s() + p.grace_s);
    *out.mutable_records() = record->records();
    out.set_registered_height(record->registered_height());
  }
  return out;
}

namespace {

std::string field_name(const v1::Transaction& tx) {
  const auto* oneof = tx.GetDescriptor()->FindOneofByName("body");
  const auto* field = tx.GetReflection()->GetOneofFieldDescriptor(tx, oneof);
  return field == nullptr ? "none" : field->name();
}

std::string bytes_hex(const std::string& b) { return to_hex(as_bytes(b)); }

void describe(const v1::Transaction& tx, google::protobuf::Map<std::string, std::string>& f) {
  switch (tx.body_case()) {
    case v1::Transaction::kTransfer:
      f["to"] = account_text(tx.transfer().to());
      f["amount"] = dimt(tx.transfer().amount());
      break;
    case v1::Transaction::kNameCommit: f["commitment"] = bytes_hex(tx.name_commit().commitment()); break;
    case v1::Transaction::kNameRegister:
      f["name"] = tx.name_register().name();
      f["years"] = std::to_string(tx.name_register().years());
      f["target"] = tx.name_register().records().target();
      break;
    case v1::Transaction::kNameRenew:
      f["name"] = tx.name_renew().name();
      f["years"] = std::to_string(tx.name_renew().years());
      break;
    case v1::Transaction::kNameUpdate:
      f["name"] = tx.name_update().name();
      f["target"] = tx.name_update().records().target();
      break;
    case v1::Transaction::kNameTransfer:
      f["name"] = tx.name_transfer().name();
      f["new_owner"] = account_text(tx.name_transfer().new_owner());
      break;
    case v1::Transaction::kSetPrimaryName: f["name"] = tx.set_primary_name().name(); break;
    case v1::Transaction::kSpRegister:
      f["sp_id"] = tx.sp_register().sp_id();
      f["display_name"] = tx.sp_register().display_name();
      f["self_stake"] = dimt(tx.sp_register().self_stake());
      break;
    case v1::Transaction::kSpUpdate: f["sp_id"] = tx.sp_update().sp_id(); break;
    case v1::Transaction::kSpUnregister: f["sp_id"] = tx.sp_unregister().sp_id(); break;
    case v1::Transaction::kStake: f["amount"] = dimt(tx.stake().amount()); break;
    case v1::Transaction::kUnstake: f["amount"] = dimt(tx.unstake().amount()); break;
    case v1::Transaction::kVote: {
      std::string ids;
      for (const auto& id : tx.vote().sp_ids()) ids += (ids.empty() ? "" : " ") + id;
      f["sp_ids"] = ids;
      break;
    }
    case v1::Transaction::kClaimRewards: f["sp_id"] = tx.claim_rewards().sp_id(); break;
    case v1::Transaction::kEvidence:
      f["kind"] = tx.evidence().has_double_vote() ? "double_vote" : "double_proposal";
      break;
    case v1::Transaction::kUnjail: f["sp_id"] = tx.unjail().sp_id(); break;
    case v1::Transaction::BODY_NOT_SET: break;
  }
}

}  // namespace

v1::TransactionInfo transaction_info(const v1::SignedTransaction& stx) {
  const v1::Transaction& tx = stx.tx();
  v1::TransactionInfo out;
  out.set_hash(hex(transaction_id(tx)));
  out.set_type(field_name(tx));
  if (auto key = PublicKey::parse(as_bytes(tx.sender_key()))) {
    out.set_sender(EthAddress::from_public_key(*key).to_string());
  }
  out.set_nonce(tx.nonce());
  out.set_fee(dimt(tx.fee()));
  out.set_expiry_height(tx.expiry_height());
  describe(tx, *out.mutable_fields());
  return out;
}

v1::BlockInfo block_info(const Hash256& hash, const v1::Block& block, bool final, bool include_raw) {
  const v1::BlockHeader& h = block.header().header();
  v1::BlockInfo out;
  out.set_height(h.height());
  out.set_hash(hex(hash));
  out.set_prev_hash(bytes_hex(h.prev_hash()));
  out.set_slot(h.slot());
  out.set_timestamp_ms(h.timestamp_ms());
  out.set_producer(h.producer());
  out.set_state_root(bytes_hex(h.state_root()));
  out.set_tx_root(bytes_hex(h.tx_root()));
  out.set_final(final);
  out.set_transaction_count(static_cast<uint32_t>(block.transactions_size()));
  for (const auto& stx : block.transactions()) *out.add_transactions() = transaction_info(stx);
  if (include_raw) out.set_raw(block.SerializeAsString());
  return out;
}

}  // namespace ans::rpc
