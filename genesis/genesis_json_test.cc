#include "genesis/genesis_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "genesis/dev_genesis.h"
#include "genesis/testnet.h"
#include "ledger/names/name_syntax.h"

namespace ans {
namespace {

using Json = nlohmann::json;

// The chain id of dev_genesis(). It changes only when the dev genesis or the canonical
// format changes on purpose; then every dev signature changes with it.
constexpr char kDevChainIdHex[] = "0640240cf2ee19b2466d6834d52b0868f80dc68255119834f2e8a1a97e26ddab";

std::string source_path(const std::string& relative) {
  return std::string(ANS_SOURCE_DIR) + "/" + relative;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message names the JSON path first: "sps[0].sp_id: ...".
void expect_error(const Status& st, Errc code, const std::string& path) {
  EXPECT_EQ(st.code(), code) << st.to_string();
  EXPECT_EQ(st.message().rfind(path + ": ", 0), 0u)
      << "message should start with '" << path << ": ', got: " << st.message();
}

// A config is rejected the same way by validate_genesis and by the loader reading it back.
void expect_rejected(const GenesisConfig& c, Errc code, const std::string& path) {
  SCOPED_TRACE("path " + path);
  Status direct = validate_genesis(c);
  ASSERT_FALSE(direct.is_ok());
  expect_error(direct, code, path);
  auto loaded = parse_genesis_json(genesis_to_json(c));
  ASSERT_FALSE(loaded.is_ok());
  expect_error(loaded.status(), code, path);
}

void expect_json_rejected(const Json& doc, Errc code, const std::string& path) {
  SCOPED_TRACE("path " + path);
  auto loaded = parse_genesis_json(doc.dump());
  ASSERT_FALSE(loaded.is_ok());
  expect_error(loaded.status(), code, path);
}

// The same ID with its address's last character changed: a Base58Check checksum error.
std::string break_checksum(std::string id) {
  id.back() = id.back() == 'a' ? 'b' : 'a';
  return id;
}

Json dev_json() { return Json::parse(genesis_to_json(dev_genesis())); }

// A second SP for the dev genesis, valid and distinct, paid for from account 1.
GenesisConfig dev_with_two_sps() {
  GenesisConfig c = dev_genesis();
  auto key = [](const char* label) {
    return PrivateKey::from_bytes(sha256(as_bytes(std::string(label)))).value();
  };
  PrivateKey owner = key("test/sp2/owner");
  PrivateKey signer = key("test/sp2/signer");
  GenesisSp sp = c.sps[0];
  sp.sp_id = id_for_key("second", owner.public_key(), EntityType::kServiceProvider);
  sp.owner = EthAddress::from_public_key(owner.public_key());
  sp.signing_key = signer.public_key().compressed();
  c.sps.push_back(sp);
  c.allocations[1].amount = c.allocations[1].amount.checked_sub(sp.self_stake).value();
  EXPECT_TRUE(validate_genesis(c).is_ok()) << validate_genesis(c).to_string();
  return c;
}

// ---- round trips and the chain id ---------------------------------------------------------

TEST(GenesisJson, DevGenesisIsValid) {
  Status st = validate_genesis(dev_genesis());
  EXPECT_TRUE(st.is_ok()) << st.to_string();
}

TEST(GenesisJson, RoundTripPrettyAndCanonical) {
  GenesisConfig c = dev_genesis();
  auto pretty = parse_genesis_json(genesis_to_json(c));
  ASSERT_TRUE(pretty.is_ok()) << pretty.status().to_string();
  EXPECT_EQ(*pretty, c);
  auto canonical = parse_genesis_json(canonical_genesis_json(c));
  ASSERT_TRUE(canonical.is_ok()) << canonical.status().to_string();
  EXPECT_EQ(*canonical, c);
  EXPECT_EQ(canonical_genesis_json(*canonical), canonical_genesis_json(c));
}

TEST(GenesisJson, CanonicalTextIsSortedAndCompact) {
  std::string text = canonical_genesis_json(dev_genesis());
  EXPECT_EQ(text.find_first_of(" \n\t"), text.find("ANS dev SP") + 3);  // only inside strings
  EXPECT_EQ(text.rfind("{\"allocations\":[{\"account\":\"0x", 0), 0u);
  // Equal configs written from different inputs give the same canonical text.
  Json doc = dev_json();
  doc["params"]["min_tx_fee"] = "0.0010";                  // trailing zero
  doc["sps"][0]["signing_key"] = "0x" + doc["sps"][0]["signing_key"].get<std::string>();
  std::string account = doc["allocations"][0]["account"].get<std::string>();
  for (char& ch : account) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  doc["allocations"][0]["account"] = account;              // no EIP-55 checksum
  auto parsed = parse_genesis_json(doc.dump(4));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(canonical_genesis_json(*parsed), text);
  EXPECT_EQ(chain_id(*parsed), chain_id(dev_genesis()));
}

TEST(GenesisJson, DevChainIdIsPinned) {
  EXPECT_EQ(to_hex(chain_id(dev_genesis())), kDevChainIdHex);
  EXPECT_EQ(chain_id(dev_genesis()), chain_id(dev_genesis()));
}

TEST(GenesisJson, ChainIdIsTaggedHashOfCanonicalJson) {
  GenesisConfig c = dev_genesis();
  std::string canonical = canonical_genesis_json(c);
  EXPECT_EQ(chain_id(c), tagged_hash("ANS/v1/chain-id", {as_bytes(canonical)}));
}

// Every params field is written under its own name, read back, and in the chain id.
TEST(GenesisJson, EveryParamIsWrittenReadAndHashed) {
  const std::vector<std::string> expected = {
      "block_interval_ms", "epoch_length_blocks", "max_active_producers", "total_supply",
      "rewards_per_day", "min_tx_fee", "commit_min_blocks", "commit_max_age_s", "max_years",
      "year_s", "grace_s", "release_premium_start", "premium_halving_s", "premium_duration_s",
      "fee_len2", "fee_len3", "fee_len4", "fee_len5_plus", "max_text_records",
      "max_text_key_bytes", "max_text_value_bytes", "max_record_set_bytes", "min_self_stake",
      "max_sps", "max_stations", "max_votes", "unbonding_s", "jail_s", "slash_percent"};
  Json base = dev_json();
  std::vector<std::string> written;
  for (const auto& item : base["params"].items()) written.push_back(item.key());
  std::vector<std::string> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(written, sorted_expected);

  GenesisConfig base_config = dev_genesis();
  for (const std::string& name : expected) {
    SCOPED_TRACE(name);
    Json doc = base;
    Json& v = doc["params"][name];
    if (v.is_string()) {
      // One unit less (every amount is non-zero); a smaller supply takes it from the pool.
      Amount a = Amount::parse(v.get<std::string>()).value();
      v = a.checked_sub(Amount::from_units(1)).value().to_string();
      if (name == "total_supply") {
        Amount pool = Amount::parse(doc["reward_pool"].get<std::string>()).value();
        doc["reward_pool"] = pool.checked_sub(Amount::from_units(1)).value().to_string();
      }
    } else {
      v = v.get<uint64_t>() + 1;
    }
    auto parsed = parse_genesis_json(doc.dump());
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    EXPECT_NE(parsed->params, base_config.params);
    EXPECT_NE(chain_id(*parsed), chain_id(base_config));
    auto again = parse_genesis_json(genesis_to_json(*parsed));
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(*again, *parsed);
  }
}

TEST(GenesisJson, ChainIdChangesWhenAnyFieldChanges) {
  const GenesisConfig base = dev_with_two_sps();
  const Hash256 base_id = chain_id(base);
  using Edit = std::function<void(GenesisConfig&)>;
  const std::vector<std::pair<std::string, Edit>> edits = {
      {"chain_name", [](GenesisConfig& c) { c.chain_name += "x"; }},
      {"genesis_time_ms", [](GenesisConfig& c) { c.genesis_time_ms += 1; }},
      {"allocations.account",
       [](GenesisConfig& c) {
         c.allocations[0].account = EthAddress::from_bytes(Bytes(20, 7)).value();
       }},
      {"allocations.amount",
       [](GenesisConfig& c) { c.allocations[0].amount = Amount::from_dimt(1); }},
      {"allocations order",
       [](GenesisConfig& c) { std::swap(c.allocations[0], c.allocations[1]); }},
      {"reward_pool", [](GenesisConfig& c) { c.reward_pool = Amount::from_dimt(1); }},
      {"sps.sp_id", [](GenesisConfig& c) { c.sps[0].sp_id = "x" + c.sps[0].sp_id; }},
      {"sps.owner", [](GenesisConfig& c) { c.sps[0].owner = c.allocations[2].account; }},
      {"sps.display_name", [](GenesisConfig& c) { c.sps[0].display_name += "x"; }},
      {"sps.url", [](GenesisConfig& c) { c.sps[0].url = "https://example.org"; }},
      {"sps.stations.id", [](GenesisConfig& c) { c.sps[0].stations[0].id = "station@anywhere"; }},
      {"sps.stations.host", [](GenesisConfig& c) { c.sps[0].stations[0].host = "localhost"; }},
      {"sps.stations.port", [](GenesisConfig& c) { c.sps[0].stations[0].port = 9395; }},
      {"sps.stations added",
       [](GenesisConfig& c) { c.sps[0].stations.push_back(c.sps[0].stations[0]); }},
      {"sps.signing_key",
       [](GenesisConfig& c) {
         c.sps[0].signing_key = dev_account_keys()[3].public_key().compressed();
       }},
      {"sps.self_stake",
       [](GenesisConfig& c) { c.sps[0].self_stake = Amount::from_dimt(6'000'000); }},
      {"sps order", [](GenesisConfig& c) { std::swap(c.sps[0], c.sps[1]); }},
      {"reserved_names", [](GenesisConfig& c) { c.reserved_names.push_back("extra"); }},
      {"records.name", [](GenesisConfig& c) { c.records[0].name = "owner"; }},
      {"records.target", [](GenesisConfig& c) { c.records[0].target = "anyone@anywhere"; }},
      {"params", [](GenesisConfig& c) { c.params.jail_s += 1; }},
  };
  for (const auto& [what, edit] : edits) {
    SCOPED_TRACE(what);
    GenesisConfig c = base;
    edit(c);
    EXPECT_NE(c, base);
    EXPECT_NE(canonical_genesis_json(c), canonical_genesis_json(base));
    EXPECT_NE(chain_id(c), base_id);
  }
}

TEST(GenesisJson, MissingParamsTakeSpecDefaults) {
  Json doc = dev_json();
  doc.erase("params");
  GenesisConfig expected = dev_genesis();
  expected.params = ChainParams{};
  auto parsed = parse_genesis_json(doc.dump());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, expected);

  doc["params"] = Json{{"block_interval_ms", 250}};
  parsed = parse_genesis_json(doc.dump());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  expected.params.block_interval_ms = 250;
  EXPECT_EQ(*parsed, expected);
}

TEST(GenesisJson, LegacyProviderTypeIsAnSpType) {
  GenesisConfig c = dev_genesis();
  c.sps[0].sp_id = id_for_key("old-sp", dev_account_keys()[0].public_key(),
                              EntityType::kLegacyProvider);
  EXPECT_TRUE(validate_genesis(c).is_ok()) << validate_genesis(c).to_string();
}

// ---- dev genesis and its keys -------------------------------------------------------------

TEST(DevGenesis, KeysAreTheDocumentedDerivations) {
  EXPECT_EQ(dev_validator_key().secret(), sha256(as_bytes(std::string("ans/dev/validator"))));
  auto accounts = dev_account_keys();
  ASSERT_EQ(accounts.size(), 5u);
  for (size_t i = 0; i < accounts.size(); ++i) {
    EXPECT_EQ(accounts[i].secret(),
              sha256(as_bytes("ans/dev/account/" + std::to_string(i))));
  }
}

TEST(DevGenesis, Shape) {
  GenesisConfig c = dev_genesis();
  auto accounts = dev_account_keys();
  EXPECT_EQ(c.chain_name, "ans-dev");
  EXPECT_EQ(c.genesis_time_ms, 1'767'225'600'000ULL);
  EXPECT_EQ(c.params.block_interval_ms, 500u);
  ASSERT_EQ(c.allocations.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(c.allocations[i].account, EthAddress::from_public_key(accounts[i].public_key()));
  }
  ASSERT_EQ(c.sps.size(), 1u);
  const GenesisSp& sp = c.sps[0];
  EXPECT_EQ(sp.owner, EthAddress::from_public_key(accounts[0].public_key()));
  EXPECT_EQ(sp.sp_id, id_for_key("dev-sp", accounts[0].public_key(), EntityType::kServiceProvider));
  EXPECT_EQ(sp.signing_key, dev_validator_key().public_key().compressed());
  ASSERT_EQ(sp.stations.size(), 1u);
  EXPECT_EQ(sp.stations[0].host, "127.0.0.1");
  EXPECT_EQ(sp.stations[0].port, 9394);
  EXPECT_EQ(c.params.total_supply, Amount::from_dimt(10'000'000'000ULL));
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].name, "founder");
  EXPECT_EQ(c.records[0].target, "moky@anywhere");
}

TEST(DevGenesis, ReservedNamesAreTheShippedFile) {
  std::vector<std::string> from_file;
  std::istringstream in(read_text(source_path("genesis/reserved-names.txt")));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') from_file.push_back(line);
  }
  EXPECT_EQ(from_file.size(), 114u);
  EXPECT_EQ(shipped_reserved_names(), from_file);
  EXPECT_EQ(dev_genesis().reserved_names, from_file);
}

// ---- genesis/mainnet.json -----------------------------------------------------------------

// The placeholders of mainnet.json, derived as docs/genesis.md says. No one knows a private
// key of any of them, so a chain launched by mistake from this file cannot move the
// allocations nor produce a block.
EthAddress placeholder_account(const std::string& label) {
  Hash256 h = sha256(as_bytes("ans/mainnet/placeholder/" + label));
  return EthAddress::from_bytes(ByteView(h.data(), 20)).value();
}

PublicKey placeholder_point(const std::string& label) {
  for (int counter = 0;; ++counter) {
    Hash256 x =
        sha256(as_bytes("ans/mainnet/placeholder/" + label + "/" + std::to_string(counter)));
    CompressedPubKey encoded{};
    encoded[0] = 0x02;
    std::copy(x.begin(), x.end(), encoded.begin() + 1);
    if (auto key = PublicKey::parse(encoded)) return *key;
  }
}

GenesisConfig expected_mainnet() {
  GenesisConfig c;
  c.chain_name = "ans-mainnet";
  c.genesis_time_ms = 1'767'225'600'000ULL;
  c.allocations = {
      {placeholder_account("foundation"), Amount::from_dimt(2'000'000'000)},
      {placeholder_account("ecosystem"), Amount::from_dimt(2'500'000'000)},
      {placeholder_account("team"), Amount::from_dimt(1'000'000'000)},
      {placeholder_account("community"), Amount::from_dimt(742'400'000)},
  };
  c.reward_pool = Amount::from_dimt(kTenYearRewardPoolDimt);
  for (int i = 1; i <= 4; ++i) {
    std::string n = std::to_string(i);
    PublicKey id_key = placeholder_point("sp" + n + "/id-key");
    GenesisSp sp;
    sp.sp_id = id_for_key("placeholder-sp" + n, id_key, EntityType::kServiceProvider);
    sp.owner = placeholder_account("sp" + n + "/owner");
    sp.display_name = "PLACEHOLDER SP " + n + " (replace before launch)";
    sp.url = "https://sp" + n + ".placeholder.invalid";
    sp.stations.push_back({id_for_key("placeholder-station" + n, id_key, EntityType::kStation),
                           "sp" + n + ".placeholder.invalid", 9394});
    sp.signing_key = placeholder_point("sp" + n + "/signing-key").compressed();
    sp.self_stake = Amount::from_dimt(5'000'000);
    c.sps.push_back(std::move(sp));
  }
  c.reserved_names = shipped_reserved_names();
  c.records.push_back({"founder", "moky@anywhere"});
  return c;
}

TEST(MainnetGenesis, LoadsAndIsTheDocumentedPlaceholderGenesis) {
  auto loaded = load_genesis_file(source_path("genesis/mainnet.json"));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const GenesisConfig& c = *loaded;
  EXPECT_EQ(c.params, ChainParams{});
  EXPECT_EQ(c.params.total_supply, Amount::from_dimt(10'000'000'000ULL));
  EXPECT_EQ(c.reward_pool, Amount::from_dimt(3'737'600'000ULL));
  EXPECT_EQ(c.sps.size(), 4u);
  EXPECT_EQ(c.reserved_names, shipped_reserved_names());
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].name, "founder");
  EXPECT_EQ(c.records[0].target, "moky@anywhere");
  EXPECT_EQ(c, expected_mainnet());
  // The file is exactly what the writer makes of it, so diffs of it stay meaningful.
  EXPECT_EQ(read_text(source_path("genesis/mainnet.json")), genesis_to_json(c));
}

// ---- rejections: semantic rules ----------------------------------------------------------

TEST(GenesisReject, SupplyMustMatchExactly) {
  GenesisConfig c = dev_genesis();
  c.reward_pool = c.reward_pool.checked_sub(Amount::from_units(1)).value();
  expect_rejected(c, Errc::kInvalidArgument, "params.total_supply");
  c = dev_genesis();
  c.allocations[4].amount = c.allocations[4].amount.checked_add(Amount::from_dimt(1)).value();
  expect_rejected(c, Errc::kInvalidArgument, "params.total_supply");
}

TEST(GenesisReject, AllocationsOverflow) {
  GenesisConfig c = dev_genesis();
  c.allocations[3].amount = Amount::max();
  expect_rejected(c, Errc::kOverflow, "allocations[3].amount");
  Json doc = dev_json();
  doc["allocations"][3]["amount"] = "340282366920938463464";  // just past 2^128 - 1 units
  expect_json_rejected(doc, Errc::kOverflow, "allocations[3].amount");
}

TEST(GenesisReject, StakesAndPoolOverflow) {
  GenesisConfig c = dev_genesis();
  c.reward_pool = Amount::max();
  expect_rejected(c, Errc::kOverflow, "reward_pool");
  c = dev_with_two_sps();
  c.sps[1].self_stake = Amount::max();
  expect_rejected(c, Errc::kOverflow, "sps[1].self_stake");
}

TEST(GenesisReject, AllocationRules) {
  GenesisConfig c = dev_genesis();
  c.allocations[2].amount = Amount();
  expect_rejected(c, Errc::kInvalidArgument, "allocations[2].amount");
  c = dev_genesis();
  c.allocations[3].account = c.allocations[1].account;
  expect_rejected(c, Errc::kInvalidArgument, "allocations[3].account");
}

TEST(GenesisReject, SpStakeBelowMinimum) {
  GenesisConfig c = dev_genesis();
  c.sps[0].self_stake = Amount::from_dimt(4'999'999);
  c.reward_pool = c.reward_pool.checked_add(Amount::from_dimt(1)).value();
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].self_stake");
}

TEST(GenesisReject, SpCount) {
  GenesisConfig c = dev_with_two_sps();
  c.params.max_sps = 1;
  c.params.max_active_producers = 1;
  expect_rejected(c, Errc::kTooLarge, "sps");
  c = dev_genesis();
  c.sps.clear();
  c.reward_pool = c.reward_pool.checked_add(Amount::from_dimt(5'000'000)).value();
  expect_rejected(c, Errc::kInvalidArgument, "sps");
}

TEST(GenesisReject, Stations) {
  GenesisConfig c = dev_genesis();
  c.params.max_stations = 2;
  for (int i = 0; i < 2; ++i) c.sps[0].stations.push_back(c.sps[0].stations[0]);
  expect_rejected(c, Errc::kTooLarge, "sps[0].stations");

  c = dev_genesis();
  c.sps[0].stations[0].port = 0;
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].stations[0].port");
  Json doc = dev_json();
  doc["sps"][0]["stations"][0]["port"] = 65536;
  expect_json_rejected(doc, Errc::kOverflow, "sps[0].stations[0].port");

  c = dev_genesis();
  c.sps[0].stations.push_back(c.sps[0].stations[0]);
  c.sps[0].stations[1].id = break_checksum(c.sps[0].stations[1].id);
  expect_rejected(c, Errc::kBadChecksum, "sps[0].stations[1].id");
  c.sps[0].stations[1].id = "not an id";
  expect_rejected(c, DimpId::parse("not an id").status().code(), "sps[0].stations[1].id");

  c = dev_genesis();
  c.sps[0].stations[0].host = "";
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].stations[0].host");
  c.sps[0].stations[0].host = "has space";
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].stations[0].host");
}

TEST(GenesisReject, SpId) {
  GenesisConfig c = dev_genesis();
  c.sps[0].sp_id = id_for_key("user", dev_account_keys()[0].public_key(), EntityType::kUser);
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].sp_id");
  EXPECT_NE(validate_genesis(c).message().find("type 0x00 is not an SP type (0x03 or 0x76)"),
            std::string::npos);

  c = dev_genesis();
  c.sps[0].sp_id += "/terminal";
  expect_rejected(c, Errc::kNonCanonical, "sps[0].sp_id");

  c = dev_genesis();
  c.sps[0].sp_id = break_checksum(c.sps[0].sp_id);
  expect_rejected(c, Errc::kBadChecksum, "sps[0].sp_id");

  c = dev_with_two_sps();
  c.sps[1].sp_id = c.sps[0].sp_id;
  expect_rejected(c, Errc::kInvalidArgument, "sps[1].sp_id");
}

TEST(GenesisReject, SigningKey) {
  GenesisConfig c = dev_genesis();
  c.sps[0].signing_key[0] = 0x05;  // not a compressed-point prefix
  expect_rejected(c, Errc::kBadSignature, "sps[0].signing_key");
  c = dev_genesis();
  // x = 5 has no point on secp256k1 (5^3 + 7 = 132 is not a square mod p).
  c.sps[0].signing_key.fill(0);
  c.sps[0].signing_key[0] = 0x02;
  c.sps[0].signing_key[32] = 5;
  expect_rejected(c, Errc::kBadSignature, "sps[0].signing_key");

  Json doc = dev_json();
  doc["sps"][0]["signing_key"] = std::string(64, 'a');  // 32 bytes
  expect_json_rejected(doc, Errc::kBadLength, "sps[0].signing_key");
  doc["sps"][0]["signing_key"] = "02" + std::string(63, 'a') + "z";
  expect_json_rejected(doc, Errc::kBadAlphabet, "sps[0].signing_key");

  c = dev_with_two_sps();
  c.sps[1].signing_key = c.sps[0].signing_key;
  expect_rejected(c, Errc::kInvalidArgument, "sps[1].signing_key");
}

TEST(GenesisReject, SpTexts) {
  GenesisConfig c = dev_genesis();
  c.sps[0].display_name = "";
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].display_name");
  c.sps[0].display_name = std::string(65, 'a');
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].display_name");
  c.sps[0].display_name = "tab\there";
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].display_name");
  c.sps[0].display_name = "\xe4\xb8\xad\xe6\x96\x87 SP";  // UTF-8 is fine
  EXPECT_TRUE(validate_genesis(c).is_ok());
  c.sps[0].display_name = "bad \xc3";  // truncated UTF-8, possible only from code
  EXPECT_EQ(validate_genesis(c).code(), Errc::kInvalidArgument);
  c = dev_genesis();
  c.sps[0].url = "https://" + std::string(250, 'a');
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].url");
  c.sps[0].url = "https://a.example/\x01";
  expect_rejected(c, Errc::kInvalidArgument, "sps[0].url");
  c.sps[0].url = "";  // no URL is fine
  EXPECT_TRUE(validate_genesis(c).is_ok());
}

