#include "ledger/store/leveldb_open.h"

#include <algorithm>
#include <vector>

namespace ans {

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
