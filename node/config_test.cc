#include "node/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/testing/temp_dir.h"

namespace ans::node {
namespace {

void write_text(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class ConfigTest : public ::testing::Test {
 protected:
  // Resolves `toml` written as the config file, with `flags` (whose --config is set here).
  Result<NodeConfig> resolve(const std::string& toml, NodeFlags flags = {}) {
    write_text(file_, toml);
    flags.config = file_;
    return resolve_node_config(flags);
  }
  // The error message of resolving `toml`, or "" if it resolved.
  std::string error_of(const std::string& toml, NodeFlags flags = {}) {
    auto config = resolve(toml, std::move(flags));
    if (config) return "";
    EXPECT_EQ(config.status().code(), Errc::kInvalidArgument) << config.status().to_string();
    return config.status().message();
  }

  testing::TempDir dir_{"ans-config"};
  const std::string file_ = dir_.sub("config.toml");
};

// Every key the writer knows, as "table.key", with its default as TOML, in order.
std::vector<std::pair<std::string, std::string>> defaults_by_key() {
  std::vector<std::pair<std::string, std::string>> keys;
  std::istringstream lines(config_to_toml(NodeConfig{}, false));
  std::string table;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[")) table = line.substr(1, line.size() - 2);
    if (size_t eq = line.find(" = "); eq != std::string::npos) {
      keys.emplace_back(table + "." + line.substr(0, eq), line.substr(eq + 3));
    }
  }
  return keys;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  for (const auto& [key, value] : defaults_by_key()) keys.push_back(key);
  return keys;
}

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  NodeFlags flags;
  flags.data_dir = dir_.sub("data");  // holds no config.toml
  EXPECT_EQ(config_file_for(flags), "");
  auto config = resolve_node_config(flags);
  ASSERT_TRUE(config) << config.status().to_string();
  NodeConfig expected;
  expected.data_dir = dir_.sub("data");
  expected.node_key = dir_.sub("data") + "/node.key";
  EXPECT_EQ(*config, expected);
  EXPECT_EQ(config->p2p_listen, "0.0.0.0:9773");
  EXPECT_EQ(config->grpc_listen, "127.0.0.1:9770");
  EXPECT_EQ(config->http_listen, "127.0.0.1:9771");
  EXPECT_EQ(config->admin_listen, "127.0.0.1:9772");
  EXPECT_EQ(config->max_frame_bytes, 4u * 1024 * 1024 + 64 * 1024);
  EXPECT_TRUE(config->pex);
  EXPECT_TRUE(config->peers.empty());
}

TEST_F(ConfigTest, TheDataDirectorysConfigFileIsReadWhenThere) {
  NodeFlags flags;
  flags.data_dir = dir_.path();
  write_text(dir_.sub("config.toml"), "[p2p]\nmax_inbound = 7\n");
  EXPECT_EQ(config_file_for(flags), dir_.sub("config.toml"));
  auto config = resolve_node_config(flags);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->max_inbound, 7u);
}

TEST_F(ConfigTest, TheFileOverridesDefaultsAndFlagsOverrideTheFile) {
  NodeFlags flags;
  flags.grpc_listen = "127.0.0.1:19770";
  flags.peers = std::vector<std::string>{"c.example.org:9773"};
  flags.log_level = "debug";
  auto config = resolve(R"(
[node]
data_dir = "/srv/ans"
genesis = "/srv/genesis.json"
sp_key = "/srv/ans/validator.key"
log_level = "warn"
[p2p]
peers = ["a.example.org:9773", "[2001:db8::1]:9773"]
seeds = ["seed.example.org:9773"]
max_outbound = 3
pex = false
[rpc]
grpc_listen = "0.0.0.0:9770"
http_listen = "0.0.0.0:9771"
[mempool]
capacity = 500
)",
                        flags);
  ASSERT_TRUE(config) << config.status().to_string();
  EXPECT_EQ(config->data_dir, "/srv/ans");
  EXPECT_EQ(config->node_key, "/srv/ans/node.key");
  EXPECT_EQ(config->genesis, "/srv/genesis.json");
  EXPECT_EQ(config->sp_key, "/srv/ans/validator.key");
  EXPECT_EQ(config->log_level, "debug");  // the flag
  EXPECT_EQ(config->peers, std::vector<std::string>{"c.example.org:9773"});  // the flag replaces the list
  EXPECT_EQ(config->seeds, std::vector<std::string>{"seed.example.org:9773"});
  EXPECT_EQ(config->max_outbound, 3u);
  EXPECT_FALSE(config->pex);
  EXPECT_EQ(config->grpc_listen, "127.0.0.1:19770");  // the flag
  EXPECT_EQ(config->http_listen, "0.0.0.0:9771");
  EXPECT_EQ(config->admin_listen, "127.0.0.1:9772");  // the default
  EXPECT_EQ(config->mempool_capacity, 500u);
  // A --data-dir flag moves the default node key with it.
  flags.data_dir = "/elsewhere";
  EXPECT_EQ(resolve("[node]\ndata_dir = \"/srv/ans\"\n", flags)->node_key, "/elsewhere/node.key");
}

