#include "rpc/metrics.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <sstream>

namespace ans::rpc {
namespace {

// The samples of a Prometheus text exposition (format 0.0.4): "name{labels}" -> value.
// Fails the test on a line that is not a comment, a blank or `name[{labels}] value`, and on a
// sample whose family has no # TYPE line before it.
std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# TYPE ")) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_TRUE(type == "gauge" || type == "counter" || type == "histogram") << line;
      EXPECT_FALSE(types.contains(name)) << "TYPE twice: " << line;
      types[name] = type;
      continue;
    }
    if (line.starts_with("#")) continue;
    const size_t brace = line.find('{');
    const size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    const std::string key = line.substr(0, space);
    std::string name = key.substr(0, std::min(brace, space));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix) && !types.contains(name)) name = name.substr(0, name.size() - std::strlen(suffix));
    }
    EXPECT_TRUE(types.contains(name)) << "no TYPE for " << line;
    if (brace != std::string::npos) {
      EXPECT_EQ(key.back(), '}') << line;
      // Labels: name="value" pairs, comma-separated, values escaped.
      const std::string labels = key.substr(brace + 1, key.size() - brace - 2);
      size_t i = 0;
      while (i < labels.size()) {
        const size_t eq = labels.find("=\"", i);
        if (eq == std::string::npos) {
          ADD_FAILURE() << "bad labels: " << line;
          break;
        }
        size_t j = eq + 2;
        while (j < labels.size() && labels[j] != '"') j += labels[j] == '\\' ? 2 : 1;
        if (j >= labels.size()) {
          ADD_FAILURE() << "unterminated label value: " << line;
          break;
        }
        i = j + 1;
        if (i < labels.size()) {
          EXPECT_EQ(labels[i], ',') << line;
          ++i;
        }
      }
    }
    size_t used = 0;
    const std::string value = line.substr(space + 1);
    const double v = std::stod(value, &used);
    EXPECT_EQ(used, value.size()) << line;
    EXPECT_FALSE(samples.contains(key)) << "sample twice: " << line;
    samples[key] = v;
  }
  return samples;
}

TEST(Metrics, ChainGaugesAndCounters) {
  Metrics metrics;
  ChainStatus chain;
  chain.head_height = 12;
  chain.final_height = 10;
  chain.head_slot = 15;
  chain.mempool_size = 3;
  chain.stats.blocks_produced = 11;
  chain.stats.transactions_included = 7;
  Metrics::ChainReadings readings;
  readings.final_slot = 12;
  readings.producers = {{"a@x", 9, 4}, {"b\"@y", 2, 1}};
  auto s = parse_exposition(metrics.prometheus_text(chain, 2, readings));
  EXPECT_EQ(s.at("ans_head_height"), 12);
  EXPECT_EQ(s.at("ans_final_height"), 10);
  EXPECT_EQ(s.at("ans_finality_lag_blocks"), 2);
  EXPECT_EQ(s.at("ans_finality_lag_slots"), 3);
  EXPECT_EQ(s.at("ans_blocks_produced_total"), 11);
  EXPECT_EQ(s.at("ans_blocks_accepted_total"), 0);
  EXPECT_EQ(s.at("ans_blocks_rejected_total"), 0);
  EXPECT_EQ(s.at("ans_mempool_transactions"), 3);
  EXPECT_EQ(s.at("ans_transactions_included_total"), 7);
  EXPECT_EQ(s.at("ans_rpc_open_streams"), 2);
  EXPECT_EQ(s.at("ans_blocks_missed_total"), 5);
  EXPECT_EQ(s.at("ans_producer_blocks_total{sp=\"a@x\",outcome=\"produced\"}"), 9);
  EXPECT_EQ(s.at("ans_producer_blocks_total{sp=\"a@x\",outcome=\"missed\"}"), 4);
  EXPECT_EQ(s.at("ans_producer_blocks_total{sp=\"b\\\"@y\",outcome=\"missed\"}"), 1);
  EXPECT_EQ(s.at("ans_p2p_peers"), 0);
  // Without the final block's slot, no slot lag is claimed; without producers, no missed count.
  auto bare = parse_exposition(metrics.prometheus_text(chain, 0));
  EXPECT_FALSE(bare.contains("ans_finality_lag_slots"));
  EXPECT_FALSE(bare.contains("ans_blocks_missed_total"));
}

TEST(Metrics, CallsAndCumulativeHistogram) {
  Metrics metrics;
  metrics.observe_call("http", "/v1/names/{name}", "200", 0.0003);
  metrics.observe_call("http", "/v1/names/{name}", "200", 0.004);
  metrics.observe_call("http", "/v1/names/{name}", "404", 5.0);  // above every bucket
  metrics.observe_call("grpc", "NameService/Resolve", "OK", 0.00001);
  metrics.observe_call("http", "we\"ird\\\n", "400", 0.001);
  auto s = parse_exposition(metrics.prometheus_text(ChainStatus{}, 0));
  const std::string names = "transport=\"http\",method=\"/v1/names/{name}\"";
  EXPECT_EQ(s.at("ans_rpc_calls_total{" + names + ",code=\"200\"}"), 2);
  EXPECT_EQ(s.at("ans_rpc_calls_total{" + names + ",code=\"404\"}"), 1);
  EXPECT_EQ(s.at("ans_rpc_calls_total{transport=\"grpc\",method=\"NameService/Resolve\",code=\"OK\"}"), 1);
  EXPECT_EQ(s.at("ans_rpc_calls_total{transport=\"http\",method=\"we\\\"ird\\\\\\n\",code=\"400\"}"), 1);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_bucket{" + names + ",le=\"0.0001\"}"), 0);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_bucket{" + names + ",le=\"0.0005\"}"), 1);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_bucket{" + names + ",le=\"0.005\"}"), 2);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_bucket{" + names + ",le=\"2\"}"), 2);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_bucket{" + names + ",le=\"+Inf\"}"), 3);
  EXPECT_EQ(s.at("ans_rpc_latency_seconds_count{" + names + "}"), 3);
  EXPECT_NEAR(s.at("ans_rpc_latency_seconds_sum{" + names + "}"), 5.0043, 1e-9);
}

}  // namespace
}  // namespace ans::rpc
