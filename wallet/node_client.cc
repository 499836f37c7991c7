#include "wallet/node_client.h"

namespace ans::wallet {

Status from_grpc(const grpc::Status& status, std::string_view doing) {
  if (status.ok()) return Status::ok();
  Errc code = Errc::kIoError;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT: code = Errc::kInvalidArgument; break;
    case grpc::StatusCode::NOT_FOUND: code = Errc::kNotFound; break;
    case grpc::StatusCode::FAILED_PRECONDITION: code = Errc::kFailedPrecondition; break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: code = Errc::kResourceExhausted; break;
    case grpc::StatusCode::UNAVAILABLE: code = Errc::kUnavailable; break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: code = Errc::kDeadlineExceeded; break;
    case grpc::StatusCode::UNIMPLEMENTED: code = Errc::kUnimplemented; break;
    default: break;
  }
  return Status(code, std::string(doing) + ": " + status.error_message());
}

Result<std::unique_ptr<NodeClient>> NodeClient::connect(const std::string& address,
                                                        std::chrono::milliseconds connect_timeout) {
  const size_t colon = address.rfind(':');
  if (address.empty() || colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
      address.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return Status(Errc::kInvalidArgument, "the node address '" + address + "' is not HOST:PORT");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + connect_timeout)) {
    return Status(Errc::kUnavailable, "cannot reach the node at " + address + " within " +
                                          std::to_string(connect_timeout.count()) + " ms: is ansd running there? (set --node or ANS_NODE)");
  }
  return std::unique_ptr<NodeClient>(new NodeClient(address, std::move(channel)));
}

NodeClient::NodeClient(std::string address, std::shared_ptr<grpc::Channel> channel)
    : address_(std::move(address)),
      channel_(std::move(channel)),
      names_(v1::NameService::NewStub(channel_)),
      directory_(v1::DirectoryService::NewStub(channel_)),
      chain_(v1::ChainService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> NodeClient::context(std::chrono::milliseconds timeout) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + timeout);
  return c;
}

template <typename Response, typename Call>
Result<Response> NodeClient::call(std::string_view doing, Call&& invoke, std::chrono::milliseconds timeout) {
  auto c = context(timeout);
  Response response;
  grpc::Status status = invoke(c.get(), &response);
  if (!status.ok()) {
    return from_grpc(status, std::string(doing) + " (node " + address_ + ")");
  }
  return response;
}

namespace {
constexpr std::chrono::milliseconds kQuery = std::chrono::seconds(10);
}

Result<v1::GetInfoResponse> NodeClient::info() {
  return call<v1::GetInfoResponse>("GetInfo", [&](auto* c, auto* r) {
    return chain_->GetInfo(c, v1::GetInfoRequest(), r);
  }, kQuery);
}

Result<v1::GetGenesisResponse> NodeClient::genesis() {
  return call<v1::GetGenesisResponse>("GetGenesis", [&](auto* c, auto* r) {
    return chain_->GetGenesis(c, v1::GetGenesisRequest(), r);
  }, kQuery);
}

Result<v1::GetStateResponse> NodeClient::state(const v1::GetStateRequest& request) {
  return call<v1::GetStateResponse>("GetState", [&](auto* c, auto* r) { return chain_->GetState(c, request, r); },
                                    kQuery);
}

Result<v1::GetAccountResponse> NodeClient::account(const std::string& address) {
  v1::GetAccountRequest request;
  request.set_address(address);
  return call<v1::GetAccountResponse>("GetAccount",
                                      [&](auto* c, auto* r) { return chain_->GetAccount(c, request, r); }, kQuery);
}

Result<v1::GetTransactionResponse> NodeClient::transaction(const std::string& hash) {
  v1::GetTransactionRequest request;
  request.set_hash(hash);
  return call<v1::GetTransactionResponse>(
      "GetTransaction", [&](auto* c, auto* r) { return chain_->GetTransaction(c, request, r); }, kQuery);
}

Result<v1::GetBlockResponse> NodeClient::block(const v1::GetBlockRequest& request) {
  return call<v1::GetBlockResponse>("GetBlock", [&](auto* c, auto* r) { return chain_->GetBlock(c, request, r); },
                                    kQuery);
}

Result<v1::SubmitTransactionResponse> NodeClient::submit(const v1::SignedTransaction& stx, v1::WaitFor wait,
                                                         std::chrono::milliseconds wait_ms) {
  v1::SubmitTransactionRequest request;
  *request.mutable_transaction() = stx;
  request.set_wait(wait);
  return call<v1::SubmitTransactionResponse>(
      "SubmitTransaction", [&](auto* c, auto* r) { return chain_->SubmitTransaction(c, request, r); },
      wait == v1::WAIT_FOR_NONE ? kQuery : wait_ms + std::chrono::seconds(5));
}

Result<v1::ResolveResponse> NodeClient::resolve(const v1::ResolveRequest& request) {
  return call<v1::ResolveResponse>("Resolve", [&](auto* c, auto* r) { return names_->Resolve(c, request, r); },
                                   kQuery);
}

Result<v1::ReverseResponse> NodeClient::reverse(const v1::ReverseRequest& request) {
  return call<v1::ReverseResponse>("Reverse", [&](auto* c, auto* r) { return names_->Reverse(c, request, r); },
                                   kQuery);
}

Result<v1::ListByOwnerResponse> NodeClient::list_by_owner(const v1::ListByOwnerRequest& request) {
  return call<v1::ListByOwnerResponse>(
      "ListByOwner", [&](auto* c, auto* r) { return names_->ListByOwner(c, request, r); }, kQuery);
}

Result<v1::CheckNameResponse> NodeClient::check_name(const v1::CheckNameRequest& request) {
  return call<v1::CheckNameResponse>("CheckName",
                                     [&](auto* c, auto* r) { return names_->CheckName(c, request, r); }, kQuery);
}

Result<v1::ProveResponse> NodeClient::prove(const v1::ProveRequest& request) {
  return call<v1::ProveResponse>("Prove", [&](auto* c, auto* r) { return names_->Prove(c, request, r); }, kQuery);
}

Result<v1::ListProvidersResponse> NodeClient::providers(const v1::ListProvidersRequest& request) {
  return call<v1::ListProvidersResponse>(
      "ListProviders", [&](auto* c, auto* r) { return directory_->ListProviders(c, request, r); }, kQuery);
}

Result<v1::GetProviderResponse> NodeClient::provider(const std::string& sp_id) {
  v1::GetProviderRequest request;
  request.set_sp_id(sp_id);
  return call<v1::GetProviderResponse>(
      "GetProvider", [&](auto* c, auto* r) { return directory_->GetProvider(c, request, r); }, kQuery);
}

Result<v1::ListStationsResponse> NodeClient::stations(const v1::ListStationsRequest& request) {
  return call<v1::ListStationsResponse>(
      "ListStations", [&](auto* c, auto* r) { return directory_->ListStations(c, request, r); }, kQuery);
}

}  // namespace ans::wallet
