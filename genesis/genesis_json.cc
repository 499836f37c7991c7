#include "genesis/genesis_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include "ledger/identity/entity_type.h"
#include "ledger/names/name_syntax.h"
#include "ledger/rules/sp_data.h"
#include "ledger/util/suggest.h"

namespace ans {
namespace {

using Json = nlohmann::json;                // std::map objects: keys sorted, for canonical text
using OrderedJson = nlohmann::ordered_json;  // insertion order, for files people read

// Assigns the value of a Result to `lhs`, or returns its Status from the enclosing function.
#define ANS_GENESIS_ASSIGN_OR_RETURN(lhs, expr) \
  ANS_GENESIS_ASSIGN_OR_RETURN_IMPL_(ANS_CONCAT_(ans_result_, __LINE__), lhs, expr)
#define ANS_GENESIS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                       \
  if (!tmp.is_ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

constexpr size_t kMaxChainNameBytes = 64;

// ---- paths and errors -------------------------------------------------------------------

std::string field(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string element(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status fail(Errc code, const std::string& path, const std::string& reason) {
  return Status(code, (path.empty() ? std::string("(document)") : path) + ": " + reason);
}

// An error from a field parser (amount, address, ID, key, name), placed at `path`.
Status wrap(const std::string& path, const Status& inner) {
  return Status(inner.code(), path + ": " + inner.to_string());
}

std::string hex_byte(uint8_t b) {
  char out[5];
  std::snprintf(out, sizeof out, "0x%02x", b);
  return out;
}

// ---- the params table: one row per ChainParams field, used by the reader and both writers,
// so a field cannot be read but not written (or the reverse).

using ParamMember =
    std::variant<uint64_t ChainParams::*, uint32_t ChainParams::*, Amount ChainParams::*>;

struct ParamField {
  const char* name;
  ParamMember member;
};

const ParamField kParamFields[] = {
    {"block_interval_ms", &ChainParams::block_interval_ms},
    {"epoch_length_blocks", &ChainParams::epoch_length_blocks},
    {"max_active_producers", &ChainParams::max_active_producers},
    {"total_supply", &ChainParams::total_supply},
    {"rewards_per_day", &ChainParams::rewards_per_day},
    {"min_tx_fee", &ChainParams::min_tx_fee},
    {"commit_min_blocks", &ChainParams::commit_min_blocks},
    {"commit_max_age_s", &ChainParams::commit_max_age_s},
    {"max_years", &ChainParams::max_years},
    {"year_s", &ChainParams::year_s},
    {"grace_s", &ChainParams::grace_s},
    {"release_premium_start", &ChainParams::release_premium_start},
    {"premium_halving_s", &ChainParams::premium_halving_s},
    {"premium_duration_s", &ChainParams::premium_duration_s},
    {"fee_len2", &ChainParams::fee_len2},
    {"fee_len3", &ChainParams::fee_len3},
    {"fee_len4", &ChainParams::fee_len4},
    {"fee_len5_plus", &ChainParams::fee_len5_plus},
    {"max_text_records", &ChainParams::max_text_records},
    {"max_text_key_bytes", &ChainParams::max_text_key_bytes},
    {"max_text_value_bytes", &ChainParams::max_text_value_bytes},
    {"max_record_set_bytes", &ChainParams::max_record_set_bytes},
    {"min_self_stake", &ChainParams::min_self_stake},
    {"max_sps", &ChainParams::max_sps},
    {"max_stations", &ChainParams::max_stations},
    {"max_votes", &ChainParams::max_votes},
    {"unbonding_s", &ChainParams::unbonding_s},
    {"jail_s", &ChainParams::jail_s},
    {"slash_percent", &ChainParams::slash_percent},
};

#if defined(__x86_64__) && defined(__linux__)
// A field added to ChainParams must be added to kParamFields (and docs/genesis.md), or it
// would silently take its default on every chain. This trips when the struct changes size.
static_assert(sizeof(ChainParams) == 304,
              "ChainParams changed: update kParamFields, docs/genesis.md, then this size");
#endif

// ---- structure guard: rejects duplicate keys (nlohmann would keep the last silently) and
// deep nesting, while the parser runs. Errors leave the parser as an exception that
// parse_genesis_json catches; none crosses the API.

struct StructureError {
  Status status;
};

class StructureGuard {
 public:
  bool on_event(Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        count_element();
        frames_.push_back(Frame{event == Json::parse_event_t::object_start, 0, {}, {}});
        if (frames_.size() > kMaxGenesisJsonDepth) {
          throw StructureError{fail(Errc::kTooLarge, path(frames_.size() - 1),
                                    "arrays and objects nest deeper than " +
                                        std::to_string(kMaxGenesisJsonDepth) + " levels")};
        }
        break;
      case Json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          throw StructureError{fail(Errc::kInvalidArgument, path(frames_.size()),
                                    "duplicate key (each key may appear once per object)")};
        }
        break;
      }
      case Json::parse_event_t::value:
        count_element();
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    size_t count;                // elements seen so far, for arrays
    std::set<std::string> keys;  // keys seen so far, for objects
    std::string key;             // the current key, for objects
  };

  void count_element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().count;
  }

  // The path of the current position inside the outermost `depth` frames.
  std::string path(size_t depth) const {
    std::string out;
    for (size_t i = 0; i < depth; ++i) {
      out = frames_[i].object ? field(out, frames_[i].key) : element(out, frames_[i].count - 1);
    }
    return out;
  }

  std::vector<Frame> frames_;
};

// ---- JSON readers -----------------------------------------------------------------------

// OK if `v` is an object whose keys are all in `known` and, when `all_required`, that holds
// every one of them.
Status check_object(const Json& v, const std::string& path,
                    std::initializer_list<std::string_view> known, bool all_required) {
  if (!v.is_object()) {
    return fail(Errc::kInvalidArgument, path,
                std::string("expected a JSON object, got ") + v.type_name());
  }
  for (const auto& item : v.items()) {
    bool found = false;
    for (std::string_view k : known) found |= (k == item.key());
    if (!found) {
      std::string expected;
      for (std::string_view k : known) {
        if (!expected.empty()) expected += ", ";
        expected += k;
      }
      return fail(Errc::kInvalidArgument, field(path, item.key()),
                  "unknown key" + did_you_mean(item.key(), known) + "; expected " + expected);
    }
  }
  if (all_required) {
    for (std::string_view k : known) {
      if (!v.contains(std::string(k))) {
        return fail(Errc::kInvalidArgument, field(path, k), "missing required key");
      }
    }
  }
  return Status::ok();
}

// REQUIRES: check_object found `key` in `object`.
const Json& member(const Json& object, std::string_view key) {
  return *object.find(std::string(key));
}

Status check_array(const Json& v, const std::string& path) {
  if (!v.is_array()) {
    return fail(Errc::kInvalidArgument, path,
                std::string("expected a JSON array, got ") + v.type_name());
  }
  return Status::ok();
}

template <typename T>
Result<T> read_uint(const Json& v, const std::string& path) {
  if (v.is_number_unsigned()) {
    auto value = v.get<uint64_t>();
    if (value > std::numeric_limits<T>::max()) {
      return fail(Errc::kOverflow, path,
                  std::to_string(value) + " is more than the maximum " +
                      std::to_string(std::numeric_limits<T>::max()));
    }
    return static_cast<T>(value);
  }
  if (v.is_number_integer()) return fail(Errc::kInvalidArgument, path, "must not be negative");
  if (v.is_number_float()) {
    return fail(Errc::kInvalidArgument, path,
                "must be an unsigned integer below 2^64, without fraction or exponent");
  }
  return fail(Errc::kInvalidArgument, path,
              std::string("must be a JSON unsigned integer, got ") + v.type_name());
}

Result<std::string> read_string(const Json& v, const std::string& path) {
  if (!v.is_string()) {
    return fail(Errc::kInvalidArgument, path,
                std::string("must be a JSON string, got ") + v.type_name());
  }
  return v.get<std::string>();
}

Result<Amount> read_amount(const Json& v, const std::string& path) {
  if (!v.is_string()) {
    return fail(Errc::kInvalidArgument, path,
                std::string("an amount is a string of decimal DIMT such as \"5000000\" or "
                            "\"0.001\", not a JSON ") + v.type_name());
  }
  auto amount = Amount::parse(v.get_ref<const std::string&>());
  if (!amount) return wrap(path, amount.status());
  return *amount;
}

Result<EthAddress> read_account(const Json& v, const std::string& path) {
  ANS_GENESIS_ASSIGN_OR_RETURN(std::string text, read_string(v, path));
  auto account = EthAddress::parse(text);
  if (!account) return wrap(path, account.status());
  return *account;
}

Result<CompressedPubKey> read_public_key(const Json& v, const std::string& path) {
  ANS_GENESIS_ASSIGN_OR_RETURN(std::string text, read_string(v, path));
  auto key = fixed_from_hex<33>(text);
  if (!key) return wrap(path, key.status());
  return *key;
}

Result<ChainParams> read_params(const Json& v, const std::string& path) {
  if (!v.is_object()) {
    return fail(Errc::kInvalidArgument, path,
                std::string("expected a JSON object, got ") + v.type_name());
  }
  for (const auto& item : v.items()) {
    std::vector<std::string_view> names;
    for (const auto& f : kParamFields) names.emplace_back(f.name);
    if (std::find(names.begin(), names.end(), item.key()) == names.end()) {
      return fail(Errc::kInvalidArgument, field(path, item.key()),
                  "unknown parameter" + did_you_mean(item.key(), names) +
                      "; docs/genesis.md lists them");
    }
  }
  ChainParams params;  // spec defaults for whatever the file leaves out
  for (const auto& f : kParamFields) {
    auto it = v.find(f.name);
    if (it == v.end()) continue;
    std::string where = field(path, f.name);
    Status st = std::visit(
        [&](auto ptr) -> Status {
          using T = std::remove_reference_t<decltype(params.*ptr)>;
          if constexpr (std::is_same_v<T, Amount>) {
            ANS_GENESIS_ASSIGN_OR_RETURN(params.*ptr, read_amount(*it, where));
          } else {
            ANS_GENESIS_ASSIGN_OR_RETURN(params.*ptr, read_uint<T>(*it, where));
          }
          return Status::ok();
        },
        f.member);
    ANS_RETURN_IF_ERROR(st);
  }
  return params;
}

Result<GenesisAllocation> read_allocation(const Json& v, const std::string& path) {
  ANS_RETURN_IF_ERROR(check_object(v, path, {"account", "amount"}, true));
  GenesisAllocation a;
  ANS_GENESIS_ASSIGN_OR_RETURN(a.account,
                               read_account(member(v, "account"), field(path, "account")));
  ANS_GENESIS_ASSIGN_OR_RETURN(a.amount, read_amount(member(v, "amount"), field(path, "amount")));
  return a;
}

Result<GenesisStation> read_station(const Json& v, const std::string& path) {
  ANS_RETURN_IF_ERROR(check_object(v, path, {"id", "host", "port"}, true));
  GenesisStation s;
  ANS_GENESIS_ASSIGN_OR_RETURN(s.id, read_string(member(v, "id"), field(path, "id")));
  ANS_GENESIS_ASSIGN_OR_RETURN(s.host, read_string(member(v, "host"), field(path, "host")));
  ANS_GENESIS_ASSIGN_OR_RETURN(s.port, read_uint<uint16_t>(member(v, "port"), field(path, "port")));
  return s;
}

Result<GenesisSp> read_sp(const Json& v, const std::string& path) {
  ANS_RETURN_IF_ERROR(check_object(
      v, path,
      {"sp_id", "owner", "display_name", "url", "stations", "signing_key", "self_stake"}, true));
  GenesisSp sp;
  ANS_GENESIS_ASSIGN_OR_RETURN(sp.sp_id, read_string(member(v, "sp_id"), field(path, "sp_id")));
  ANS_GENESIS_ASSIGN_OR_RETURN(sp.owner, read_account(member(v, "owner"), field(path, "owner")));
  ANS_GENESIS_ASSIGN_OR_RETURN(
      sp.display_name, read_string(member(v, "display_name"), field(path, "display_name")));
  ANS_GENESIS_ASSIGN_OR_RETURN(sp.url, read_string(member(v, "url"), field(path, "url")));
  const Json& stations = member(v, "stations");
  std::string stations_path = field(path, "stations");
  ANS_RETURN_IF_ERROR(check_array(stations, stations_path));
  for (size_t i = 0; i < stations.size(); ++i) {
    ANS_GENESIS_ASSIGN_OR_RETURN(GenesisStation s,
                                 read_station(stations[i], element(stations_path, i)));
    sp.stations.push_back(std::move(s));
  }
  ANS_GENESIS_ASSIGN_OR_RETURN(
      sp.signing_key, read_public_key(member(v, "signing_key"), field(path, "signing_key")));
  ANS_GENESIS_ASSIGN_OR_RETURN(sp.self_stake,
                               read_amount(member(v, "self_stake"), field(path, "self_stake")));
  return sp;
}

Result<GenesisRecord> read_record(const Json& v, const std::string& path) {
  ANS_RETURN_IF_ERROR(check_object(v, path, {"name", "target"}, true));
  GenesisRecord r;
  ANS_GENESIS_ASSIGN_OR_RETURN(r.name, read_string(member(v, "name"), field(path, "name")));
  ANS_GENESIS_ASSIGN_OR_RETURN(r.target, read_string(member(v, "target"), field(path, "target")));
  return r;
}

// Reads each element of the array at `doc[key]` with `read_one` into `out`.
template <typename T, typename ReadOne>
Status read_list(const Json& doc, std::string_view key, ReadOne read_one, std::vector<T>& out) {
  const Json& list = member(doc, key);
  std::string path(key);
  ANS_RETURN_IF_ERROR(check_array(list, path));
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    ANS_GENESIS_ASSIGN_OR_RETURN(T item, read_one(list[i], element(path, i)));
    out.push_back(std::move(item));
  }
  return Status::ok();
}

Result<GenesisConfig> read_config(const Json& doc) {
  ANS_RETURN_IF_ERROR(check_object(doc, "",
                                   {"chain_name", "genesis_time_ms", "params", "allocations",
                                    "reward_pool", "sps", "reserved_names", "records"},
                                   /*all_required=*/false));
  for (std::string_view k : {"chain_name", "genesis_time_ms", "allocations", "reward_pool", "sps",
                             "reserved_names", "records"}) {
    if (!doc.contains(std::string(k))) {
      return fail(Errc::kInvalidArgument, std::string(k), "missing required key");
    }
  }
  GenesisConfig c;
  ANS_GENESIS_ASSIGN_OR_RETURN(c.chain_name, read_string(member(doc, "chain_name"), "chain_name"));
  ANS_GENESIS_ASSIGN_OR_RETURN(
      c.genesis_time_ms, read_uint<uint64_t>(member(doc, "genesis_time_ms"), "genesis_time_ms"));
  if (doc.contains("params")) {
    ANS_GENESIS_ASSIGN_OR_RETURN(c.params, read_params(member(doc, "params"), "params"));
  }
  ANS_RETURN_IF_ERROR(read_list(doc, "allocations", read_allocation, c.allocations));
  ANS_GENESIS_ASSIGN_OR_RETURN(c.reward_pool,
                               read_amount(member(doc, "reward_pool"), "reward_pool"));
  ANS_RETURN_IF_ERROR(read_list(doc, "sps", read_sp, c.sps));
  ANS_RETURN_IF_ERROR(read_list(doc, "reserved_names", read_string, c.reserved_names));
  ANS_RETURN_IF_ERROR(read_list(doc, "records", read_record, c.records));
  return c;
}

// ---- writer -------------------------------------------------------------------------------

template <typename J>
J config_to_json(const GenesisConfig& c) {
  J doc = J::object();
  doc["chain_name"] = c.chain_name;
  doc["genesis_time_ms"] = c.genesis_time_ms;
  J params = J::object();
  for (const auto& f : kParamFields) {
    std::visit(
        [&](auto ptr) {
          const auto& value = c.params.*ptr;
          if constexpr (std::is_same_v<std::decay_t<decltype(value)>, Amount>) {
            params[f.name] = value.to_string();
          } else {
            params[f.name] = value;
          }
        },
        f.member);
  }
  doc["params"] = std::move(params);
  J allocations = J::array();
  for (const auto& a : c.allocations) {
    J item = J::object();
    item["account"] = a.account.to_string();
    item["amount"] = a.amount.to_string();
    allocations.push_back(std::move(item));
  }
  doc["allocations"] = std::move(allocations);
  doc["reward_pool"] = c.reward_pool.to_string();
  J sps = J::array();
  for (const auto& sp : c.sps) {
    J item = J::object();
    item["sp_id"] = sp.sp_id;
    item["owner"] = sp.owner.to_string();
    item["display_name"] = sp.display_name;
    item["url"] = sp.url;
    J stations = J::array();
    for (const auto& s : sp.stations) {
      J station = J::object();
      station["id"] = s.id;
      station["host"] = s.host;
      station["port"] = s.port;
      stations.push_back(std::move(station));
    }
    item["stations"] = std::move(stations);
    item["signing_key"] = to_hex(sp.signing_key);
    item["self_stake"] = sp.self_stake.to_string();
    sps.push_back(std::move(item));
  }
  doc["sps"] = std::move(sps);
  J reserved = J::array();
  for (const auto& name : c.reserved_names) reserved.push_back(name);
  doc["reserved_names"] = std::move(reserved);
  J records = J::array();
  for (const auto& r : c.records) {
    J item = J::object();
    item["name"] = r.name;
    item["target"] = r.target;
    records.push_back(std::move(item));
  }
  doc["records"] = std::move(records);
  return doc;
}

// ---- validation ---------------------------------------------------------------------------

Status validate_params(const ChainParams& p) {
  auto at = [](const char* name) { return field("params", name); };
  auto positive = [&](uint64_t value, const char* name) -> Status {
    if (value == 0) return fail(Errc::kInvalidArgument, at(name), "must be greater than 0");
    return Status::ok();
  };
  auto nonzero = [&](const Amount& value, const char* name) -> Status {
    if (value.is_zero()) return fail(Errc::kInvalidArgument, at(name), "must not be 0");
    return Status::ok();
  };
  ANS_RETURN_IF_ERROR(positive(p.block_interval_ms, "block_interval_ms"));
  ANS_RETURN_IF_ERROR(positive(p.epoch_length_blocks, "epoch_length_blocks"));
  ANS_RETURN_IF_ERROR(positive(p.max_sps, "max_sps"));
  if (p.max_active_producers < 1 || p.max_active_producers > p.max_sps) {
    return fail(Errc::kInvalidArgument, at("max_active_producers"),
                "must be 1 to params.max_sps (" + std::to_string(p.max_sps) + "), got " +
                    std::to_string(p.max_active_producers));
  }
  ANS_RETURN_IF_ERROR(nonzero(p.total_supply, "total_supply"));
  ANS_RETURN_IF_ERROR(positive(p.commit_min_blocks, "commit_min_blocks"));
  ANS_RETURN_IF_ERROR(positive(p.commit_max_age_s, "commit_max_age_s"));
  // A commitment must be able to reach its minimum age before it is too old to use.
  using Wide = unsigned __int128;
  if (Wide(p.commit_min_blocks) * p.block_interval_ms >= Wide(p.commit_max_age_s) * 1000) {
    return fail(Errc::kInvalidArgument, at("commit_max_age_s"),
                "a commitment expires before it is commit_min_blocks (" +
                    std::to_string(p.commit_min_blocks) + ") blocks old");
  }
  ANS_RETURN_IF_ERROR(positive(p.max_years, "max_years"));
  ANS_RETURN_IF_ERROR(positive(p.year_s, "year_s"));
  if (p.year_s > std::numeric_limits<uint64_t>::max() / p.max_years) {
    return fail(Errc::kOverflow, at("year_s"), "max_years * year_s exceeds 2^64 - 1 seconds");
  }
  ANS_RETURN_IF_ERROR(positive(p.premium_halving_s, "premium_halving_s"));
  ANS_RETURN_IF_ERROR(nonzero(p.fee_len2, "fee_len2"));
  ANS_RETURN_IF_ERROR(nonzero(p.fee_len3, "fee_len3"));
  ANS_RETURN_IF_ERROR(nonzero(p.fee_len4, "fee_len4"));
  ANS_RETURN_IF_ERROR(nonzero(p.fee_len5_plus, "fee_len5_plus"));
  ANS_RETURN_IF_ERROR(positive(p.max_text_key_bytes, "max_text_key_bytes"));
  ANS_RETURN_IF_ERROR(positive(p.max_text_value_bytes, "max_text_value_bytes"));
  ANS_RETURN_IF_ERROR(positive(p.max_record_set_bytes, "max_record_set_bytes"));
  ANS_RETURN_IF_ERROR(nonzero(p.min_self_stake, "min_self_stake"));
  ANS_RETURN_IF_ERROR(positive(p.max_stations, "max_stations"));
  ANS_RETURN_IF_ERROR(positive(p.max_votes, "max_votes"));
  if (p.slash_percent > 100) {
    return fail(Errc::kInvalidArgument, at("slash_percent"),
                "must be 0 to 100, got " + std::to_string(p.slash_percent));
  }
  return Status::ok();
}

Status validate_station(const GenesisStation& s, const std::string& path) {
  if (auto id = DimpId::parse(s.id); !id) return wrap(field(path, "id"), id.status());
  if (Status host = check_station_host(s.host); !host) {
    return fail(host.code(), field(path, "host"), host.message());
  }
  if (Status port = check_station_port(s.port); !port) {
    return fail(port.code(), field(path, "port"), port.message());
  }
  return Status::ok();
}

Status validate_sp(const GenesisSp& sp, const ChainParams& p, const std::string& path) {
  std::string id_path = field(path, "sp_id");
  auto id = DimpId::parse(sp.sp_id);
  if (!id) return wrap(id_path, id.status());
  if (!is_service_provider_type(id->network())) {
    return fail(Errc::kInvalidArgument, id_path,
                "type " + hex_byte(id->network()) + " is not an SP type (0x03 or 0x76)");
  }
  if (!id->terminal().empty() || id->to_string() != sp.sp_id) {
    return fail(Errc::kNonCanonical, id_path,
                "must be written in its canonical form without a terminal: " +
                    id->without_terminal().to_string());
  }
  // The same checks as the rules' SpRegister, so genesis holds no SP a transaction could not
  // register.
  if (Status name = check_sp_display_name(sp.display_name); !name) {
    return fail(name.code(), field(path, "display_name"), name.message());
  }
  if (Status url = check_sp_url(sp.url); !url) {
    return fail(url.code(), field(path, "url"), url.message());
  }
  std::string stations_path = field(path, "stations");
  if (sp.stations.size() > p.max_stations) {
    return fail(Errc::kTooLarge, stations_path,
                std::to_string(sp.stations.size()) + " stations, more than params.max_stations (" +
                    std::to_string(p.max_stations) + ")");
  }
  for (size_t i = 0; i < sp.stations.size(); ++i) {
    ANS_RETURN_IF_ERROR(validate_station(sp.stations[i], element(stations_path, i)));
  }
  if (auto key = PublicKey::parse(sp.signing_key); !key) {
    return wrap(field(path, "signing_key"), key.status());
  }
  if (sp.self_stake < p.min_self_stake) {
    return fail(Errc::kInvalidArgument, field(path, "self_stake"),
                sp.self_stake.to_string() + " DIMT is below params.min_self_stake (" +
                    p.min_self_stake.to_string() + " DIMT)");
  }
  return Status::ok();
}

// Adds `amount` to `sum`, or kOverflow at `path`.
Status accumulate(Amount& sum, const Amount& amount, const std::string& path) {
  auto next = sum.checked_add(amount);
  if (!next) {
    return fail(Errc::kOverflow, path, "the amounts so far sum past 2^128 - 1 units");
  }
  sum = *next;
  return Status::ok();
}

}  // namespace

