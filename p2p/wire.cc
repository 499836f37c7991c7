#include "p2p/wire.h"

#include "ledger/crypto/hash.h"
#include "ledger/wire/codec.h"

namespace ans::p2p {

using Envelope = v1::p2p::Envelope;

std::array<uint8_t, kFrameHeaderBytes> frame_header(uint32_t length) {
  return {static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
          static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
}

uint32_t frame_length(const std::array<uint8_t, kFrameHeaderBytes>& h) {
  return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | uint32_t{h[3]};
}

Result<v1::p2p::Handshake> decode_handshake(std::string_view bytes) {
  if (bytes.size() > kMaxHandshakeFrameBytes) return Status(Errc::kTooLarge, "a handshake frame over 1 KiB");
  v1::p2p::Handshake out;
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      out.body_case() == v1::p2p::Handshake::BODY_NOT_SET) {
    return Status(Errc::kInvalidArgument, "not a handshake");
  }
  return out;
}

Result<Envelope> decode_envelope(std::string_view bytes) {
  Envelope out;
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      out.body_case() == Envelope::BODY_NOT_SET) {
    return Status(Errc::kInvalidArgument, "not a message of this protocol");
  }
  // Fields this version does not know (a newer peer's) are dropped rather than relayed.
  if (!out.GetReflection()->GetUnknownFields(out).empty()) {
    return Status(Errc::kNonCanonical, "a message with fields this version does not know");
  }
  return out;
}

Result<consensus::Message> chain_message(const Envelope& e) {
  using consensus::Message;
  switch (e.body_case()) {
    case Envelope::kTransaction: {
      auto tx = decode_transaction(as_bytes(e.transaction()));
      if (!tx) return tx.status();
      return Message::of(*tx);
    }
    case Envelope::kBlock: {
      auto block = decode_block(as_bytes(e.block()));
      if (!block) return block.status();
      return Message::of(std::make_shared<const v1::Block>(std::move(block).value()));
    }
    case Envelope::kVote: {
      auto vote = decode_vote(as_bytes(e.vote()));
      if (!vote) return vote.status();
      return Message::of(*vote);
    }
    case Envelope::kEvidence: {
      v1::Evidence evidence;
      if (Status st = decode_canonical(as_bytes(e.evidence()), kMaxEvidenceBytes, evidence); !st) return st;
      return Message::of(evidence);
    }
    default:
      return Status(Errc::kInvalidArgument, "not a chain message");
  }
}

Envelope envelope_of(const consensus::Message& m) {
  using Kind = consensus::Message::Kind;
  Envelope e;
  switch (m.kind) {
    case Kind::kTransaction: m.transaction.SerializeToString(e.mutable_transaction()); break;
    case Kind::kBlock: m.block->SerializeToString(e.mutable_block()); break;
    case Kind::kVote: m.vote.SerializeToString(e.mutable_vote()); break;
    case Kind::kEvidence: m.evidence.SerializeToString(e.mutable_evidence()); break;
    case Kind::kBlockRequest:
      e.mutable_get_block()->set_hash(std::string(m.request.begin(), m.request.end()));
      break;
  }
  return e;
}

bool is_gossip(const Envelope& e) {
  switch (e.body_case()) {
    case Envelope::kTransaction:
    case Envelope::kBlock:
    case Envelope::kVote:
    case Envelope::kEvidence: return true;
    default: return false;
  }
}

Hash256 gossip_id(const Envelope& e) {
  const std::string* bytes = nullptr;
  switch (e.body_case()) {
    case Envelope::kTransaction: bytes = &e.transaction(); break;
    case Envelope::kBlock: bytes = &e.block(); break;
    case Envelope::kVote: bytes = &e.vote(); break;
    case Envelope::kEvidence: bytes = &e.evidence(); break;
    default: return Hash256{};
  }
  const uint8_t kind = static_cast<uint8_t>(e.body_case());
  return tagged_hash("ANS/p2p/gossip", {ByteView(&kind, 1), as_bytes(*bytes)});
}

}  // namespace ans::p2p
