// The node's queries and its one command (submit), as the gRPC services and the HTTP routes
// both answer them (docs/api.md). Transport-free: requests and answers are the messages of
// proto/ans/v1/rpc.proto, errors are Status values that the transports map to their codes
// (rpc/status_codes.h).
//
// Threads: every method may be called from any number of threads at once. Queries read the
// read views the chain thread publishes (ViewRegistry), the chain status it publishes
// (ChainBoard) and the final blocks in the consensus store; none of them enters the chain
// thread. submit() posts the transaction to the chain thread (ChainBoard::post) and waits,
// on the calling thread, for the answer and, if asked, for inclusion or finality.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ans/v1/rpc.pb.h"
#include "consensus/engine.h"
#include "consensus/store.h"
#include "ledger/chain/read_view.h"
#include "ledger/rules/genesis_config.h"

namespace ans::rpc {

// Bounds on what one call may ask for; their defaults are the node's (docs/api.md, "Limits").
struct ApiLimits {
  uint32_t default_page_size = 100;
  uint32_t max_page_size = 1000;
  uint64_t max_submit_wait_ms = 60'000;    // SubmitTransaction's wait for inclusion/finality
  uint64_t max_stream_ms = 3'600'000;      // how long one StreamBlocks call may stay open
  uint32_t max_streams = 64;               // StreamBlocks calls open at once
  size_t max_names_per_query = 64;         // names in one DIMP `ans` query
  size_t max_state_keys = 64;              // keys in one GetState call
  size_t max_state_key_bytes = 256;
};

// What the chain thread publishes after each change of the head or the final block (and
// after each submit), immutable: what the queries need of the engine besides the state.
struct ChainStatus {
  uint64_t version = 0;            // counts publications
  uint64_t head_height = 0;
  Hash256 head_hash{};
  uint64_t head_slot = 0;
  uint64_t final_height = 0;
  Hash256 final_hash{};
  // The blocks above the final one up to the head, in height order (the final chain's
  // continuation that fork choice follows now). Final blocks are read from the store.
  std::vector<std::shared_ptr<const v1::Block>> unfinal;
  std::vector<Hash256> unfinal_hashes;
  std::vector<std::string> active_set;  // SP ids, schedule order, at the head
  size_t mempool_size = 0;
  // The ids of the transactions in the mempool.
  std::shared_ptr<const std::vector<Hash256>> pending;
  consensus::EngineStats stats;
  std::string node_fault;          // empty while the stores work
  uint64_t now_ms = 0;             // the engine's clock at publication
};

// The P2P network's counters, for /metrics and AdminService (p2p::HostStats, without the
// dependency).
struct NetworkReadings {
  uint32_t inbound = 0;
  uint32_t outbound = 0;
  uint32_t banned = 0;
  uint64_t bans_total = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t duplicates = 0;
  uint64_t shed = 0;
  uint64_t rate_limited = 0;
  bool syncing = false;
  uint64_t sync_target = 0;
  uint64_t synced_blocks = 0;
  std::vector<v1::PeerInfo> peers;
  std::vector<v1::BanInfo> bans;
};

// Why a transaction this node held or was given never made it into a block.
struct Rejection {
  std::string code;    // the ledger's reason (a TxError or Errc name)
  std::string reason;  // in words
};

// The meeting point of the chain thread and the RPC threads: the chain thread publishes
// ChainStatus and runs what the RPC threads post; RPC threads read and wait for changes.
class ChainBoard {
 public:
  explicit ChainBoard(size_t max_queued_tasks = 4096) : max_queued_(max_queued_tasks) {}

  // ---- chain thread
  void publish(ChainStatus status);  // sets status.version
  // Runs the posted tasks (in order); returns how many ran.
  size_t run_posted();
  void note_rejected(const Hash256& tx_id, Rejection why);
  // A transaction with this id is submitted again: an earlier rejection no longer speaks for it.
  void forget_rejected(const Hash256& tx_id);

