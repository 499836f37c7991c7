// `ansd --dev`: a single-node development chain. The embedded dev genesis (one SP, signing
// with the public dev validator key), the real ledger and consensus stores in a data
// directory, and the consensus engine driven by the system clock. One validator is its own
// quorum, so each block is final one slot after the next. It serves gRPC and HTTP/JSON on
// loopback (docs/api.md); no P2P yet (docs/status.md). It logs each block as it becomes final.
//
// SIGINT or SIGTERM stops it cleanly: the engine and the stores are closed, and a restart
// continues from the last committed block.
#pragma once

#include <string>

namespace ans::node {

struct DevNodeOptions {
  std::string data_dir = "ans-dev-data";
  uint64_t run_for_ms = 0;  // 0: until a signal
  // The state store's layout when it is created (StateDbOptions::memory_state): in memory
  // with LevelDB as its journal, or every key in LevelDB. An existing store keeps its own.
  bool state_in_memory = true;
  // Where the RPC servers listen (host:port; port 0: any free port, logged). The admin
  // listener must be on loopback.
  std::string grpc_listen = "127.0.0.1:9770";
  std::string http_listen = "127.0.0.1:9771";
  std::string admin_listen = "127.0.0.1:9772";
};

// Returns the process exit code: 0 after a clean stop, 1 when the node cannot start or stops
// on a node fault (a store failed: the error names it).
int run_dev_node(const DevNodeOptions& options);

}  // namespace ans::node
