// The wallet's connection to a node: the gRPC services of proto/ans/v1/rpc.proto, each call
// with a deadline, every failure an ans::Status that says what went wrong and where.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "ans/v1/rpc.grpc.pb.h"
#include "ledger/util/status.h"

namespace ans::wallet {

// The dev node's gRPC address: what --node defaults to.
inline constexpr const char* kDefaultNode = "127.0.0.1:9770";

// gRPC's status as the node's error classes (the inverse of rpc/status_codes.h), with the
// node's message, prefixed by what was being done.
Status from_grpc(const grpc::Status& status, std::string_view doing);

class NodeClient {
 public:
  // Connects to `address` (HOST:PORT), waiting at most `connect_timeout`. Errors:
  // kUnavailable "cannot reach the node at ADDRESS ..." (nothing listens, wrong host).
  static Result<std::unique_ptr<NodeClient>> connect(
      const std::string& address, std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));

  const std::string& address() const { return address_; }

  Result<v1::GetInfoResponse> info();
  Result<v1::GetGenesisResponse> genesis();
  Result<v1::GetStateResponse> state(const v1::GetStateRequest& request);
  Result<v1::GetAccountResponse> account(const std::string& address);
  Result<v1::GetTransactionResponse> transaction(const std::string& hash);
  Result<v1::GetBlockResponse> block(const v1::GetBlockRequest& request);
  // `wait_ms` bounds a wait for inclusion or finality (the node holds it at most 60 s).
  Result<v1::SubmitTransactionResponse> submit(const v1::SignedTransaction& stx, v1::WaitFor wait,
                                               std::chrono::milliseconds wait_ms = std::chrono::seconds(30));
  Result<v1::ResolveResponse> resolve(const v1::ResolveRequest& request);
  Result<v1::ReverseResponse> reverse(const v1::ReverseRequest& request);
  Result<v1::ListByOwnerResponse> list_by_owner(const v1::ListByOwnerRequest& request);
  Result<v1::CheckNameResponse> check_name(const v1::CheckNameRequest& request);
  Result<v1::ProveResponse> prove(const v1::ProveRequest& request);
  Result<v1::ListProvidersResponse> providers(const v1::ListProvidersRequest& request);
  Result<v1::GetProviderResponse> provider(const std::string& sp_id);
  Result<v1::ListStationsResponse> stations(const v1::ListStationsRequest& request);

 private:
  NodeClient(std::string address, std::shared_ptr<grpc::Channel> channel);
  // A call's context, with the deadline every query gets.
  std::unique_ptr<grpc::ClientContext> context(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  template <typename Response, typename Call>
  Result<Response> call(std::string_view doing, Call&& invoke, std::chrono::milliseconds timeout);

  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::NameService::Stub> names_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::ChainService::Stub> chain_;
};

}  // namespace ans::wallet
