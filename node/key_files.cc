// The node's key files (node/config.h): a secret in hex, private to its owner.
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "node/config.h"
#include "wallet/atomic_file.h"
#include "wallet/passphrase.h"

namespace ans::node {
namespace {

// 64 hex digits and a newline, with room for the error to say "too long" rather than
// read a file of any size.
constexpr size_t kMaxKeyFileBytes = 256;

std::string mode_text(mode_t mode) {
  char out[8];
  std::snprintf(out, sizeof out, "%04o", static_cast<unsigned>(mode & 07777));
  return out;
}

}  // namespace

Result<PrivateKey> load_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status(Errc::kNotFound, path + ": no such key file");
    return Status(Errc::kIoError, path + ": cannot read the key file: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status(Errc::kInvalidArgument, path + ": not a key file (not a regular file)");
  // As ssh does with a private key: whoever else may read it has the key, and whoever else
  // may write it can swap it.
  if ((st.st_mode & 077) != 0) {
    return Status(Errc::kFailedPrecondition,
                  path + ": permissions " + mode_text(st.st_mode) +
                      " are too open: a key file must be readable and writable by its owner only "
                      "(chmod 600 " + path + ")");
  }
  auto read = wallet::read_small_file(path, kMaxKeyFileBytes);
  if (!read && read.status().code() != Errc::kTooLarge) return read.status();
  const auto malformed = [&path] {
    return Status(Errc::kInvalidArgument,
                  path + ": not a key file: expected 64 hex digits of a secp256k1 secret and an optional newline");
  };
  if (!read) return malformed();
  std::string text = std::move(read).value();
  std::string_view hex = text;
  if (hex.ends_with('\n')) hex.remove_suffix(1);
  auto secret = hex.size() == 64 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos
                    ? fixed_from_hex<32>(hex)
                    : Result<FixedBytes<32>>(malformed());
  wallet::wipe(text);
  if (!secret) return malformed();
  auto key = PrivateKey::from_bytes(*secret);
  OPENSSL_cleanse(secret.value().data(), secret.value().size());
  if (!key) {
    return Status(Errc::kInvalidArgument,
                  path + ": not a valid secp256k1 secret (zero, or not below the curve order)");
  }
  return key;
}

Status write_key_file(const std::string& path, const PrivateKey& key) {
  const std::filesystem::path where(path);
  const std::string dir = where.has_parent_path() ? where.parent_path().string() : ".";
  std::string text = to_hex(key.secret()) + "\n";
  Status st = wallet::write_file_atomically(dir, where.filename().string(), text, wallet::Overwrite::kNo);
  wallet::wipe(text);
  return st;
}

}  // namespace ans::node
