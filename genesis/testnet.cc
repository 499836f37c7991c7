#include "genesis/testnet.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "ledger/identity/address.h"

namespace ans {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxTestnetSps = 1024;  // the spec's max_sps

// Writes `content` to a file that must not exist yet (O_EXCL, so a file that appears between
// the check and the write is not clobbered either), with exactly `mode`.
Status write_new_file(const fs::path& path, const std::string& content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status(Errc::kInvalidArgument,
                    path.string() + " already exists; refusing to overwrite it");
    }
    return Status(Errc::kIoError, path.string() + ": cannot create: " + std::strerror(errno));
  }
  Status st;
  if (::fchmod(fd, mode) != 0) {  // the umask may have taken bits away
    st = Status(Errc::kIoError, path.string() + ": cannot set mode: " + std::strerror(errno));
  }
  size_t done = 0;
  while (st.is_ok() && done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      st = Status(Errc::kIoError, path.string() + ": write failed: " + std::strerror(errno));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && st.is_ok()) {
    st = Status(Errc::kIoError, path.string() + ": close failed: " + std::strerror(errno));
  }
  return st;
}

std::string key_file_text(const PrivateKey& key) { return to_hex(key.secret()) + "\n"; }

}  // namespace

GenesisConfig testnet_genesis(const std::vector<TestnetNodeKeys>& nodes, uint64_t genesis_time_ms,
                              const TestnetTiming& timing) {
  GenesisConfig c;
  c.chain_name = "ans-testnet";
  c.genesis_time_ms = genesis_time_ms;
  c.params.block_interval_ms = timing.block_interval_ms;
  c.params.epoch_length_blocks = timing.epoch_length_blocks;
  const ChainParams& p = c.params;

  c.reward_pool = Amount::from_dimt(kTenYearRewardPoolDimt);
  Amount stakes = p.min_self_stake.checked_mul(nodes.size()).value();
  // REQUIRES bounds nodes.size(), so the pool and the stakes fit in the supply.
  Amount rest = p.total_supply.checked_sub(c.reward_pool).value().checked_sub(stakes).value();
  Amount share = rest.div(nodes.size());
  Amount first_share = rest.checked_sub(share.checked_mul(nodes.size() - 1).value()).value();

  for (size_t i = 0; i < nodes.size(); ++i) {
    const TestnetNodeKeys& node = nodes[i];
    PublicKey owner = node.owner.public_key();
    PublicKey validator = node.validator.public_key();
    std::string n = std::to_string(i);

    c.allocations.push_back({EthAddress::from_public_key(owner), i == 0 ? first_share : share});

    GenesisSp sp;
    sp.sp_id = id_for_key("testnet-sp" + n, owner, EntityType::kServiceProvider);
    sp.owner = EthAddress::from_public_key(owner);
    sp.display_name = "Testnet SP " + n;
    sp.url = "";
    sp.stations.push_back({id_for_key("testnet-station" + n, validator, EntityType::kStation),
                           "127.0.0.1", static_cast<uint16_t>(kDefaultStationPort + i)});
    sp.signing_key = validator.compressed();
    sp.self_stake = p.min_self_stake;
    c.sps.push_back(std::move(sp));
  }
  c.reserved_names = shipped_reserved_names();
  c.records.push_back({"founder", "moky@anywhere"});
  return c;
}

Status make_testnet(int sps, const std::string& out_dir, uint64_t genesis_time_ms,
                    const TestnetTiming& timing) {
  if (sps < 1 || sps > kMaxTestnetSps) {
    return Status(Errc::kInvalidArgument, "a testnet has 1 to " + std::to_string(kMaxTestnetSps) +
                                              " SPs, got " + std::to_string(sps));
  }
  if (genesis_time_ms == 0) {
    return Status(Errc::kInvalidArgument, "genesis_time_ms must be a Unix time in ms, not 0");
  }
  if (timing.block_interval_ms == 0 || timing.block_interval_ms > kMaxTestnetBlockIntervalMs) {
    return Status(Errc::kInvalidArgument, "the block interval must be 1 to " +
                                              std::to_string(kMaxTestnetBlockIntervalMs) +
                                              " ms, got " + std::to_string(timing.block_interval_ms));
  }
  if (timing.epoch_length_blocks == 0) {
    return Status(Errc::kInvalidArgument, "an epoch must be at least 1 block long");
  }
  const fs::path root(out_dir);
  const fs::path genesis_path = root / "genesis.json";
  auto node_dir = [&](int i) { return root / ("node" + std::to_string(i)); };

  // Check everything first, so a refusal leaves the directory as it was.
  std::error_code ec;
  if (fs::exists(fs::symlink_status(genesis_path, ec))) {
    return Status(Errc::kInvalidArgument,
                  genesis_path.string() + " already exists; refusing to overwrite it");
  }
  for (int i = 0; i < sps; ++i) {
    for (const char* name : {"validator.key", "owner.key"}) {
      fs::path key_path = node_dir(i) / name;
      if (fs::exists(fs::symlink_status(key_path, ec))) {
        return Status(Errc::kInvalidArgument,
                      key_path.string() + " already exists; refusing to overwrite it");
      }
    }
  }

  std::vector<TestnetNodeKeys> nodes;
  nodes.reserve(static_cast<size_t>(sps));
  for (int i = 0; i < sps; ++i) {
    nodes.push_back({PrivateKey::generate(), PrivateKey::generate()});
  }
  GenesisConfig config = testnet_genesis(nodes, genesis_time_ms, timing);
  // Defends the generator itself: what it writes must load.
  if (Status st = validate_genesis(config); !st) {
    return Status(st.code(), "generated testnet genesis is invalid: " + st.message());
  }

  for (int i = 0; i < sps; ++i) {
    fs::path dir = node_dir(i);
    fs::create_directories(dir, ec);
    if (ec) return Status(Errc::kIoError, dir.string() + ": cannot create: " + ec.message());
    const TestnetNodeKeys& node = nodes[static_cast<size_t>(i)];
    ANS_RETURN_IF_ERROR(write_new_file(dir / "validator.key", key_file_text(node.validator), 0600));
    ANS_RETURN_IF_ERROR(write_new_file(dir / "owner.key", key_file_text(node.owner), 0600));
  }
  // Last, so a genesis.json exists only with all of its keys beside it.
  return write_new_file(genesis_path, genesis_to_json(config), 0644);
}

}  // namespace ans
