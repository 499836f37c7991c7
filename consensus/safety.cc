#include "consensus/safety.h"

#include <cstring>

namespace ans::consensus {
namespace {

constexpr size_t kEncodedSize = 8 + 32 + 8 + 8 + 32 + 8;

void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t get_be64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

Hash256 get_hash(std::string_view in) {
  Hash256 h{};
  std::memcpy(h.data(), in.data(), h.size());
  return h;
}

}  // namespace

SafetyState initial_safety_state(const Hash256& genesis_hash) {
  SafetyState s;
  s.lock = BlockRef{genesis_hash, 0, 0};
  return s;
}

std::string_view to_string(VoteCheck check) {
  switch (check) {
    case VoteCheck::kSafe: return "safe";
    case VoteCheck::kSlotNotNewer: return "already voted in this slot or a later one";
    case VoteCheck::kConflictsWithLock: return "conflicts with the lock";
  }
  return "unknown";
}

VoteCheck check_vote(const SafetyState& state, const BlockRef& block, const BlockRef& justify,
                     bool extends_lock) {
  if (block.slot <= state.last_vote_slot) return VoteCheck::kSlotNotNewer;
  if (!extends_lock && justify.slot <= state.lock.slot) return VoteCheck::kConflictsWithLock;
  return VoteCheck::kSafe;
}

void record_vote(SafetyState& state, const BlockRef& block, const BlockRef& justify) {
  state.last_vote_slot = block.slot;
  state.last_vote_hash = block.hash;
  if (justify.slot > state.lock.slot) state.lock = justify;
}

std::string encode_safety_state(const SafetyState& state) {
  std::string out;
  out.reserve(kEncodedSize);
  put_be64(out, state.last_vote_slot);
  out.append(reinterpret_cast<const char*>(state.last_vote_hash.data()), 32);
  put_be64(out, state.lock.slot);
  put_be64(out, state.lock.height);
  out.append(reinterpret_cast<const char*>(state.lock.hash.data()), 32);
  put_be64(out, state.last_proposal_slot);
  return out;
}

Result<SafetyState> decode_safety_state(std::string_view bytes) {
  if (bytes.size() != kEncodedSize) {
    return Status(Errc::kCorruption, "voter safety state is " + std::to_string(bytes.size()) +
                                         " bytes, expected " + std::to_string(kEncodedSize));
  }
  SafetyState s;
  s.last_vote_slot = get_be64(bytes.substr(0, 8));
  s.last_vote_hash = get_hash(bytes.substr(8, 32));
  s.lock.slot = get_be64(bytes.substr(40, 8));
  s.lock.height = get_be64(bytes.substr(48, 8));
  s.lock.hash = get_hash(bytes.substr(56, 32));
  s.last_proposal_slot = get_be64(bytes.substr(88, 8));
  return s;
}

}  // namespace ans::consensus
