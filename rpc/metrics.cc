#include "rpc/metrics.h"

#include <algorithm>
#include <cstdio>

namespace ans::rpc {
namespace {

// Label values in the text format: backslash, double quote and newline escaped.
std::string label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

std::string number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

void gauge(std::string& out, std::string_view name, std::string_view help, uint64_t value,
           std::string_view type = "gauge") {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

void Metrics::observe_call(std::string_view transport, std::string_view method, std::string_view code,
                           double seconds) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  std::lock_guard lock(mutex_);
  Histogram& h = latency_[{std::string(transport), std::string(method)}];
  if (bucket < h.buckets.size()) ++h.buckets[bucket];
  ++h.count;
  h.sum += seconds;
  ++calls_[{std::string(transport), std::string(method), std::string(code)}];
}

std::string Metrics::prometheus_text(const ChainStatus& chain, uint32_t open_streams) const {
  std::string out;
  gauge(out, "ans_head_height", "Height of the head block.", chain.head_height);
  gauge(out, "ans_final_height", "Height of the newest final block.", chain.final_height);
  gauge(out, "ans_finality_lag_blocks", "Blocks between the head and the final block.",
        chain.head_height >= chain.final_height ? chain.head_height - chain.final_height : 0);
  gauge(out, "ans_head_slot", "Slot of the head block.", chain.head_slot);
  gauge(out, "ans_blocks_produced_total", "Blocks this node produced.", chain.stats.blocks_produced,
        "counter");
  gauge(out, "ans_blocks_accepted_total", "Blocks this node accepted.", chain.stats.blocks_accepted,
        "counter");
  gauge(out, "ans_blocks_rejected_total", "Blocks this node rejected.", chain.stats.blocks_rejected,
        "counter");
  gauge(out, "ans_transactions_included_total", "Transactions in blocks this node produced.",
        chain.stats.transactions_included, "counter");
  gauge(out, "ans_mempool_size", "Transactions in the mempool.", chain.mempool_size);
  gauge(out, "ans_rpc_open_streams", "StreamBlocks calls open now.", open_streams);
  gauge(out, "ans_node_fault", "1 when a store failed and the node stopped serving writes.",
        chain.node_fault.empty() ? 0 : 1);

  std::lock_guard lock(mutex_);
  out += "# HELP ans_rpc_calls_total RPC calls finished, by transport, method and status.\n";
  out += "# TYPE ans_rpc_calls_total counter\n";
  for (const auto& [key, count] : calls_) {
    const auto& [transport, method, code] = key;
    out += "ans_rpc_calls_total{transport=\"" + label(transport) + "\",method=\"" + label(method) +
           "\",code=\"" + label(code) + "\"} " + std::to_string(count) + "\n";
  }
  out += "# HELP ans_rpc_latency_seconds RPC call latency, by transport and method.\n";
  out += "# TYPE ans_rpc_latency_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels = "transport=\"" + label(key.first) + "\",method=\"" + label(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "ans_rpc_latency_seconds_bucket{" + labels + ",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "ans_rpc_latency_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "ans_rpc_latency_seconds_sum{" + labels + "} " + number(h.sum) + "\n";
    out += "ans_rpc_latency_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace ans::rpc
