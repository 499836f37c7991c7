#include "ledger/wire/codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace ans {
namespace {

Status wrap(std::string_view where, const Status& st) {
  return Status(st.code(), std::string(where) + ": " + st.message());
}

Status check_optional_size(const std::string& bytes, size_t size, std::string_view field) {
  return bytes.empty() ? Status::ok() : check_size(bytes, size, field);
}

Status check_amount(const std::string& bytes, std::string_view field) {
  auto a = amount_field(bytes, field);
  return a ? Status::ok() : a.status();
}

Status check_header_shape(const v1::SignedBlockHeader& sh);
Status check_vote_shape(const v1::SignedBlockVote& sv);

Status check_evidence_shape(const v1::Evidence& ev) {
  switch (ev.kind_case()) {
    case v1::Evidence::kDoubleProposal:
      ANS_RETURN_IF_ERROR(wrap("first", check_header_shape(ev.double_proposal().first())));
      return wrap("second", check_header_shape(ev.double_proposal().second()));
    case v1::Evidence::kDoubleVote:
      ANS_RETURN_IF_ERROR(wrap("first", check_vote_shape(ev.double_vote().first())));
      return wrap("second", check_vote_shape(ev.double_vote().second()));
    case v1::Evidence::KIND_NOT_SET:
      break;
  }
  return Status(Errc::kInvalidArgument, "evidence has no kind");
}

Status check_body_shape(const v1::Transaction& tx) {
  using T = v1::Transaction;
  switch (tx.body_case()) {
    case T::kTransfer:
      ANS_RETURN_IF_ERROR(check_size(tx.transfer().to(), 20, "transfer.to"));
      return check_amount(tx.transfer().amount(), "transfer.amount");
    case T::kNameCommit:
      return check_size(tx.name_commit().commitment(), 32, "name_commit.commitment");
    case T::kNameRegister:
      return check_size(tx.name_register().salt(), 32, "name_register.salt");
    case T::kNameTransfer:
      return check_size(tx.name_transfer().new_owner(), 20, "name_transfer.new_owner");
    case T::kSpRegister:
      ANS_RETURN_IF_ERROR(check_size(tx.sp_register().signing_key(), 33, "sp_register.signing_key"));
      return check_amount(tx.sp_register().self_stake(), "sp_register.self_stake");
    case T::kSpUpdate:
      return check_size(tx.sp_update().signing_key(), 33, "sp_update.signing_key");
    case T::kStake:
      return check_amount(tx.stake().amount(), "stake.amount");
    case T::kUnstake:
      return check_amount(tx.unstake().amount(), "unstake.amount");
    case T::kEvidence:
      return wrap("evidence", check_evidence_shape(tx.evidence()));
    case T::kNameRenew:
    case T::kNameUpdate:
    case T::kSetPrimaryName:
    case T::kSpUnregister:
    case T::kVote:
    case T::kClaimRewards:
    case T::kUnjail:
      return Status::ok();  // only strings and integers: the ledger checks their values
    case T::BODY_NOT_SET:
      break;
  }
  return Status(Errc::kInvalidArgument, "transaction has no body");
}

Status check_qc_shape(const v1::QuorumCertificate& qc) {
  ANS_RETURN_IF_ERROR(check_size(qc.block_hash(), 32, "qc.block_hash"));
  for (const auto& sig : qc.signatures()) {
    ANS_RETURN_IF_ERROR(check_size(sig, 64, "qc.signatures[]"));
  }
  return Status::ok();
}

Status check_block_header_shape(const v1::BlockHeader& h) {
  ANS_RETURN_IF_ERROR(check_optional_size(h.prev_hash(), 32, "header.prev_hash"));
  ANS_RETURN_IF_ERROR(check_size(h.tx_root(), 32, "header.tx_root"));
  ANS_RETURN_IF_ERROR(check_size(h.state_root(), 32, "header.state_root"));
  if (h.has_qc()) ANS_RETURN_IF_ERROR(check_qc_shape(h.qc()));
  for (const auto& m : h.next_active_set()) {
    ANS_RETURN_IF_ERROR(check_size(m.signing_key(), 33, "header.next_active_set[].signing_key"));
  }
  return Status::ok();
}

Status check_header_shape(const v1::SignedBlockHeader& sh) {
  ANS_RETURN_IF_ERROR(check_size(sh.signature(), 64, "header signature"));
  return check_block_header_shape(sh.header());
}

Status check_vote_shape(const v1::SignedBlockVote& sv) {
  ANS_RETURN_IF_ERROR(check_size(sv.signature(), 64, "vote signature"));
  return check_size(sv.vote().block_hash(), 32, "vote.block_hash");
}

template <typename Msg>
Result<Msg> decode_with(ByteView bytes, size_t max_bytes, Status (*check)(const Msg&)) {
  Msg msg;
  ANS_RETURN_IF_ERROR(decode_canonical(bytes, max_bytes, msg));
  ANS_RETURN_IF_ERROR(check(msg));
  return msg;
}

}  // namespace