TEST(GenesisReject, ReservedNames) {
  GenesisConfig c = dev_genesis();
  c.reserved_names[5] = "Upper";
  expect_rejected(c, validate_registry_name("Upper").code(), "reserved_names[5]");
  c.reserved_names[5] = "a";
  expect_rejected(c, Errc::kBadLength, "reserved_names[5]");
  c.reserved_names[5] = "-dash";
  expect_rejected(c, Errc::kBadName, "reserved_names[5]");
  c = dev_genesis();
  c.reserved_names.push_back(c.reserved_names[2]);
  expect_rejected(c, Errc::kInvalidArgument,
                  "reserved_names[" + std::to_string(c.reserved_names.size() - 1) + "]");
}

TEST(GenesisReject, Records) {
  GenesisConfig c = dev_genesis();
  c.records.push_back({"not-reserved", "moky@anywhere"});
  expect_rejected(c, Errc::kInvalidArgument, "records[1].name");
  c = dev_genesis();
  c.records.push_back({"founder", "anyone@anywhere"});
  expect_rejected(c, Errc::kInvalidArgument, "records[1].name");
  c = dev_genesis();
  c.records[0].target = "everywhere";  // a broadcast address without a name
  expect_rejected(c, Errc::kInvalidArgument, "records[0].target");
  c.records[0].target = "assistant@anywhere";  // any name at a broadcast address
  EXPECT_TRUE(validate_genesis(c).is_ok());
  c.records[0].target = break_checksum(c.sps[0].sp_id);
  expect_rejected(c, Errc::kBadChecksum, "records[0].target");
}