TEST_F(ConfigTest, EveryKeysBadValueIsNamedWithTheFile) {
  // A bad value per key, and a word its error must hold.
  const std::map<std::string, std::pair<std::string, std::string>> bad = {
      {"node.data_dir", {"\"\"", "expected a path, got \"\""}},
      {"node.genesis", {"5", "got 5"}},
      {"node.node_key", {"true", "got true"}},
      {"node.sp_key", {"[]", "got []"}},
      {"node.account_key", {"1", "got 1"}},
      {"node.log_level", {"\"loud\"", "one of trace, debug"}},
      {"node.state_layout", {"\"disk\"", "memory or leveldb"}},
      {"p2p.listen", {"\"0.0.0.0\"", "no port"}},
      {"p2p.external_address", {"\"node.example.org:0\"", "from 1 to 65535"}},
      {"p2p.peers", {"[\"a:1\", \"b\"]", "p2p.peers[1]: expected host:port"}},
      {"p2p.seeds", {"\"a:1\"", "an array of host:port strings"}},
      {"p2p.max_inbound", {"10001", "0..10000"}},
      {"p2p.max_outbound", {"1001", "0..1000"}},
      {"p2p.max_per_ip", {"0", "1..10000"}},
      {"p2p.pex", {"\"yes\"", "true or false"}},
      {"p2p.max_frame_bytes", {"1024", "4259840..268435456"}},
      {"p2p.peer_msgs_per_s", {"0", "1..1000000"}},
      {"p2p.peer_bytes_per_s", {"-1", "got -1"}},
      {"p2p.ban_score", {"1.5", "got 1.5"}},
      {"p2p.ban_seconds", {"31536001", "1..31536000"}},
      {"rpc.grpc_listen", {"\"example.org:9770\"", "an IP address or localhost"}},
      {"rpc.http_listen", {"\"127.0.0.1:65536\"", "from 0 to 65535"}},
      {"rpc.admin_listen", {"\"0.0.0.0:9772\"", "not a loopback address"}},
      {"mempool.capacity", {"0", "1..10000000"}},
      {"mempool.per_sender", {"100001", "1..100000"}},
  };
  const std::vector<std::string> keys = all_keys();
  EXPECT_EQ(keys.size(), bad.size());
  for (const std::string& key : keys) {
    auto it = bad.find(key);
    ASSERT_NE(it, bad.end()) << "no bad value for " << key;
    const size_t dot = key.find('.');
    const std::string toml = "[" + key.substr(0, dot) + "]\n" + key.substr(dot + 1) + " = " + it->second.first + "\n";
    const std::string error = error_of(toml);
    EXPECT_TRUE(error.starts_with(file_ + ": " + key)) << error;
    EXPECT_NE(error.find(it->second.second), std::string::npos) << error;
  }
  EXPECT_EQ(error_of("[p2p]\nmax_inbound = \"many\"\n"),
            file_ + ": p2p.max_inbound: expected an integer 0..10000, got \"many\"");
  EXPECT_EQ(error_of("[node]\ndata_dir = 5\n"), file_ + ": node.data_dir: expected a path, got 5");
}