Bytes encode(const google::protobuf::MessageLite& message) {
  Bytes out(message.ByteSizeLong());
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(out.size()));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  return out;
}

std::string encode_string(const google::protobuf::MessageLite& message) {
  std::string out;
  encode_into(message, out);
  return out;
}

void encode_into(const google::protobuf::MessageLite& message, std::string& out) {
  out.resize(message.ByteSizeLong());
  google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(out.size()));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
}

Status decode_canonical(ByteView bytes, size_t max_bytes, google::protobuf::Message& out) {
  if (bytes.size() > max_bytes) {
    return Status(Errc::kTooLarge, out.GetTypeName() + " of " + std::to_string(bytes.size()) +
                                       " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status(Errc::kInvalidArgument, "not a valid " + out.GetTypeName() + " encoding");
  }
  // Protobuf keeps unknown fields and would write them back; drop them so they show up as
  // a difference. Generated code then serialises in field-number order.
  out.DiscardUnknownFields();
  std::string again;
  out.SerializeToString(&again);
  if (again.size() != bytes.size() ||
      !std::equal(again.begin(), again.end(), bytes.begin(),
                  [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; })) {
    return Status(Errc::kNonCanonical,
                  out.GetTypeName() + " is not in its one canonical encoding (field order, "
                                      "default values, unknown or duplicate fields)");
  }
  return Status::ok();
}

Status check_size(const std::string& bytes, size_t size, std::string_view field) {
  if (bytes.size() != size) {
    return Status(Errc::kBadLength, std::string(field) + " must be " + std::to_string(size) +
                                        " bytes, got " + std::to_string(bytes.size()));
  }
  return Status::ok();
}

Result<Amount> amount_field(const std::string& bytes, std::string_view field) {
  auto a = Amount::from_bytes(field_bytes(bytes));
  if (!a) return wrap(field, a.status());
  return a;
}

Result<SchnorrSignature> signature_field(const std::string& bytes, std::string_view field) {
  ANS_RETURN_IF_ERROR(check_size(bytes, 64, field));
  SchnorrSignature sig{};
  std::copy(bytes.begin(), bytes.end(), sig.begin());
  return sig;
}

Result<PublicKey> check_transaction_shape_key(const v1::SignedTransaction& stx,
                                              PublicKeyCache* keys, FixedBytes<20>* account) {
  const v1::Transaction& tx = stx.tx();
  ANS_RETURN_IF_ERROR(check_size(tx.sender_key(), 33, "sender_key"));
  const ByteView key_bytes = field_bytes(tx.sender_key());
  auto key = keys ? keys->parse(key_bytes, account) : PublicKey::parse(key_bytes);
  if (!key) return wrap("sender_key", key.status());
  if (!keys && account) *account = key->account();
  ANS_RETURN_IF_ERROR(check_size(stx.signature(), 64, "signature"));
  ANS_RETURN_IF_ERROR(check_amount(tx.fee(), "fee"));
  ANS_RETURN_IF_ERROR(check_body_shape(tx));
  return key;
}

Status check_transaction_shape(const v1::SignedTransaction& stx) {
  auto key = check_transaction_shape_key(stx);
  return key ? Status::ok() : key.status();
}

Result<v1::SignedTransaction> decode_transaction(ByteView bytes) {
  return decode_with<v1::SignedTransaction>(bytes, kMaxTransactionBytes, &check_transaction_shape);
}

Hash256 transaction_signing_hash(const ChainId& chain_id, const v1::Transaction& tx) {
  Bytes body = encode(tx);
  return tagged_hash(kTxSigTag, {chain_id, body});
}

Hash256 transaction_id(const v1::Transaction& tx) {
  Bytes body = encode(tx);
  return tagged_hash(kTxIdTag, {body});
}

TransactionHashes transaction_hashes(const ChainId& chain_id, const v1::Transaction& tx) {
  Bytes body = encode(tx);
  return {tagged_hash(kTxIdTag, {body}), tagged_hash(kTxSigTag, {chain_id, body})};
}

v1::SignedTransaction sign_transaction(const PrivateKey& key, const ChainId& chain_id,
                                       const v1::Transaction& tx, const FixedBytes<32>& aux_rand) {
  v1::SignedTransaction stx;
  *stx.mutable_tx() = tx;
  stx.set_signature(to_field(key.sign(transaction_signing_hash(chain_id, tx), aux_rand)));
  return stx;
}

Hash256 transactions_root(std::span<const v1::SignedTransaction> txs) {
  if (txs.empty()) return Hash256{};
  std::vector<Hash256> level;
  level.reserve(txs.size());
  for (const auto& stx : txs) {
    Bytes bytes = encode(stx);
    level.push_back(tagged_hash("ANS/v1/tx-leaf", {ByteView(bytes)}));
  }
  while (level.size() > 1) {
    std::vector<Hash256> up;
    up.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      up.push_back(tagged_hash("ANS/v1/tx-node", {ByteView(level[i]), ByteView(level[i + 1])}));
    }
    if (level.size() % 2 == 1) up.push_back(level.back());
    level = std::move(up);
  }
  return level.front();
}

