#include "genesis/testnet.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"

namespace ans {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kTime = 1'800'000'000'000ULL;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("ans-testnet-test-" + to_hex(PrivateKey::generate().secret()).substr(0, 16));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PrivateKey read_key(const fs::path& path) {
  std::string text = read_text(path);
  EXPECT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  auto secret = fixed_from_hex<32>(text.substr(0, 64));
  EXPECT_TRUE(secret.is_ok());
  return PrivateKey::from_bytes(*secret).value();
}

TEST(Testnet, FourSpsWriteLoadableFiles) {
  TempDir dir;
  Status st = make_testnet(4, dir.path().string(), kTime);
  ASSERT_TRUE(st.is_ok()) << st.to_string();

  auto loaded = load_genesis_file((dir.path() / "genesis.json").string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const GenesisConfig& c = *loaded;
  EXPECT_EQ(c.chain_name, "ans-testnet");
  EXPECT_EQ(c.genesis_time_ms, kTime);
  EXPECT_EQ(c.params, ChainParams{});
  EXPECT_EQ(c.reward_pool, Amount::from_dimt(3'737'600'000ULL));
  EXPECT_EQ(c.reserved_names, shipped_reserved_names());
  ASSERT_EQ(c.sps.size(), 4u);
  ASSERT_EQ(c.allocations.size(), 4u);

  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("node " + std::to_string(i));
    fs::path node = dir.path() / ("node" + std::to_string(i));
    for (const char* name : {"validator.key", "owner.key"}) {
      struct stat info {};
      ASSERT_EQ(::stat((node / name).c_str(), &info), 0);
      EXPECT_EQ(info.st_mode & 0777, 0600u) << name;
    }
    PrivateKey validator = read_key(node / "validator.key");
    PrivateKey owner = read_key(node / "owner.key");
    const GenesisSp& sp = c.sps[i];
    EXPECT_EQ(sp.signing_key, validator.public_key().compressed());
    EXPECT_EQ(sp.owner, EthAddress::from_public_key(owner.public_key()));
    EXPECT_EQ(sp.sp_id, id_for_key("testnet-sp" + std::to_string(i), owner.public_key(),
                                   EntityType::kServiceProvider));
    EXPECT_EQ(c.allocations[i].account, sp.owner);
    ASSERT_EQ(sp.stations.size(), 1u);
    EXPECT_EQ(sp.stations[0].host, "127.0.0.1");
    EXPECT_EQ(sp.stations[0].port, 9394 + i);
    EXPECT_EQ(sp.self_stake, Amount::from_dimt(5'000'000));
  }
  // The keys are fresh: no two nodes share one.
  EXPECT_NE(c.sps[0].signing_key, c.sps[1].signing_key);
  EXPECT_NE(c.sps[0].owner, c.sps[1].owner);
}

TEST(Testnet, RefusesToOverwrite) {
  TempDir dir;
  ASSERT_TRUE(make_testnet(4, dir.path().string(), kTime).is_ok());
  fs::path genesis = dir.path() / "genesis.json";
  std::string before = read_text(genesis);
  std::string key_before = read_text(dir.path() / "node0" / "validator.key");

  Status again = make_testnet(4, dir.path().string(), kTime + 1);
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_NE(again.message().find("genesis.json already exists"), std::string::npos)
      << again.message();
  EXPECT_EQ(read_text(genesis), before);
  EXPECT_EQ(read_text(dir.path() / "node0" / "validator.key"), key_before);

  // A key left from an earlier testnet is not clobbered either, and nothing is written.
  fs::remove(genesis);
  Status keys = make_testnet(2, dir.path().string(), kTime);
  EXPECT_EQ(keys.code(), Errc::kInvalidArgument);
  EXPECT_NE(keys.message().find("validator.key already exists"), std::string::npos)
      << keys.message();
  EXPECT_FALSE(fs::exists(genesis));
  EXPECT_EQ(read_text(dir.path() / "node0" / "validator.key"), key_before);
}

TEST(Testnet, RejectsBadArguments) {
  TempDir dir;
  EXPECT_EQ(make_testnet(0, dir.path().string(), kTime).code(), Errc::kInvalidArgument);
  EXPECT_EQ(make_testnet(1025, dir.path().string(), kTime).code(), Errc::kInvalidArgument);
  EXPECT_EQ(make_testnet(1, dir.path().string(), 0).code(), Errc::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir.path()));
}

TEST(Testnet, TimingSetsOnlyTheIntervalAndEpoch) {
  TempDir dir;
  ASSERT_TRUE(make_testnet(2, dir.path().string(), kTime, {.block_interval_ms = 250, .epoch_length_blocks = 40})
                  .is_ok());
  auto loaded = load_genesis_file((dir.path() / "genesis.json").string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  ChainParams expected;
  expected.block_interval_ms = 250;
  expected.epoch_length_blocks = 40;
  EXPECT_EQ(loaded->params, expected);
}

TEST(Testnet, RejectsBadTiming) {
  TempDir dir;
  for (TestnetTiming timing : {TestnetTiming{.block_interval_ms = 0},
                               TestnetTiming{.block_interval_ms = kMaxTestnetBlockIntervalMs + 1},
                               TestnetTiming{.epoch_length_blocks = 0}}) {
    EXPECT_EQ(make_testnet(1, dir.path().string(), kTime, timing).code(), Errc::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(dir.path()));
  // The longest interval still lets a commitment mature before it expires.
  ASSERT_TRUE(make_testnet(1, dir.path().string(), kTime,
                           {.block_interval_ms = kMaxTestnetBlockIntervalMs, .epoch_length_blocks = 1})
                  .is_ok());
}

TEST(Testnet, GenesisIsValidFromOneToMaxSps) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{1024}}) {
    SCOPED_TRACE(n);
    std::vector<TestnetNodeKeys> nodes;
    for (size_t i = 0; i < n; ++i) {
      auto secret = [&](const char* role) {
        return PrivateKey::from_bytes(sha256(as_bytes(std::string(role) + std::to_string(i))))
            .value();
      };
      nodes.push_back({secret("validator"), secret("owner")});
    }
    GenesisConfig c = testnet_genesis(nodes, kTime);
    Status st = validate_genesis(c);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(c.sps.size(), n);
    // Deterministic in the keys.
    EXPECT_EQ(chain_id(testnet_genesis(nodes, kTime)), chain_id(c));
  }
}

}  // namespace
}  // namespace ans
