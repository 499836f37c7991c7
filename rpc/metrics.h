// The node's metrics, in Prometheus text format at /metrics (docs/api.md, "Metrics"):
// chain gauges read from the published ChainStatus, and per-method call counts and latency
// histograms that the gRPC and HTTP servers record. Thread-safe; recording takes a short
// mutex per call.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/node_api.h"

namespace ans::rpc {

class Metrics {
 public:
  // One finished call: `transport` is "grpc" or "http", `method` the gRPC method
  // ("NameService/Resolve") or the HTTP route pattern ("/v1/names/{name}"), `code` the
  // status (gRPC code name or HTTP status number).
  void observe_call(std::string_view transport, std::string_view method, std::string_view code,
                    double seconds);

  // What the chain gauges read besides ChainStatus, from the store and the head view.
  struct ChainReadings {
    // The final block's slot (ChainStatus has the head's only); without it
    // ans_finality_lag_slots is left out.
    std::optional<uint64_t> final_slot;
    // The active set's block counts by the ledger's accounting at the head, in schedule
    // order. Empty: the produced/missed-by-producer samples are left out.
    struct Producer {
      std::string sp_id;
      uint64_t produced = 0;
      uint64_t missed = 0;
    };
    std::vector<Producer> producers;
    // The P2P network's counters. Without them: ans_p2p_peers 0, the rest left out.
    std::optional<NetworkReadings> network;
  };

  // Everything, as Prometheus text exposition format 0.0.4.
  std::string prometheus_text(const ChainStatus& chain, uint32_t open_streams,
                              const ChainReadings& readings = {}) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    2.0};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative counts
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  // (transport, method) -> latency; (transport, method, code) -> calls.
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> calls_;
};

}  // namespace ans::rpc
