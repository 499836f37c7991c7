#include "node/config.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <sstream>
#include <variant>

#include "ledger/util/suggest.h"
#include "ledger/wire/codec.h"
#include "wallet/atomic_file.h"

namespace ans::node {
namespace {

// What a key's value must be. Each kind has one check, used for the file and the flags alike.
enum class Kind {
  kPath,          // a string, not empty
  kOptionalPath,  // a string, "" for none
  kListen,        // host:port to listen on: an IP address or localhost, port 0..65535
  kAdminListen,   // as kListen, on loopback
  kAnnounce,      // host:port with port 1..65535, or "" for none
  kPeers,         // an array of host:port with port 1..65535
  kLogLevel,
  kLayout,
  kCount,         // an integer from `min` to `max`
  kBool,
};

using Field = std::variant<std::string NodeConfig::*, std::vector<std::string> NodeConfig::*,
                           uint32_t NodeConfig::*, uint64_t NodeConfig::*, bool NodeConfig::*>;
using FlagField = std::variant<std::monostate, std::optional<std::string> NodeFlags::*,
                               std::optional<std::vector<std::string>> NodeFlags::*>;

// One row per config key: the reader, the checks, the flags, the TOML and JSON writers and
// the template all come from this table, so a key cannot be read but not written or
// documented (docs/operator.md has the same table for people).
struct Key {
  std::string_view table;
  std::string_view name;
  Field field;
  Kind kind;
  std::string_view help;  // one line: the template's comment and the flag's help
  std::string_view flag = {};
  FlagField flag_field = {};
  uint64_t min = 0, max = 0;  // kCount
};

// A frame must carry a block of the largest size and its envelope.
constexpr uint64_t kMinFrameBytes = kMaxBlockBytes + 64 * 1024;
constexpr uint64_t kMaxConfigBytes = 1 << 20;

constexpr std::array<std::string_view, 4> kTables = {"node", "p2p", "rpc", "mempool"};
constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                        "error", "critical", "off"};
constexpr std::array<std::string_view, 2> kLayouts = {"memory", "leveldb"};

const Key kKeys[] = {
    {.table = "node", .name = "data_dir", .field = &NodeConfig::data_dir, .kind = Kind::kPath,
     .help = "where the node keeps its stores (ledger/, consensus/) and, by default, node.key",
     .flag = "--data-dir", .flag_field = &NodeFlags::data_dir},
    {.table = "node", .name = "genesis", .field = &NodeConfig::genesis, .kind = Kind::kOptionalPath,
     .help = "the genesis JSON of the chain to join (the node needs it to run)",
     .flag = "--genesis", .flag_field = &NodeFlags::genesis},
    {.table = "node", .name = "node_key", .field = &NodeConfig::node_key, .kind = Kind::kOptionalPath,
     .help = "the node's P2P identity key file; \"\": <data_dir>/node.key"},
    {.table = "node", .name = "sp_key", .field = &NodeConfig::sp_key, .kind = Kind::kOptionalPath,
     .help = "the SP signing key file of a validator; \"\": the node does not validate",
     .flag = "--sp-key", .flag_field = &NodeFlags::sp_key},
    {.table = "node", .name = "account_key", .field = &NodeConfig::account_key, .kind = Kind::kOptionalPath,
     .help = "key file of the account that pays the fee of evidence transactions; \"\": none"},
    {.table = "node", .name = "log_level", .field = &NodeConfig::log_level, .kind = Kind::kLogLevel,
     .help = "the least severe log lines shown: trace, debug (adds a line per HTTP request), info, warn, error, critical or off",
     .flag = "--log-level", .flag_field = &NodeFlags::log_level},
    {.table = "node", .name = "state_layout", .field = &NodeConfig::state_layout, .kind = Kind::kLayout,
     .help = "layout of a new state store: memory (LevelDB as its journal) or leveldb; a store keeps its own",
     .flag = "--state-layout", .flag_field = &NodeFlags::state_layout},

    {.table = "p2p", .name = "listen", .field = &NodeConfig::p2p_listen, .kind = Kind::kListen,
     .help = "the P2P address to listen on (host:port; port 0: any)",
     .flag = "--p2p-listen", .flag_field = &NodeFlags::p2p_listen},
    {.table = "p2p", .name = "external_address", .field = &NodeConfig::external_address, .kind = Kind::kAnnounce,
     .help = "host:port announced to peers by peer exchange; \"\": none (peers learn the listen port from the handshake)"},
    {.table = "p2p", .name = "peers", .field = &NodeConfig::peers, .kind = Kind::kPeers,
     .help = "host:port of peers dialed at start and kept connected",
     .flag = "--peers", .flag_field = &NodeFlags::peers},
    {.table = "p2p", .name = "seeds", .field = &NodeConfig::seeds, .kind = Kind::kPeers,
     .help = "host:port of seeds dialed for peer exchange, then dropped"},
    {.table = "p2p", .name = "max_inbound", .field = &NodeConfig::max_inbound, .kind = Kind::kCount,
     .help = "the most inbound peer connections", .min = 0, .max = 10000},
    {.table = "p2p", .name = "max_outbound", .field = &NodeConfig::max_outbound, .kind = Kind::kCount,
     .help = "the most outbound peer connections", .min = 0, .max = 1000},
    {.table = "p2p", .name = "max_per_ip", .field = &NodeConfig::max_per_ip, .kind = Kind::kCount,
     .help = "the most peer connections from one IP address", .min = 1, .max = 10000},
    {.table = "p2p", .name = "pex", .field = &NodeConfig::pex, .kind = Kind::kBool,
     .help = "exchange peer addresses with peers"},
    {.table = "p2p", .name = "max_frame_bytes", .field = &NodeConfig::max_frame_bytes, .kind = Kind::kCount,
     .help = "the largest P2P message, in bytes (at least a full block and its envelope)",
     .min = kMinFrameBytes, .max = 256 << 20},
    {.table = "p2p", .name = "peer_msgs_per_s", .field = &NodeConfig::peer_msgs_per_s, .kind = Kind::kCount,
     .help = "messages per second one peer may send", .min = 1, .max = 1000000},
    {.table = "p2p", .name = "peer_bytes_per_s", .field = &NodeConfig::peer_bytes_per_s, .kind = Kind::kCount,
     .help = "bytes per second one peer may send (at least max_frame_bytes)", .min = 1,
     .max = uint64_t{1} << 40},
    {.table = "p2p", .name = "ban_score", .field = &NodeConfig::ban_score, .kind = Kind::kCount,
     .help = "the misbehaviour score at which a peer is banned", .min = 1, .max = 1000000},
    {.table = "p2p", .name = "ban_seconds", .field = &NodeConfig::ban_seconds, .kind = Kind::kCount,
     .help = "how long a banned peer's address is refused, in seconds", .min = 1, .max = 31536000},

    {.table = "rpc", .name = "grpc_listen", .field = &NodeConfig::grpc_listen, .kind = Kind::kListen,
     .help = "the gRPC address (host:port; port 0: any)",
     .flag = "--grpc-listen", .flag_field = &NodeFlags::grpc_listen},
    {.table = "rpc", .name = "http_listen", .field = &NodeConfig::http_listen, .kind = Kind::kListen,
     .help = "the HTTP/JSON, explorer and /metrics address (host:port; port 0: any)",
     .flag = "--http-listen", .flag_field = &NodeFlags::http_listen},
    {.table = "rpc", .name = "admin_listen", .field = &NodeConfig::admin_listen, .kind = Kind::kAdminListen,
     .help = "the gRPC AdminService address, loopback only (host:port; port 0: any)",
     .flag = "--admin-listen", .flag_field = &NodeFlags::admin_listen},

    {.table = "mempool", .name = "capacity", .field = &NodeConfig::mempool_capacity, .kind = Kind::kCount,
     .help = "the most transactions the mempool holds", .min = 1, .max = 10000000},
    {.table = "mempool", .name = "per_sender", .field = &NodeConfig::mempool_per_sender, .kind = Kind::kCount,
     .help = "the most transactions of one sender in the mempool (at most capacity)", .min = 1,
     .max = 100000},
};
constexpr size_t kKeyCount = std::size(kKeys);

std::string full_name(const Key& key) { return std::string(key.table) + "." + std::string(key.name); }

size_t index_of(Field field) {
  for (size_t i = 0; i < kKeyCount; ++i) {
    if (kKeys[i].field == field) return i;
  }
  return kKeyCount;  // unreachable for a field in the table
}

const Key* find_key(std::string_view table, std::string_view name) {
  for (const Key& key : kKeys) {
    if (key.table == table && key.name == name) return &key;
  }
  return nullptr;
}

template <size_t N>
bool one_of(std::string_view text, const std::array<std::string_view, N>& names) {
  for (std::string_view name : names) {
    if (text == name) return true;
  }
  return false;
}

// ---- host:port ---------------------------------------------------------------------------

bool is_ipv4(const std::string& host) {
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// Whether two listeners would take the same socket: one port (not 0, which is any free one)
// on the same address, or on a wildcard address that covers the other ("::" covers IPv4 too,
// as Linux binds it dual-stack).
bool same_socket(HostPort a, HostPort b) {
  if (a.port == 0 || a.port != b.port) return false;
  for (HostPort* p : {&a, &b}) {
    if (p->host == "localhost") p->host = "127.0.0.1";
  }
  const auto covers = [](const std::string& wildcard, const std::string& host) {
    return wildcard == "::" || (wildcard == "0.0.0.0" && host.find(':') == std::string::npos);
  };
  return a.host == b.host || covers(a.host, b.host) || covers(b.host, a.host);
}

// The parts of `text`, or what is wrong with it (the message, without the text).
Result<HostPort> split_host_port(std::string_view text, bool allow_port_zero) {
  const auto bad = [](const char* why) { return Status(Errc::kInvalidArgument, why); };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  if (host.empty()) return bad("no host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("an IPv6 host needs its closing ']'");
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6(host)) return bad("not an IPv6 address");
  } else if (host.find(':') != std::string::npos) {
    return bad("an IPv6 host goes in brackets, as in [::1]:9773");
  } else {
    if (host.size() > 253) return bad("the host is longer than 253 characters");
    for (char ch : host) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-') {
        return bad("the host has a character outside letters, digits, '.' and '-'");
      }
    }
    if (host.find_first_not_of("0123456789.") == std::string::npos && !is_ipv4(host)) {
      return bad("not an IPv4 address");
    }
  }
  const uint64_t min_port = allow_port_zero ? 0 : 1;
  uint64_t port = 0;
  bool digits = !port_text.empty() && port_text.size() <= 5;
  for (char ch : port_text) {
    digits = digits && ch >= '0' && ch <= '9';
    if (digits) port = port * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (!digits || port < min_port || port > 65535) {
    return bad(allow_port_zero ? "the port must be a number from 0 to 65535"
                               : "the port must be a number from 1 to 65535");
  }
  return HostPort{std::move(host), static_cast<uint16_t>(port)};
}

