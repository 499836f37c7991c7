#include "node/dev_node.h"

#include "genesis/dev_genesis.h"
#include "node/node.h"

namespace ans::node {

int run_dev_node(const DevNodeOptions& options) {
  NodeOptions o;
  o.genesis = dev_genesis();
  o.data_dir = options.data_dir;
  o.state_in_memory = options.state_in_memory;
  o.sp_key = dev_validator_key();
  o.account_key = dev_account_keys().at(0);
  o.grpc_listen = options.grpc_listen;
  o.http_listen = options.http_listen;
  o.admin_listen = options.admin_listen;
  // A fresh node key each start: a dev chain has no peers that remember it.
  o.p2p.identity.node_key = PrivateKey::generate();
  o.p2p.listen = options.p2p_listen;
  o.p2p.peers = options.peers;
  o.run_for_ms = options.run_for_ms;
  o.mode = "--dev";
  return run_node(std::move(o));
}

}  // namespace ans::node
