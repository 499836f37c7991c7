// Sealed messages from a peer, once opened (p2p/wire.h): decode_envelope keeps nothing it does
// not know (what decodes re-encodes to bytes that decode to the same), gossip_id is set
// exactly for the chain messages gossip relays, chain_message decodes those with the ledger's
// canonical decoders and refuses the rest, and what a relay sends on (envelope_of) has the
// same gossip id, so every peer suppresses one message as one duplicate.
//
// With ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets it), the target first writes genuine
// envelopes there: a signed transaction, a block carrying it, a vote, evidence, and each
// message of the protocol's own.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_seeds.h"
#include "ledger/state/ledger_state.h"
#include "ledger/wire/codec.h"
#include "p2p/wire.h"

namespace {

using ans::v1::p2p::Envelope;

ans::v1::SignedBlockVote seed_vote(const ans::PrivateKey& key, const ans::ChainId& chain, char block) {
  ans::v1::SignedBlockVote vote;
  vote.mutable_vote()->set_block_hash(std::string(32, block));
  vote.mutable_vote()->set_height(1);
  vote.mutable_vote()->set_slot(1);
  vote.mutable_vote()->set_voter("fuzz-sp");
  vote.set_signature(ans::to_field(key.sign(ans::vote_signing_hash(chain, vote.vote()))));
  return vote;
}

// Genuine chain messages, as a node would gossip them, and the protocol's other messages.
std::vector<std::pair<std::string, Envelope>> seeds() {
  const ans::PrivateKey key = ans::PrivateKey::from_bytes(ans::FixedBytes<32>{0x01}).value();
  const ans::ChainId chain = ans::sha256(ans::as_bytes(std::string("ans p2p fuzz chain")));
  ans::v1::Transaction tx;
  const ans::CompressedPubKey pub = key.public_key().compressed();
  tx.set_sender_key(std::string(pub.begin(), pub.end()));
  tx.set_nonce(1);
  tx.set_fee(ans::LedgerState::amount_bytes(ans::Amount::from_dimt(1)));
  tx.set_expiry_height(100);
  tx.mutable_transfer()->set_to(std::string(20, '\x11'));
  tx.mutable_transfer()->set_amount(ans::LedgerState::amount_bytes(ans::Amount::from_dimt(2)));
  const ans::v1::SignedTransaction stx = ans::sign_transaction(key, chain, tx);

  ans::v1::Block block;
  ans::v1::BlockHeader& h = *block.mutable_header()->mutable_header();
  h.set_height(1);
  h.set_prev_hash(std::string(32, '\x22'));
  h.set_slot(1);
  h.set_timestamp_ms(1'767'225'601'000ULL);
  h.set_producer("fuzz-sp");
  *block.add_transactions() = stx;
  h.set_tx_root(ans::to_field(ans::transactions_root(std::span(&stx, 1))));
  h.set_state_root(std::string(32, '\x33'));
  block.mutable_header()->set_signature(
      ans::to_field(key.sign(ans::header_signing_hash(chain, ans::block_hash(h)))));

  std::vector<std::pair<std::string, Envelope>> out;
  auto add = [&](const std::string& name) -> Envelope& { return out.emplace_back(name, Envelope()).second; };
  add("transaction").set_transaction(ans::encode_string(stx));
  add("block").set_block(ans::encode_string(block));
  add("vote").set_vote(ans::encode_string(seed_vote(key, chain, '\x44')));
  ans::v1::Evidence evidence;
  *evidence.mutable_double_vote()->mutable_first() = seed_vote(key, chain, '\x44');
  *evidence.mutable_double_vote()->mutable_second() = seed_vote(key, chain, '\x55');
  add("evidence").set_evidence(ans::encode_string(evidence));
  add("auth").mutable_auth()->set_signature(std::string(64, '\x07'));
  add("ping").mutable_ping()->set_nonce(9);
  auto* status = add("status").mutable_status();
  status->set_head_height(5);
  status->set_final_height(3);
  status->set_final_hash(std::string(32, '\x66'));
  add("get-block").mutable_get_block()->set_hash(std::string(32, '\x66'));
  add("get-final-blocks").mutable_get_final_blocks()->set_from_height(1);
  auto* blocks = add("final-blocks").mutable_final_blocks();
  blocks->set_from_height(1);
  blocks->add_blocks(ans::encode_string(block));
  auto* peers = add("peers").mutable_peers()->add_peers();
  peers->set_host("127.0.0.1");
  peers->set_port(9400);
  add("goodbye").mutable_goodbye()->set_reason("shutting down");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = fuzz_seed_dir();
  if (dir == nullptr) return 0;
  for (const auto& [name, envelope] : seeds()) {
    // Genuine: each chain message decodes as what it is.
    FUZZ_CHECK(!ans::p2p::is_gossip(envelope) || ans::p2p::chain_message(envelope).is_ok());
    write_fuzz_seed(dir, name, envelope.SerializeAsString());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto envelope = ans::p2p::decode_envelope(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!envelope) return 0;
  FUZZ_CHECK(envelope->body_case() != Envelope::BODY_NOT_SET);
  // Nothing unknown kept: its encoding decodes to the same envelope.
  const std::string encoded = envelope->SerializeAsString();
  auto again = ans::p2p::decode_envelope(encoded);
  FUZZ_CHECK(again.is_ok() && again->SerializeAsString() == encoded);

  const bool gossip = ans::p2p::is_gossip(*envelope);
  const ans::Hash256 id = ans::p2p::gossip_id(*envelope);
  FUZZ_CHECK(gossip == (id != ans::Hash256{}));
  auto message = ans::p2p::chain_message(*envelope);
  if (!gossip) {
    FUZZ_CHECK(!message.is_ok() && message.status().code() == ans::Errc::kInvalidArgument);
    return 0;
  }
  if (!message) return 0;
  // A relay sends the same bytes on: one message, one id, at every peer.
  const Envelope relayed = ans::p2p::envelope_of(*message);
  FUZZ_CHECK(relayed.body_case() == envelope->body_case());
  FUZZ_CHECK(ans::p2p::gossip_id(relayed) == id);
  return 0;
}