// ---- checking one value ------------------------------------------------------------------

std::string expected(const Key& key, bool element) {
  switch (key.kind) {
    case Kind::kPath: return "a path";
    case Kind::kOptionalPath: return "a path, or \"\" for none";
    case Kind::kListen: return "host:port with an IP address or localhost and a port 0..65535";
    case Kind::kAdminListen:
      return "a loopback host:port (127.0.0.1, [::1] or localhost) with a port 0..65535";
    case Kind::kAnnounce: return "host:port with a port 1..65535, or \"\" for none";
    case Kind::kPeers:
      return element ? "host:port with a port 1..65535" : "an array of host:port strings";
    case Kind::kLogLevel: return "one of trace, debug, info, warn, error, critical, off";
    case Kind::kLayout: return "memory or leveldb";
    case Kind::kCount:
      return "an integer " + std::to_string(key.min) + ".." + std::to_string(key.max);
    case Kind::kBool: return "true or false";
  }
  return "";
}

// TOML text of a value, strings in double quotes (as people write them, and as the errors
// quote them), UTF-8 as it is.
std::string toml_text(const toml::node& value) {
  std::ostringstream out;
  out << toml::toml_formatter(value, toml::format_flags::allow_unicode_strings);
  return out.str();
}

std::string toml_string(std::string_view text) { return toml_text(toml::value<std::string>(std::string(text))); }

