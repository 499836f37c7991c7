#include "node/cli/key_commands.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "ledger/identity/id.h"
#include "node/cli/support.h"
#include "wallet/atomic_file.h"
#include "wallet/keystore.h"

namespace ans::cli {
namespace {

using wallet::KeyInfo;
using wallet::Keystore;

constexpr const char* kDefaultNewKeyName = "main";
constexpr size_t kAddressChars = 42;  // "0x" and 40 hex digits

// What every `key` subcommand takes; each uses the fields it needs.
struct KeyOptions {
  std::string keystore;  // --keystore or ANS_KEYSTORE; empty: Keystore::default_dir()
  std::string name;
  std::string passphrase_file;
  std::string secret_file;
  bool json = false;
};

// The key's DIMP ID: the bare ETH-style address, as `ans id derive --type eth` prints it.
std::string dimp_id(const KeyInfo& key) { return DimpId(Address(key.address)).to_string(); }

nlohmann::json key_json(const KeyInfo& key) {
  return {{"name", key.name},
          {"address", key.address.to_string()},
          {"id", dimp_id(key)},
          {"public_key", to_hex(key.public_key.compressed())},
          {"default", key.is_default}};
}

void print_key(const KeyInfo& key) {
  std::cout << "name:       " << key.name << (key.is_default ? " (default)" : "") << "\n"
            << "address:    " << key.address.to_string() << "\n"
            << "id:         " << dimp_id(key) << "\n"
            << "public key: " << to_hex(key.public_key.compressed()) << "\n";
}

// Prints a key just stored by `new` or `import`.
int report_created(const KeyOptions& o, const Keystore& ks, const KeyInfo& key) {
  if (o.json) {
    nlohmann::json out = key_json(key);
    out["ok"] = true;
    out["keystore"] = std::string(ks.dir());
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "created key '" << key.name << "' in " << ks.dir() << "\n";
    print_key(key);
  }
  return 0;
}

// Asks for the passphrase of a new key (twice on a terminal) and stores `key` under it.
int store_new_key(const KeyOptions& o, Keystore& ks, const PrivateKey& key) {
  auto passphrase = wallet::read_passphrase(
      o.passphrase_file, "Passphrase for the new key '" + o.name + "': ", /*confirm=*/true);
  if (!passphrase) return fail(o.json, "", passphrase.status());
  auto created = ks.create(o.name, key, *passphrase);
  wallet::wipe(passphrase.value());
  if (!created) return fail(o.json, "", created.status());
  return report_created(o, ks, *created);
}

int run_new(const KeyOptions& o, Keystore& ks) {
  // The name is checked before the passphrase is asked for.
  if (Status st = ks.check_new_name(o.name); !st) return fail(o.json, "", st);
  return store_new_key(o, ks, PrivateKey::generate());
}

constexpr size_t kMaxSecretFileBytes = 4096;

// The hex secret from `file`, or from stdin for "-": whitespace around it is ignored.
Result<PrivateKey> read_secret(const std::string& file) {
  std::string text;
  if (file == "-") {
    text.resize(kMaxSecretFileBytes + 1);
    std::cin.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(std::cin.gcount()));
    if (text.size() > kMaxSecretFileBytes) {
      wallet::wipe(text);
      return Status(Errc::kTooLarge, "more than " + std::to_string(kMaxSecretFileBytes) + " bytes");
    }
  } else {
    auto read = wallet::read_small_file(file, kMaxSecretFileBytes);
    if (!read) return read.status();
    text = std::move(read.value());
  }
  const size_t begin = text.find_first_not_of(" \t\r\n");
  const size_t end = text.find_last_not_of(" \t\r\n");
  auto bytes = from_hex(begin == std::string::npos
                            ? std::string_view()
                            : std::string_view(text).substr(begin, end - begin + 1));
  wallet::wipe(text);
  if (!bytes) return bytes.status();
  auto key = PrivateKey::from_bytes(*bytes);
  wallet::wipe(bytes.value());
  return key;
}

int run_import(const KeyOptions& o, Keystore& ks) {
  if (Status st = ks.check_new_name(o.name); !st) return fail(o.json, "", st);
  auto key = read_secret(o.secret_file);
  if (!key) {
    return fail(o.json, o.secret_file == "-" ? "the secret on stdin" : o.secret_file, key.status());
  }
  return store_new_key(o, ks, *key);
}

int run_list(const KeyOptions& o, Keystore& ks) {
  auto keys = ks.list();
  if (!keys) return fail(o.json, "", keys.status());
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const KeyInfo& key : *keys) list.push_back(key_json(key));
    std::cout << nlohmann::json{{"ok", true}, {"keystore", std::string(ks.dir())}, {"keys", list}}
                     .dump()
              << "\n";
    return 0;
  }
  if (keys->empty()) {
    std::cout << "no keys in " << ks.dir() << " (create one with `ans key new`)\n";
    return 0;
  }
  // Columns: the name padded to the longest, the address, the default marked.
  size_t width = std::string_view("NAME").size();
  for (const KeyInfo& key : *keys) width = std::max(width, key.name.size());
  auto row = [width](std::string_view name, std::string_view address, std::string_view mark) {
    std::string line(name);
    line.resize(width + 2, ' ');
    line += address;
    if (!mark.empty()) {
      line.resize(width + 2 + kAddressChars + 2, ' ');
      line += mark;
    }
    std::cout << line << "\n";
  };
  row("NAME", "ADDRESS", "DEFAULT");
  for (const KeyInfo& key : *keys) {
    row(key.name, key.address.to_string(), key.is_default ? "*" : "");
  }
  return 0;
}