Status validate_genesis(const GenesisConfig& c) {
  if (c.chain_name.empty() || c.chain_name.size() > kMaxChainNameBytes ||
      !printable_ascii_without_spaces(c.chain_name)) {
    return fail(Errc::kInvalidArgument, "chain_name",
                "must be 1 to " + std::to_string(kMaxChainNameBytes) +
                    " bytes of printable ASCII without spaces");
  }
  if (c.genesis_time_ms == 0) {
    return fail(Errc::kInvalidArgument, "genesis_time_ms",
                "must be the Unix time of slot 0 in milliseconds, not 0");
  }
  const ChainParams& p = c.params;
  ANS_RETURN_IF_ERROR(validate_params(p));

  Amount allocated;
  std::map<EthAddress, size_t> accounts;
  for (size_t i = 0; i < c.allocations.size(); ++i) {
    const auto& a = c.allocations[i];
    std::string path = element("allocations", i);
    if (a.amount.is_zero()) {
      return fail(Errc::kInvalidArgument, field(path, "amount"), "must not be 0");
    }
    auto [it, fresh] = accounts.emplace(a.account, i);
    if (!fresh) {
      return fail(Errc::kInvalidArgument, field(path, "account"),
                  a.account.to_string() + " is already funded by " +
                      element("allocations", it->second) + "; merge the two");
    }
    ANS_RETURN_IF_ERROR(accumulate(allocated, a.amount, field(path, "amount")));
  }

  if (c.sps.empty()) {
    return fail(Errc::kInvalidArgument, "sps",
                "at least one genesis SP is needed to produce the first blocks");
  }
  if (c.sps.size() > p.max_sps) {
    return fail(Errc::kTooLarge, "sps",
                std::to_string(c.sps.size()) + " SPs, more than params.max_sps (" +
                    std::to_string(p.max_sps) + ")");
  }
  Amount staked;
  std::map<std::string, size_t> sp_ids;
  std::map<CompressedPubKey, size_t> signing_keys;
  for (size_t i = 0; i < c.sps.size(); ++i) {
    const auto& sp = c.sps[i];
    std::string path = element("sps", i);
    ANS_RETURN_IF_ERROR(validate_sp(sp, p, path));
    if (auto [it, fresh] = sp_ids.emplace(sp.sp_id, i); !fresh) {
      return fail(Errc::kInvalidArgument, field(path, "sp_id"),
                  "duplicate of " + element("sps", it->second) + ".sp_id");
    }
    if (auto [it, fresh] = signing_keys.emplace(sp.signing_key, i); !fresh) {
      return fail(Errc::kInvalidArgument, field(path, "signing_key"),
                  "same key as " + element("sps", it->second) +
                      ".signing_key; a key signs for one producer only");
    }
    ANS_RETURN_IF_ERROR(accumulate(staked, sp.self_stake, field(path, "self_stake")));
  }

  std::map<std::string_view, size_t> reserved;
  for (size_t i = 0; i < c.reserved_names.size(); ++i) {
    const std::string& name = c.reserved_names[i];
    std::string path = element("reserved_names", i);
    if (Status st = validate_registry_name(name); !st) return wrap(path, st);
    if (auto [it, fresh] = reserved.emplace(name, i); !fresh) {
      return fail(Errc::kInvalidArgument, path,
                  "'" + name + "' is already reserved at " + element("reserved_names", it->second));
    }
  }

  std::map<std::string_view, size_t> recorded;
  for (size_t i = 0; i < c.records.size(); ++i) {
    const auto& r = c.records[i];
    std::string path = element("records", i);
    if (reserved.count(r.name) == 0) {
      return fail(Errc::kInvalidArgument, field(path, "name"),
                  "'" + r.name + "' is not in reserved_names; genesis records are set only on "
                  "reserved names");
    }
    if (auto [it, fresh] = recorded.emplace(r.name, i); !fresh) {
      return fail(Errc::kInvalidArgument, field(path, "name"),
                  "'" + r.name + "' already has a record at " + element("records", it->second));
    }
    if (auto id = DimpId::parse(r.target); !id) return wrap(field(path, "target"), id.status());
  }

  Amount total = allocated;
  ANS_RETURN_IF_ERROR(accumulate(total, c.reward_pool, "reward_pool"));
  ANS_RETURN_IF_ERROR(accumulate(total, staked, "sps"));
  if (total != p.total_supply) {
    std::string gap = total < p.total_supply
                          ? "short by " + p.total_supply.checked_sub(total)->to_string()
                          : "over by " + total.checked_sub(p.total_supply)->to_string();
    return fail(Errc::kInvalidArgument, "params.total_supply",
                p.total_supply.to_string() + " DIMT, but allocations (" + allocated.to_string() +
                    ") + reward_pool (" + c.reward_pool.to_string() + ") + SP self stakes (" +
                    staked.to_string() + ") = " + total.to_string() + " DIMT, " + gap +
                    " DIMT; they must be equal");
  }
  return Status::ok();
}