// A value as the file would spell it, shortened: for "got ..." in errors.
std::string describe(const toml::node& value) {
  if (value.is_table()) return "a table";
  std::string text = toml_text(value);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// What is wrong with `text` for `key` ("" when the kind has nothing more to say than the
// expected form), or nothing.
std::optional<std::string> text_problem(const Key& key, const std::string& text) {
  if (text.find('\0') != std::string::npos) return "a NUL byte";
  switch (key.kind) {
    case Kind::kPath:
      if (text.empty()) return "";
      return std::nullopt;
    case Kind::kOptionalPath:
      return std::nullopt;
    case Kind::kListen:
    case Kind::kAdminListen: {
      auto parts = split_host_port(text, true);
      if (!parts) return parts.status().message();
      if (parts->host != "localhost" && !is_ipv4(parts->host) && !is_ipv6(parts->host)) {
        return "the host must be an IP address or localhost";
      }
      if (key.kind == Kind::kAdminListen && !is_loopback(parts->host)) return "not a loopback address";
      return std::nullopt;
    }
    case Kind::kAnnounce:
      if (text.empty()) return std::nullopt;
      [[fallthrough]];
    case Kind::kPeers: {
      auto parts = split_host_port(text, false);
      if (!parts) return parts.status().message();
      return std::nullopt;
    }
    case Kind::kLogLevel:
      if (one_of(text, kLogLevels)) return std::nullopt;
      return "";
    case Kind::kLayout:
      if (one_of(text, kLayouts)) return std::nullopt;
      return "";
    case Kind::kCount:
    case Kind::kBool:
      break;
  }
  return "";
}

// "expected FORM, got VALUE (WHY)".
std::string mismatch(const Key& key, bool element, const std::string& got, const std::string& why) {
  return "expected " + expected(key, element) + ", got " + got + (why.empty() ? "" : " (" + why + ")");
}

std::string mismatch(const std::string& label, const Key& key, bool element, const std::string& got,
                     const std::string& why) {
  return label + ": " + mismatch(key, element, got, why);
}

// Checks `value` for `key` and stores it in `config`. Returns "" or the error, starting
// with `label` (the key's name, or the flag); elements of an array are labelled with their
// index when `index_elements`.
std::string assign(const Key& key, const toml::node& value, NodeConfig& config, const std::string& label,
                   bool index_elements) {
  if (auto* text_field = std::get_if<std::string NodeConfig::*>(&key.field)) {
    const auto* text = value.as_string();
    if (text == nullptr) return mismatch(label, key, false, describe(value), "");
    if (auto why = text_problem(key, text->get())) return mismatch(label, key, false, describe(value), *why);
    config.**text_field = text->get();
  } else if (auto* list_field = std::get_if<std::vector<std::string> NodeConfig::*>(&key.field)) {
    const auto* array = value.as_array();
    if (array == nullptr) return mismatch(label, key, false, describe(value), "");
    std::vector<std::string> items;
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_label = index_elements ? label + "[" + std::to_string(i) + "]" : label;
      const auto* text = item.as_string();
      if (text == nullptr) return mismatch(item_label, key, true, describe(item), "");
      if (auto why = text_problem(key, text->get())) return mismatch(item_label, key, true, describe(item), *why);
      items.push_back(text->get());
    }
    config.**list_field = std::move(items);
  } else if (auto* flag = std::get_if<bool NodeConfig::*>(&key.field)) {
    const auto* boolean = value.as_boolean();
    if (boolean == nullptr) return mismatch(label, key, false, describe(value), "");
    config.**flag = boolean->get();
  } else {
    const auto* integer = value.as_integer();
    if (integer == nullptr || integer->get() < 0 || static_cast<uint64_t>(integer->get()) < key.min ||
        static_cast<uint64_t>(integer->get()) > key.max) {
      return mismatch(label, key, false, describe(value), "");
    }
    const auto number = static_cast<uint64_t>(integer->get());
    if (auto* small = std::get_if<uint32_t NodeConfig::*>(&key.field)) {
      config.**small = static_cast<uint32_t>(number);  // key.max fits
    } else {
      config.*std::get<uint64_t NodeConfig::*>(key.field) = number;
    }
  }
  return "";
}

