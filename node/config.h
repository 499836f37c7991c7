// The node's configuration as an operator writes it (docs/operator.md, "Configuration"):
// defaults, then a TOML file, then the command line's flags, every value checked before the
// node uses any. Also the node's key files, and the `ansd init` and `ansd config check`
// commands. Nothing here logs: errors are returned, naming the file (or flag) and the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto/keys.h"
#include "ledger/util/status.h"

namespace CLI {
class App;
}

namespace ans::node {

// The TOML key of each field is `table.name`, the field's name unless said otherwise.
struct NodeConfig {
  // [node]
  std::string data_dir = "ans-data";
  std::string genesis;             // path of the genesis JSON (required unless dev; the runner checks)
  std::string node_key = "";       // path; empty: <data_dir>/node.key (resolve_node_config fills it in)
  std::string sp_key = "";         // path of the SP signing key; empty: a non-validating node
  std::string account_key = "";    // optional: the account that pays the fee of evidence transactions
  std::string log_level = "info";  // trace|debug|info|warn|error|critical|off
  std::string state_layout = "memory";  // memory|leveldb (only for a new store)
  // [p2p]
  std::string p2p_listen = "0.0.0.0:9773";  // p2p.listen
  std::string external_address;    // host:port announced to peers via peer exchange; empty: none (peers learn the listen port from the handshake)
  std::vector<std::string> peers;  // host:port, dialed at start and kept connected
  std::vector<std::string> seeds;  // host:port, dialed for peer exchange, then dropped
  uint32_t max_inbound = 40, max_outbound = 10, max_per_ip = 8;
  bool pex = true;
  uint32_t max_frame_bytes = 4 * 1024 * 1024 + 64 * 1024;
  uint32_t peer_msgs_per_s = 2000; uint64_t peer_bytes_per_s = 32 * 1024 * 1024;
  uint32_t ban_score = 100; uint32_t ban_seconds = 600;
  // [rpc]
  std::string grpc_listen = "127.0.0.1:9770", http_listen = "127.0.0.1:9771", admin_listen = "127.0.0.1:9772";
  // [mempool]
  uint32_t mempool_capacity = 20000;   // mempool.capacity
  uint32_t mempool_per_sender = 64;    // mempool.per_sender

  friend bool operator==(const NodeConfig&, const NodeConfig&) = default;
};

// The flags that override the file. Unset optionals leave the file's (or default) value.
struct NodeFlags {
  std::optional<std::string> config;  // --config FILE; default <data_dir>/config.toml when it exists
  std::optional<std::string> data_dir, genesis, p2p_listen, grpc_listen, http_listen, admin_listen, sp_key, log_level, state_layout;
  std::optional<std::vector<std::string>> peers;  // --peers a:1,b:2 (comma separated or repeated)
};

// Registers --config --data-dir --genesis --p2p-listen --peers --grpc-listen --http-listen
// --admin-listen --sp-key --log-level --state-layout on the top-level ansd app, filling
// `flags` (which must outlive the parse). A malformed address, log level or layout is a
// usage error there already; resolve_node_config checks them again.
void add_node_flags(CLI::App& app, NodeFlags& flags);

// The config file resolve_node_config reads: --config, else <data_dir>/config.toml when it
// exists (data_dir from --data-dir, else the default), else "" (none).
std::string config_file_for(const NodeFlags& flags);

// Defaults, then the config file, then the flags. Checks every value: listen addresses parse
// as host:port (host an IP address or localhost) with port 0..65535, peers, seeds and
// external_address as host:port with port 1..65535, admin_listen on loopback, log level and
// layout names, numeric ranges, and that the values agree (two listeners on one port, a
// per-sender mempool limit above the capacity, a byte rate below one frame). It reads only
// the config file: whether the genesis and key files exist is the runner's to find out.
// Errors: kInvalidArgument with a message that names the file and the key, e.g.
//   "/x/config.toml: unknown key p2p.max_inbund (did you mean 'max_inbound'?)",
//   "/x/config.toml: p2p.max_inbound: expected an integer 0..10000, got \"many\"", or
//   "--p2p-listen: expected ..." for a flag; a TOML syntax error as "FILE:LINE:COLUMN: ...";
//   kNotFound / kIoError for a config file that cannot be read.
Result<NodeConfig> resolve_node_config(const NodeFlags& flags);

// `config` as TOML that resolve_node_config reads back as the same config: every table and
// key in the documented order. With `as_template`, each key has a comment line, and a key
// that holds its default is written commented out (what `ansd init` writes).
std::string config_to_toml(const NodeConfig& config, bool as_template);
// `config` as one JSON object of tables, in the same order.
std::string config_to_json(const NodeConfig& config);

struct HostPort {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without its brackets
  uint16_t port;
};
// "host:port", "1.2.3.4:port" or "[v6]:port"; the port in decimal digits, 1..65535 (or 0
// too with `allow_port_zero`). A host is letters, digits, '.' and '-'; an IPv6 address must
// be in brackets. Errors: kInvalidArgument quoting the text and saying what is wrong.
Result<HostPort> parse_host_port(std::string_view text, bool allow_port_zero);

// Reads a key file: 64 lowercase or uppercase hex digits of a secp256k1 secret and an
// optional newline (the format genesis/testnet.cc writes, mode 0600). Errors name the file:
// kNotFound; kFailedPrecondition for a file that group or others may read or write (as ssh
// refuses one); kInvalidArgument (malformed, or not a valid secret); kIoError.
Result<PrivateKey> load_key_file(const std::string& path);
// Writes `key` in that format, atomically, mode 0600. Errors: kFailedPrecondition (the file
// exists: it is never overwritten), kIoError.
Status write_key_file(const std::string& path, const PrivateKey& key);

// `ansd init [--data-dir DIR] [--validator] [--genesis FILE]`: registers the subcommand on
// `app`; its callback sets `exit_code`. It writes DIR/node.key, DIR/validator.key (with
// --validator) and DIR/config.toml, and refuses (writing nothing) if any of them exists.
void add_init_command(CLI::App& app, int& exit_code);
// `ansd config check [--json]`, with the node flags of `app`: resolves the config as the node
// would and prints it (TOML, or JSON), or the error (exit 1).
void add_config_command(CLI::App& app, const NodeFlags& flags, int& exit_code);

}  // namespace ans::node
