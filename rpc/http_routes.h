// The HTTP/JSON routes (docs/api-http.md) as a function of the request, with no socket: the
// server (http_server.h) reads a request, asks HttpRouter for the reply and writes it.
// Answers are rpc.proto's response messages in protobuf's JSON mapping (lowerCamelCase
// names, zero fields printed), the DIMP shapes NodeApi makes, /metrics, and the explorer
// page's files. Errors are a JSON body {"error": {"code", "http_status", "message"}}.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::rpc {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // The route's pattern ("/v1/names/{name}"), for metrics and the access log; "unmatched"
  // for a path no route has.
  std::string route;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the content type
};

// Errc -> HTTP: 400 for a malformed request, 404, 409 (kFailedPrecondition), 413
// (kTooLarge), 429 (kResourceExhausted), 501, 503 (kUnavailable), 504 (kDeadlineExceeded),
// 500 for the node's storage errors.
unsigned http_status(Errc code);
// The error body's `code`: the gRPC name of the same error ("INVALID_ARGUMENT", "NOT_FOUND").
std::string_view error_code(Errc code);
// An error reply with the JSON error body, and the CORS header.
HttpReply error_reply(unsigned status, std::string_view code, std::string_view message, std::string route);
HttpReply error_reply(const Status& status, std::string route);

class HttpRouter {
 public:
  // REQUIRES: `api` and `metrics` outlive the router.
  HttpRouter(const NodeApi& api, const Metrics& metrics);
  ~HttpRouter();

  // `method` as the request line has it ("GET"); `target` the origin-form target
  // ("/v1/names/alice?x=1"); `if_none_match` the request's If-None-Match header (the
  // explorer's files answer 304 when it names their ETag). HEAD is answered like GET (the
  // server drops the body).
  HttpReply handle(std::string_view method, std::string_view target, std::string_view body,
                   std::string_view if_none_match = {}) const;

 private:
  struct RouteTable;
  std::unique_ptr<const RouteTable> routes_;
};

}  // namespace ans::rpc
