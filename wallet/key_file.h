// The keystore's file format, version 1 (docs/wallet.md, "Keystore"): a JSON object with the
// key's name, address and public key in clear, and its 32-byte secret sealed with
// AES-256-GCM under a key that scrypt derives from the passphrase. The clear header (version,
// name, address, public key, scrypt parameters) is the GCM additional data, so a change to
// any of it fails the tag like a wrong passphrase.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/crypto/keys.h"
#include "ledger/identity/address.h"

namespace ans::wallet {

inline constexpr int kKeyFileVersion = 1;
// scrypt's cost for new keys: N = 2^17, r = 8, p = 1 (128 MiB of memory).
inline constexpr uint64_t kDefaultScryptN = uint64_t{1} << 17;
inline constexpr uint64_t kMinScryptN = uint64_t{1} << 10;
inline constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;
inline constexpr uint32_t kScryptR = 8;
inline constexpr uint32_t kScryptP = 1;

struct ScryptParams {
  uint64_t n = kDefaultScryptN;
  uint32_t r = kScryptR;
  uint32_t p = kScryptP;
  FixedBytes<32> salt{};
};

struct KeyFile {
  std::string name;
  EthAddress address;
  PublicKey public_key;
  ScryptParams kdf;
  FixedBytes<12> iv{};
  FixedBytes<16> tag{};
  FixedBytes<32> ciphertext{};
};

// The scrypt N for new keys: $ANS_SCRYPT_N if set (test-only: a power of two from kMinScryptN
// to kMaxScryptN, so tests need not spend the real cost), else kDefaultScryptN.
// Errors: kInvalidArgument (a malformed ANS_SCRYPT_N).
Result<uint64_t> scrypt_n_for_new_keys();

// `key` sealed under `passphrase`, with a fresh salt and IV. Errors: kInvalidArgument
// (`n` out of range), kResourceExhausted (scrypt could not get its memory).
Result<KeyFile> seal_key(const std::string& name, const PrivateKey& key, std::string_view passphrase,
                         uint64_t n);
// Errors: kInvalidArgument "wrong passphrase for key 'x'" (the tag does not verify: the
// passphrase, or a changed header or ciphertext), kCorruption (the secret is not the stored
// public key's), kResourceExhausted.
Result<PrivateKey> open_key(const KeyFile& file, std::string_view passphrase);

std::string encode_key_file(const KeyFile& file);
// `path` names the file in errors. Checks the header's consistency (the address is the
// public key's) but not the secret. Errors: kUnimplemented (another format version),
// kCorruption (anything malformed or inconsistent).
Result<KeyFile> decode_key_file(std::string_view text, const std::string& path);

}  // namespace ans::wallet
