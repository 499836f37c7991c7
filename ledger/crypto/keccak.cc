#include <cryptopp/keccak.h>

#include "ledger/crypto/hash.h"

namespace ans {

Hash256 keccak256(ByteView data) {
  CryptoPP::Keccak_256 keccak;
  keccak.Update(data.data(), data.size());
  Hash256 out{};
  keccak.Final(out.data());
  return out;
}

}  // namespace ans