v1::SignedTransaction sign_transaction(const PrivateKey& key, const ChainId& chain_id,
                                       const v1::Transaction& tx) {
  v1::SignedTransaction stx;
  *stx.mutable_tx() = tx;
  SchnorrSignature sig = key.sign(transaction_signing_hash(chain_id, tx));
  stx.set_signature(to_field(sig));
  return stx;
}

Status verify_transaction_signature(const ChainId& chain_id, const v1::SignedTransaction& stx) {
  auto key = PublicKey::parse(field_bytes(stx.tx().sender_key()));
  if (!key) return Status(Errc::kBadSignature, "sender_key: " + key.status().message());
  return verify_transaction_signature(stx, *key, transaction_signing_hash(chain_id, stx.tx()));
}

Status verify_transaction_signature(const v1::SignedTransaction& stx, const PublicKey& key,
                                    const Hash256& signing_hash) {
  auto sig = signature_field(stx.signature(), "signature");
  if (!sig) return Status(Errc::kBadSignature, sig.status().message());
  if (!key.verify(signing_hash, *sig)) {
    return Status(Errc::kBadSignature, "transaction signature does not verify for this chain");
  }
  return Status::ok();
}

Hash256 block_hash(const v1::BlockHeader& header) {
  Bytes body = encode(header);
  return tagged_hash(kHeaderHashTag, {body});
}

Hash256 header_signing_hash(const ChainId& chain_id, const Hash256& hash) {
  return tagged_hash(kHeaderSigTag, {chain_id, hash});
}

Hash256 vote_signing_hash(const ChainId& chain_id, const v1::BlockVote& vote) {
  Bytes body = encode(vote);
  return tagged_hash(kVoteSigTag, {chain_id, body});
}

Result<v1::SignedBlockHeader> decode_header(ByteView bytes) {
  return decode_with<v1::SignedBlockHeader>(bytes, kMaxHeaderBytes, &check_header_shape);
}

Result<v1::BlockHeader> decode_block_header(ByteView bytes) {
  return decode_with<v1::BlockHeader>(bytes, kMaxHeaderBytes, &check_block_header_shape);
}

Result<v1::SignedBlockVote> decode_vote(ByteView bytes) {
  return decode_with<v1::SignedBlockVote>(bytes, kMaxVoteBytes, &check_vote_shape);
}

Result<v1::Block> decode_block(ByteView bytes) {
  auto check = +[](const v1::Block& b) -> Status {
    ANS_RETURN_IF_ERROR(check_header_shape(b.header()));
    for (int i = 0; i < b.transactions_size(); ++i) {
      if (b.transactions(i).ByteSizeLong() > kMaxTransactionBytes) {
        return Status(Errc::kTooLarge, "transaction " + std::to_string(i) + " exceeds " +
                                           std::to_string(kMaxTransactionBytes) + " bytes");
      }
      if (auto st = check_transaction_shape(b.transactions(i)); !st) {
        return wrap("transaction " + std::to_string(i), st);
      }
    }
    return Status::ok();
  };
  return decode_with<v1::Block>(bytes, kMaxBlockBytes, check);
}

}  // namespace ans