TEST(GenesisReject, ChainNameAndTime) {
  GenesisConfig c = dev_genesis();
  c.chain_name = "";
  expect_rejected(c, Errc::kInvalidArgument, "chain_name");
  c.chain_name = "ans dev";
  expect_rejected(c, Errc::kInvalidArgument, "chain_name");
  c = dev_genesis();
  c.genesis_time_ms = 0;
  expect_rejected(c, Errc::kInvalidArgument, "genesis_time_ms");
}

TEST(GenesisReject, ParamsMustBeSane) {
  struct Case {
    const char* path;
    std::function<void(ChainParams&)> edit;
    Errc code = Errc::kInvalidArgument;
  };
  const std::vector<Case> cases = {
      {"params.block_interval_ms", [](ChainParams& p) { p.block_interval_ms = 0; }},
      {"params.epoch_length_blocks", [](ChainParams& p) { p.epoch_length_blocks = 0; }},
      {"params.max_active_producers", [](ChainParams& p) { p.max_active_producers = 0; }},
      {"params.max_active_producers",
       [](ChainParams& p) { p.max_active_producers = p.max_sps + 1; }},
      {"params.max_sps", [](ChainParams& p) { p.max_sps = 0; }},
      {"params.slash_percent", [](ChainParams& p) { p.slash_percent = 101; }},
      {"params.commit_min_blocks", [](ChainParams& p) { p.commit_min_blocks = 0; }},
      {"params.commit_max_age_s", [](ChainParams& p) { p.commit_max_age_s = 0; }},
      {"params.commit_max_age_s", [](ChainParams& p) { p.commit_min_blocks = 7'200'000; }},
      {"params.max_years", [](ChainParams& p) { p.max_years = 0; }},
      {"params.year_s", [](ChainParams& p) { p.year_s = 0; }},
      {"params.year_s", [](ChainParams& p) { p.year_s = UINT64_MAX / 2; }, Errc::kOverflow},
      {"params.premium_halving_s", [](ChainParams& p) { p.premium_halving_s = 0; }},
      {"params.fee_len2", [](ChainParams& p) { p.fee_len2 = Amount(); }},
      {"params.fee_len3", [](ChainParams& p) { p.fee_len3 = Amount(); }},
      {"params.fee_len4", [](ChainParams& p) { p.fee_len4 = Amount(); }},
      {"params.fee_len5_plus", [](ChainParams& p) { p.fee_len5_plus = Amount(); }},
      {"params.total_supply", [](ChainParams& p) { p.total_supply = Amount(); }},
      {"params.min_self_stake", [](ChainParams& p) { p.min_self_stake = Amount(); }},
      {"params.max_stations", [](ChainParams& p) { p.max_stations = 0; }},
      {"params.max_votes", [](ChainParams& p) { p.max_votes = 0; }},
      {"params.max_text_key_bytes", [](ChainParams& p) { p.max_text_key_bytes = 0; }},
      {"params.max_text_value_bytes", [](ChainParams& p) { p.max_text_value_bytes = 0; }},
      {"params.max_record_set_bytes", [](ChainParams& p) { p.max_record_set_bytes = 0; }},
  };
  for (const auto& k : cases) {
    GenesisConfig c = dev_genesis();
    k.edit(c.params);
    expect_rejected(c, k.code, k.path);
  }
}

