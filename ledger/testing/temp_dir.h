// A fresh directory under the system temp dir, removed with its contents on destruction.
// Test-only.
#pragma once

#include <filesystem>
#include <random>
#include <string>

namespace ans::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "ans") {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            (tag + "-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ans::testing
