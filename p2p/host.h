// The node's P2P network (docs/p2p.md): it listens and dials, runs the handshake and the
// sealed stream of each connection, gossips transactions, blocks, votes and evidence with
// duplicate suppression, exchanges peer addresses, range-syncs final blocks when the node
// is far behind, serves old blocks from the consensus store, and enforces its limits:
// connection counts, per-peer message and byte rates, frame sizes, scores and bans.
//
// Threads: everything here runs on the host's one network thread, except the calls marked
// for the chain thread (consensus::Network, take_inbound, report, set_local_status) and
// stats(). Those never block on the network: they post to it, or take a short lock on the
// inbox. What arrives for the engine waits in a bounded inbox that the chain thread drains;
// when it is full, new gossip is shed and range sync stops asking.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "consensus/store.h"
#include "p2p/handshake.h"

namespace ans::p2p {

struct HostOptions {
  LocalIdentity identity;            // identity.listen_port is set from `listen` by start()
  std::string listen;                // host:port (port 0: any); empty: no listener
  std::string external_address;      // announced through peer exchange; empty: none
  std::vector<std::string> peers;    // host:port: dialed and kept connected
  std::vector<std::string> seeds;    // host:port: dialed for addresses, then left
  uint32_t max_inbound = 40;
  uint32_t max_outbound = 10;        // besides `peers`
  uint32_t max_per_ip = 8;
  bool pex = true;
  uint32_t max_frame_bytes = 4 * 1024 * 1024 + 64 * 1024;
  uint32_t peer_msgs_per_s = 2000;   // sustained; bursts of twice that pass
  uint64_t peer_bytes_per_s = 32ull * 1024 * 1024;
  uint32_t ban_score = 100;
  uint32_t ban_seconds = 600;
  size_t inbox_capacity = 16'384;    // messages waiting for the chain thread
  uint64_t keepalive_ms = 5'000;     // a ping after this long without sending
  uint64_t idle_timeout_ms = 20'000; // closed after this long without receiving
  uint64_t handshake_timeout_ms = 5'000;
};

// A message for the engine, from peer `peer` (the id the engine's Network calls use).
struct Inbound {
  int peer = -1;
  consensus::Message message;
  bool from_sync = false;  // fetched by range sync rather than gossiped
};

struct PeerInfo {
  int id = 0;
  std::string node_key;  // hex, 33-byte compressed
  std::string address;   // ip:port of the connection
  bool outbound = false;
  std::string agent;
  uint64_t head_height = 0;
  uint64_t final_height = 0;
  uint32_t score = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

struct BanInfo {
  std::string node_key;  // hex
  uint64_t remaining_s = 0;
  std::string reason;
};

struct HostStats {
  uint32_t inbound = 0;
  uint32_t outbound = 0;
  uint32_t banned = 0;             // bans in force
  uint64_t bans_total = 0;
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t duplicates = 0;         // gossip already seen, not passed on
  uint64_t shed = 0;               // messages dropped: the inbox or a peer's queue was full
  uint64_t rate_limited = 0;       // messages dropped over a peer's rate
  bool syncing = false;
  uint64_t sync_target = 0;        // the highest final height a peer reports
  uint64_t synced_blocks = 0;      // delivered by range sync since start
  double sync_blocks_per_s = 0;
  std::vector<PeerInfo> peers;
  std::vector<BanInfo> bans;  // in force, at most 100 of them
};

class Host final : public consensus::Network {
 public:
  // Binds the listener and starts the network thread. `store` (not owned, outlives the
  // host): where old blocks are served from. `wake_chain`: called (on the network thread)
  // when the inbox gets something, so the chain thread stops waiting.
  // Errors: kInvalidArgument (an address that does not parse), kUnavailable (cannot bind).
  static Result<std::unique_ptr<Host>> start(HostOptions options, const consensus::ConsensusStore& store,
                                             std::function<void()> wake_chain);
  ~Host() override;  // stop()
  // Says goodbye to every peer and joins the network thread. Idempotent.
  void stop();

  // ---- chain thread: consensus::Network
  void broadcast(const consensus::Message& message) override;
  void send(int peer, const consensus::Message& message) override;
  void relay(int from, const consensus::Message& message) override;

  // ---- chain thread
  // Up to `max` waiting messages, oldest first.
  std::vector<Inbound> take_inbound(size_t max);
  // The engine's verdict on a message from `peer`: kInvalid adds to its score (and may ban
  // it). The others, a node fault of ours included, blame nobody.
  void report(int peer, const consensus::Verdict& verdict, consensus::Message::Kind kind);
  // This node's chain, for its peers and for range sync. Cheap; call after each change.
  void set_local_status(uint64_t head_height, uint64_t final_height, const Hash256& final_hash);

  // ---- any thread
  HostStats stats() const;
  uint16_t port() const { return port_; }
  const CompressedPubKey& node_key() const { return node_key_; }

  class Impl;  // host.cc

 private:
  explicit Host(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  CompressedPubKey node_key_{};
};

}  // namespace ans::p2p