// ---- rejections: the JSON itself ----------------------------------------------------------

TEST(GenesisJsonReject, MalformedJsonGivesThePosition) {
  auto r = parse_genesis_json("{\n  \"chain_name\": \"x\",\n  oops\n}");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 3, column 3"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("byte"), std::string::npos);
  EXPECT_FALSE(parse_genesis_json("").is_ok());
  EXPECT_FALSE(parse_genesis_json("{} trailing").is_ok());
  EXPECT_EQ(parse_genesis_json("[]").status().code(), Errc::kInvalidArgument);
}

TEST(GenesisJsonReject, UnknownKeysAnywhere) {
  Json doc = dev_json();
  doc["chainname"] = "typo";
  expect_json_rejected(doc, Errc::kInvalidArgument, "chainname");
  doc = dev_json();
  doc["params"]["blocks_interval_ms"] = 500;
  expect_json_rejected(doc, Errc::kInvalidArgument, "params.blocks_interval_ms");
  EXPECT_NE(parse_genesis_json(doc.dump()).status().message().find(
                "did you mean 'block_interval_ms'?"),
            std::string::npos);
  doc = dev_json();
  doc["allocations"][1]["ammount"] = "1";
  expect_json_rejected(doc, Errc::kInvalidArgument, "allocations[1].ammount");
  doc = dev_json();
  doc["sps"][0]["stake"] = "1";
  expect_json_rejected(doc, Errc::kInvalidArgument, "sps[0].stake");
  doc = dev_json();
  doc["sps"][0]["stations"][0]["hostname"] = "x";
  expect_json_rejected(doc, Errc::kInvalidArgument, "sps[0].stations[0].hostname");
  doc = dev_json();
  doc["records"][0]["records"] = Json::object();
  expect_json_rejected(doc, Errc::kInvalidArgument, "records[0].records");
}