TEST_F(ConfigTest, UnknownKeysAndTablesAreNamed) {
  EXPECT_EQ(error_of("[p2p]\nmax_inbund = 3\n"),
            file_ + ": unknown key p2p.max_inbund (did you mean 'max_inbound'?)");
  EXPECT_EQ(error_of("[rpc]\npeers = []\n"), file_ + ": unknown key rpc.peers (it belongs in [p2p])");
  EXPECT_EQ(error_of("data_dir = \"x\"\n"), file_ + ": unknown key data_dir (it belongs in [node])");
  EXPECT_EQ(error_of("[p2pp]\nlisten = \"0.0.0.0:1\"\n"),
            file_ + ": unknown table [p2pp] (did you mean 'p2p'?); the tables are node, p2p, rpc and mempool");
  EXPECT_EQ(error_of("[p2p.extra]\nx = 1\n"), file_ + ": unknown key p2p.extra");
  EXPECT_EQ(error_of("p2p = 5\n"), file_ + ": p2p: expected a table [p2p], got 5");
}

TEST_F(ConfigTest, ASyntaxErrorHasItsLineAndColumn) {
  const std::string error = error_of("[node]\ndata_dir = \"a\"\nlog_level = = 3\n");
  EXPECT_TRUE(error.starts_with(file_ + ":3:")) << error;
  EXPECT_TRUE(error_of("[node]\ndata_dir = \"a\"\ndata_dir = \"b\"\n").starts_with(file_ + ":3:"));
}

TEST_F(ConfigTest, AConfigFileThatCannotBeReadIsAnError) {
  NodeFlags flags;
  flags.config = dir_.sub("missing.toml");
  auto config = resolve_node_config(flags);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().code(), Errc::kNotFound);
  EXPECT_NE(config.status().message().find(dir_.sub("missing.toml")), std::string::npos);
  flags.config = dir_.path();  // a directory
  ASSERT_FALSE(resolve_node_config(flags));
}

TEST_F(ConfigTest, BadFlagsAreNamedByTheFlag) {
  NodeFlags flags;
  flags.p2p_listen = "nowhere";
  EXPECT_EQ(error_of("", flags),
            "--p2p-listen: expected host:port with an IP address or localhost and a port 0..65535, got "
            "\"nowhere\" (no port)");
  flags = {};
  flags.peers = std::vector<std::string>{"a.example.org:1", "b.example.org:0"};
  EXPECT_TRUE(error_of("", flags).starts_with("--peers: expected host:port with a port 1..65535")) << error_of("", flags);
  flags = {};
  flags.admin_listen = "10.0.0.1:9772";
  EXPECT_NE(error_of("", flags).find("--admin-listen: expected a loopback host:port"), std::string::npos);
  flags = {};
  flags.state_layout = "disk";
  EXPECT_TRUE(error_of("", flags).starts_with("--state-layout: ")) << error_of("", flags);
}