// ---- the file and the flags --------------------------------------------------------------

// Where each key's value came from: "" (the default), the config file's path or a flag.
using Sources = std::array<std::string, kKeyCount>;

Status invalid(const std::string& message) { return Status(Errc::kInvalidArgument, message); }

// " (it belongs in [T])" when `name` is a key of another table T, else a did-you-mean among
// `known`.
template <typename Names>
std::string hint(std::string_view name, const Names& known) {
  for (const Key& key : kKeys) {
    if (key.name == name) return " (it belongs in [" + std::string(key.table) + "])";
  }
  return did_you_mean(name, known);
}

Status apply_table(const std::string& path, std::string_view table, const toml::table& values,
                   NodeConfig& config, Sources& sources) {
  for (const auto& [name, value] : values) {
    const Key* key = find_key(table, name.str());
    if (key == nullptr) {
      std::vector<std::string_view> names;
      for (const Key& k : kKeys) {
        if (k.table == table) names.push_back(k.name);
      }
      return invalid(path + ": unknown key " + std::string(table) + "." + std::string(name.str()) +
                     hint(name.str(), names));
    }
    if (std::string error = assign(*key, value, config, full_name(*key), true); !error.empty()) {
      return invalid(path + ": " + error);
    }
    sources[static_cast<size_t>(key - kKeys)] = path;
  }
  return Status::ok();
}

