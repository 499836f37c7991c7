#include "node/cli/id_commands.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "ledger/identity/id.h"
#include "node/cli/support.h"

namespace ans::cli {
namespace {

struct DeriveOptions {
  std::string secret_hex;
  std::string type = "btc";
  std::string network = "0x00";
  bool uncompressed = false;
  bool json = false;
};

struct CheckOptions {
  std::string id;
  bool json = false;
};

std::string hex_byte(uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

Result<uint8_t> parse_network(const std::string& text) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != 1) {
    return Status(Errc::kInvalidArgument, "--net takes one byte in hex, like 0x08; got '" +
                                              text + "'");
  }
  return (*bytes)[0];
}

int run_derive(const DeriveOptions& o) {
  auto secret = from_hex(o.secret_hex);
  if (!secret) return fail(o.json, "--secret", secret.status());
  auto key = PrivateKey::from_bytes(*secret);
  if (!key) return fail(o.json, "--secret", key.status());
  PublicKey pub = key->public_key();

  nlohmann::json out;
  std::string address;
  if (o.type == "eth") {
    address = EthAddress::from_public_key(pub).to_string();
    out = {{"type", "eth"}, {"network", hex_byte(0x00)}};
  } else {
    auto net = parse_network(o.network);
    if (!net) return fail(o.json, "--net", net.status());
    auto btc = o.uncompressed ? BtcAddress::from_public_key(pub.uncompressed(), *net)
                              : BtcAddress::from_public_key(pub.compressed(), *net);
    if (!btc) return fail(o.json, "--net", btc.status());
    address = btc->to_string();
    out = {{"type", "btc"}, {"network", hex_byte(*net)}, {"compressed", !o.uncompressed}};
  }
  if (o.json) {
    out["ok"] = true;
    out["address"] = address;
    out["public_key"] = to_hex(o.uncompressed ? ByteView(pub.uncompressed()) : ByteView(pub.compressed()));
    std::cout << out.dump() << "\n";
  } else {
    std::cout << address << "\n";
  }
  return 0;
}

int run_check(const CheckOptions& o) {
  auto id = DimpId::parse(o.id);
  if (!id) return fail(o.json, "invalid ID '" + o.id + "'", id.status());
  uint8_t net = id->network();
  auto info = entity_type_info(net);
  std::string type_name = info ? std::string(info->name) + (info->legacy ? " (legacy)" : "") : "?";
  std::string kind(address_kind_name(id->address().kind()));
  if (o.json) {
    nlohmann::json out = {{"ok", true},
                          {"id", id->to_string()},
                          {"name", id->name()},
                          {"address", id->address().to_string()},
                          {"terminal", id->terminal()},
                          {"address_type", kind},
                          {"network", hex_byte(net)},
                          {"entity_type", type_name},
                          {"broadcast", id->is_broadcast()}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "id:       " << id->to_string() << "\n"
              << "name:     " << (id->name().empty() ? "(none)" : id->name()) << "\n"
              << "address:  " << id->address().to_string() << "\n"
              << "type:     " << kind << "\n"
              << "network:  " << hex_byte(net) << " (" << type_name << ")\n";
    if (!id->terminal().empty()) std::cout << "terminal: " << id->terminal() << "\n";
    if (const auto* b = std::get_if<BroadcastAddress>(&id->address().value())) {
      bool any = b->scope() == BroadcastAddress::Scope::kAnywhere;
      std::cout << "broadcast: " << (any ? "any one member" : "every member") << "\n";
    }
  }
  return 0;
}

}  // namespace

void add_id_commands(CLI::App& app, int& exit_code) {
  CLI::App* id = app.add_subcommand("id", "DIMP identities: derive addresses, check IDs");
  id->require_subcommand(1);

  auto derive_opts = std::make_shared<DeriveOptions>();
  CLI::App* derive = id->add_subcommand("derive", "Print the address of a secp256k1 private key");
  derive->add_option("--secret", derive_opts->secret_hex, "private key, 64 hex digits")->required();
  derive->add_option("--type", derive_opts->type, "address style")
      ->check(CLI::IsMember({"btc", "eth"}))
      ->capture_default_str();
  derive->add_option("--net", derive_opts->network, "entity type byte for btc style, e.g. 0x08")
      ->capture_default_str();
  derive->add_flag("--uncompressed", derive_opts->uncompressed,
                   "hash the 65-byte uncompressed key (btc style)");
  derive->add_flag("--json", derive_opts->json, "print one JSON object");
  derive->callback([derive_opts, &exit_code] { exit_code = run_derive(*derive_opts); });

  auto check_opts = std::make_shared<CheckOptions>();
  CLI::App* check = id->add_subcommand("check", "Validate an ID and print its parts");
  check->add_option("ID", check_opts->id, "name@address[/terminal] or an address")->required();
  check->add_flag("--json", check_opts->json, "print one JSON object");
  check->callback([check_opts, &exit_code] { exit_code = run_check(*check_opts); });
}

}  // namespace ans::cli