TEST(GenesisJsonReject, MissingKeys) {
  for (const char* key : {"chain_name", "genesis_time_ms", "allocations", "reward_pool", "sps",
                          "reserved_names", "records"}) {
    Json doc = dev_json();
    doc.erase(key);
    expect_json_rejected(doc, Errc::kInvalidArgument, key);
  }
  Json doc = dev_json();
  doc["sps"][0].erase("url");
  expect_json_rejected(doc, Errc::kInvalidArgument, "sps[0].url");
  doc = dev_json();
  doc["sps"][0]["stations"][0].erase("port");
  expect_json_rejected(doc, Errc::kInvalidArgument, "sps[0].stations[0].port");
}

TEST(GenesisJsonReject, DuplicateKeys) {
  std::string text = genesis_to_json(dev_genesis());
  std::string dup = text;
  dup.insert(dup.find("\"reward_pool\""), "\"reward_pool\": \"1\",\n  ");
  auto r = parse_genesis_json(dup);
  ASSERT_FALSE(r.is_ok());
  expect_error(r.status(), Errc::kInvalidArgument, "reward_pool");

  dup = text;
  size_t port = dup.find("\"port\"");
  dup.insert(port, "\"port\": 1, ");
  r = parse_genesis_json(dup);
  ASSERT_FALSE(r.is_ok());
  expect_error(r.status(), Errc::kInvalidArgument, "sps[0].stations[0].port");
}

