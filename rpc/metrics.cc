#include "rpc/metrics.h"

#include <algorithm>
#include <cstdio>

namespace ans::rpc {
namespace {

// A label value in the text format: backslash, double quote and newline escaped.
std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value) {
  header(out, name, type, help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

}  // namespace

void Metrics::observe_call(std::string_view transport, std::string_view method, std::string_view code,
                           double seconds) {
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  std::lock_guard lock(mutex_);
  Histogram& h = latency_[{std::string(transport), std::string(method)}];
  if (bucket < h.buckets.size()) ++h.buckets[bucket];  // above the last bucket: +Inf only
  ++h.count;
  h.sum += seconds;
  ++calls_[{std::string(transport), std::string(method), std::string(code)}];
}

std::string Metrics::prometheus_text(const ChainStatus& chain, uint32_t open_streams,
                                     const ChainReadings& readings) const {
  std::string out;
  sample(out, "ans_head_height", "gauge", "Height of the head block (the newest applied).", chain.head_height);
  sample(out, "ans_head_slot", "gauge", "Slot of the head block.", chain.head_slot);
  sample(out, "ans_final_height", "gauge", "Height of the newest final block.", chain.final_height);
  sample(out, "ans_finality_lag_blocks", "gauge", "Blocks between the head and the newest final block.",
         minus(chain.head_height, chain.final_height));
  if (readings.final_slot) {
    sample(out, "ans_finality_lag_slots", "gauge", "Slots between the head and the newest final block.",
           minus(chain.head_slot, *readings.final_slot));
  }
  sample(out, "ans_blocks_produced_total", "counter", "Blocks this node produced.", chain.stats.blocks_produced);
  sample(out, "ans_blocks_accepted_total", "counter", "Blocks this node accepted.", chain.stats.blocks_accepted);
  sample(out, "ans_blocks_rejected_total", "counter", "Blocks this node rejected.", chain.stats.blocks_rejected);
  if (!readings.producers.empty()) {
    uint64_t missed = 0;
    for (const auto& p : readings.producers) missed += p.missed;
    sample(out, "ans_blocks_missed_total", "counter",
           "Slots of the active set that got no block, by the ledger's accounting at the head.", missed);
    header(out, "ans_producer_blocks_total", "counter",
           "Blocks each active SP produced and slots it missed, by the ledger's accounting at the head.");
    for (const auto& p : readings.producers) {
      const std::string sp = "sp=\"" + label_value(p.sp_id) + "\"";
      out += "ans_producer_blocks_total{" + sp + ",outcome=\"produced\"} " + std::to_string(p.produced) + "\n";
      out += "ans_producer_blocks_total{" + sp + ",outcome=\"missed\"} " + std::to_string(p.missed) + "\n";
    }
  }
  sample(out, "ans_mempool_transactions", "gauge", "Transactions in the mempool.", chain.mempool_size);
  sample(out, "ans_transactions_included_total", "counter", "Transactions included in blocks this node produced.",
         chain.stats.transactions_included);
  sample(out, "ans_node_fault", "gauge", "1 when a store failed and the node stopped.",
         chain.node_fault.empty() ? 0 : 1);
  sample(out, "ans_rpc_open_streams", "gauge", "StreamBlocks calls open now.", open_streams);
  if (const auto& n = readings.network) {
    header(out, "ans_p2p_peers", "gauge", "Connected peers, by who dialed.");
    out += "ans_p2p_peers{direction=\"inbound\"} " + std::to_string(n->inbound) + "\n";
    out += "ans_p2p_peers{direction=\"outbound\"} " + std::to_string(n->outbound) + "\n";
    header(out, "ans_p2p_bytes_total", "counter", "Bytes of frames received and sent.");
    out += "ans_p2p_bytes_total{direction=\"in\"} " + std::to_string(n->bytes_in) + "\n";
    out += "ans_p2p_bytes_total{direction=\"out\"} " + std::to_string(n->bytes_out) + "\n";
    sample(out, "ans_p2p_bans_active", "gauge", "Peers banned now.", n->banned);
    sample(out, "ans_p2p_bans_total", "counter", "Peers banned since the start.", n->bans_total);
    sample(out, "ans_p2p_gossip_duplicates_total", "counter", "Gossip already seen, not passed on.", n->duplicates);
    sample(out, "ans_p2p_shed_total", "counter",
           "Messages dropped because the chain thread's inbox or a peer's send queue was full.", n->shed);
    sample(out, "ans_p2p_rate_limited_total", "counter", "Messages dropped over a peer's rate limit.",
           n->rate_limited);
    sample(out, "ans_sync_active", "gauge", "1 while range sync fetches final blocks.", n->syncing ? 1 : 0);
    sample(out, "ans_sync_target_height", "gauge", "The highest final height a peer reports.", n->sync_target);
    sample(out, "ans_sync_blocks_total", "counter", "Final blocks range sync handed to the chain.", n->synced_blocks);
  } else {
    sample(out, "ans_p2p_peers", "gauge", "Connected peers.", 0);
  }

  std::lock_guard lock(mutex_);
  header(out, "ans_rpc_calls_total", "counter", "RPC calls finished, by transport, method and status.");
  for (const auto& [key, count] : calls_) {
    const auto& [transport, method, code] = key;
    out += "ans_rpc_calls_total{transport=\"" + label_value(transport) + "\",method=\"" + label_value(method) +
           "\",code=\"" + label_value(code) + "\"} " + std::to_string(count) + "\n";
  }
  header(out, "ans_rpc_latency_seconds", "histogram", "RPC call latency, by transport and method.");
  for (const auto& [key, h] : latency_) {
    const std::string labels =
        "transport=\"" + label_value(key.first) + "\",method=\"" + label_value(key.second) + "\"";
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
