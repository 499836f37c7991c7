// The wallet's keystore: named secp256k1 keys, each encrypted at rest under its own
// passphrase in one file of a key directory, and one of them the default key.
// The file format is docs/wallet.md, "Keystore".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto/keys.h"
#include "ledger/identity/address.h"
#include "wallet/passphrase.h"

namespace ans::wallet {

// What the keystore knows of a key without its passphrase.
struct KeyInfo {
  std::string name;
  EthAddress address;    // the key's account
  PublicKey public_key;
  bool is_default = false;
};

// A key name: 1 to 32 characters of a-z, 0-9, '_' and '-'. Errors: kInvalidArgument.
Status validate_key_name(std::string_view name);

// Each key is `<name>.json` in the directory, written with mode 0600 and atomically (an
// interrupted write leaves the old file, or none, never half a file); `default` holds the
// default key's name. Files the keystore did not write (a leftover temporary file) are
// ignored. Errors that come from a file name it.
//
// Not synchronized: two processes that change one directory at once cannot lose a key (a
// name is claimed with link(2), which fails if it exists), but may race on the default.
class Keystore {
 public:
  // dir: the key directory, created (with its missing parents) with mode 0700 if absent.
  // Errors: kIoError.
  static Result<Keystore> open(const std::string& dir);
  // The directory a user's keys live in: $ANS_HOME/keys, else $HOME/.ans/keys.
  static std::string default_dir();

  // Encrypts `key` under `passphrase` and stores it as `name`. The first key becomes the
  // default. The scrypt cost is kDefaultScryptN, or ANS_SCRYPT_N (test-only; key_file.h).
  // Errors: kInvalidArgument (bad name, bad ANS_SCRYPT_N), kFailedPrecondition (the name
  // exists), kIoError.
  Result<KeyInfo> create(const std::string& name, const PrivateKey& key, std::string_view passphrase);
  // What create() checks before it spends the scrypt cost: a command asks for this before it
  // asks for a passphrase. Errors: kInvalidArgument (bad name), kFailedPrecondition (exists).
  Status check_new_name(const std::string& name) const;
  // Every key, by name. Needs no passphrase: the address and the public key are stored in
  // clear. Errors: kCorruption or kUnimplemented (a key file that cannot be read), kIoError.
  Result<std::vector<KeyInfo>> list() const;
  // `name` empty: the default key. Errors: kInvalidArgument (bad name), kNotFound (no such
  // key, or no default), kCorruption, kUnimplemented (a file of another format version).
  Result<KeyInfo> info(const std::string& name) const;
  // The key's secret. Errors: as info(), and kInvalidArgument "wrong passphrase for key 'x'"
  // (which is also what a changed header, IV, tag or ciphertext gives), kCorruption (the
  // decrypted secret does not match the stored public key).
  Result<PrivateKey> unlock(const std::string& name, std::string_view passphrase) const;
  // Errors: kInvalidArgument (bad name), kNotFound (no such key), kIoError.
  Status set_default(const std::string& name);

  std::string_view dir() const { return dir_; }

 private:
  explicit Keystore(std::string dir) : dir_(std::move(dir)) {}
  std::string key_path(const std::string& name) const;
  // The name in `default`, empty if there is no such file.
  Result<std::string> default_name() const;
  // `name` empty: the default key's name. Errors: as info().
  Result<std::string> resolve_name(const std::string& name) const;

  std::string dir_;
};

}  // namespace ans::wallet
