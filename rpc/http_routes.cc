#include "rpc/http_routes.h"

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <limits>
#include <optional>

#include "rpc/explorer_assets.h"
#include "rpc/http_target.h"
#include "rpc/status_codes.h"

namespace ans::rpc {
namespace {

constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// What a matched route reads: its path captures ("{name}") in order, and the query.
struct RouteCall {
  std::vector<std::string> captures;
  QueryParams params;
  std::string_view method;
  std::string_view body;
};
using Handler = std::function<HttpReply(const RouteCall&)>;

struct Route {
  std::string pattern;   // "/v1/names/{name}/proof"
  bool post = false;     // POST is allowed besides GET and HEAD
  bool api = true;       // a /v1 route: CORS header, OPTIONS answered
  Handler handler;
};

std::vector<std::string_view> pattern_segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  pattern.remove_prefix(1);
  while (!pattern.empty()) {
    const size_t slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return out;
}

// The captures when `segments` match `pattern`; nullopt when they do not.
std::optional<std::vector<std::string>> match(std::string_view pattern, const std::vector<std::string>& segments) {
  const std::vector<std::string_view> parts = pattern_segments(pattern);
  if (parts.size() != segments.size()) return std::nullopt;
  std::vector<std::string> captures;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].starts_with('{')) {
      captures.push_back(segments[i]);
    } else if (parts[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return captures;
}

void add_cors(HttpReply& reply) { reply.headers.emplace_back("Access-Control-Allow-Origin", "*"); }

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return R"({"error":{"code":"INTERNAL","http_status":500,"message":"JSON printing failed"}})";
  return out;
}

template <typename T>
HttpReply json_reply(const Result<T>& answer) {
  if (!answer) return error_reply(answer.status(), "");
  HttpReply reply;
  reply.body = to_json(*answer);
  return reply;
}

HttpReply text_json_reply(const Result<std::string>& answer) {
  if (!answer) return error_reply(answer.status(), "");
  HttpReply reply;
  reply.body = *answer;
  return reply;
}

// ANS_RETURN_IF_ERROR for handlers that answer HttpReply.
#define ANS_REPLY_IF_ERROR(expr)                                    \
  do {                                                              \
    Status ans_reply_status_ = (expr);                              \
    if (!ans_reply_status_) return error_reply(ans_reply_status_, ""); \
  } while (0)

Result<v1::ReadAt> read_at(const QueryParams& params) {
  auto text = params.text("read_at");
  if (!text || *text == "head") return v1::READ_AT_HEAD;
  if (*text == "final") return v1::READ_AT_FINAL;
  return Status(Errc::kInvalidArgument, "parameter 'read_at' must be head or final, not '" + text->substr(0, 32) + "'");
}

Status status_of(const Result<std::optional<uint64_t>>& r) { return r ? Status::ok() : r.status(); }
Status status_of(const Result<std::optional<bool>>& r) { return r ? Status::ok() : r.status(); }
Status status_of(const Result<v1::ReadAt>& r) { return r ? Status::ok() : r.status(); }

// POST /v1/ans: the `ans` command's JSON, its `names` one string of names.
HttpReply dimp_ans_post(const NodeApi& api, std::string_view body) {
  const nlohmann::json command = nlohmann::json::parse(body, nullptr, false);
  if (command.is_discarded() || !command.is_object()) {
    return error_reply(Status(Errc::kInvalidArgument, "the body must be an `ans` command: a JSON object with "
                                                      "\"names\", the names separated by spaces"), "");
  }
  if (command.contains("command") && command["command"] != "ans") {
    return error_reply(Status(Errc::kInvalidArgument, "the body's \"command\" must be \"ans\""), "");
  }
  if (!command.contains("names") || !command["names"].is_string()) {
    return error_reply(Status(Errc::kInvalidArgument,
                              "the body's \"names\" must be one string, the names separated by spaces"), "");
  }
  auto answer = api.dimp_ans(command["names"].get<std::string>());
  if (!answer) return error_reply(answer.status(), "");
  nlohmann::json response = nlohmann::json::parse(*answer, nullptr, false);
  if (command.contains("sn") && response.is_object()) response["sn"] = command["sn"];
  HttpReply reply;
  reply.body = response.dump();
  return reply;
}

HttpReply metrics_reply(const NodeApi& api, const Metrics& metrics) {
  std::shared_ptr<const ChainStatus> chain =
      api.context().board ? api.context().board->status() : std::make_shared<const ChainStatus>();
  // A reading that fails (no store, no view yet) leaves its samples out rather than the
  // whole page.
  Metrics::ChainReadings readings;
  v1::GetBlockRequest final_block;
  final_block.set_height(chain->final_height);
  if (api.context().store != nullptr) {
    if (auto block = api.get_block(final_block)) readings.final_slot = block->block().slot();
  }
  v1::ListProvidersRequest active;
  active.set_active_only(true);
  if (auto providers = api.list_providers(active)) {
    for (const auto& p : providers->providers()) {
      readings.producers.push_back({p.sp_id(), p.produced_blocks(), p.missed_slots()});
    }
  }
  if (api.context().network) readings.network = api.context().network();
  HttpReply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = metrics.prometheus_text(*chain, api.open_streams().load(), readings);
  return reply;
}

std::vector<Route> make_routes(const NodeApi& api, const Metrics& metrics) {
  std::vector<Route> routes;
  auto add = [&routes](std::string pattern, Handler handler, bool post = false) {
    routes.push_back(Route{std::move(pattern), post, true, std::move(handler)});
  };
  add("/v1/info", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    return json_reply(api.get_info(v1::GetInfoRequest()));
  });
  add("/v1/names/{name}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"read_at"}));
    auto at = read_at(c.params);
    ANS_REPLY_IF_ERROR(status_of(at));
    v1::ResolveRequest request;
    request.set_name(c.captures[0]);
    request.set_read_at(*at);
    return json_reply(api.resolve(request));
  });
  add("/v1/names/{name}/proof", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"height"}));
    auto height = c.params.decimal("height", kMaxU64);
    ANS_REPLY_IF_ERROR(status_of(height));
    v1::ProveRequest request;
    request.set_name(c.captures[0]);
    request.set_height(height->value_or(0));
    return json_reply(api.prove(request));
  });
  add("/v1/names/{name}/check", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"years"}));
    auto years = c.params.decimal("years", kMaxU32);
    ANS_REPLY_IF_ERROR(status_of(years));
    v1::CheckNameRequest request;
    request.set_name(c.captures[0]);
    request.set_years(static_cast<uint32_t>(years->value_or(0)));
    return json_reply(api.check_name(request));
  });
  add("/v1/reverse/{address}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    v1::ReverseRequest request;
    request.set_address(c.captures[0]);
    return json_reply(api.reverse(request));
  });
  add("/v1/owners/{address}/names", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"page_size", "page_token"}));
    auto size = c.params.decimal("page_size", kMaxU32);
    ANS_REPLY_IF_ERROR(status_of(size));
    v1::ListByOwnerRequest request;
    request.set_owner(c.captures[0]);
    request.set_page_size(static_cast<uint32_t>(size->value_or(0)));
    request.set_page_token(c.params.text("page_token").value_or(""));
    return json_reply(api.list_by_owner(request));
  });
  add("/v1/providers", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"active", "page_size", "page_token"}));
    auto active = c.params.boolean("active");
    ANS_REPLY_IF_ERROR(status_of(active));
    auto size = c.params.decimal("page_size", kMaxU32);
    ANS_REPLY_IF_ERROR(status_of(size));
    v1::ListProvidersRequest request;
    request.set_active_only(active->value_or(false));
    request.set_page_size(static_cast<uint32_t>(size->value_or(0)));
    request.set_page_token(c.params.text("page_token").value_or(""));
    return json_reply(api.list_providers(request));
  });
  add("/v1/providers/{id}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    v1::GetProviderRequest request;
    request.set_sp_id(c.captures[0]);
    return json_reply(api.get_provider(request));
  });
  add("/v1/providers/{id}/stations.json", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    return text_json_reply(api.dimp_stations(c.captures[0]));
  });
  add("/v1/stations", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    return json_reply(api.list_stations(v1::ListStationsRequest()));
  });
  add("/v1/stations.json", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    return text_json_reply(api.dimp_stations(""));
  });
  add("/v1/blocks/{block}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"include_raw"}));
    auto raw = c.params.boolean("include_raw");
    ANS_REPLY_IF_ERROR(status_of(raw));
    const std::string& block = c.captures[0];
    v1::GetBlockRequest request;
    request.set_include_raw(raw->value_or(false));
    if (!block.empty() && block.find_first_not_of("0123456789") == std::string::npos && block.size() < 64) {
      auto height = parse_decimal(block, "height", kMaxU64);
      if (!height) return error_reply(height.status(), "");
      request.set_height(*height);
    } else if (block.size() == 64) {
      request.set_hash(block);
    } else {
      return error_reply(Status(Errc::kInvalidArgument, "a block is a height (decimal digits) or a hash (64 hex "
                                                        "digits), not '" + block.substr(0, 80) + "'"), "");
    }
    return json_reply(api.get_block(request));
  });
  add("/v1/tx/{hash}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({}));
    v1::GetTransactionRequest request;
    request.set_hash(c.captures[0]);
    return json_reply(api.get_transaction(request));
  });
  add("/v1/accounts/{address}", [&api](const RouteCall& c) {
    ANS_REPLY_IF_ERROR(c.params.only({"read_at"}));
    auto at = read_at(c.params);
    ANS_REPLY_IF_ERROR(status_of(at));
    v1::GetAccountRequest request;
    request.set_address(c.captures[0]);
    request.set_read_at(*at);
    return json_reply(api.get_account(request));
  });
  add("/v1/ans", [&api](const RouteCall& c) {
    if (c.method == "POST") {
      ANS_REPLY_IF_ERROR(c.params.only({}));
      return dimp_ans_post(api, c.body);
    }
    ANS_REPLY_IF_ERROR(c.params.only({"names"}));
    auto names = c.params.text("names");
    if (!names) {
      return error_reply(Status(Errc::kInvalidArgument, "parameter 'names' is required: the names separated "
                                                        "by '+' or spaces"), "");
    }
    return text_json_reply(api.dimp_ans(*names));
  }, true);
  routes.push_back(Route{"/metrics", false, false, [&api, &metrics](const RouteCall& c) {
                           ANS_REPLY_IF_ERROR(c.params.only({}));
                           return metrics_reply(api, metrics);
                         }});
  return routes;
}

}  // namespace

