// The ANS node: the ledger and consensus stores in a data directory, the consensus engine on
// the chain thread driven by the system clock, the P2P network (p2p/host.h) feeding it, and
// the RPC servers (gRPC, HTTP/JSON) reading its published views. `ansd --dev` runs it with
// the embedded dev genesis as a single-node chain (dev_node.h); a configured `ansd` runs it
// as a validator (with an SP key) or a non-validating node (docs/operator.md).
//
// SIGINT or SIGTERM stops it cleanly: peers are told goodbye, the RPC servers stop, the
// engine and the stores are closed, and a restart continues from the last committed block.
#pragma once

#include <optional>
#include <string>

#include "ledger/crypto/keys.h"
#include "ledger/rules/genesis_config.h"
#include "p2p/host.h"

namespace ans::node {

struct NodeOptions {
  GenesisConfig genesis;
  std::string data_dir;
  // The state store's layout when it is created (StateDbOptions::memory_state); an existing
  // store keeps its own.
  bool state_in_memory = true;
  std::optional<PrivateKey> sp_key;       // the SP signing key: a validator; none: an observer
  std::optional<PrivateKey> account_key;  // pays the fee of the evidence transactions it makes
  std::string grpc_listen = "127.0.0.1:9770";
  std::string http_listen = "127.0.0.1:9771";
  std::string admin_listen = "127.0.0.1:9772";  // loopback only
  // The P2P network; p2p.identity.node_key is the node's key, and the chain is filled in
  // by run_node.
  p2p::HostOptions p2p;
  size_t mempool_capacity = 20'000;
  size_t mempool_per_sender = 64;
  uint64_t run_for_ms = 0;  // 0: until a signal
  std::string mode = "node";  // for the first log line: "--dev", "validator", "observer"
};

// Returns the process exit code: 0 after a clean stop, 1 when the node cannot start or stops
// on a node fault (a store failed: the error names it).
int run_node(NodeOptions options);

}  // namespace ans::node