Result<GenesisConfig> parse_genesis_json(std::string_view text) {
  if (text.size() > kMaxGenesisBytes) {
    return fail(Errc::kTooLarge, "",
                "genesis text is " + std::to_string(text.size()) + " bytes, more than the " +
                    std::to_string(kMaxGenesisBytes) + " byte limit");
  }
  Json doc;
  try {
    StructureGuard guard;
    doc = Json::parse(
        text.begin(), text.end(),
        [&guard](int, Json::parse_event_t event, Json& parsed) {
          return guard.on_event(event, parsed);
        });
  } catch (const StructureError& e) {
    return e.status;
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." without the tag.
    std::string what = e.what();
    if (auto end = what.find("] "); what.rfind("[json.exception.", 0) == 0 && end != what.npos) {
      what.erase(0, end + 2);
    }
    std::string where;
    if (const auto* pe = dynamic_cast<const Json::parse_error*>(&e)) {
      where = " (byte " + std::to_string(pe->byte) + ")";
    }
    return fail(Errc::kInvalidArgument, "", "malformed JSON" + where + ": " + what);
  }
  ANS_GENESIS_ASSIGN_OR_RETURN(GenesisConfig config, read_config(doc));
  ANS_RETURN_IF_ERROR(validate_genesis(config));
  return config;
}

