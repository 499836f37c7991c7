// The gRPC server (docs/api-grpc.md): NameService, DirectoryService, ChainService and
// EchoService on the public listener; AdminService on a second listener that must be on
// loopback. Server reflection and grpc.health.v1 are on, on both. Every answer comes from
// NodeApi; errors are mapped to gRPC codes by grpc_codes.h.
//
// It uses gRPC's synchronous API: each call runs on one of gRPC's threads from start to end.
// That fits NodeApi, whose submit() and next_final_block() wait on the calling thread; the
// callback API would need those waits moved onto threads of our own.
#pragma once

#include <memory>
#include <string>

#include "ledger/util/status.h"
#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::rpc {

struct GrpcOptions {
  std::string listen = "127.0.0.1:9770";
  std::string admin_listen = "127.0.0.1:9772";  // must be a loopback address
  int max_request_bytes = 1 << 20;
  int max_concurrent_streams_per_connection = 100;
  unsigned threads = 0;                          // 0: gRPC's default
};

class GrpcServices;

class GrpcServer {
 public:
  // Binds both listeners and starts serving. `api` and `metrics` must outlive the server.
  // Addresses are "host:port" (IPv4, "[v6]", or a host name); port 0 picks a free port.
  // Errors: kInvalidArgument (bad address, or an admin address off loopback), kIoError
  // (cannot bind).
  static Result<std::unique_ptr<GrpcServer>> start(NodeApi& api, Metrics& metrics, GrpcOptions options);

  // Shuts down: open streams end with UNAVAILABLE, new calls are refused, and it waits for
  // the calls in flight. A SubmitTransaction waiting for inclusion holds it until its wait
  // ends, so the node closes its ChainBoard (which ends those waits) before this.
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const { return port_; }  // bound ports (0 in the options = any free port)
  int admin_port() const { return admin_port_; }

 private:
  struct Servers;
  GrpcServer() = default;

  std::unique_ptr<GrpcServices> services_;
  std::unique_ptr<Servers> servers_;
  int port_ = 0;
  int admin_port_ = 0;
};

// Splits "host:port" ("[::1]:9770" for IPv6). Errors: kInvalidArgument saying what is wrong.
Result<std::pair<std::string, int>> split_listen_address(std::string_view address);
// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace ans::rpc
