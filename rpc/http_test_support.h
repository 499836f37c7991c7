// For the HTTP unit tests: a NodeApi over a node that has published nothing yet (no read
// view, no chain status), so every query that reaches it answers kUnavailable. Enough for
// what the routes decide before asking the node: paths, methods, parameters, errors.
#pragma once

#include <memory>

#include "rpc/metrics.h"
#include "rpc/node_api.h"

namespace ans::rpc {

struct UnstartedNode {
  UnstartedNode() {
    NodeContext c;
    c.views = &views;
    c.board = &board;
    api = std::make_unique<NodeApi>(std::move(c));
  }
  ViewRegistry views;
  ChainBoard board;
  Metrics metrics;
  std::unique_ptr<NodeApi> api;
};

}  // namespace ans::rpc
