#include "rpc/grpc_server.h"

#include <arpa/inet.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <cctype>
#include <charconv>

#include "rpc/grpc_services.h"

namespace ans::rpc {

struct GrpcServer::Servers {
  std::unique_ptr<grpc::Server> main;
  std::unique_ptr<grpc::Server> admin;
};

namespace {

// The services each listener reports to grpc.health.v1 (besides "", the whole server).
constexpr const char* kPublicServices[] = {"ans.v1.NameService", "ans.v1.DirectoryService",
                                           "ans.v1.ChainService", "ans.v1.EchoService"};
constexpr const char* kAdminServices[] = {"ans.v1.AdminService"};

void set_serving(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(serving);
}

template <size_t N>
void set_serving(grpc::Server& server, const char* const (&services)[N], bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  for (const char* name : services) health->SetServingStatus(name, serving);
}

// Builds and starts one listener with `services`. Errors: kIoError (cannot bind).
Result<std::unique_ptr<grpc::Server>> start_listener(const std::string& address,
                                                     std::initializer_list<grpc::Service*> services,
                                                     const GrpcOptions& options, int& bound_port) {
  grpc::ServerBuilder builder;
  bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  // gRPC sets SO_REUSEPORT by default: a second node on the same port would bind too and
  // take a share of the calls. Off, so that a taken port is an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_request_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams_per_connection);
  if (options.threads != 0) {
    grpc::ResourceQuota quota("ans-grpc");
    quota.SetMaxThreads(static_cast<int>(options.threads));
    builder.SetResourceQuota(quota);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    if (server != nullptr) server->Shutdown();
    return Status(Errc::kIoError, "cannot listen for gRPC on " + address +
                                      ": the address is in use or not on this host");
  }
  return server;
}

Status check_options(const GrpcOptions& options) {
  auto main = split_listen_address(options.listen);
  if (!main) return Status(main.status().code(), "--grpc-listen: " + main.status().message());
  auto admin = split_listen_address(options.admin_listen);
  if (!admin) return Status(admin.status().code(), "--admin-listen: " + admin.status().message());
  if (!is_loopback_host(admin->first)) {
    return Status(Errc::kInvalidArgument,
                  "--admin-listen: '" + options.admin_listen +
                      "' is not a loopback address; the admin service listens on 127.0.0.1, "
                      "[::1] or localhost only");
  }
  if (options.max_request_bytes < 1024) {
    return Status(Errc::kInvalidArgument, "max_request_bytes must be at least 1024");
  }
  if (options.max_concurrent_streams_per_connection < 1) {
    return Status(Errc::kInvalidArgument, "max_concurrent_streams_per_connection must be at least 1");
  }
  return Status::ok();
}

}  // namespace

Result<std::pair<std::string, int>> split_listen_address(std::string_view address) {
  const auto bad = [&](const std::string& why) {
    return Status(Errc::kInvalidArgument,
                  "bad listen address '" + std::string(address) + "': " + why +
                      " (expected host:port, e.g. 127.0.0.1:9770 or [::1]:9770)");
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (host.empty()) return bad("no host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("an IPv6 host needs its closing ']'");
    std::string inner(host.substr(1, host.size() - 2));
    in6_addr v6{};
    if (inet_pton(AF_INET6, inner.c_str(), &v6) != 1) return bad("not an IPv6 address");
  } else {
    for (char ch : host) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-') {
        return bad("the host has a character outside letters, digits, '.' and '-'");
      }
    }
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  return std::make_pair(std::string(host), port);
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) != 1) return false;
  return (ntohl(v4.s_addr) >> 24) == 127;
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::start(NodeApi& api, Metrics& metrics,
                                                      GrpcOptions options) {
  ANS_RETURN_IF_ERROR(check_options(options));
  // Process-wide switches, read when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->services_ = std::make_unique<GrpcServices>(api, metrics);
  server->servers_ = std::make_unique<Servers>();
  GrpcServices& s = *server->services_;
  auto main = start_listener(options.listen, {&s.names, &s.directory, &s.chain, &s.echo}, options,
                             server->port_);
  if (!main) return main.status();
  server->servers_->main = std::move(main).value();
  auto admin = start_listener(options.admin_listen, {&s.admin}, options, server->admin_port_);
  if (!admin) return admin.status();  // ~GrpcServer stops the main listener
  server->servers_->admin = std::move(admin).value();
  set_serving(*server->servers_->main, true);
  set_serving(*server->servers_->main, kPublicServices, true);
  set_serving(*server->servers_->admin, true);
  set_serving(*server->servers_->admin, kAdminServices, true);
  return server;
}

GrpcServer::~GrpcServer() {
  if (services_ != nullptr) services_->context.stopping.store(true);
  if (servers_ == nullptr) return;
  // Streams see `stopping` within ChainServiceImpl::kStreamPoll; calls still running after
  // the grace period are cancelled.
  const auto grace = std::chrono::system_clock::now() + std::chrono::seconds(2);
  for (grpc::Server* server : {servers_->main.get(), servers_->admin.get()}) {
    if (server == nullptr) continue;
    set_serving(*server, false);
    server->Shutdown(grace);
  }
  for (grpc::Server* server : {servers_->main.get(), servers_->admin.get()}) {
    if (server != nullptr) server->Wait();
  }
}

}  // namespace ans::rpc
