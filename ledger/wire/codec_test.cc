#include "ledger/wire/codec.h"

#include <gtest/gtest.h>

#include "ledger/identity/address.h"

namespace ans {
namespace {

ChainId test_chain() { return sha256(as_bytes("ans test chain")); }

PrivateKey test_key() {
  return PrivateKey::from_bytes(
             from_hex("0000000000000000000000000000000000000000000000000000000000000001").value())
      .value();
}

v1::Transaction base_tx() {
  v1::Transaction tx;
  tx.set_sender_key(to_field(test_key().public_key().compressed()));
  tx.set_nonce(7);
  tx.set_fee(to_field(Amount::parse("0.01").value().to_bytes()));
  tx.set_expiry_height(1000);
  return tx;
}

std::string bytes_of(const google::protobuf::Message& m) {
  Bytes b = encode(m);
  return std::string(b.begin(), b.end());
}

// One well-formed example of every body type.
std::vector<v1::Transaction> every_body() {
  std::vector<v1::Transaction> out;
  auto add = [&](auto fill) {
    v1::Transaction tx = base_tx();
    fill(tx);
    out.push_back(tx);
  };
  std::string account(20, '\x11');
  std::string hash(32, '\x22');
  std::string key = to_field(test_key().public_key().compressed());
  std::string five_m = to_field(Amount::from_dimt(5'000'000).to_bytes());
  add([&](v1::Transaction& t) {
    t.mutable_transfer()->set_to(account);
    t.mutable_transfer()->set_amount(to_field(Amount::from_dimt(3).to_bytes()));
  });
  add([&](v1::Transaction& t) { t.mutable_name_commit()->set_commitment(hash); });
  add([&](v1::Transaction& t) {
    auto* r = t.mutable_name_register();
    r->set_name("alice");
    r->set_salt(hash);
    r->set_years(2);
    r->mutable_records()->set_target("alice@0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    auto* text = r->mutable_records()->add_text();
    text->set_key("avatar");
    text->set_value("https://example.org/a.png");
  });
  add([&](v1::Transaction& t) {
    t.mutable_name_renew()->set_name("alice");
    t.mutable_name_renew()->set_years(1);
  });
  add([&](v1::Transaction& t) {
    t.mutable_name_update()->set_name("alice");
    t.mutable_name_update()->mutable_records()->set_target("anyone@anywhere");
  });
  add([&](v1::Transaction& t) {
    t.mutable_name_transfer()->set_name("alice");
    t.mutable_name_transfer()->set_new_owner(account);
  });
  add([&](v1::Transaction& t) { t.mutable_set_primary_name()->set_name("alice"); });
  add([&](v1::Transaction& t) {
    auto* r = t.mutable_sp_register();
    r->set_sp_id("sp@2gLTqLc2chZ1sBNpPDj9sGAMwvaTnp3NZC");
    r->set_display_name("SP One");
    r->set_url("https://sp.example");
    auto* st = r->add_stations();
    st->set_id("station@anywhere");
    st->set_host("127.0.0.1");
    st->set_port(9394);
    r->set_signing_key(key);
    r->set_self_stake(five_m);
  });
  add([&](v1::Transaction& t) {
    t.mutable_sp_update()->set_sp_id("sp");
    t.mutable_sp_update()->set_signing_key(key);
  });
  add([&](v1::Transaction& t) { t.mutable_sp_unregister()->set_sp_id("sp"); });
  add([&](v1::Transaction& t) { t.mutable_stake()->set_amount(five_m); });
  add([&](v1::Transaction& t) { t.mutable_unstake()->set_amount(five_m); });
  add([&](v1::Transaction& t) {
    t.mutable_vote()->add_sp_ids("a");
    t.mutable_vote()->add_sp_ids("b");
  });
  add([&](v1::Transaction& t) { t.mutable_claim_rewards()->set_sp_id("sp"); });
  add([&](v1::Transaction& t) {
    auto* dv = t.mutable_evidence()->mutable_double_vote();
    for (auto* v : {dv->mutable_first(), dv->mutable_second()}) {
      v->mutable_vote()->set_block_hash(hash);
      v->mutable_vote()->set_height(5);
      v->mutable_vote()->set_slot(9);
      v->mutable_vote()->set_voter("sp");
      v->set_signature(std::string(64, '\x33'));
    }
    dv->mutable_second()->mutable_vote()->set_block_hash(std::string(32, '\x44'));
  });
  add([&](v1::Transaction& t) {
    auto* dp = t.mutable_evidence()->mutable_double_proposal();
    for (auto* h : {dp->mutable_first(), dp->mutable_second()}) {
      h->mutable_header()->set_height(3);
      h->mutable_header()->set_slot(4);
      h->mutable_header()->set_prev_hash(hash);
      h->mutable_header()->set_tx_root(hash);
      h->mutable_header()->set_state_root(hash);
      h->mutable_header()->set_producer("sp");
      h->set_signature(std::string(64, '\x55'));
    }
  });
  add([&](v1::Transaction& t) { t.mutable_unjail()->set_sp_id("sp"); });
  return out;
}

TEST(Codec, EveryBodyTypeRoundTripsSignedAndVerifies) {
  auto txs = every_body();
  ASSERT_EQ(txs.size(), 17u);  // 16 body types; evidence twice (two kinds)
  for (const auto& tx : txs) {
    SCOPED_TRACE(tx.DebugString());
    v1::SignedTransaction stx = sign_transaction(test_key(), test_chain(), tx);
    Bytes wire = encode(stx);
    auto decoded = decode_transaction(wire);
    ASSERT_TRUE(decoded) << decoded.status().to_string();
    EXPECT_EQ(encode(*decoded), wire);
    EXPECT_TRUE(verify_transaction_signature(test_chain(), *decoded));
  }
}

// encode_string gives encode's bytes, for every body type.
TEST(Codec, EncodeStringGivesTheSameBytes) {
  for (const auto& tx : every_body()) {
    v1::SignedTransaction stx = sign_transaction(test_key(), test_chain(), tx);
    Bytes wire = encode(stx);
    EXPECT_EQ(encode_string(stx), std::string(wire.begin(), wire.end()));
  }
}

TEST(Codec, SignatureIsBoundToChainId) {
  v1::SignedTransaction stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  ChainId other = sha256(as_bytes("another chain"));
  Status st = verify_transaction_signature(other, stx);
  EXPECT_EQ(st.code(), Errc::kBadSignature);
}

TEST(Codec, SignatureCoversEveryField) {
  v1::SignedTransaction stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  auto tampered = stx;
  tampered.mutable_tx()->set_nonce(8);
  EXPECT_FALSE(verify_transaction_signature(test_chain(), tampered));
  tampered = stx;
  tampered.mutable_tx()->mutable_transfer()->set_amount(to_field(Amount::from_dimt(4).to_bytes()));
  EXPECT_FALSE(verify_transaction_signature(test_chain(), tampered));
  // The same x coordinate with the other parity is another account: must not verify.
  tampered = stx;
  std::string key = tampered.tx().sender_key();
  key[0] = key[0] == '\x02' ? '\x03' : '\x02';
  tampered.mutable_tx()->set_sender_key(key);
  EXPECT_FALSE(verify_transaction_signature(test_chain(), tampered));
  tampered = stx;
  std::string sig = tampered.signature();
  sig[5] ^= 1;
  tampered.set_signature(sig);
  EXPECT_FALSE(verify_transaction_signature(test_chain(), tampered));
}

TEST(Codec, TransactionIdIgnoresSignatureButNotContent) {
  v1::Transaction tx = every_body()[0];
  auto a = sign_transaction(test_key(), test_chain(), tx);
  auto b = sign_transaction(test_key(), test_chain(), tx);
  EXPECT_NE(a.signature(), b.signature());  // fresh aux randomness
  EXPECT_EQ(transaction_id(a.tx()), transaction_id(b.tx()));
  tx.set_nonce(tx.nonce() + 1);
  EXPECT_NE(transaction_id(tx), transaction_id(a.tx()));
}

// ---- one valid encoding

std::string signed_wire() {
  return bytes_of(sign_transaction(test_key(), test_chain(), every_body()[0]));
}

void expect_non_canonical(const std::string& wire) {
  auto r = decode_transaction(as_bytes(wire));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kNonCanonical) << r.status().to_string();
}

TEST(Canonical, RejectsUnknownField) {
  std::string w = signed_wire();
  w += std::string("\xf8\x07\x01", 3);  // field 127, varint 1
  expect_non_canonical(w);
}

TEST(Canonical, RejectsFieldsOutOfOrder) {
  // signature (2) before tx (1).
  auto stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  v1::SignedTransaction only_sig;
  only_sig.set_signature(stx.signature());
  v1::SignedTransaction only_tx;
  *only_tx.mutable_tx() = stx.tx();
  expect_non_canonical(bytes_of(only_sig) + bytes_of(only_tx));
}

TEST(Canonical, RejectsDuplicateField) {
  auto stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  v1::SignedTransaction only_sig;
  only_sig.set_signature(stx.signature());
  // A second signature field: protobuf keeps the last, the bytes are no longer canonical.
  expect_non_canonical(bytes_of(stx) + bytes_of(only_sig));
}

TEST(Canonical, RejectsExplicitDefaultAndOverlongVarint) {
  v1::Transaction tx = every_body()[0];
  std::string inner = bytes_of(tx);
  auto wrap = [](const std::string& tx_bytes) {
    // SignedTransaction{ tx = 1 (length-delimited), signature = 2 }.
    std::string out = "\x0a";
    out += static_cast<char>(tx_bytes.size());  // < 128 bytes in these cases
    out += tx_bytes;
    out += "\x12\x40" + std::string(64, '\x01');
    return out;
  };
  ASSERT_LT(inner.size() + 3, 128u);
  // Sanity: the unchanged bytes decode (shape only; the signature is not checked here).
  ASSERT_TRUE(decode_transaction(as_bytes(wrap(inner))));
  // expiry_height (field 4) = 0 written explicitly.
  v1::Transaction no_expiry = tx;
  no_expiry.set_expiry_height(0);
  std::string with_zero = bytes_of(no_expiry);
  std::string explicit_zero = with_zero;
  // Insert "field 4, varint 0" right after the fee field (fields are in number order).
  v1::Transaction head;
  head.set_sender_key(tx.sender_key());
  head.set_nonce(tx.nonce());
  head.set_fee(tx.fee());
  std::string head_bytes = bytes_of(head);
  ASSERT_EQ(with_zero.compare(0, head_bytes.size(), head_bytes), 0);
  explicit_zero.insert(head_bytes.size(), std::string("\x20\x00", 2));
  expect_non_canonical(wrap(explicit_zero));
  // nonce (field 2) = 7 as a two-byte varint 0x87 0x00.
  std::string overlong = inner;
  size_t pos = overlong.find(std::string("\x10\x07", 2));
  ASSERT_NE(pos, std::string::npos);
  overlong.replace(pos, 2, std::string("\x10\x87\x00", 3));
  expect_non_canonical(wrap(overlong));
}

TEST(Canonical, RejectsGarbageAndOversize) {
  auto r = decode_transaction(as_bytes(std::string("\xff\xff\xff", 3)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  std::string big(kMaxTransactionBytes + 1, '\0');
  auto b = decode_transaction(as_bytes(big));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().code(), Errc::kTooLarge);
}

// ---- structural checks

void expect_shape_error(const v1::SignedTransaction& stx, Errc code, const char* field) {
  auto r = decode_transaction(encode(stx));
  ASSERT_FALSE(r) << field;
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().to_string();
}

TEST(Shape, RejectsBadSenderKey) {
  auto stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  stx.mutable_tx()->set_sender_key(std::string(32, '\x02'));
  expect_shape_error(stx, Errc::kBadLength, "sender_key");
  std::string off_curve(33, '\0');
  off_curve[0] = 0x02;
  off_curve[32] = 0x07;
  stx.mutable_tx()->set_sender_key(off_curve);
  expect_shape_error(stx, Errc::kBadSignature, "sender_key");
}

TEST(Shape, RejectsBadSignatureLength) {
  auto stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  stx.set_signature(std::string(63, '\x01'));
  expect_shape_error(stx, Errc::kBadLength, "signature");
}

TEST(Shape, RejectsNonCanonicalAmount) {
  auto stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  stx.mutable_tx()->set_fee(std::string("\x00\x01", 2));
  expect_shape_error(stx, Errc::kNonCanonical, "fee");
  stx = sign_transaction(test_key(), test_chain(), every_body()[0]);
  stx.mutable_tx()->mutable_transfer()->set_amount(std::string(17, '\x01'));
  expect_shape_error(stx, Errc::kTooLarge, "transfer.amount");
}

TEST(Shape, RejectsMissingBody) {
  v1::SignedTransaction stx = sign_transaction(test_key(), test_chain(), base_tx());
  expect_shape_error(stx, Errc::kInvalidArgument, "no body");
}

TEST(Shape, RejectsWrongFixedSizes) {
  auto txs = every_body();
  struct Case { size_t index; void (*mutate)(v1::Transaction&); const char* field; };
  const Case cases[] = {
      {0, [](v1::Transaction& t) { t.mutable_transfer()->set_to(std::string(19, 'a')); }, "transfer.to"},
      {1, [](v1::Transaction& t) { t.mutable_name_commit()->set_commitment("x"); }, "name_commit.commitment"},
      {2, [](v1::Transaction& t) { t.mutable_name_register()->set_salt(std::string(31, 'a')); }, "name_register.salt"},
      {5, [](v1::Transaction& t) { t.mutable_name_transfer()->set_new_owner(std::string(21, 'a')); }, "name_transfer.new_owner"},
      {7, [](v1::Transaction& t) { t.mutable_sp_register()->set_signing_key(std::string(32, 'a')); }, "sp_register.signing_key"},
      {8, [](v1::Transaction& t) { t.mutable_sp_update()->set_signing_key(""); }, "sp_update.signing_key"},
      {14, [](v1::Transaction& t) {
         t.mutable_evidence()->mutable_double_vote()->mutable_first()->set_signature("short");
       }, "vote signature"},
      {15, [](v1::Transaction& t) {
         t.mutable_evidence()->mutable_double_proposal()->mutable_second()->mutable_header()->set_state_root("");
       }, "header.state_root"},
  };
  for (const Case& c : cases) {
    v1::Transaction tx = txs[c.index];
    c.mutate(tx);
    expect_shape_error(sign_transaction(test_key(), test_chain(), tx), Errc::kBadLength, c.field);
  }
  v1::Transaction empty_ev = base_tx();
  empty_ev.mutable_evidence();
  expect_shape_error(sign_transaction(test_key(), test_chain(), empty_ev), Errc::kInvalidArgument,
                     "evidence has no kind");
}

// ---- headers, votes, blocks

v1::SignedBlockHeader signed_header() {
  v1::SignedBlockHeader sh;
  auto* h = sh.mutable_header();
  h->set_height(10);
  h->set_prev_hash(std::string(32, '\x01'));
  h->set_slot(12);
  h->set_timestamp_ms(1'700'000'006'000);
  h->set_producer("sp@2gLTqLc2chZ1sBNpPDj9sGAMwvaTnp3NZC");
  h->set_tx_root(std::string(32, '\x02'));
  h->set_state_root(std::string(32, '\x03'));
  Hash256 hash = block_hash(*h);
  sh.set_signature(to_field(test_key().sign(header_signing_hash(test_chain(), hash))));
  return sh;
}

TEST(Header, HashExcludesSignatureAndSignatureVerifies) {
  v1::SignedBlockHeader sh = signed_header();
  auto decoded = decode_header(encode(sh));
  ASSERT_TRUE(decoded) << decoded.status().to_string();
  Hash256 hash = block_hash(decoded->header());
  auto sig = signature_field(decoded->signature(), "signature").value();
  EXPECT_TRUE(test_key().public_key().verify(header_signing_hash(test_chain(), hash), sig));
  EXPECT_FALSE(test_key().public_key().verify(
      header_signing_hash(sha256(as_bytes("other")), hash), sig));
  v1::SignedBlockHeader resigned = sh;
  resigned.set_signature(std::string(64, '\x09'));
  EXPECT_EQ(block_hash(resigned.header()), hash);
}

TEST(Header, RejectsBadShapes) {
  v1::SignedBlockHeader sh = signed_header();
  sh.mutable_header()->set_tx_root("");
  auto r = decode_header(encode(sh));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Errc::kBadLength);
  sh = signed_header();
  sh.mutable_header()->mutable_qc()->set_block_hash(std::string(32, 'q'));
  sh.mutable_header()->mutable_qc()->add_signatures("short");
  r = decode_header(encode(sh));
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("qc.signatures"), std::string::npos);
}

TEST(Vote, SigningDomainDiffersFromTransactions) {
  v1::BlockVote vote;
  vote.set_block_hash(std::string(32, '\x07'));
  vote.set_height(3);
  vote.set_slot(4);
  vote.set_voter("sp");
  v1::SignedBlockVote sv;
  *sv.mutable_vote() = vote;
  sv.set_signature(to_field(test_key().sign(vote_signing_hash(test_chain(), vote))));
  auto decoded = decode_vote(encode(sv));
  ASSERT_TRUE(decoded) << decoded.status().to_string();
  EXPECT_NE(vote_signing_hash(test_chain(), vote),
            tagged_hash(kTxSigTag, {test_chain(), encode(vote)}));
  sv.set_signature("");
  EXPECT_FALSE(decode_vote(encode(sv)));
}

TEST(Block, DecodesAndChecksEveryTransaction) {
  v1::Block block;
  *block.mutable_header() = signed_header();
  for (const auto& tx : every_body()) {
    *block.add_transactions() = sign_transaction(test_key(), test_chain(), tx);
  }
  ASSERT_TRUE(decode_block(encode(block)));
  block.mutable_transactions(3)->set_signature("x");
  auto r = decode_block(encode(block));
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("transaction 3"), std::string::npos);
}

}  // namespace
}  // namespace ans