TEST_F(ConfigTest, KeysThatDisagreeAreAnError) {
  EXPECT_EQ(error_of("[rpc]\nhttp_listen = \"127.0.0.1:9770\"\n"),
            file_ + ": rpc.http_listen (127.0.0.1:9770) and rpc.grpc_listen (127.0.0.1:9770) listen on the same port");
  // A wildcard address takes the port on every interface.
  EXPECT_NE(error_of("[p2p]\nlisten = \"0.0.0.0:9772\"\n").find("listen on the same port"), std::string::npos);
  NodeFlags flags;
  flags.grpc_listen = "localhost:9773";
  EXPECT_TRUE(error_of("[p2p]\nlisten = \"127.0.0.1:9773\"\n", flags).starts_with("--grpc-listen: rpc.grpc_listen"));
  EXPECT_NE(error_of("[rpc]\nhttp_listen = \"[::]:9770\"\n").find("listen on the same port"), std::string::npos);
  EXPECT_EQ(error_of("[rpc]\nhttp_listen = \"[::1]:9770\"\n"), "");
  // Port 0 (any free port) never clashes; other hosts do not either.
  EXPECT_EQ(error_of("[p2p]\nlisten = \"127.0.0.1:0\"\n[rpc]\ngrpc_listen = \"127.0.0.1:0\"\n"
                     "http_listen = \"127.0.0.2:9770\"\nadmin_listen = \"127.0.0.1:0\"\n"),
            "");
  EXPECT_EQ(error_of("[mempool]\ncapacity = 10\n"),
            file_ + ": mempool.per_sender (64) is above mempool.capacity (10)");
  EXPECT_NE(error_of("[p2p]\npeer_bytes_per_s = 4096\n").find("p2p.peer_bytes_per_s (4096) is below p2p.max_frame_bytes"),
            std::string::npos);
}

TEST_F(ConfigTest, WrittenConfigsReadBackTheSame) {
  NodeConfig config;
  config.data_dir = "/var/lib/ans";
  config.genesis = "/etc/ans/genesis \"main\".json";
  config.node_key = "/var/lib/ans/node.key";
  config.sp_key = "/var/lib/ans/validator.key";
  config.log_level = "trace";
  config.state_layout = "leveldb";
  config.external_address = "[2001:db8::7]:9773";
  config.peers = {"a.example.org:9773", "10.0.0.2:9773"};
  config.max_per_ip = 2;
  config.pex = false;
  config.peer_bytes_per_s = uint64_t{1} << 33;
  config.mempool_per_sender = 20000;
  auto read = resolve(config_to_toml(config, false));
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ(*read, config);
  read = resolve(config_to_toml(config, true));
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ(*read, config);

  // The template of the defaults lists every key, commented out, each after its comment.
  const std::string text = config_to_toml(NodeConfig{}, true);
  for (const std::string& key : all_keys()) {
    const std::string line = "# " + key.substr(key.find('.') + 1) + " = ";
    EXPECT_NE(text.find("\n" + line), std::string::npos) << key;
  }
  NodeConfig defaults;
  defaults.node_key = "ans-data/node.key";
  read = resolve(text);
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ(*read, defaults);

  const std::string json = config_to_json(config);
  EXPECT_NE(json.find("\"peers\": [\n      \"a.example.org:9773\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"per_sender\": 20000"), std::string::npos) << json;
}

// docs/operator.md's table has a row for every key, with its default.
TEST(ConfigDocs, TheOperatorGuideListsEveryKeyWithItsDefault) {
  std::ifstream in(std::string(ANS_SOURCE_DIR) + "/docs/operator.md");
  ASSERT_TRUE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [key, value] : defaults_by_key()) {
    const std::string row = "| `" + key + "` | `" + value + "`";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/operator.md has no row " << row;
  }
}

TEST(NodeFlags, PeersAreCommaSeparatedOrRepeated) {
  const auto parse = [](std::vector<std::string> args, NodeFlags& flags) {
    CLI::App app;
    add_node_flags(app, flags);
    std::reverse(args.begin(), args.end());
    app.parse(args);
  };
  NodeFlags flags;
  parse({"--peers", "a:1,b:2", "--peers", "[::1]:3", "--data-dir", "/d"}, flags);
  EXPECT_EQ(flags.peers, (std::vector<std::string>{"a:1", "b:2", "[::1]:3"}));
  EXPECT_EQ(flags.data_dir, "/d");
  EXPECT_FALSE(flags.genesis);
  NodeFlags none;
  parse({"--peers", ""}, none);
  EXPECT_EQ(none.peers, std::vector<std::string>{});
  NodeFlags bad;
  EXPECT_THROW(parse({"--p2p-listen", "nowhere"}, bad), CLI::ValidationError);
  EXPECT_THROW(parse({"--peers", "a:1,b"}, bad), CLI::ValidationError);
  EXPECT_THROW(parse({"--log-level", "loud"}, bad), CLI::ValidationError);
}

