#include "node/genesis_commands.h"

#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "genesis/testnet.h"
#include "node/cli/support.h"

namespace ans::node {
namespace {

// 9999-12-31T23:59:59.999Z: a time that every calendar function can print.
constexpr uint64_t kLatestGenesisTimeMs = 253402300799999;

struct TestnetOptions {
  int sps = 0;
  std::string out_dir;
  uint64_t genesis_time_ms = 0;  // 0: now
  TestnetTiming timing;
};

int fail(const Status& st) {
  std::cerr << "error: " << cli::escape_control(st.to_string()) << "\n";
  return 1;
}

std::string utc_time(uint64_t unix_ms) {
  auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  char text[32];
  if (::gmtime_r(&seconds, &tm) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return "?";
  }
  return text;
}

uint64_t now_ms() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

int run_testnet(const TestnetOptions& o) {
  uint64_t time_ms = o.genesis_time_ms != 0 ? o.genesis_time_ms : now_ms();
  if (Status st = make_testnet(o.sps, o.out_dir, time_ms, o.timing); !st) return fail(st);
  std::string genesis_path = o.out_dir + "/genesis.json";
  auto config = load_genesis_file(genesis_path);
  if (!config) return fail(config.status());
  std::cout << "wrote " << genesis_path << ": " << config->sps.size() << " SPs, genesis time "
            << time_ms << " (" << utc_time(time_ms) << ")\n"
            << "chain id " << to_hex(chain_id(*config)) << "\n";
  for (int i = 0; i < o.sps; ++i) {
    const GenesisSp& sp = config->sps[static_cast<size_t>(i)];
    std::cout << "node" << i << ": " << sp.sp_id << " station 127.0.0.1:"
              << sp.stations.at(0).port << ", keys in " << o.out_dir << "/node" << i
              << "/{validator,owner}.key\n";
  }
  return 0;
}

int run_check(const std::string& path) {
  auto loaded = load_genesis_file(path);
  if (!loaded) return fail(loaded.status());
  const GenesisConfig& c = *loaded;
  Amount allocated;
  for (const auto& a : c.allocations) allocated = allocated.checked_add(a.amount).value();
  Amount staked;
  for (const auto& sp : c.sps) staked = staked.checked_add(sp.self_stake).value();
  size_t stations = 0;
  for (const auto& sp : c.sps) stations += sp.stations.size();
  std::cout << "ok: " << path << "\n"
            << "chain id:        " << to_hex(chain_id(c)) << "\n"
            << "chain name:      " << c.chain_name << "\n"
            << "genesis time:    " << c.genesis_time_ms << " (" << utc_time(c.genesis_time_ms)
            << ")\n"
            << "block interval:  " << c.params.block_interval_ms << " ms, epoch "
            << c.params.epoch_length_blocks << " blocks\n"
            << "total supply:    " << c.params.total_supply.to_string() << " DIMT\n"
            << "allocations:     " << c.allocations.size() << " accounts, "
            << allocated.to_string() << " DIMT\n"
            << "reward pool:     " << c.reward_pool.to_string() << " DIMT\n"
            << "SPs:             " << c.sps.size() << " (" << stations << " stations), "
            << staked.to_string() << " DIMT self stake\n"
            << "reserved names:  " << c.reserved_names.size() << ", " << c.records.size()
            << " with a genesis record\n";
  return 0;
}

int run_chain_id(const std::string& path) {
  auto loaded = load_genesis_file(path);
  if (!loaded) return fail(loaded.status());
  std::cout << to_hex(chain_id(*loaded)) << "\n";
  return 0;
}

}  // namespace

void add_genesis_commands(CLI::App& app, int& exit_code) {
  CLI::App* genesis = app.add_subcommand("genesis", "Make, check and print genesis files");
  genesis->require_subcommand(1);

  auto testnet_opts = std::make_shared<TestnetOptions>();
  CLI::App* testnet = genesis->add_subcommand(
      "testnet", "Write keys and a genesis.json for a local testnet of N SPs");
  testnet->add_option("--sps", testnet_opts->sps, "number of SPs (nodes), 1 to 1024")
      ->required()
      ->check(cli::whole_number(1, 1024));
  testnet->add_option("--out", testnet_opts->out_dir, "output directory (created if missing)")
      ->required();
  testnet->add_option("--genesis-time-ms", testnet_opts->genesis_time_ms,
                      "Unix time of slot 0 in ms, at most 9999-12-31T23:59:59.999Z (default: now)")
      ->check(cli::whole_number(1, kLatestGenesisTimeMs));
  testnet->add_option("--block-interval-ms", testnet_opts->timing.block_interval_ms,
                      "slot length in ms, 1 to 60000")
      ->check(cli::whole_number(1, kMaxTestnetBlockIntervalMs))
      ->capture_default_str();
  testnet->add_option("--epoch-blocks", testnet_opts->timing.epoch_length_blocks,
                      "epoch length in blocks")
      ->check(cli::whole_number(1, UINT64_MAX))
      ->capture_default_str();
  testnet->callback([testnet_opts, &exit_code] { exit_code = run_testnet(*testnet_opts); });

  auto check_path = std::make_shared<std::string>();
  CLI::App* check = genesis->add_subcommand(
      "check", "Validate a genesis file; print its chain id and a summary");
  check->add_option("FILE", *check_path, "genesis JSON file")->required();
  check->callback([check_path, &exit_code] { exit_code = run_check(*check_path); });

  CLI::App* dev = genesis->add_subcommand("dev", "Print the embedded dev genesis as JSON");
  dev->callback([&exit_code] {
    std::cout << genesis_to_json(dev_genesis());
    exit_code = 0;
  });

  auto id_path = std::make_shared<std::string>();
  CLI::App* id = genesis->add_subcommand("chain-id", "Print the chain id of a genesis file");
  id->add_option("FILE", *id_path, "genesis JSON file")->required();
  id->callback([id_path, &exit_code] { exit_code = run_chain_id(*id_path); });
}

}  // namespace ans::node
