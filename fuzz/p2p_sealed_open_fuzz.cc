// Sealed frames (p2p/secure_channel.h) and frame headers (p2p/wire.h), with a fixed key:
//   - the input's first 4 bytes are a frame header whose length round-trips;
//   - the rest, opened as the first frame under the key with that header as additional data,
//     fails with a typed error unless it is a genuine seal, and what opens seals back to the
//     same bytes;
//   - the rest, sealed as a plaintext, opens again to itself, and fails to open with one bit
//     flipped (at a place the header picks), or a second time (a replay).
//
// With ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets it), the target first writes genuine
// first frames under the key there, as a connection would send them: an Auth and a Ping.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_seeds.h"
#include "p2p/secure_channel.h"
#include "p2p/wire.h"

namespace {

using ans::Errc;
using ans::p2p::CipherState;

ans::FixedBytes<32> key() {
  ans::FixedBytes<32> k{};
  k.fill(0x42);
  return k;
}

// A frame as it travels: the header, then the envelope sealed under it.
std::string first_frame(const ans::v1::p2p::Envelope& envelope) {
  const std::string plain = envelope.SerializeAsString();
  auto header = ans::p2p::frame_header(static_cast<uint32_t>(plain.size() + ans::p2p::kAeadTagBytes));
  const std::string aad(header.begin(), header.end());
  CipherState send(key());
  return aad + send.seal(aad, plain);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = fuzz_seed_dir();
  if (dir == nullptr) return 0;
  ans::v1::p2p::Envelope auth;
  auth.mutable_auth()->set_signature(std::string(64, '\x07'));
  write_fuzz_seed(dir, "auth", first_frame(auth));
  ans::v1::p2p::Envelope ping;
  ping.mutable_ping()->set_nonce(1);
  write_fuzz_seed(dir, "ping", first_frame(ping));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::array<uint8_t, ans::p2p::kFrameHeaderBytes> header{};
  std::memcpy(header.data(), data, std::min(size, header.size()));
  const uint32_t length = ans::p2p::frame_length(header);
  FUZZ_CHECK(ans::p2p::frame_header(length) == header);
  const std::string aad(header.begin(), header.end());
  const std::string body =
      size > header.size() ? std::string(reinterpret_cast<const char*>(data) + header.size(), size - header.size())
                           : std::string();

  // Opened as it came: typed errors only. Whatever is long enough to hold a tag uses up the
  // frame's nonce, opened or not (a failure ends the connection anyway).
  CipherState receive(key());
  auto plain = receive.open(aad, body);
  FUZZ_CHECK(receive.frames() == (body.size() < ans::p2p::kAeadTagBytes ? 0u : 1u));
  if (!plain) {
    FUZZ_CHECK(plain.status().code() ==
               (body.size() < ans::p2p::kAeadTagBytes ? Errc::kBadLength : Errc::kBadSignature));
  } else {
    CipherState send(key());
    FUZZ_CHECK(send.seal(aad, *plain) == body);
  }

  // Sealed as a plaintext: it opens to itself, once, and not with a bit flipped.
  CipherState send(key());
  std::string sealed = send.seal(aad, body);
  FUZZ_CHECK(sealed.size() == body.size() + ans::p2p::kAeadTagBytes);
  CipherState again(key());
  auto back = again.open(aad, sealed);
  FUZZ_CHECK(back.is_ok() && *back == body);
  FUZZ_CHECK(!again.open(aad, sealed).is_ok());  // the second frame's nonce: a replay fails
  const size_t bit = length % (sealed.size() * 8);
  sealed[bit / 8] = static_cast<char>(sealed[bit / 8] ^ (1 << (bit % 8)));
  CipherState flipped(key());
  FUZZ_CHECK(!flipped.open(aad, sealed).is_ok());
  return 0;
}
