// Canonical encoding and signing of the wire formats in proto/ans/v1/chain.proto.
//
// One message, one encoding: decode() parses, re-encodes deterministically and rejects the
// input unless the bytes are identical. That rules out unknown fields, fields out of order,
// explicit default values, overlong varints and duplicate fields, so a transaction's bytes
// (and its id) cannot be changed by anyone who relays it.
#pragma once

#include <span>
#include <string_view>

#include "ans/v1/chain.pb.h"
#include "ledger/crypto/keys.h"
#include "ledger/token/amount.h"
#include "ledger/util/bytes.h"

namespace ans {

using ChainId = Hash256;

inline constexpr size_t kMaxTransactionBytes = 16 * 1024;
inline constexpr size_t kMaxHeaderBytes = 8 * 1024;
inline constexpr size_t kMaxVoteBytes = 512;
inline constexpr size_t kMaxBlockBytes = 4 * 1024 * 1024;

// Signing-domain tags. Each signed or hashed object type has its own.
inline constexpr std::string_view kTxSigTag = "ANS/v1/tx";
inline constexpr std::string_view kTxIdTag = "ANS/v1/txid";
inline constexpr std::string_view kHeaderHashTag = "ANS/v1/header";
inline constexpr std::string_view kHeaderSigTag = "ANS/v1/header-sig";
inline constexpr std::string_view kVoteSigTag = "ANS/v1/vote";

// Deterministic serialisation (field-number order; the schema has no maps).
Bytes encode(const google::protobuf::MessageLite& message);
// The same bytes in a string (state values are strings): one allocation, no copy after.
std::string encode_string(const google::protobuf::MessageLite& message);
// The same into `out`, whose capacity is reused (a caller encoding many records keeps one).
void encode_into(const google::protobuf::MessageLite& message, std::string& out);

// Parses `bytes` into `out` and checks it is the canonical encoding.
// Errors: kTooLarge (over max_bytes), kInvalidArgument (not a valid message of that type),
// kNonCanonical (parses, but re-encodes differently, or carries fields this schema lacks).
Status decode_canonical(ByteView bytes, size_t max_bytes, google::protobuf::Message& out);

// ---- transactions

// decode_canonical plus the checks that need no state: sender key is a valid 33-byte point,
// signature is 64 bytes, every amount, account and hash field has its exact form, a body is set.
// The signature itself is not checked here (see verify_transaction_signature).
Result<v1::SignedTransaction> decode_transaction(ByteView bytes);
// The same structural checks on an already-decoded transaction (e.g. built in memory).
Status check_transaction_shape(const v1::SignedTransaction& stx);
// The same, giving the sender's key it parsed (decoding the point is the costly part of the
// checks, about as much as the rest of a signature check besides the verification itself).
// With `keys`, the key is looked up there first (and kept there once parsed). With
// `account`, the key's account (PublicKey::account(), the sender) is put there too.
Result<PublicKey> check_transaction_shape_key(const v1::SignedTransaction& stx,
                                              PublicKeyCache* keys = nullptr,
                                              FixedBytes<20>* account = nullptr);

Hash256 transaction_signing_hash(const ChainId& chain_id, const v1::Transaction& tx);
// The transaction id: independent of the signature, so re-signing cannot change it.
Hash256 transaction_id(const v1::Transaction& tx);
// Both of the above from one encoding of the transaction.
struct TransactionHashes {
  Hash256 id;
  Hash256 signing;
};
TransactionHashes transaction_hashes(const ChainId& chain_id, const v1::Transaction& tx);
v1::SignedTransaction sign_transaction(const PrivateKey& key, const ChainId& chain_id,
                                       const v1::Transaction& tx);
// The same with caller-chosen BIP-340 auxiliary randomness (a replayable simulation signs
// with randomness from its seed).
v1::SignedTransaction sign_transaction(const PrivateKey& key, const ChainId& chain_id,
                                       const v1::Transaction& tx, const FixedBytes<32>& aux_rand);
// Errors: kBadSignature (bad key or signature bytes, or the signature does not verify).
Status verify_transaction_signature(const ChainId& chain_id, const v1::SignedTransaction& stx);
// The same with the sender's key already parsed and the signing hash
// (transaction_signing_hash or transaction_hashes) already computed.
Status verify_transaction_signature(const v1::SignedTransaction& stx, const PublicKey& key,
                                    const Hash256& signing_hash);

// ---- headers and votes

Hash256 block_hash(const v1::BlockHeader& header);
// The header's tx_root: a binary Merkle tree over the block's signed transactions, in block
// order. Leaf = tagged_hash("ANS/v1/tx-leaf", encode(signed tx)) (signatures included, so a
// relay cannot swap one in); node = tagged_hash("ANS/v1/tx-node", left || right); an odd node
// at the end of a level moves up unchanged (no duplication, so no two lists share a root);
// no transactions: 32 zero bytes.
Hash256 transactions_root(std::span<const v1::SignedTransaction> txs);
Hash256 header_signing_hash(const ChainId& chain_id, const Hash256& block_hash);
Hash256 vote_signing_hash(const ChainId& chain_id, const v1::BlockVote& vote);

Result<v1::SignedBlockHeader> decode_header(ByteView bytes);
// A header without its producer's signature (as a proof bundle carries it): decode_canonical
// plus the field sizes decode_header checks.
Result<v1::BlockHeader> decode_block_header(ByteView bytes);
Result<v1::SignedBlockVote> decode_vote(ByteView bytes);
Result<v1::Block> decode_block(ByteView bytes);

// ---- field helpers shared by the codec and the ledger

// An amount field: canonical big-endian bytes (see Amount::from_bytes).
Result<Amount> amount_field(const std::string& bytes, std::string_view field);
// Exact-size byte field. Errors: kBadLength naming the field.
Status check_size(const std::string& bytes, size_t size, std::string_view field);
// Reads a signature field. Errors: kBadLength.
Result<SchnorrSignature> signature_field(const std::string& bytes, std::string_view field);

inline ByteView field_bytes(const std::string& s) { return as_bytes(s); }
inline std::string to_field(ByteView b) { return std::string(as_chars(b)); }

}  // namespace ans