TEST(HostPort, Parses) {
  auto v4 = parse_host_port("127.0.0.1:9773", false);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9773);
  auto v6 = parse_host_port("[::1]:9773", false);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9773);
  EXPECT_EQ(parse_host_port("[2001:db8::1]:1", false)->host, "2001:db8::1");
  EXPECT_EQ(parse_host_port("seed-1.example.org:65535", false)->port, 65535);
  EXPECT_EQ(parse_host_port("localhost:0", true)->port, 0);
  for (const char* bad : {"", "host", "host:", ":9773", "host:0", "host:65536", "host:-1", "host:+1",
                          "host:1x", "host:123456", "a b:1", "a_b:1", "::1:9773", "[::1:9773", "[::1]",
                          "[]:1", "[zz]:1", "[127.0.0.1]:1", "999.1.1.1:1", "1.2.3:1"}) {
    auto parsed = parse_host_port(bad, false);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.status().code(), Errc::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("'" + std::string(bad) + "'"), std::string::npos)
        << parsed.status().message();
  }
  EXPECT_NE(parse_host_port("::1:9773", false).status().message().find("brackets"), std::string::npos);
  EXPECT_NE(parse_host_port("host:0", false).status().message().find("from 1 to 65535"), std::string::npos);
}

class KeyFileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"ans-key-file"};
  const std::string path_ = dir_.sub("node.key");
};

TEST_F(KeyFileTest, WrittenKeysLoadBackWithMode0600) {
  const PrivateKey key = PrivateKey::generate();
  ASSERT_TRUE(write_key_file(path_, key));
  EXPECT_EQ(mode_of(path_), 0600u);
  std::ifstream in(path_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, to_hex(key.secret()) + "\n");
  auto loaded = load_key_file(path_);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  EXPECT_EQ(loaded->secret(), key.secret());
  // Never overwritten.
  Status again = write_key_file(path_, PrivateKey::generate());
  EXPECT_EQ(again.code(), Errc::kFailedPrecondition);
  EXPECT_EQ(load_key_file(path_)->secret(), key.secret());
}

TEST_F(KeyFileTest, UppercaseAndNoNewlineAreKeys) {
  write_text(path_, std::string(63, '0') + "A");
  auto loaded = load_key_file(path_);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  EXPECT_EQ(loaded->secret()[31], 0x0a);
}

TEST_F(KeyFileTest, AFileOthersMayReadIsRefused) {
  write_text(path_, std::string(63, '0') + "1\n", 0644);
  auto loaded = load_key_file(path_);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.status().code(), Errc::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find(path_ + ": permissions 0644 are too open"), std::string::npos)
      << loaded.status().message();
  ::chmod(path_.c_str(), 0620);  // group may write
  EXPECT_EQ(load_key_file(path_).status().code(), Errc::kFailedPrecondition);
  ::chmod(path_.c_str(), 0400);
  EXPECT_TRUE(load_key_file(path_));
}

TEST_F(KeyFileTest, MalformedKeysAreNamed) {
  EXPECT_EQ(load_key_file(path_).status().code(), Errc::kNotFound);
  const std::string order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  for (const std::string& text :
       {std::string(), std::string(63, '1'), std::string(65, '1'), std::string(63, '0') + "g\n",
        std::string(64, '1') + "\n\n", std::string(64, '1') + " ", "0x" + std::string(62, '1'),
        std::string(64, '1') + "\r\n", std::string(300, '1'), std::string(64, '0'), order}) {
    write_text(path_, text);
    auto loaded = load_key_file(path_);
    ASSERT_FALSE(loaded) << text;
    EXPECT_EQ(loaded.status().code(), Errc::kInvalidArgument) << text;
    EXPECT_TRUE(loaded.status().message().starts_with(path_ + ": ")) << loaded.status().message();
  }
  EXPECT_TRUE(load_key_file(dir_.path()).status().message().find("not a regular file") != std::string::npos);
}

}  // namespace
}  // namespace ans::node