  // ---- any thread
  std::shared_ptr<const ChainStatus> status() const;
  // Waits until a status newer than `version` is published, or `deadline`; returns the
  // newest status either way.
  std::shared_ptr<const ChainStatus> wait_newer(uint64_t version,
                                                std::chrono::steady_clock::time_point deadline) const;
  // Queues `task` for the chain thread. False when the queue is full (the caller answers
  // RESOURCE_EXHAUSTED) or the board is closed.
  bool post(std::function<void()> task);
  // Called when the node stops: posts fail, waits end.
  void close();
  bool closed() const;
  // Set when the chain thread has tasks: the driver waits on it instead of sleeping.
  // Returns after `deadline` or as soon as a task is posted or the board closes.
  void wait_for_tasks(std::chrono::steady_clock::time_point deadline);
  // Ends the chain thread's wait_for_tasks() at once: something besides a posted task (a
  // peer's message) is waiting for it.
  void wake();
  std::optional<Rejection> rejected(const Hash256& tx_id) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;   // a publication, or close()
  std::condition_variable tasks_ready_;
  size_t max_queued_;
  std::shared_ptr<const ChainStatus> status_ = std::make_shared<const ChainStatus>();
  std::deque<std::function<void()>> tasks_;
  std::map<Hash256, Rejection> rejected_;     // bounded: oldest-first eviction
  std::deque<Hash256> rejected_order_;
  bool closed_ = false;
  bool woken_ = false;
};

// What a node is: its genesis, and where the queries read.
struct NodeContext {
  GenesisConfig genesis;
  ChainId chain_id{};                 // also the genesis block's hash
  std::string producer;               // this node's SP id, empty for an observer
  ViewRegistry* views = nullptr;
  ChainBoard* board = nullptr;
  const consensus::ConsensusStore* store = nullptr;  // final blocks, their QCs, the tx index
  // Submits on the chain thread: the engine's answer (Engine::submit).
  std::function<Result<bool>(const v1::SignedTransaction&)> submit_on_chain;
  // The P2P network's counters, from any thread. Empty: no network (tests).
  std::function<NetworkReadings()> network;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

class NodeApi {
 public:
  NodeApi(NodeContext context, ApiLimits limits = {});

  const ApiLimits& limits() const { return limits_; }
  const NodeContext& context() const { return context_; }

  // Names. Errors: kInvalidArgument (a malformed address or page token, a page size above
  // the maximum), kUnavailable (no view published yet), storage errors.
  Result<v1::ResolveResponse> resolve(const v1::ResolveRequest& request) const;
  Result<v1::ReverseResponse> reverse(const v1::ReverseRequest& request) const;
  Result<v1::ListByOwnerResponse> list_by_owner(const v1::ListByOwnerRequest& request) const;
  Result<v1::CheckNameResponse> check_name(const v1::CheckNameRequest& request) const;
  // Errors also: kNotFound (the height asked for is not among the kept final views).
  Result<v1::ProveResponse> prove(const v1::ProveRequest& request) const;

  // Directory. Errors also: kNotFound (no such SP).
  Result<v1::ListProvidersResponse> list_providers(const v1::ListProvidersRequest& request) const;
  Result<v1::GetProviderResponse> get_provider(const v1::GetProviderRequest& request) const;
  Result<v1::ListStationsResponse> list_stations(const v1::ListStationsRequest& request) const;

  // Chain. Errors also: kNotFound (no such block or transaction).
  Result<v1::GetInfoResponse> get_info(const v1::GetInfoRequest& request) const;
  Result<v1::GetBlockResponse> get_block(const v1::GetBlockRequest& request) const;
  Result<v1::GetTransactionResponse> get_transaction(const v1::GetTransactionRequest& request) const;
  Result<v1::GetAccountResponse> get_account(const v1::GetAccountRequest& request) const;
  Result<v1::GetGenesisResponse> get_genesis(const v1::GetGenesisRequest& request) const;
  // Errors also: kInvalidArgument (no key, too many, or one too long).
  Result<v1::GetStateResponse> get_state(const v1::GetStateRequest& request) const;
  // Errors: the engine's (the ledger's typed reason for a malformed or badly signed
  // transaction), kResourceExhausted (mempool or the chain thread's queue full),
  // kDeadlineExceeded (not included/final within the wait; it stays pending),
  // kUnavailable (the node is stopping or has a node fault).
  Result<v1::SubmitTransactionResponse> submit(const v1::SubmitTransactionRequest& request,
                                               std::chrono::steady_clock::time_point deadline) const;

  // StreamBlocks: the final block at `height`, waiting until it is final or `deadline`.
  // nullopt at the deadline or when the node stops. Errors: storage errors.
  Result<std::optional<v1::BlockInfo>> next_final_block(
      uint64_t height, bool include_raw, std::chrono::steady_clock::time_point deadline) const;

  Result<v1::GetStatusResponse> get_status(const v1::GetStatusRequest& request) const;
  // Errors: kUnavailable (the node has no P2P network).
  Result<v1::ListPeersResponse> list_peers(const v1::ListPeersRequest& request) const;

  // DIMP's `ans` command (docs/api.md, "DIMP shapes"): `names` is one string of names
  // separated by spaces; the answer is the command's response as JSON text.
  // Errors: kInvalidArgument (empty, or more than max_names_per_query names).
  Result<std::string> dimp_ans(std::string_view names) const;
  // The station directory in the neighbour-list document's shape: every active SP's
  // stations, or one SP's (sp_id non-empty; kNotFound when it is not an SP).
  Result<std::string> dimp_stations(std::string_view sp_id) const;

  // Streams open now (StreamBlocks), for the limit and the metrics.
  std::atomic<uint32_t>& open_streams() const { return open_streams_; }

 private:
  NodeContext context_;
  ApiLimits limits_;
  mutable std::atomic<uint32_t> open_streams_{0};
};

}  // namespace ans::rpc
