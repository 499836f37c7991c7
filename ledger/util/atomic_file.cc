#include "ledger/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ans {
namespace {

Status io_error(const std::string& path, const char* what) {
  return Status(Errc::kIoError, path + ": " + what + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(path, "write failed");
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

// Makes the directory's entries (a rename, a link) durable.
Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, "cannot open the directory");
  Status st;
  if (::fsync(fd) != 0) st = io_error(dir, "fsync failed");
  ::close(fd);
  return st;
}

// Writes and syncs the temporary file; the caller removes it.
Status write_temp(int fd, std::string_view content, const std::string& path) {
  if (::fchmod(fd, 0600) != 0) return io_error(path, "cannot set mode 0600");
  ANS_RETURN_IF_ERROR(write_all(fd, content, path));
  if (::fsync(fd) != 0) return io_error(path, "fsync failed");
  return Status::ok();
}

}  // namespace

Status write_file_atomically(const std::string& dir, const std::string& name,
                             std::string_view content, Overwrite overwrite) {
  const std::string path = dir + "/" + name;
  std::string temp = dir + "/." + name + ".tmp-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return io_error(dir, "cannot create a temporary file");
  Status st = write_temp(fd, content, temp);
  if (::close(fd) != 0 && st.is_ok()) st = io_error(temp, "close failed");
  bool renamed = false;
  if (st.is_ok() && overwrite == Overwrite::kYes) {
    renamed = ::rename(temp.c_str(), path.c_str()) == 0;
    if (!renamed) st = io_error(path, "rename failed");
  } else if (st.is_ok() && ::link(temp.c_str(), path.c_str()) != 0) {
    st = errno == EEXIST ? Status(Errc::kFailedPrecondition, path + " already exists")
                         : io_error(path, "link failed");
  }
  if (!renamed) ::unlink(temp.c_str());
  if (!st.is_ok()) return st;
  return sync_dir(dir);
}

Result<std::string> read_small_file(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(Errc::kNotFound, path + ": no such file");
    return io_error(path, "cannot open");
  }
  std::string out;
  char buf[4096];
  Status st;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = io_error(path, "read failed");
      break;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      st = Status(Errc::kTooLarge,
                  path + ": larger than " + std::to_string(max_bytes) + " bytes");
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  OPENSSL_cleanse(buf, sizeof(buf));  // the file may hold a passphrase or a secret
  if (!st.is_ok()) return st;
  return out;
}

Status make_private_dir(const std::string& dir) {
  std::filesystem::path at;
  for (const std::filesystem::path& part : std::filesystem::path(dir)) {
    at /= part;
    if (::mkdir(at.c_str(), 0700) != 0) {
      const int err = errno;
      if (std::error_code ec; std::filesystem::is_directory(at, ec)) continue;
      return Status(Errc::kIoError, at.string() + ": cannot create: " + std::strerror(err));
    }
    if (::chmod(at.c_str(), 0700) != 0) {  // the umask may have taken bits away
      return Status(Errc::kIoError, at.string() + ": cannot set mode 0700: " + std::strerror(errno));
    }
  }
  return Status::ok();
}

}  // namespace ans
