#include "wallet/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ans::wallet {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status(Errc::kIoError, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open the lock", path);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    Status st = io_error("cannot lock", path);
    ::close(fd);
    return st;
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

std::string wallet_home() {
  if (const char* home = std::getenv("ANS_HOME"); home != nullptr && *home != '\0') return home;
  const char* user = std::getenv("HOME");
  return std::string(user != nullptr && *user != '\0' ? user : ".") + "/.ans";
}

}  // namespace ans::wallet
