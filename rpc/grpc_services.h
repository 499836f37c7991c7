// The gRPC service implementations behind GrpcServer (grpc_server.h). Internal to the
// server: each method answers from NodeApi, maps its errors (grpc_codes.h) and records the
// call in Metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <string_view>

#include "ans/v1/rpc.grpc.pb.h"
#include "rpc/grpc_codes.h"
#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::rpc {

// What every service shares.
struct ServiceContext {
  NodeApi& api;
  Metrics& metrics;
  std::atomic<bool> stopping{false};  // set first when the server shuts down: streams end
};

// Runs `fn` (returning Result<Response>), puts its value in `out` or maps its error, and
// records the call as `method` ("NameService/Resolve"). An exception escaping `fn` becomes
// INTERNAL: a bad request never ends the process.
template <typename Response, typename Fn>
grpc::Status answer(ServiceContext& c, std::string_view method, Response* out, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  try {
    Result<Response> result = fn();
    if (result.is_ok()) {
      *out = std::move(result).value();
    } else {
      status = to_grpc(result.status());
    }
  } catch (const std::exception& e) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  c.metrics.observe_call("grpc", method, grpc_code_name(status.error_code()), took.count());
  return status;
}

class NameServiceImpl final : public v1::NameService::Service {
 public:
  explicit NameServiceImpl(ServiceContext& c) : c_(c) {}
  grpc::Status Resolve(grpc::ServerContext*, const v1::ResolveRequest* request,
                       v1::ResolveResponse* response) override;
  grpc::Status Reverse(grpc::ServerContext*, const v1::ReverseRequest* request,
                       v1::ReverseResponse* response) override;
  grpc::Status ListByOwner(grpc::ServerContext*, const v1::ListByOwnerRequest* request,
                           v1::ListByOwnerResponse* response) override;
  grpc::Status CheckName(grpc::ServerContext*, const v1::CheckNameRequest* request,
                         v1::CheckNameResponse* response) override;
  grpc::Status Prove(grpc::ServerContext*, const v1::ProveRequest* request,
                     v1::ProveResponse* response) override;

 private:
  ServiceContext& c_;
};

class DirectoryServiceImpl final : public v1::DirectoryService::Service {
 public:
  explicit DirectoryServiceImpl(ServiceContext& c) : c_(c) {}
  grpc::Status ListProviders(grpc::ServerContext*, const v1::ListProvidersRequest* request,
                             v1::ListProvidersResponse* response) override;
  grpc::Status GetProvider(grpc::ServerContext*, const v1::GetProviderRequest* request,
                           v1::GetProviderResponse* response) override;
  grpc::Status ListStations(grpc::ServerContext*, const v1::ListStationsRequest* request,
                            v1::ListStationsResponse* response) override;

 private:
  ServiceContext& c_;
};

class ChainServiceImpl final : public v1::ChainService::Service {
 public:
  // How long StreamBlocks waits for the next block before it looks again at cancellation,
  // shutdown and its own time limit.
  static constexpr std::chrono::milliseconds kStreamPoll{200};

  explicit ChainServiceImpl(ServiceContext& c) : c_(c) {}
  grpc::Status GetInfo(grpc::ServerContext*, const v1::GetInfoRequest* request,
                       v1::GetInfoResponse* response) override;
  grpc::Status GetBlock(grpc::ServerContext*, const v1::GetBlockRequest* request,
                        v1::GetBlockResponse* response) override;
  grpc::Status GetTransaction(grpc::ServerContext*, const v1::GetTransactionRequest* request,
                              v1::GetTransactionResponse* response) override;
  grpc::Status GetAccount(grpc::ServerContext*, const v1::GetAccountRequest* request,
                          v1::GetAccountResponse* response) override;
  grpc::Status GetGenesis(grpc::ServerContext*, const v1::GetGenesisRequest* request,
                          v1::GetGenesisResponse* response) override;
  grpc::Status GetState(grpc::ServerContext*, const v1::GetStateRequest* request,
                        v1::GetStateResponse* response) override;
  // Waits at most until the client's deadline and ApiLimits::max_submit_wait_ms.
  grpc::Status SubmitTransaction(grpc::ServerContext* context,
                                 const v1::SubmitTransactionRequest* request,
                                 v1::SubmitTransactionResponse* response) override;
  // Final blocks from from_height, one Write each, until the client cancels, the server
  // stops (UNAVAILABLE), or ApiLimits::max_stream_ms passes (DEADLINE_EXCEEDED); the
  // message names the height to reconnect from. At most ApiLimits::max_streams open at once
  // (RESOURCE_EXHAUSTED beyond).
  grpc::Status StreamBlocks(grpc::ServerContext* context, const v1::StreamBlocksRequest* request,
                            grpc::ServerWriter<v1::BlockInfo>* writer) override;

 private:
  grpc::Status stream_blocks(grpc::ServerContext* context, const v1::StreamBlocksRequest& request,
                             grpc::ServerWriter<v1::BlockInfo>* writer);
  ServiceContext& c_;
};

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(ServiceContext& c) : c_(c) {}
  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetStatusRequest* request,
                         v1::GetStatusResponse* response) override;
  grpc::Status ListPeers(grpc::ServerContext*, const v1::ListPeersRequest* request,
                         v1::ListPeersResponse* response) override;

 private:
  ServiceContext& c_;
};

// The benchmark's reference: answers with the request, touching nothing of the node.
class EchoServiceImpl final : public v1::EchoService::Service {
 public:
  explicit EchoServiceImpl(ServiceContext& c) : c_(c) {}
  grpc::Status Echo(grpc::ServerContext*, const v1::EchoMessage* request,
                    v1::EchoMessage* response) override;

 private:
  ServiceContext& c_;
};

// Every service, built together and sharing one context.
class GrpcServices {
 public:
  GrpcServices(NodeApi& api, Metrics& metrics) : context{api, metrics} {}

  ServiceContext context;
  NameServiceImpl names{context};
  DirectoryServiceImpl directory{context};
  ChainServiceImpl chain{context};
  EchoServiceImpl echo{context};
  AdminServiceImpl admin{context};
};

}  // namespace ans::rpc
