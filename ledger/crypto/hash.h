// Hash functions. SHA-256 is our own (sha256.cc: the x86 SHA extensions when present, else
// portable C++); RIPEMD-160 comes from OpenSSL 3 (fetched once per process, not per call);
// Keccak-256 (Ethereum's, not SHA3-256) is our own too (keccak.cc). All are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "ledger/util/bytes.h"

namespace ans {

using Hash256 = FixedBytes<32>;
using Hash160 = FixedBytes<20>;

Hash256 sha256(ByteView data);
// Two messages at once: out_a = sha256(a), out_b = sha256(b). Where the SHA extensions are
// present, two short messages (up to 119 bytes) take little more time than one: the second
// runs in the gaps of the first's rounds.
void sha256_x2(ByteView a, ByteView b, Hash256& out_a, Hash256& out_b);
// SHA-256 applied twice, as Base58Check uses it.
Hash256 sha256d(ByteView data);
Hash160 ripemd160(ByteView data);
// RIPEMD160(SHA256(data)), Bitcoin's HASH160.
Hash160 hash160(ByteView data);
// Keccak-256 with the original padding (Ethereum). Differs from NIST SHA3-256.
// Defined in keccak.cc, which the stand-alone proof verifier does not link.
Hash256 keccak256(ByteView data);

// Incremental SHA-256 for hashing several pieces without concatenating them. A copy goes on
// from the same point, so a common prefix can be hashed once (tagged_hash does).
class Sha256 {
 public:
  Sha256();

  Sha256& update(ByteView data);
  Sha256& update(std::string_view text) { return update(as_bytes(text)); }
  // Returns the digest; the object must not be updated afterwards.
  Hash256 finish();

 private:
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;  // bytes in buffer_
  uint64_t length_ = 0;  // bytes hashed in all
};

namespace sha256_internal {
// True when the CPU has the x86 SHA extensions (then they are used).
bool hardware_available();
// For tests: use the portable block function even where the extensions are present.
void use_portable(bool portable);
}  // namespace sha256_internal

// Domain-separated hash in the style of BIP-340: SHA256(SHA256(tag) || SHA256(tag) || parts...).
// Every signature on the chain signs such a hash, so a signature made for one purpose
// (a transaction, a header, a vote) can never be replayed as another.
Hash256 tagged_hash(std::string_view tag, std::initializer_list<ByteView> parts);

}  // namespace ans