Status apply_file(const std::string& path, NodeConfig& config, Sources& sources) {
  auto text = wallet::read_small_file(path, kMaxConfigBytes);
  if (!text) return text.status();
  toml::table root;
  try {
    root = toml::parse(*text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    return invalid(path + ":" + std::to_string(e.source().begin.line) + ":" +
                   std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  for (const auto& [table, values] : root) {
    if (!one_of(table.str(), kTables)) {
      if (values.is_table()) {
        return invalid(path + ": unknown table [" + std::string(table.str()) + "]" +
                       did_you_mean(table.str(), kTables) + "; the tables are node, p2p, rpc and mempool");
      }
      return invalid(path + ": unknown key " + std::string(table.str()) + hint(table.str(), kTables));
    }
    if (!values.is_table()) {
      return invalid(path + ": " + std::string(table.str()) + ": expected a table [" +
                     std::string(table.str()) + "], got " + describe(values));
    }
    ANS_RETURN_IF_ERROR(apply_table(path, table.str(), *values.as_table(), config, sources));
  }
  return Status::ok();
}

Status apply_flags(const NodeFlags& flags, NodeConfig& config, Sources& sources) {
  for (size_t i = 0; i < kKeyCount; ++i) {
    const Key& key = kKeys[i];
    std::unique_ptr<toml::node> value;
    if (auto* text = std::get_if<std::optional<std::string> NodeFlags::*>(&key.flag_field)) {
      if (flags.**text) value = std::make_unique<toml::value<std::string>>(*(flags.**text));
    } else if (auto* list = std::get_if<std::optional<std::vector<std::string>> NodeFlags::*>(&key.flag_field)) {
      if (flags.**list) {
        auto array = std::make_unique<toml::array>();
        for (const std::string& item : *(flags.**list)) array->push_back(item);
        value = std::move(array);
      }
    }
    if (value == nullptr) continue;
    const std::string flag(key.flag);
    if (std::string error = assign(key, *value, config, flag, false); !error.empty()) return invalid(error);
    sources[i] = flag;
  }
  return Status::ok();
}

// The source that an error about keys `a` and `b` is reported against: the one set.
std::string source_of(const Sources& sources, size_t a, size_t b) {
  return sources[a].empty() ? sources[b] : sources[a];
}

// The checks that take two keys at once.
Status check_agreement(const NodeConfig& c, const Sources& sources) {
  const size_t listeners[] = {index_of(&NodeConfig::p2p_listen), index_of(&NodeConfig::grpc_listen),
                              index_of(&NodeConfig::http_listen), index_of(&NodeConfig::admin_listen)};
  const auto text = [&c](size_t key) -> const std::string& {
    return c.*std::get<std::string NodeConfig::*>(kKeys[key].field);
  };
  for (size_t i = 0; i < std::size(listeners); ++i) {
    for (size_t j = i + 1; j < std::size(listeners); ++j) {
      const std::string& a = text(listeners[i]);
      const std::string& b = text(listeners[j]);
      // Both parse: assign() checked them.
      if (!same_socket(split_host_port(a, true).value(), split_host_port(b, true).value())) continue;
      return invalid(source_of(sources, listeners[j], listeners[i]) + ": " + full_name(kKeys[listeners[j]]) +
                     " (" + b + ") and " + full_name(kKeys[listeners[i]]) + " (" + a +
                     ") listen on the same port");
    }
  }
  if (c.mempool_per_sender > c.mempool_capacity) {
    const size_t per_sender = index_of(&NodeConfig::mempool_per_sender);
    const size_t capacity = index_of(&NodeConfig::mempool_capacity);
    return invalid(source_of(sources, per_sender, capacity) + ": mempool.per_sender (" +
                   std::to_string(c.mempool_per_sender) + ") is above mempool.capacity (" +
                   std::to_string(c.mempool_capacity) + ")");
  }
  if (c.peer_bytes_per_s < c.max_frame_bytes) {
    const size_t bytes = index_of(&NodeConfig::peer_bytes_per_s);
    const size_t frame = index_of(&NodeConfig::max_frame_bytes);
    return invalid(source_of(sources, bytes, frame) + ": p2p.peer_bytes_per_s (" +
                   std::to_string(c.peer_bytes_per_s) + ") is below p2p.max_frame_bytes (" +
                   std::to_string(c.max_frame_bytes) + "): a peer could not send one full frame a second");
  }
  return Status::ok();
}

// ---- writing -----------------------------------------------------------------------------

std::string value_toml(const NodeConfig& config, const Key& key) {
  return std::visit(
      [&config](auto member) -> std::string {
        const auto& value = config.*member;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return toml_string(value);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string out = "[";
          for (size_t i = 0; i < value.size(); ++i) out += (i == 0 ? "" : ", ") + toml_string(value[i]);
          return out + "]";
        } else if constexpr (std::is_same_v<T, bool>) {
          return value ? "true" : "false";
        } else {
          return std::to_string(value);
        }
      },
      key.field);
}

nlohmann::ordered_json value_json(const NodeConfig& config, const Key& key) {
  return std::visit([&config](auto member) { return nlohmann::ordered_json(config.*member); }, key.field);
}

// The value's name in --help.
const char* flag_value_name(Kind kind) {
  switch (kind) {
    case Kind::kPath:
    case Kind::kOptionalPath: return "PATH";
    case Kind::kLogLevel: return "LEVEL";
    case Kind::kLayout: return "LAYOUT";
    default: return "HOST:PORT";
  }
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text, bool allow_port_zero) {
  auto parts = split_host_port(text, allow_port_zero);
  if (!parts) {
    return invalid("'" + std::string(text) + "' is not host:port: " + parts.status().message() +
                   " (e.g. 127.0.0.1:9773, [::1]:9773 or seed.example.org:9773)");
  }
  return parts;
}

std::string config_file_for(const NodeFlags& flags) {
  if (flags.config) return *flags.config;
  const std::string path =
      (std::filesystem::path(flags.data_dir.value_or(NodeConfig{}.data_dir)) / "config.toml").string();
  // A file that is there but cannot be looked at is read anyway, so that the error says why.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 || errno != ENOENT) return path;
  return "";
}

Result<NodeConfig> resolve_node_config(const NodeFlags& flags) {
  NodeConfig config;
  Sources sources;
  if (const std::string path = config_file_for(flags); !path.empty()) {
    ANS_RETURN_IF_ERROR(apply_file(path, config, sources));
  }
  ANS_RETURN_IF_ERROR(apply_flags(flags, config, sources));
  ANS_RETURN_IF_ERROR(check_agreement(config, sources));
  if (config.node_key.empty()) config.node_key = (std::filesystem::path(config.data_dir) / "node.key").string();
  return config;
}

std::string config_to_toml(const NodeConfig& config, bool as_template) {
  const NodeConfig defaults;
  std::string out;
  std::string_view table;
  for (const Key& key : kKeys) {
    if (key.table != table) {
      out += std::string(table.empty() ? "" : "\n") + "[" + std::string(key.table) + "]\n";
      table = key.table;
    }
    const std::string value = value_toml(config, key);
    if (as_template) {
      out += "# " + std::string(key.help);
      if (!key.flag.empty()) out += "; flag " + std::string(key.flag);
      out += "\n";
      if (value == value_toml(defaults, key)) out += "# ";
    }
    out += std::string(key.name) + " = " + value + "\n";
  }
  return out;
}

std::string config_to_json(const NodeConfig& config) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const Key& key : kKeys) out[std::string(key.table)][std::string(key.name)] = value_json(config, key);
  return out.dump(2) + "\n";
}

