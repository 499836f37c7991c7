// The read-only HTTP/JSON server (docs/api-http.md): Boost.Beast over Asio on its own
// threads, HTTP/1.1 with keep-alive. Each request is answered by HttpRouter (http_routes.h)
// from NodeApi, logged at debug level and recorded in Metrics.
//
// Bounds: a request's headers and body together at most max_request_bytes (413 above),
// at most max_connections open (more are answered 503 and closed), and a connection idle
// (or slow to send its request) for idle_timeout_ms is closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ledger/util/status.h"
#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::rpc {

struct HttpOptions {
  std::string listen = "127.0.0.1:9771";  // host:port; port 0 = any free port
  size_t max_request_bytes = 64 * 1024;   // headers + body
  size_t max_connections = 256;
  unsigned threads = 2;
  uint64_t idle_timeout_ms = 30'000;
};

class HttpServer {
 public:
  // Binds and starts serving on its own threads. Errors: kInvalidArgument (bad address),
  // kIoError (cannot bind, with the OS reason).
  // REQUIRES: `api` and `metrics` outlive the server.
  static Result<std::unique_ptr<HttpServer>> start(const NodeApi& api, Metrics& metrics, HttpOptions options);
  ~HttpServer();                 // stops and joins
  std::string address() const;   // the bound host:port

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "host:port" -> its parts. The host is an IPv4 or IPv6 literal ("[::1]:80") or localhost.
// Errors: kInvalidArgument saying what is wrong.
struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace ans::rpc
