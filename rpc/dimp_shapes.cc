// NodeApi's answers in DIMP's own shapes (/work/shared/spec/dimp-interop.md; docs/api.md,
// "DIMP shapes"): the `ans` command's response, and the neighbour-list document of stations.
#include <nlohmann/json.hpp>

#include "ledger/identity/id.h"
#include "ledger/names/name_syntax.h"
#include "ledger/rules/queries.h"
#include "ledger/state/ledger_state.h"
#include "rpc/convert.h"
#include "rpc/node_api.h"

namespace ans::rpc {
namespace {

constexpr int kAnsCommandType = 0x88;

nlohmann::json station_json(const v1::Station& st, const v1::SpState& sp) {
  // The reference station reads `did`, then `ID`: both are written.
  return {{"host", st.host()}, {"port", st.port()}, {"desc", sp.display_name()},
          {"ID", st.id()},     {"did", st.id()},    {"provider", sp.sp_id()}};
}

}  // namespace

Result<std::string> NodeApi::dimp_ans(std::string_view names) const {
  std::vector<std::string> wanted;
  size_t pos = 0;
  while (pos < names.size()) {
    size_t end = names.find(' ', pos);
    if (end == std::string_view::npos) end = names.size();
    if (end > pos) wanted.emplace_back(names.substr(pos, end - pos));
    pos = end + 1;
  }
  if (wanted.empty()) return Status(Errc::kInvalidArgument, "names is empty: give names separated by spaces");
  if (wanted.size() > limits_.max_names_per_query) {
    return Status(Errc::kInvalidArgument, std::to_string(wanted.size()) + " names in one query; at most " +
                                              std::to_string(limits_.max_names_per_query));
  }
  auto view = context_.views->head();
  if (!view) return Status(Errc::kUnavailable, "the node has not published its state yet; try again in a moment");
  ReadView::Reader reader = view->reader();
  StateOverlay overlay(reader);
  LedgerState state(overlay);
  const uint64_t now_s = state.cursor().time_ms() / 1000;

  nlohmann::json records = nlohmann::json::object();
  nlohmann::json missed = nlohmann::json::array();
  std::string joined;
  for (const auto& name : wanted) {
    joined += (joined.empty() ? "" : " ") + name;
    if (validate_registry_name(name)) {
      Resolution r = resolve_name(context_.genesis.params, reader, name, now_s);
      const bool resolves = r.record && !r.record->records().target().empty() &&
                            (r.status == NameStatus::kActive || r.status == NameStatus::kGrace ||
                             r.status == NameStatus::kReserved);
      if (resolves) {
        records[name] = r.record->records().target();
      } else {
        missed.push_back(name);
      }
    } else if (auto id = DimpId::parse(name)) {
      records[name] = id->to_string();  // a full ID resolves to itself
    } else {
      missed.push_back(name);
    }
  }
  ANS_RETURN_IF_ERROR(reader.status());
  ANS_RETURN_IF_ERROR(state.status());
  nlohmann::json out = {{"type", kAnsCommandType}, {"command", "ans"}, {"names", joined}, {"records", records}};
  if (!missed.empty()) out["missed"] = missed;
  return out.dump();
}

Result<std::string> NodeApi::dimp_stations(std::string_view sp_id) const {
  auto view = context_.views->head();
  if (!view) return Status(Errc::kUnavailable, "the node has not published its state yet; try again in a moment");
  ReadView::Reader reader = view->reader();
  StateOverlay overlay(reader);
  LedgerState state(overlay);
  nlohmann::json out;
  if (!sp_id.empty()) {
    auto sp = state.sp(sp_id);
    ANS_RETURN_IF_ERROR(reader.status());
    ANS_RETURN_IF_ERROR(state.status());
    if (!sp) return Status(Errc::kNotFound, "no SP " + std::string(sp_id.substr(0, 80)) + " is registered");
    nlohmann::json stations = nlohmann::json::array();
    for (const auto& st : sp->stations()) stations.push_back(station_json(st, *sp));
    out = {{"name", sp->display_name()}, {"ID", sp->sp_id()}, {"did", sp->sp_id()},
           {"owner", account_text(sp->owner())}, {"url", sp->url()}, {"stations", stations}};
    return out.dump();
  }
  nlohmann::json stations = nlohmann::json::array();
  nlohmann::json providers = nlohmann::json::array();
  const v1::ActiveSetState sets = state.active_sets();
  for (const auto& member : sets.active()) {
    auto sp = state.sp(member.sp_id());
    if (!sp) continue;
    providers.push_back({{"ID", sp->sp_id()}, {"did", sp->sp_id()}, {"name", sp->display_name()}});
    for (const auto& st : sp->stations()) stations.push_back(station_json(st, *sp));
  }
  ANS_RETURN_IF_ERROR(reader.status());
  ANS_RETURN_IF_ERROR(state.status());
  out = {{"name", context_.genesis.chain_name + " station directory"},
         {"providers", providers},
         {"stations", stations}};
  return out.dump();
}

}  // namespace ans::rpc
