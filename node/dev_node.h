// `ansd --dev`: a single-node development chain. The embedded dev genesis (one SP, signing
// with the public dev validator key) run by run_node (node.h) in a data directory. One
// validator is its own quorum, so each block is final one slot after the next. It serves
// gRPC and HTTP/JSON on loopback (docs/api.md), and listens for peers on loopback too, so
// that a second node (an observer) can follow it.
#pragma once

#include <string>
#include <vector>

namespace ans::node {

struct DevNodeOptions {
  std::string data_dir = "ans-dev-data";
  uint64_t run_for_ms = 0;  // 0: until a signal
  // The state store's layout when it is created (StateDbOptions::memory_state): in memory
  // with LevelDB as its journal, or every key in LevelDB. An existing store keeps its own.
  bool state_in_memory = true;
  // Where the servers listen (host:port; port 0: any free port, logged). The admin
  // listener must be on loopback.
  std::string grpc_listen = "127.0.0.1:9770";
  std::string http_listen = "127.0.0.1:9771";
  std::string admin_listen = "127.0.0.1:9772";
  std::string p2p_listen = "127.0.0.1:9773";
  std::vector<std::string> peers;
};

// Returns the process exit code: 0 after a clean stop, 1 when the node cannot start or stops
// on a node fault (a store failed: the error names it).
int run_dev_node(const DevNodeOptions& options);

}  // namespace ans::node