TEST(GenesisJsonReject, WrongTypes) {
  Json doc = dev_json();
  doc["reward_pool"] = 4995000000ULL;  // a number, not a decimal string
  expect_json_rejected(doc, Errc::kInvalidArgument, "reward_pool");
  doc = dev_json();
  doc["allocations"][0]["amount"] = 1.5;
  expect_json_rejected(doc, Errc::kInvalidArgument, "allocations[0].amount");
  doc = dev_json();
  doc["allocations"][0]["amount"] = "1e9";
  expect_json_rejected(doc, Errc::kInvalidArgument, "allocations[0].amount");
  doc = dev_json();
  doc["params"]["min_tx_fee"] = "0.0000000000000000001";  // 19 decimals
  expect_json_rejected(doc, Errc::kBadLength, "params.min_tx_fee");
  doc = dev_json();
  doc["genesis_time_ms"] = "1767225600000";
  expect_json_rejected(doc, Errc::kInvalidArgument, "genesis_time_ms");
  doc = dev_json();
  doc["params"]["block_interval_ms"] = 500.5;
  expect_json_rejected(doc, Errc::kInvalidArgument, "params.block_interval_ms");
  doc = dev_json();
  doc["params"]["jail_s"] = -1;
  expect_json_rejected(doc, Errc::kInvalidArgument, "params.jail_s");
  doc = dev_json();
  doc["params"]["max_sps"] = 4294967296ULL;  // 2^32 in a 32-bit field
  expect_json_rejected(doc, Errc::kOverflow, "params.max_sps");
  doc = dev_json();
  doc["sps"] = Json::object();
  expect_json_rejected(doc, Errc::kInvalidArgument, "sps");
  doc = dev_json();
  doc["params"] = Json::array();
  expect_json_rejected(doc, Errc::kInvalidArgument, "params");
  doc = dev_json();
  doc["reserved_names"][0] = 7;
  expect_json_rejected(doc, Errc::kInvalidArgument, "reserved_names[0]");
  doc = dev_json();
  doc["sps"][0]["owner"] = "0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf";  // bad EIP-55 case
  expect_json_rejected(doc, Errc::kBadChecksum, "sps[0].owner");

  std::string text = genesis_to_json(dev_genesis());
  text.replace(text.find("1767225600000"), 13, "18446744073709551616");  // 2^64
  auto big = parse_genesis_json(text);
  ASSERT_FALSE(big.is_ok());
  expect_error(big.status(), Errc::kInvalidArgument, "genesis_time_ms");
}