int run_show(const KeyOptions& o, Keystore& ks) {
  auto key = ks.info(o.name);
  if (!key) return fail(o.json, "", key.status());
  if (o.json) {
    nlohmann::json out = key_json(*key);
    out["ok"] = true;
    std::cout << out.dump() << "\n";
  } else {
    print_key(*key);
  }
  return 0;
}

int run_export(const KeyOptions& o, Keystore& ks) {
  auto info = ks.info(o.name);
  if (!info) return fail(o.json, "", info.status());
  auto passphrase = wallet::read_passphrase(o.passphrase_file,
                                            "Passphrase for key '" + o.name + "': ", false);
  if (!passphrase) return fail(o.json, "", passphrase.status());
  auto key = ks.unlock(o.name, *passphrase);
  wallet::wipe(passphrase.value());
  if (!key) return fail(o.json, "", key.status());

  std::cerr << "warning: this is the secret key of '" << o.name
            << "' in clear: whoever reads it controls the account "
            << info->address.to_string() << "\n";
  std::string secret = to_hex(key->secret());
  if (o.json) {
    nlohmann::json out = {{"ok", true}, {"name", o.name}, {"address", info->address.to_string()},
                          {"secret", secret}};
    std::string text = out.dump();
    std::cout << text << "\n";
    wallet::wipe(text);
    wallet::wipe(out["secret"].get_ref<std::string&>());
  } else {
    std::cout << secret << "\n";
  }
  wallet::wipe(secret);
  return 0;
}

int run_default(const KeyOptions& o, Keystore& ks) {
  if (Status st = ks.set_default(o.name); !st) return fail(o.json, "", st);
  if (o.json) {
    std::cout << nlohmann::json{{"ok", true}, {"default", o.name}}.dump() << "\n";
  } else {
    std::cout << "default key: " << o.name << "\n";
  }
  return 0;
}

using KeyCommand = int (*)(const KeyOptions&, Keystore&);

// Opens the keystore the options name and runs `run` on it.
int run_on_keystore(const KeyOptions& o, KeyCommand run) {
  auto ks = Keystore::open(o.keystore.empty() ? Keystore::default_dir() : o.keystore);
  if (!ks) return fail(o.json, "", ks.status());
  return run(o, ks.value());
}

// A `key` subcommand with the options every one takes (--keystore, --json), run by `run`.
CLI::App* add_command(CLI::App* key, const char* name, const char* help, int& exit_code,
                      const std::shared_ptr<KeyOptions>& o, KeyCommand run) {
  CLI::App* cmd = key->add_subcommand(name, help);
  cmd->add_option("--keystore", o->keystore,
                  "key directory (default: $ANS_HOME/keys, else ~/.ans/keys)")
      ->envname("ANS_KEYSTORE");
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->callback([o, run, &exit_code] { exit_code = run_on_keystore(*o, run); });
  return cmd;
}

void add_passphrase_file(CLI::App* cmd, KeyOptions& o) {
  cmd->add_option("--passphrase-file", o.passphrase_file,
                  "read the passphrase from the first line of this file (else $ANS_PASSPHRASE, "
                  "else a prompt)");
}

}  // namespace

void add_key_commands(CLI::App& app, int& exit_code) {
  CLI::App* key = app.add_subcommand("key", "The wallet's keys: encrypted at rest, one default");
  key->require_subcommand(1);
  key->footer(
      "Key names are 1 to 32 characters of a-z, 0-9, '_' and '-'. The passphrase comes from "
      "--passphrase-file, else ANS_PASSPHRASE, else a prompt on the terminal.");

  auto new_opts = std::make_shared<KeyOptions>();
  new_opts->name = kDefaultNewKeyName;
  CLI::App* create = add_command(key, "new", "Create a key (the first one becomes the default)",
                                 exit_code, new_opts, run_new);
  create->add_option("NAME", new_opts->name, "the key's name")->capture_default_str();
  add_passphrase_file(create, *new_opts);

  auto import_opts = std::make_shared<KeyOptions>();
  CLI::App* import = add_command(key, "import", "Store an existing secret key under a name",
                                 exit_code, import_opts, run_import);
  import->add_option("NAME", import_opts->name, "the key's name")->required();
  import->add_option("--secret-file", import_opts->secret_file,
                     "file holding the secret key in hex (64 digits); - reads it from stdin")
      ->required();
  add_passphrase_file(import, *import_opts);

  auto list_opts = std::make_shared<KeyOptions>();
  add_command(key, "list", "List the keys: name, address, which one is the default", exit_code,
              list_opts, run_list);

  auto show_opts = std::make_shared<KeyOptions>();
  CLI::App* show = add_command(key, "show", "Print a key's account address and DIMP ID",
                               exit_code, show_opts, run_show);
  show->add_option("NAME", show_opts->name, "the key's name (default: the default key)");

  auto export_opts = std::make_shared<KeyOptions>();
  CLI::App* exp = add_command(key, "export", "Print a key's secret in hex (after its passphrase)",
                              exit_code, export_opts, run_export);
  exp->add_option("NAME", export_opts->name, "the key's name")->required();
  add_passphrase_file(exp, *export_opts);

  auto default_opts = std::make_shared<KeyOptions>();
  CLI::App* def = add_command(key, "default", "Make a key the default", exit_code, default_opts,
                              run_default);
  def->add_option("NAME", default_opts->name, "the key's name")->required();
}

}  // namespace ans::cli
