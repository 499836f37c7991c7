#include "ledger/store/leveldb_open.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace ans {
namespace {

// CRC-32C (Castagnoli), as LevelDB's log records carry it. LevelDB does not export its own.
uint32_t crc32c(const unsigned char* data, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

// LevelDB's log format (also that of its manifests): 32 KB blocks of records, each a 7-byte
// header (masked CRC-32C of the type and payload, 2-byte length, type 1-4) and its payload.
constexpr size_t kLogBlock = 32768;
constexpr size_t kLogHeader = 7;

uint32_t read_le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Whether a whole, intact record starts at `at`.
bool record_at(const std::string& log, size_t at) {
  const auto* b = reinterpret_cast<const unsigned char*>(log.data());
  if (log.size() - at < kLogHeader) return false;
  const size_t length = read_le(b + at + 4, 2);
  const unsigned type = b[at + 6];
  const size_t block_end = (at / kLogBlock + 1) * kLogBlock;
  if (type < 1 || type > 4 || at + kLogHeader + length > std::min(block_end, log.size())) return false;
  const uint32_t crc = crc32c(b + at + 6, length + 1);
  const uint32_t masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  return masked == read_le(b + at, 4);
}

// LevelDB takes a record whose length runs past the end of the log for a write torn by a
// crash, and silently drops the log from there. A torn write is the last thing in the file;
// if an intact record follows the header, the length was damaged instead, and opening would
// lose every record after it. Returns the offset of such a record header, if any.
std::optional<size_t> damaged_length_at(const std::string& log) {
  const auto* b = reinterpret_cast<const unsigned char*>(log.data());
  size_t at = 0;
  while (at < log.size()) {
    const size_t left_in_block = kLogBlock - at % kLogBlock;
    if (left_in_block < kLogHeader || log.size() - at < kLogHeader) {
      at += left_in_block;  // a block's trailer, or a header torn at the end
      continue;
    }
    const size_t length = read_le(b + at + 4, 2);
    if (length == 0 && b[at + 6] == 0) {
      at += left_in_block;  // zeroes that LevelDB skips
      continue;
    }
    if (at + kLogHeader + length <= log.size()) {
      at += kLogHeader + length;  // whatever else is wrong with it, LevelDB reports it
      continue;
    }
    for (size_t next = at + kLogHeader; next + kLogHeader <= log.size(); ++next) {
      if (record_at(log, next)) return at;
    }
    return std::nullopt;  // torn at the end
  }
  return std::nullopt;
}

}  // namespace

Status check_log_lengths(leveldb::Env& env, const std::string& path, std::string_view what) {
  std::vector<std::string> children;
  if (leveldb::Status s = env.GetChildren(path, &children); !s.ok()) {
    return leveldb_error(s, "listing the " + std::string(what) + " at " + path);
  }
  for (const std::string& name : children) {
    if (!name.ends_with(".log") && !name.starts_with("MANIFEST-")) continue;
    std::string log;
    if (leveldb::Status s = leveldb::ReadFileToString(&env, path + "/" + name, &log); !s.ok()) {
      return leveldb_error(s, "reading the " + std::string(what) + " at " + path);
    }
    if (auto at = damaged_length_at(log)) {
      return Status(Errc::kCorruption,
                    "the " + std::string(what) + " at " + path + " is damaged: the record at " +
                        std::to_string(*at) + " of " + name +
                        " has a wrong length, and intact records follow it (nothing was changed)");
    }
  }
  return Status::ok();
}

Result<StoreDir> inspect_store_dir(leveldb::Env& env, const std::string& path,
                                   std::string_view what) {
  // (Not FileExists(path): an in-memory Env knows files only, not directories.)
  std::vector<std::string> children;
  if (leveldb::Status s = env.GetChildren(path, &children); s.IsNotFound()) {
    return StoreDir::kAbsent;
  } else if (!s.ok()) {
    return Status(Errc::kIoError, "cannot list the " + std::string(what) + " at " + path + ": " +
                                      s.ToString());
  }
  // Besides nothing at all: what a creation that was interrupted before it wrote CURRENT
  // leaves (LevelDB writes its first manifest, then CURRENT through a .dbtmp file). No store
  // ever opened there, so nothing can be lost by creating one.
  std::erase_if(children, [](const std::string& name) {
    return name == "." || name == ".." || name == "LOCK" || name == "LOG" || name == "LOG.old" ||
           name == "MANIFEST-000001" || name.ends_with(".dbtmp");
  });
  if (children.empty()) return StoreDir::kAbsent;
  const std::string damaged =
      "the " + std::string(what) + " at " + path + " is damaged or not an ANS store: ";
  std::string current;
  if (!env.FileExists(path + "/CURRENT")) {
    return Status(Errc::kCorruption, damaged + "it holds files but no CURRENT file (nothing was "
                                               "changed; restore CURRENT or the directory)");
  }
  if (leveldb::Status s = leveldb::ReadFileToString(&env, path + "/CURRENT", &current); !s.ok()) {
    return Status(Errc::kIoError, damaged + "cannot read CURRENT: " + s.ToString());
  }
  const bool one_line = !current.empty() && current.back() == '\n' &&
                        current.find('\n') == current.size() - 1;
  const std::string manifest = one_line ? current.substr(0, current.size() - 1) : std::string();
  if (!manifest.starts_with("MANIFEST-") || manifest.find('/') != std::string::npos) {
    return Status(Errc::kCorruption, damaged + "CURRENT does not name a manifest (nothing was "
                                               "changed)");
  }
  if (!env.FileExists(path + "/" + manifest)) {
    return Status(Errc::kCorruption, damaged + "CURRENT names " + manifest +
                                         ", which is missing (nothing was changed)");
  }
  ANS_RETURN_IF_ERROR(check_log_lengths(env, path, what));
  return StoreDir::kExisting;
}

Result<std::unique_ptr<leveldb::DB>> open_leveldb_store(leveldb::Options options,
                                                        const std::string& path, bool create,
                                                        std::string_view what) {
  leveldb::Env& env = options.env != nullptr ? *options.env : *leveldb::Env::Default();
  auto dir = inspect_store_dir(env, path, what);
  if (!dir) return dir.status();
  if (*dir == StoreDir::kAbsent && !create) {
    return Status(Errc::kNotFound, "no " + std::string(what) + " at " + path);
  }
  options.create_if_missing = *dir == StoreDir::kAbsent;
  options.error_if_exists = *dir == StoreDir::kAbsent;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &raw);
  if (!s.ok()) return leveldb_error(s, "opening the " + std::string(what) + " at " + path);
  return std::unique_ptr<leveldb::DB>(raw);
}

leveldb::ReadOptions verified_reads() {
  leveldb::ReadOptions options;
  options.verify_checksums = true;
  return options;
}

Status leveldb_error(const leveldb::Status& s, std::string_view what) {
  return Status(s.IsCorruption() ? Errc::kCorruption : Errc::kIoError,
                std::string(what) + ": " + s.ToString());
}

}  // namespace ans