struct HttpRouter::RouteTable {
  std::vector<Route> routes;
};

HttpRouter::HttpRouter(const NodeApi& api, const Metrics& metrics)
    : routes_(std::make_unique<RouteTable>(RouteTable{make_routes(api, metrics)})) {}
HttpRouter::~HttpRouter() = default;

unsigned http_status(Errc code) {
  if (code == Errc::kTooLarge) return 413;
  switch (status_class(code)) {
    case StatusClass::kOk: return 200;
    case StatusClass::kInvalidArgument: return 400;
    case StatusClass::kNotFound: return 404;
    case StatusClass::kFailedPrecondition: return 409;
    case StatusClass::kResourceExhausted: return 429;
    case StatusClass::kUnimplemented: return 501;
    case StatusClass::kUnavailable: return 503;
    case StatusClass::kDeadlineExceeded: return 504;
    case StatusClass::kInternal: return 500;
  }
  return 500;
}

std::string_view error_code(Errc code) { return status_class_name(status_class(code)); }

HttpReply error_reply(unsigned status, std::string_view code, std::string_view message, std::string route) {
  HttpReply reply;
  reply.status = status;
  reply.route = std::move(route);
  reply.body = nlohmann::json{{"error", {{"code", code}, {"http_status", status}, {"message", message}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  add_cors(reply);
  return reply;
}

HttpReply error_reply(const Status& status, std::string route) {
  return error_reply(http_status(status.code()), error_code(status.code()), status.to_string(), std::move(route));
}

HttpReply HttpRouter::handle(std::string_view method, std::string_view target, std::string_view body,
                             std::string_view if_none_match) const {
  auto parsed = parse_target(target);
  if (!parsed) return error_reply(parsed.status(), "unmatched");
  const bool get = method == "GET" || method == "HEAD";

  // The explorer's files.
  if (parsed->segments.size() <= 1 && !parsed->trailing_slash) {
    const std::string path = parsed->segments.empty() ? "/" : "/" + parsed->segments[0];
    for (const ExplorerAsset& asset : explorer_assets()) {
      if (asset.path != path) continue;
      HttpReply reply;
      reply.route = std::string(asset.path);
      if (!get) {
        reply = error_reply(405, "METHOD_NOT_ALLOWED", "method " + std::string(method.substr(0, 16)) +
                                                           " is not allowed here; use GET or HEAD", reply.route);
        reply.headers.emplace_back("Allow", "GET, HEAD");
        return reply;
      }
      reply.headers.emplace_back("Cache-Control", "no-cache");
      reply.headers.emplace_back("ETag", std::string(asset.etag));
      if (!if_none_match.empty() && if_none_match == asset.etag) {
        reply.status = 304;
        reply.content_type.clear();
        return reply;
      }
      reply.content_type = std::string(asset.content_type);
      reply.body = std::string(asset.body);
      return reply;
    }
  }

  const std::vector<Route>& routes = routes_->routes;
  if (!parsed->trailing_slash) {
    for (const Route& route : routes) {
      auto captures = match(route.pattern, parsed->segments);
      if (!captures) continue;
      const std::string allow = route.post ? "GET, HEAD, POST" : "GET, HEAD";
      if (method == "OPTIONS" && route.api) {
        HttpReply reply;
        reply.status = 204;
        reply.content_type.clear();
        reply.route = route.pattern;
        add_cors(reply);
        reply.headers.emplace_back("Access-Control-Allow-Methods", allow + ", OPTIONS");
        reply.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
        reply.headers.emplace_back("Access-Control-Max-Age", "86400");
        return reply;
      }
      if (!get && !(route.post && method == "POST")) {
        HttpReply reply = error_reply(405, "METHOD_NOT_ALLOWED",
                                      "method " + std::string(method.substr(0, 16)) + " is not allowed on " +
                                          route.pattern + "; use " + allow,
                                      route.pattern);
        reply.headers.emplace_back("Allow", allow);
        return reply;
      }
      HttpReply reply = route.handler(RouteCall{std::move(*captures), QueryParams(parsed->query), method, body});
      reply.route = route.pattern;
      if (route.api && reply.status < 400) add_cors(reply);
      return reply;
    }
  }
  return error_reply(404, "NOT_FOUND", "no route " + std::string(target.substr(0, 200)) +
                                           "; the routes are listed in docs/api-http.md", "unmatched");
}

}  // namespace ans::rpc
