// The wallet's own directories and the locks between its processes (the files in them are
// written by wallet/atomic_file.h).
#pragma once

#include <string>

#include "ledger/util/status.h"
#include "wallet/atomic_file.h"

namespace ans::wallet {

// An exclusive flock on `path` (created if missing), held until destroyed: commands that
// share a sender wait here for each other, so two never take the same nonce.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The wallet's home: $ANS_HOME, else $HOME/.ans.
std::string wallet_home();

}  // namespace ans::wallet
