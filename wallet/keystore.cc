#include "wallet/keystore.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "wallet/atomic_file.h"
#include "wallet/key_file.h"

namespace ans::wallet {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxKeyNameChars = 32;
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
constexpr const char* kDefaultFile = "default";
constexpr std::string_view kKeyFileSuffix = ".json";

KeyInfo info_of(const KeyFile& f, bool is_default) {
  return KeyInfo{f.name, f.address, f.public_key, is_default};
}

Status no_such_key(const std::string& name, const std::string& dir) {
  return Status(Errc::kNotFound, "no key named '" + name + "' in " + dir);
}

Status key_exists(const std::string& name, const std::string& dir) {
  return Status(Errc::kFailedPrecondition, "a key named '" + name + "' already exists in " + dir);
}

Result<KeyFile> load_key_file(const std::string& path, const std::string& name,
                              const std::string& dir) {
  auto text = read_small_file(path, kMaxKeyFileBytes);
  if (!text) {
    if (text.status().code() == Errc::kNotFound) return no_such_key(name, dir);
    return text.status();
  }
  auto file = decode_key_file(*text, path);
  if (!file) return file.status();
  if (file->name != name) {
    return Status(Errc::kCorruption, path + ": damaged key file: it names the key '" +
                                         file->name + "'");
  }
  return file;
}

}  // namespace

Status validate_key_name(std::string_view name) {
  const bool chars_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > kMaxKeyNameChars || !chars_ok) {
    return Status(Errc::kInvalidArgument,
                  "bad key name '" + std::string(name) +
                      "': a key name is 1 to 32 characters of a-z, 0-9, '_' and '-'");
  }
  return Status::ok();
}

Result<Keystore> Keystore::open(const std::string& dir) {
  if (dir.empty()) return Status(Errc::kInvalidArgument, "no key directory given");
  ANS_RETURN_IF_ERROR(make_private_dir(dir));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status(Errc::kIoError, dir + ": not a directory");
  }
  return Keystore(dir);
}

std::string Keystore::default_dir() {
  if (const char* home = std::getenv("ANS_HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/keys";
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    const passwd* pw = ::getpwuid(::getuid());
    home = pw != nullptr ? pw->pw_dir : ".";
  }
  return std::string(home) + "/.ans/keys";
}

std::string Keystore::key_path(const std::string& name) const {
  return dir_ + "/" + name + std::string(kKeyFileSuffix);
}

Result<std::string> Keystore::default_name() const {
  const std::string path = dir_ + "/" + kDefaultFile;
  auto text = read_small_file(path, kMaxKeyNameChars + 2);
  if (!text) {
    if (text.status().code() == Errc::kNotFound) return std::string();
    return text.status();
  }
  std::string name = *text;
  if (!name.empty() && name.back() == '\n') name.pop_back();
  if (Status st = validate_key_name(name); !st) {
    return Status(Errc::kCorruption, path + ": does not hold a key name: " + st.message());
  }
  return name;
}

Result<std::string> Keystore::resolve_name(const std::string& name) const {
  if (!name.empty()) {
    ANS_RETURN_IF_ERROR(validate_key_name(name));
    return name;
  }
  auto def = default_name();
  if (!def) return def.status();
  if (def->empty()) return Status(Errc::kNotFound, "no default key in " + dir_);
  return *def;
}

Status Keystore::check_new_name(const std::string& name) const {
  ANS_RETURN_IF_ERROR(validate_key_name(name));
  std::error_code ec;
  if (fs::exists(key_path(name), ec)) return key_exists(name, dir_);
  return Status::ok();
}

Result<KeyInfo> Keystore::create(const std::string& name, const PrivateKey& key,
                                 std::string_view passphrase) {
  ANS_RETURN_IF_ERROR(check_new_name(name));
  auto n = scrypt_n_for_new_keys();
  if (!n) return n.status();
  auto sealed = seal_key(name, key, passphrase, *n);
  if (!sealed) return sealed.status();
  Status written = write_file_atomically(dir_, name + std::string(kKeyFileSuffix),
                                         encode_key_file(*sealed), Overwrite::kNo);
  if (written.code() == Errc::kFailedPrecondition) {  // created meanwhile by another process
    return key_exists(name, dir_);
  }
  ANS_RETURN_IF_ERROR(written);

  // The first key becomes the default, and so does a new key when the default names a key
  // that is gone.
  auto def = default_name();
  std::error_code ec;
  bool make_default = !def || def->empty() || !fs::exists(key_path(*def), ec);
  if (make_default) ANS_RETURN_IF_ERROR(set_default(name));
  return info_of(*sealed, make_default);
}

Result<std::vector<KeyInfo>> Keystore::list() const {
  auto def = default_name();
  if (!def) return def.status();
  std::vector<KeyInfo> keys;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    // Only <name>.json: temporary files (".<name>.json.tmp-…") and `default` are not keys.
    if (!file.ends_with(kKeyFileSuffix)) continue;
    const std::string name = file.substr(0, file.size() - kKeyFileSuffix.size());
    if (!validate_key_name(name)) continue;
    auto key = load_key_file(it->path().string(), name, dir_);
    if (!key) return key.status();
    keys.push_back(info_of(*key, name == *def));
  }
  if (ec) return Status(Errc::kIoError, dir_ + ": cannot list: " + ec.message());
  std::sort(keys.begin(), keys.end(),
            [](const KeyInfo& a, const KeyInfo& b) { return a.name < b.name; });
  return keys;
}

Result<KeyInfo> Keystore::info(const std::string& name) const {
  auto resolved = resolve_name(name);
  if (!resolved) return resolved.status();
  auto file = load_key_file(key_path(*resolved), *resolved, dir_);
  if (!file) return file.status();
  auto def = default_name();
  if (!def) return def.status();
  return info_of(*file, *def == *resolved);
}

Result<PrivateKey> Keystore::unlock(const std::string& name, std::string_view passphrase) const {
  auto resolved = resolve_name(name);
  if (!resolved) return resolved.status();
  auto file = load_key_file(key_path(*resolved), *resolved, dir_);
  if (!file) return file.status();
  auto key = open_key(*file, passphrase);
  if (!key && key.status().code() == Errc::kCorruption) {
    return Status(Errc::kCorruption, key_path(*resolved) + ": " + key.status().message());
  }
  return key;
}

Status Keystore::set_default(const std::string& name) {
  ANS_RETURN_IF_ERROR(validate_key_name(name));
  std::error_code ec;
  if (!fs::exists(key_path(name), ec)) {
    return no_such_key(name, dir_);
  }
  return write_file_atomically(dir_, kDefaultFile, name + "\n", Overwrite::kYes);
}

}  // namespace ans::wallet
