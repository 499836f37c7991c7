// ChainService: the chain queries, SubmitTransaction's bounded wait and StreamBlocks.
#include <algorithm>
#include <string>

#include "rpc/grpc_services.h"

namespace ans::rpc {
namespace {

using Clock = std::chrono::steady_clock;

// The earlier of the client's deadline and `max_ms` from now, on the steady clock.
Clock::time_point wait_deadline(const grpc::ServerContext& context, uint64_t max_ms) {
  const auto now = Clock::now();
  const auto limit = now + std::chrono::milliseconds(max_ms);
  const auto client = context.deadline();
  if (client == std::chrono::system_clock::time_point::max()) return limit;
  const auto left = client - std::chrono::system_clock::now();
  if (left <= std::chrono::system_clock::duration::zero()) return now;
  if (left >= std::chrono::milliseconds(max_ms)) return limit;
  return now + std::chrono::duration_cast<Clock::duration>(left);
}

// Counts one open stream for as long as it lives.
class StreamSlot {
 public:
  StreamSlot(std::atomic<uint32_t>& open, uint32_t max) : open_(open) {
    taken_ = open_.fetch_add(1) < max;
    if (!taken_) open_.fetch_sub(1);
  }
  ~StreamSlot() {
    if (taken_) open_.fetch_sub(1);
  }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;
  bool taken() const { return taken_; }

 private:
  std::atomic<uint32_t>& open_;
  bool taken_ = false;
};

}  // namespace

grpc::Status ChainServiceImpl::GetInfo(grpc::ServerContext*, const v1::GetInfoRequest* request,
                                       v1::GetInfoResponse* response) {
  return answer(c_, "ChainService/GetInfo", response, [&] { return c_.api.get_info(*request); });
}

grpc::Status ChainServiceImpl::GetBlock(grpc::ServerContext*, const v1::GetBlockRequest* request,
                                        v1::GetBlockResponse* response) {
  return answer(c_, "ChainService/GetBlock", response, [&] { return c_.api.get_block(*request); });
}

grpc::Status ChainServiceImpl::GetTransaction(grpc::ServerContext*,
                                              const v1::GetTransactionRequest* request,
                                              v1::GetTransactionResponse* response) {
  return answer(c_, "ChainService/GetTransaction", response,
                [&] { return c_.api.get_transaction(*request); });
}

grpc::Status ChainServiceImpl::GetAccount(grpc::ServerContext*, const v1::GetAccountRequest* request,
                                          v1::GetAccountResponse* response) {
  return answer(c_, "ChainService/GetAccount", response, [&] { return c_.api.get_account(*request); });
}

grpc::Status ChainServiceImpl::GetGenesis(grpc::ServerContext*, const v1::GetGenesisRequest* request,
                                          v1::GetGenesisResponse* response) {
  return answer(c_, "ChainService/GetGenesis", response, [&] { return c_.api.get_genesis(*request); });
}

grpc::Status ChainServiceImpl::GetState(grpc::ServerContext*, const v1::GetStateRequest* request,
                                        v1::GetStateResponse* response) {
  return answer(c_, "ChainService/GetState", response, [&] { return c_.api.get_state(*request); });
}

grpc::Status ChainServiceImpl::SubmitTransaction(grpc::ServerContext* context,
                                                 const v1::SubmitTransactionRequest* request,
                                                 v1::SubmitTransactionResponse* response) {
  const auto deadline = wait_deadline(*context, c_.api.limits().max_submit_wait_ms);
  return answer(c_, "ChainService/SubmitTransaction", response,
                [&] { return c_.api.submit(*request, deadline); });
}

grpc::Status ChainServiceImpl::StreamBlocks(grpc::ServerContext* context,
                                            const v1::StreamBlocksRequest* request,
                                            grpc::ServerWriter<v1::BlockInfo>* writer) {
  const auto start = Clock::now();
  grpc::Status status;
  try {
    status = stream_blocks(context, *request, writer);
  } catch (const std::exception& e) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
  }
  const std::chrono::duration<double> took = Clock::now() - start;
  c_.metrics.observe_call("grpc", "ChainService/StreamBlocks", grpc_code_name(status.error_code()),
                          took.count());
  return status;
}

grpc::Status ChainServiceImpl::stream_blocks(grpc::ServerContext* context,
                                             const v1::StreamBlocksRequest& request,
                                             grpc::ServerWriter<v1::BlockInfo>* writer) {
  const ApiLimits& limits = c_.api.limits();
  StreamSlot slot(c_.api.open_streams(), limits.max_streams);
  if (!slot.taken()) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "resource exhausted: " + std::to_string(limits.max_streams) +
                            " StreamBlocks calls are open on this node, the most it serves; "
                            "retry later");
  }
  const auto end = Clock::now() + std::chrono::milliseconds(limits.max_stream_ms);
  uint64_t height = request.from_height();
  auto reconnect = [&] { return "; reconnect with from_height " + std::to_string(height); };
  while (true) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
    }
    if (c_.stopping.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "unavailable: the node is stopping" + reconnect());
    }
    const auto now = Clock::now();
    if (now >= end) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "deadline exceeded: a stream stays open at most " +
                              std::to_string(limits.max_stream_ms) + " ms" + reconnect());
    }
    auto next = c_.api.next_final_block(height, request.include_raw(), std::min(end, now + kStreamPoll));
    if (!next.is_ok()) return to_grpc(next.status());
    if (!next->has_value()) continue;
    if (!writer->Write(**next)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
    ++height;
  }
}

}  // namespace ans::rpc
