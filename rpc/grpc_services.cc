// NameService, DirectoryService, AdminService and EchoService: each call is one NodeApi
// query (ChainService is in grpc_chain_service.cc).
#include "rpc/grpc_services.h"

namespace ans::rpc {

grpc::Status NameServiceImpl::Resolve(grpc::ServerContext*, const v1::ResolveRequest* request,
                                      v1::ResolveResponse* response) {
  return answer(c_, "NameService/Resolve", response, [&] { return c_.api.resolve(*request); });
}

grpc::Status NameServiceImpl::Reverse(grpc::ServerContext*, const v1::ReverseRequest* request,
                                      v1::ReverseResponse* response) {
  return answer(c_, "NameService/Reverse", response, [&] { return c_.api.reverse(*request); });
}

grpc::Status NameServiceImpl::ListByOwner(grpc::ServerContext*, const v1::ListByOwnerRequest* request,
                                          v1::ListByOwnerResponse* response) {
  return answer(c_, "NameService/ListByOwner", response,
                [&] { return c_.api.list_by_owner(*request); });
}

grpc::Status NameServiceImpl::CheckName(grpc::ServerContext*, const v1::CheckNameRequest* request,
                                        v1::CheckNameResponse* response) {
  return answer(c_, "NameService/CheckName", response, [&] { return c_.api.check_name(*request); });
}

grpc::Status NameServiceImpl::Prove(grpc::ServerContext*, const v1::ProveRequest* request,
                                    v1::ProveResponse* response) {
  return answer(c_, "NameService/Prove", response, [&] { return c_.api.prove(*request); });
}

grpc::Status DirectoryServiceImpl::ListProviders(grpc::ServerContext*,
                                                 const v1::ListProvidersRequest* request,
                                                 v1::ListProvidersResponse* response) {
  return answer(c_, "DirectoryService/ListProviders", response,
                [&] { return c_.api.list_providers(*request); });
}

grpc::Status DirectoryServiceImpl::GetProvider(grpc::ServerContext*,
                                               const v1::GetProviderRequest* request,
                                               v1::GetProviderResponse* response) {
  return answer(c_, "DirectoryService/GetProvider", response,
                [&] { return c_.api.get_provider(*request); });
}

grpc::Status DirectoryServiceImpl::ListStations(grpc::ServerContext*,
                                                const v1::ListStationsRequest* request,
                                                v1::ListStationsResponse* response) {
  return answer(c_, "DirectoryService/ListStations", response,
                [&] { return c_.api.list_stations(*request); });
}

grpc::Status AdminServiceImpl::GetStatus(grpc::ServerContext*, const v1::GetStatusRequest* request,
                                         v1::GetStatusResponse* response) {
  return answer(c_, "AdminService/GetStatus", response, [&] { return c_.api.get_status(*request); });
}

grpc::Status AdminServiceImpl::ListPeers(grpc::ServerContext*, const v1::ListPeersRequest* request,
                                         v1::ListPeersResponse* response) {
  return answer(c_, "AdminService/ListPeers", response, [&] { return c_.api.list_peers(*request); });
}

grpc::Status EchoServiceImpl::Echo(grpc::ServerContext*, const v1::EchoMessage* request,
                                   v1::EchoMessage* response) {
  return answer(c_, "EchoService/Echo", response, [&] { return Result<v1::EchoMessage>(*request); });
}

}  // namespace ans::rpc
