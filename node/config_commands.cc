// `ansd init` and `ansd config check` (node/config.h; docs/operator.md).
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <memory>

#include "genesis/genesis_json.h"
#include "node/cli/support.h"
#include "node/config.h"
#include "wallet/atomic_file.h"

namespace ans::node {
namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string data_dir = NodeConfig{}.data_dir;
  bool validator = false;
  std::string genesis;
};

int fail(const Status& st) { return cli::fail(false, "", st); }

// `path` made absolute, so that the config works from any working directory (a service
// runs in /).
Result<std::string> absolute(const std::string& path) {
  std::error_code ec;
  fs::path out = fs::absolute(path, ec);
  if (ec) return Status(Errc::kIoError, path + ": cannot make the path absolute: " + ec.message());
  return out.lexically_normal().string();
}

Status refuse_existing(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 || errno != ENOENT) {
    return Status(Errc::kFailedPrecondition, path + " already exists; ansd init overwrites nothing");
  }
  return Status::ok();
}

int run_init(const InitOptions& o) {
  auto dir = absolute(o.data_dir);
  if (!dir) return fail(dir.status());
  NodeConfig config;
  config.data_dir = *dir;
  std::string chain;
  if (!o.genesis.empty()) {
    auto genesis = absolute(o.genesis);
    if (!genesis) return fail(genesis.status());
    auto loaded = load_genesis_file(*genesis);
    if (!loaded) return fail(loaded.status());
    config.genesis = *genesis;
    chain = loaded->chain_name + ", chain id " + to_hex(chain_id(*loaded));
  }
  const std::string node_key_path = *dir + "/node.key";
  const std::string validator_key_path = *dir + "/validator.key";
  const std::string config_path = *dir + "/config.toml";
  if (o.validator) config.sp_key = validator_key_path;
  // Nothing is written if anything is in the way (each write refuses again, for a file that
  // appears meanwhile).
  for (const std::string* path : {&node_key_path, &validator_key_path, &config_path}) {
    if (path == &validator_key_path && !o.validator) continue;
    if (Status st = refuse_existing(*path); !st) return fail(st);
  }
  if (Status st = wallet::make_private_dir(*dir); !st) return fail(st);

  const PrivateKey node_key = PrivateKey::generate();
  if (Status st = write_key_file(node_key_path, node_key); !st) return fail(st);
  std::cout << "wrote " << node_key_path << ": the node's P2P identity\n";
  std::optional<PrivateKey> validator_key;
  if (o.validator) {
    validator_key = PrivateKey::generate();
    if (Status st = write_key_file(validator_key_path, *validator_key); !st) return fail(st);
    std::cout << "wrote " << validator_key_path
              << ": the SP signing key (back it up; never run two nodes with it)\n";
  }
  const std::string text =
      "# ansd configuration, written by `ansd init`: every key, with its default.\n"
      "# A commented-out key takes the default shown. Flags override this file; see\n"
      "# docs/operator.md, \"Configuration\". Check it with: ansd config check --config " +
      config_path + "\n\n" + config_to_toml(config, true);
  if (Status st = wallet::write_file_atomically(*dir, "config.toml", text, wallet::Overwrite::kNo); !st) {
    return fail(st);
  }
  std::cout << "wrote " << config_path << (chain.empty() ? ": set node.genesis before the node can run" : "")
            << "\n";
  if (!chain.empty()) std::cout << "genesis " << config.genesis << ": " << chain << "\n";
  std::cout << "node public key:      " << to_hex(node_key.public_key().compressed()) << "\n";
  if (validator_key) {
    std::cout << "validator public key: " << to_hex(validator_key->public_key().compressed())
              << " (the SP's signing_key, in its SpRegister or the genesis)\n";
  }
  return 0;
}

int run_check(const NodeFlags& flags, bool json) {
  auto config = resolve_node_config(flags);
  if (!config) return cli::fail(json, "", config.status());
  if (json) {
    std::cout << config_to_json(*config);
  } else {
    const std::string file = config_file_for(flags);
    std::cout << "# defaults, then " << (file.empty() ? "no config file" : cli::escape_control(file))
              << ", then the flags\n"
              << config_to_toml(*config, false);
  }
  if (config->genesis.empty()) std::cerr << "note: node.genesis is not set; the node needs it to run\n";
  return 0;
}

}  // namespace

void add_init_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* init = app.add_subcommand(
      "init", "Make a data directory: node.key, validator.key (--validator) and a commented config.toml");
  CLI::Option* data_dir = init->add_option("--data-dir", o->data_dir, "the directory to make (mode 0700)")
                              ->capture_default_str();
  init->add_flag("--validator", o->validator, "also make validator.key, the SP signing key, and set node.sp_key");
  CLI::Option* genesis =
      init->add_option("--genesis", o->genesis, "the genesis JSON to set as node.genesis (checked first)");
  init->callback([&app, o, data_dir, genesis, &exit_code] {
    // `ansd --data-dir DIR init` means the same as `ansd init --data-dir DIR`.
    for (auto [own, value] : {std::pair{data_dir, &o->data_dir}, std::pair{genesis, &o->genesis}}) {
      const CLI::Option* top = app.get_option_no_throw(own->get_name());
      if (own->count() == 0 && top != nullptr && top->count() > 0) *value = top->as<std::string>();
    }
    exit_code = run_init(*o);
  });
}

void add_config_command(CLI::App& app, const NodeFlags& flags, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "Check the node's configuration");
  config->require_subcommand(1);
  config->fallthrough();
  auto json = std::make_shared<bool>(false);
  CLI::App* check = config->add_subcommand(
      "check",
      "Resolve the configuration as the node would (defaults, then --config or <data-dir>/config.toml, "
      "then the flags) and print it, or the first error (exit 1)");
  check->fallthrough();
  check->add_flag("--json", *json, "print JSON instead of TOML (and an error as JSON on stdout)");
  check->callback([&flags, json, &exit_code] { exit_code = run_check(flags, *json); });
}

}  // namespace ans::node