TEST(GenesisJsonReject, SizeAndDepthLimits) {
  std::string huge(kMaxGenesisBytes + 1, ' ');
  auto r = parse_genesis_json(huge);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Errc::kTooLarge);

  std::string deep = "{\"records\": " + std::string(20, '[') + std::string(20, ']') + "}";
  r = parse_genesis_json(deep);
  ASSERT_FALSE(r.is_ok());
  // The ninth level: the object, "records" and 6 more arrays are allowed, the 7th is not.
  expect_error(r.status(), Errc::kTooLarge, "records[0][0][0][0][0][0][0]");
  std::string ok_depth = "{\"records\": " + std::string(7, '[') + std::string(7, ']') + "}";
  EXPECT_NE(parse_genesis_json(ok_depth).status().code(), Errc::kTooLarge);
}

// ---- load_genesis_file --------------------------------------------------------------------

TEST(GenesisFile, Errors) {
  auto missing = load_genesis_file("/nonexistent/genesis.json");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), Errc::kNotFound);
  auto dir = load_genesis_file(ANS_SOURCE_DIR);
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.status().code(), Errc::kIoError);

  auto tmp = std::filesystem::temp_directory_path() /
             ("ans-genesis-file-test-" + to_hex(PrivateKey::generate().secret()).substr(0, 12));
  GenesisConfig c = dev_genesis();
  c.sps[0].stations[0].port = 0;
  std::ofstream(tmp) << genesis_to_json(c);
  auto bad = load_genesis_file(tmp.string());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), tmp.string() + ": sps[0].stations[0].port: must be 1 to 65535");
  std::ofstream(tmp) << genesis_to_json(dev_genesis());
  auto good = load_genesis_file(tmp.string());
  ASSERT_TRUE(good.is_ok()) << good.status().to_string();
  EXPECT_EQ(*good, dev_genesis());
  std::filesystem::remove(tmp);
}

}  // namespace
}  // namespace ans
