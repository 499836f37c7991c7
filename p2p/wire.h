// What travels between peers, and how it is checked on the way in (docs/p2p.md):
//   - a frame is a 4-byte big-endian length, then that many bytes; a length above the
//     node's max_frame_bytes is refused before anything is read;
//   - an Envelope carries chain messages as their serialized bytes, decoded here with the
//     ledger's canonical decoders, so every peer sees, relays and hashes one encoding.
// Pure functions: the network layer and its fuzz target share them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ans/v1/p2p.pb.h"
#include "consensus/engine.h"

namespace ans::p2p {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 4;
// A Handshake frame (a Hello or a Reject) is small: a longer first frame is garbage.
inline constexpr uint32_t kMaxHandshakeFrameBytes = 1024;
inline constexpr size_t kMaxEvidenceBytes = 64 * 1024;
// The most transactions one Transactions batch carries.
inline constexpr int kMaxTransactionsPerBatch = 1024;
// The most final blocks one GetFinalBlocks asks for.
inline constexpr uint32_t kMaxBlocksPerRequest = 256;

std::array<uint8_t, kFrameHeaderBytes> frame_header(uint32_t length);
uint32_t frame_length(const std::array<uint8_t, kFrameHeaderBytes>& header);

// Errors: kInvalidArgument (not a Handshake, or neither body set), kTooLarge.
Result<v1::p2p::Handshake> decode_handshake(std::string_view bytes);
// Errors: kInvalidArgument (not an Envelope, or no body), kNonCanonical.
Result<v1::p2p::Envelope> decode_envelope(std::string_view bytes);

// The chain message an Envelope carries (a transaction, block, vote or evidence), decoded
// and shape-checked. Errors: the ledger decoders' (kInvalidArgument, kBadLength,
// kNonCanonical, kTooLarge, ...); kInvalidArgument for an envelope that carries no chain
// message.
Result<consensus::Message> chain_message(const v1::p2p::Envelope& envelope);
// The Envelope of a chain message. kBlockRequest becomes a GetBlock.
v1::p2p::Envelope envelope_of(const consensus::Message& message);
// Whether an envelope carries a chain message (what gossip relays).
bool is_gossip(const v1::p2p::Envelope& envelope);

// The id gossip suppresses duplicates by: a hash of the kind and the bytes carried.
Hash256 gossip_id(const v1::p2p::Envelope& envelope);

}  // namespace ans::p2p