void add_node_flags(CLI::App& app, NodeFlags& flags) {
  app.add_option_function<std::string>(
         "--config", [&flags](const std::string& path) { flags.config = path; },
         "the config file (TOML; docs/operator.md, \"Configuration\"); default: <data-dir>/config.toml "
         "when it exists. Flags override it")
      ->type_name("FILE");
  const NodeConfig defaults;
  for (const Key& key : kKeys) {
    if (key.flag.empty()) continue;
    std::string help = std::string(key.help) + " (default " + value_toml(defaults, key) +
                       (key.flag == "--data-dir" ? ", with --dev \"ans-dev-data\"" : "") +
                       "; config key " + full_name(key) + ")";
    const std::string flag(key.flag);
    CLI::Option* option = nullptr;
    if (auto* list = std::get_if<std::optional<std::vector<std::string>> NodeFlags::*>(&key.flag_field)) {
      // Comma separated or repeated; an empty value (--peers '') stands for no peers.
      option = app.add_option_function<std::vector<std::string>>(
                      flag,
                      [&flags, member = *list](const std::vector<std::string>& items) {
                        std::vector<std::string>& out = (flags.*member).emplace();
                        for (const std::string& item : items) {
                          if (!item.empty()) out.push_back(item);
                        }
                      },
                      help)
                   ->delimiter(',')
                   ->type_name("HOST:PORT,...");
    } else {
      option = app.add_option_function<std::string>(
                      flag,
                      [&flags, member = std::get<std::optional<std::string> NodeFlags::*>(key.flag_field)](
                          const std::string& value) { flags.*member = value; },
                      help)
                   ->type_name(flag_value_name(key.kind));
    }
    // The same check as the file's, as a usage error. An empty --peers item is let through
    // (and dropped above).
    option->check(CLI::Validator(
        [&key, flag](std::string& text) -> std::string {
          if (key.kind == Kind::kPeers && text.empty()) return "";
          auto why = text_problem(key, text);
          return why ? mismatch(key, key.kind == Kind::kPeers, toml_string(text), *why) : "";
        },
        ""));
  }
}

}  // namespace ans::node