std::string genesis_to_json(const GenesisConfig& config) {
  return config_to_json<OrderedJson>(config).dump(2, ' ', false,
                                                  OrderedJson::error_handler_t::replace) +
         "\n";
}

std::string canonical_genesis_json(const GenesisConfig& config) {
  return config_to_json<Json>(config).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Hash256 chain_id(const GenesisConfig& config) {
  std::string canonical = canonical_genesis_json(config);
  return tagged_hash("ANS/v1/chain-id", {as_bytes(canonical)});
}

Result<GenesisConfig> load_genesis_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status(Errc::kIoError, path + ": cannot read: " + ec.message());
    }
    return Status(Errc::kNotFound, path + ": no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Status(Errc::kIoError, path + ": not a regular file");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status(Errc::kIoError, path + ": cannot read: " + ec.message());
  if (size > kMaxGenesisBytes) {
    return Status(Errc::kTooLarge, path + ": " + std::to_string(size) + " bytes, more than the " +
                                       std::to_string(kMaxGenesisBytes) +
                                       " byte limit of a genesis file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::kIoError, path + ": cannot open for reading");
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (static_cast<size_t>(in.gcount()) != text.size()) {
    return Status(Errc::kIoError, path + ": read failed (the file changed while being read?)");
  }
  auto config = parse_genesis_json(text);
  if (!config) return Status(config.status().code(), path + ": " + config.status().message());
  return config;
}

}  // namespace ans
