// ans_hostile_peer: a peer that breaks the P2P protocol on purpose, one scripted way per run,
// for tests/net/net_hostile_peer_test.py. It speaks the protocol with the p2p library's own
// pieces (wire.h, handshake.h, secure_channel.h) over a blocking POSIX socket, so what it
// sends is what a real node would send, but for the one fault of its mode.
//
//   ans_hostile_peer --genesis G.json --target HOST:PORT --mode MODE [--rejoin] [--count N]
//                    [--seconds S] [--silent]
//
// Modes, each on one connection with a fresh node key:
//   garbage         random bytes instead of a Hello
//   oversized       after the handshake, a frame header over the node's max_frame_bytes
//   wrong-chain     a Hello with another chain id
//   tampered        a sealed frame with one bit flipped
//   invalid-blocks  blocks that break a rule, on the node's newest block, signed by this key
//   outsider-votes  votes for the node's newest block, by a key outside the active set
//   flood           duplicates and ignored junk as fast as it can, far over the rate limit
//   lying-status    a chain status far ahead, and range sync answered with no blocks (or,
//                   with --silent, not at all), for --seconds
// It prints one JSON line: what it sent, and what the node did (closed the connection, after
// how long and how many messages; its Reject or Goodbye reason). With --rejoin, once the node
// has closed the connection it dials again with the same key and records the answer (a ban
// keeps the key out).
//
// Exit 0 when the mode ran, whatever the node did (the test judges that); 1 when it could not
// run (no connection, no handshake, no block to build on); 2 for a usage error.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "genesis/genesis_json.h"
#include "ledger/crypto/hash.h"
#include "ledger/wire/codec.h"
#include "p2p/handshake.h"
#include "p2p/host.h"
#include "p2p/secure_channel.h"
#include "p2p/wire.h"

namespace ans::hostile {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using v1::p2p::Envelope;

// How long the node gets to answer a handshake, or to act on a fault, before this peer says
// it did not. Above the node's own handshake timeout (HostOptions::handshake_timeout_ms).
constexpr auto kAnswerTimeout = std::chrono::seconds(8);
// How long to wait for a block from the node to build on: a few block intervals.
constexpr auto kBlockTimeout = std::chrono::seconds(20);

uint64_t elapsed_ms(Clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// ---------------------------------------------------------------- the socket

// A blocking TCP connection whose reads take a deadline.
class Socket {
 public:
  // Errors: kInvalidArgument (not a numeric host), kUnavailable (refused or unreachable).
  static Result<Socket> dial(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
      return Status(Errc::kInvalidArgument, "target " + host + ": not an IP address");
    }
    const int fd = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    const int connected = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
    const int error = errno;
    ::freeaddrinfo(found);
    if (connected != 0) {
      if (fd >= 0) ::close(fd);
      return Status(Errc::kUnavailable, "cannot connect to " + host + ":" + std::to_string(port) + ": " +
                                            std::strerror(error));
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Socket(fd);
  }

  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Whether all of `bytes` went out: false once the node has closed or reset the connection.
  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Exactly `size` bytes, before `deadline` (Clock::time_point::max(): no deadline).
  // Errors: kUnavailable (the node closed or reset the connection), kDeadlineExceeded.
  Status recv_exact(char* out, size_t size, Clock::time_point deadline) {
    while (size > 0) {
      int wait_ms = -1;
      if (deadline != Clock::time_point::max()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return Status(Errc::kDeadlineExceeded, "no answer in time");
        wait_ms = static_cast<int>(left);
      }
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, wait_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return Status(Errc::kDeadlineExceeded, "no answer in time");
      const ssize_t n = ::recv(fd_, out, size, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return Status(Errc::kUnavailable, "closed by the node");
      if (n < 0) return Status(Errc::kUnavailable, std::string("connection: ") + std::strerror(errno));
      out += n;
      size -= static_cast<size_t>(n);
    }
    return Status::ok();
  }

  // Ends both directions: a reader blocked in recv_exact returns.
  void shutdown() { ::shutdown(fd_, SHUT_RDWR); }

 private:
  explicit Socket(int fd) : fd_(fd) {}
  int fd_;
};

// One frame: its 4-byte length, then up to `max` bytes.
Result<std::string> read_frame(Socket& socket, uint32_t max, Clock::time_point deadline,
                               std::array<uint8_t, p2p::kFrameHeaderBytes>& header) {
  ANS_RETURN_IF_ERROR(socket.recv_exact(reinterpret_cast<char*>(header.data()), header.size(), deadline));
  const uint32_t length = p2p::frame_length(header);
  if (length > max) return Status(Errc::kTooLarge, "the node sent a frame of " + std::to_string(length) + " B");
  std::string body(length, '\0');
  ANS_RETURN_IF_ERROR(socket.recv_exact(body.data(), body.size(), deadline));
  return body;
}

std::string plain_frame(const std::string& bytes) {
  auto header = p2p::frame_header(static_cast<uint32_t>(bytes.size()));
  return std::string(header.begin(), header.end()) + bytes;
}

std::string_view header_view(const std::array<uint8_t, p2p::kFrameHeaderBytes>& header) {
  return std::string_view(reinterpret_cast<const char*>(header.data()), header.size());
}

// ---------------------------------------------------------------- the handshake

struct Handshake {
  std::optional<Socket> socket;
  std::optional<p2p::Session> session;  // set when the handshake completed
  std::string reject;                   // the node's Reject reason, when it sent one
  std::string error;                    // why there is no session otherwise
};

// Dials `host:port` and runs the dialer's side of the handshake (p2p/handshake.h) as `me`.
Handshake dial_and_handshake(const std::string& host, uint16_t port, const p2p::LocalIdentity& me) {
  Handshake out;
  auto socket = Socket::dial(host, port);
  if (!socket) {
    out.error = socket.status().message();
    return out;
  }
  out.socket.emplace(std::move(socket).value());
  Socket& s = *out.socket;
  const auto deadline = Clock::now() + kAnswerTimeout;
  p2p::HandshakeStart start = p2p::begin_handshake(me);
  if (!s.send_all(plain_frame(start.hello_bytes))) {
    out.error = "the node closed before the hello";
    return out;
  }
  std::array<uint8_t, p2p::kFrameHeaderBytes> header{};
  auto theirs = read_frame(s, p2p::kMaxHandshakeFrameBytes, deadline, header);
  if (!theirs) {
    out.error = "no hello from the node: " + theirs.status().message();
    return out;
  }
  auto frame = p2p::decode_handshake(*theirs);
  if (!frame || !frame->has_hello()) {
    out.error = "the node's first frame is no hello";
    return out;
  }
  // The node sends its Hello before it reads ours; a Reject of ours follows it.
  if (Status st = p2p::check_hello(me, frame->hello()); !st) {
    auto next = read_frame(s, p2p::kMaxHandshakeFrameBytes, deadline, header);
    auto reject = next ? p2p::decode_handshake(*next) : Result<v1::p2p::Handshake>(next.status());
    if (reject && reject->has_reject()) out.reject = reject->reject().reason();
    out.error = "this peer does not accept the node's hello either: " + st.message();
    return out;
  }
  auto agreed = p2p::agree(start, start.hello_bytes, *theirs, frame->hello(), /*initiator=*/true);
  if (!agreed) {
    out.error = agreed.status().message();
    return out;
  }
  p2p::Session& session = agreed.value();
  Envelope auth;
  *auth.mutable_auth() = p2p::make_auth(me, session, true, frame->hello());
  const std::string auth_bytes = auth.SerializeAsString();
  auto auth_header = p2p::frame_header(static_cast<uint32_t>(auth_bytes.size() + p2p::kAeadTagBytes));
  const std::string sealed = session.send.seal(header_view(auth_header), auth_bytes);
  if (!s.send_all(std::string(header_view(auth_header)) + sealed)) {
    out.error = "the node closed before the auth";
    return out;
  }
  auto their_auth = read_frame(s, p2p::HostOptions{}.max_frame_bytes, deadline, header);
  auto plain = their_auth ? session.receive.open(header_view(header), *their_auth)
                          : Result<std::string>(their_auth.status());
  auto envelope = plain ? p2p::decode_envelope(*plain) : Result<Envelope>(plain.status());
  if (!envelope || !envelope->has_auth()) {
    out.error = "no auth from the node";
    return out;
  }
  if (Status st = p2p::check_auth(me.chain_id, session, true, start.nonce, envelope->auth()); !st) {
    out.error = st.message();
    return out;
  }
  out.session.emplace(std::move(session));
  return out;
}

// ---------------------------------------------------------------- a connected peer

// What the node sent, as the reader thread found it.
struct Observed {
  bool closed = false;  // by the node: end of stream, a reset, or a frame that failed
  Clock::time_point closed_at{};
  std::string close_error;
  std::string goodbye;
  uint64_t frames = 0;
  std::optional<v1::Block> newest_block;  // the highest block it gossiped
  std::optional<v1::SignedBlockVote> vote;
  std::optional<v1::p2p::ChainStatus> status;
  std::vector<uint64_t> sync_requests;  // the from_height of each GetFinalBlocks
};

// A connection after its handshake: the caller sends, a thread reads and records.
class Peer {
 public:
  Peer(Socket socket, p2p::Session session) : socket_(std::move(socket)), session_(std::move(session)) {
    reader_ = std::thread([this] { read_loop(); });
  }
  ~Peer() {
    stopping_ = true;
    socket_.shutdown();
    reader_.join();
  }

  // One sealed frame of `envelope`: its header, then the envelope sealed with the header as
  // additional data. Advances the send counter: frames must go out in the order sealed.
  std::string seal(const Envelope& envelope) {
    const std::string plain = envelope.SerializeAsString();
    auto header = p2p::frame_header(static_cast<uint32_t>(plain.size() + p2p::kAeadTagBytes));
    return std::string(header_view(header)) + session_.send.seal(header_view(header), plain);
  }
  bool send(const Envelope& envelope) { return socket_.send_all(seal(envelope)); }
  bool send_raw(std::string_view bytes) { return socket_.send_all(bytes); }

  // Waits until `condition` holds of what the node sent, or `timeout` passes.
  bool wait(const std::function<bool(const Observed&)>& condition, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return condition(seen_); });
  }
  // Until the node closes the connection, or `timeout`.
  bool wait_closed(Clock::duration timeout) {
    return wait([](const Observed& o) { return o.closed; }, timeout);
  }
  Observed observed() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void read_loop() {
    const uint32_t max = p2p::HostOptions{}.max_frame_bytes;
    for (;;) {
      std::array<uint8_t, p2p::kFrameHeaderBytes> header{};
      auto frame = read_frame(socket_, max, Clock::time_point::max(), header);
      auto plain = frame ? session_.receive.open(header_view(header), *frame) : Result<std::string>(frame.status());
      if (!plain) {
        if (!stopping_) record([&](Observed& o) {
          o.closed = true;
          o.closed_at = Clock::now();
          o.close_error = plain.status().message();
        });
        return;
      }
      auto envelope = p2p::decode_envelope(*plain);
      record([&](Observed& o) {
        ++o.frames;
        if (!envelope) return;
        if (envelope->has_goodbye()) o.goodbye = envelope->goodbye().reason();
        if (envelope->has_status()) o.status = envelope->status();
        if (envelope->has_get_final_blocks()) o.sync_requests.push_back(envelope->get_final_blocks().from_height());
        if (envelope->has_vote()) {
          if (auto vote = decode_vote(as_bytes(envelope->vote()))) o.vote = *vote;
        }
        if (envelope->has_block()) {
          auto block = decode_block(as_bytes(envelope->block()));
          if (block && (!o.newest_block || block->header().header().height() >=
                                               o.newest_block->header().header().height())) {
            o.newest_block = *block;
          }
        }
      });
    }
  }
  template <typename F>
  void record(F&& change) {
    {
      std::lock_guard lock(mu_);
      change(seen_);
    }
    changed_.notify_all();
  }

  Socket socket_;
  p2p::Session session_;  // send: the caller's thread; receive: the reader's
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable changed_;
  Observed seen_;
  std::thread reader_;
};

// ---------------------------------------------------------------- the modes

struct Target {
  std::string host;
  uint16_t port = 0;
  GenesisConfig genesis;
  ChainId chain_id{};
  bool rejoin = false;  // --rejoin
};

p2p::LocalIdentity identity_for(const Target& t, const std::string& mode) {
  p2p::LocalIdentity me;  // a fresh node key
  me.chain_id = t.chain_id;
  me.chain_name = t.genesis.chain_name;
  me.agent = "ans_hostile_peer/" + mode;
  return me;
}

// The connection's outcome, shared by every mode's JSON line. `fault_sent`: when the first
// message at fault went out.
void describe(json& out, Peer& peer, Clock::time_point fault_sent, uint64_t sent) {
  const Observed o = peer.observed();
  out["sent"] = sent;
  out["closed"] = o.closed;
  if (o.closed) {
    out["closed_after_ms"] = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(o.closed_at - fault_sent).count());
  }
  if (!o.close_error.empty()) out["close_error"] = o.close_error;
  if (!o.goodbye.empty()) out["goodbye"] = o.goodbye;
  out["frames_received"] = o.frames;
}

// The peer after a handshake that must succeed; null (with `out["error"]`) when it did not.
std::unique_ptr<Peer> connect(const Target& t, const p2p::LocalIdentity& me, json& out) {
  Handshake h = dial_and_handshake(t.host, t.port, me);
  if (!h.session) {
    out["error"] = "handshake: " + h.error + (h.reject.empty() ? "" : " (reject: " + h.reject + ")");
    return nullptr;
  }
  auto peer = std::make_unique<Peer>(std::move(*h.socket), std::move(*h.session));
  // Admitted once the node sends its chain status (or refused with a goodbye).
  peer->wait([](const Observed& o) { return o.status.has_value() || o.closed; }, kAnswerTimeout);
  return peer;
}

// With --rejoin, once the node has closed the connection: redials with the key of `me` and
// records what the node answers (a key it banned gets a goodbye that says so).
void maybe_rejoin(const Target& t, const p2p::LocalIdentity& me, json& out) {
  if (!t.rejoin || !out.value("closed", false)) return;
  Handshake h = dial_and_handshake(t.host, t.port, me);
  json r;
  if (!h.session) {
    r["error"] = h.error;
  } else {
    Peer peer(std::move(*h.socket), std::move(*h.session));
    r["admitted"] = !peer.wait_closed(std::chrono::seconds(3));
    describe(r, peer, Clock::now(), 0);
  }
  out["rejoin"] = r;
}

int run_garbage(const Target& t, json& out) {
  auto dialed = Socket::dial(t.host, t.port);
  if (!dialed) {
    out["error"] = dialed.status().message();
    return 1;
  }
  Socket& socket = dialed.value();
  std::string garbage(2048, '\0');
  os_random(std::span(reinterpret_cast<uint8_t*>(garbage.data()), garbage.size()));
  const auto sent_at = Clock::now();
  socket.send_all(garbage);
  // Read (the node's Hello) until it closes.
  char byte = 0;
  Status st;
  uint64_t received = 0;
  const auto deadline = sent_at + kAnswerTimeout;
  while ((st = socket.recv_exact(&byte, 1, deadline)).is_ok()) ++received;
  out["sent_bytes"] = garbage.size();
  out["closed"] = st.code() == Errc::kUnavailable;
  out["closed_after_ms"] = elapsed_ms(sent_at);
  out["close_error"] = st.message();
  out["bytes_received"] = received;
  return 0;
}

int run_wrong_chain(const Target& t, json& out) {
  p2p::LocalIdentity me = identity_for(t, "wrong-chain");
  me.chain_id = sha256(as_bytes(std::string("not the chain of ") + t.genesis.chain_name));
  me.chain_name = "ans-hostile";
  out["node_key"] = to_hex(me.node_key.public_key().compressed());
  Handshake h = dial_and_handshake(t.host, t.port, me);
  out["handshake"] = h.session ? "completed" : "refused";
  out["reject_reason"] = h.reject;
  out["error"] = h.error;
  return 0;
}

// A fault sent as raw bytes after the handshake: the frame header of `oversized`, the
// tampered frame of `tampered`.
int run_frame_fault(const Target& t, const std::string& mode, json& out) {
  p2p::LocalIdentity me = identity_for(t, mode);
  out["node_key"] = to_hex(me.node_key.public_key().compressed());
  auto peer = connect(t, me, out);
  if (!peer) return 1;
  std::string fault;
  if (mode == "oversized") {
    const uint32_t length = p2p::HostOptions{}.max_frame_bytes + 1;
    auto header = p2p::frame_header(length);
    fault.assign(header.begin(), header.end());
    fault += std::string(1024, 'x');  // a start of the body; the node must not wait for the rest
    out["announced_bytes"] = length;
  } else {
    Envelope ping;
    ping.mutable_ping()->set_nonce(1);
    fault = peer->seal(ping);
    fault[p2p::kFrameHeaderBytes] = static_cast<char>(fault[p2p::kFrameHeaderBytes] ^ 0x01);
    out["flipped_bit"] = "bit 0 of the first sealed byte";
  }
  const auto sent_at = Clock::now();
  peer->send_raw(fault);
  peer->wait_closed(kAnswerTimeout);
  describe(out, *peer, sent_at, 1);
  peer.reset();
  maybe_rejoin(t, me, out);
  return 0;
}

// Blocks that break a rule, built on the newest block `b` the node sent: each kind breaks
// one rule the engine checks (consensus/engine.cc, check_header and after), and all carry
// this peer's signature.
struct BadBlock {
  std::string rule;
  v1::Block block;
};

BadBlock bad_block(const Target& t, const PrivateKey& key, const v1::Block& b, size_t kind) {
  const v1::BlockHeader& parent = b.header().header();
  const uint64_t interval = t.genesis.params.block_interval_ms;
  // A slot after the parent's that has begun: waits for it (one from the future would be
  // early, not invalid).
  const uint64_t now_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const uint64_t current = now_ms > t.genesis.genesis_time_ms ? (now_ms - t.genesis.genesis_time_ms) / interval : 0;
  const uint64_t slot = std::max(parent.slot() + 1, current);
  const uint64_t slot_start = t.genesis.genesis_time_ms + slot * interval;
  if (slot_start > now_ms) std::this_thread::sleep_for(std::chrono::milliseconds(slot_start - now_ms));
  v1::BlockHeader h;
  h.set_height(parent.height() + 1);
  h.set_prev_hash(to_field(block_hash(parent)));
  h.set_slot(slot);
  h.set_timestamp_ms(slot_start);
  h.set_producer(parent.producer());
  h.set_tx_root(to_field(transactions_root({})));
  FixedBytes<32> root{};
  os_random(root);  // every block distinct, so that none is dropped as a duplicate
  h.set_state_root(to_field(root));
  BadBlock out;
  switch (kind % 6) {
    case 0:
      // A child of the genesis block: a branch off the final chain, which the engine drops
      // without blame once anything is final.
      out.rule = "parent is the genesis block, bad state root";
      h.set_height(1);
      h.set_prev_hash(to_field(t.chain_id));
      break;
    case 1:
      // `b`'s own header, state root changed: the right producer for its slot, so only the
      // signature (this peer's) is wrong.
      out.rule = "producer signature by another key (and a bad state root)";
      h = parent;
      h.set_state_root(to_field(root));
      break;
    case 2: out.rule = "wrong height"; h.set_height(parent.height() + 2); break;
    case 3: out.rule = "slot not after its parent's"; h.set_slot(parent.slot()); break;
    case 4: out.rule = "timestamp not the start of its slot"; h.set_timestamp_ms(h.timestamp_ms() + 1); break;
    default: out.rule = "producer not the slot's"; h.set_producer("hostile-producer"); break;
  }
  *out.block.mutable_header()->mutable_header() = h;
  out.block.mutable_header()->set_signature(to_field(key.sign(header_signing_hash(t.chain_id, block_hash(h)))));
  return out;
}

// Votes for the newest block the node sent, signed by this peer's key: alternately as an SP
// id of no member, and as a member of the active set whose key it is not.
v1::SignedBlockVote outsider_vote(const Target& t, const PrivateKey& key, const v1::Block& b, uint64_t i) {
  const v1::BlockHeader& h = b.header().header();
  v1::SignedBlockVote vote;
  v1::BlockVote& v = *vote.mutable_vote();
  v.set_block_hash(to_field(block_hash(h)));
  v.set_height(h.height());
  v.set_slot(h.slot());
  v.set_voter(i % 2 == 0 || t.genesis.sps.empty() ? "hostile-outsider-" + std::to_string(i)
                                                   : t.genesis.sps[i % t.genesis.sps.size()].sp_id);
  vote.set_signature(to_field(key.sign(vote_signing_hash(t.chain_id, v))));
  return vote;
}

// invalid-blocks or outsider-votes: up to `how_many`, each on the newest block the node has
// sent, with time between them for the verdict to come back, until the node closes.
int run_invalid(const Target& t, const std::string& mode, uint64_t how_many, json& out) {
  p2p::LocalIdentity me = identity_for(t, mode);
  out["node_key"] = to_hex(me.node_key.public_key().compressed());
  auto peer = connect(t, me, out);
  if (!peer) return 1;
  if (!peer->wait([](const Observed& o) { return o.newest_block.has_value() || o.closed; }, kBlockTimeout) ||
      peer->observed().closed) {
    out["error"] = "the node sent no block to build on";
    return 1;
  }
  const auto first_sent = Clock::now();
  uint64_t sent = 0;
  json kinds = json::array();
  for (uint64_t i = 0; i < how_many && !peer->observed().closed; ++i) {
    const v1::Block newest = *peer->observed().newest_block;
    Envelope e;
    if (mode == "invalid-blocks") {
      BadBlock bad = bad_block(t, me.node_key, newest, i);
      kinds.push_back(bad.rule);
      e.set_block(encode_string(bad.block));
    } else {
      e.set_vote(encode_string(outsider_vote(t, me.node_key, newest, i)));
    }
    if (!peer->send(e)) break;
    ++sent;
    // Time for the chain thread's verdict to come back as a score before the next.
    peer->wait_closed(std::chrono::milliseconds(300));
  }
  peer->wait_closed(kAnswerTimeout);
  if (mode == "invalid-blocks") out["rules_broken"] = kinds;
  describe(out, *peer, first_sent, sent);
  peer.reset();
  maybe_rejoin(t, me, out);
  return 0;
}

// Messages that cost a node work but are no rule's breach: the newest block and vote again
// (duplicates), pings, chain statuses, address requests and unasked-for sync answers full of
// junk. Only their number is the fault.
int run_flood(const Target& t, uint64_t how_many, json& out) {
  p2p::LocalIdentity me = identity_for(t, "flood");
  out["node_key"] = to_hex(me.node_key.public_key().compressed());
  auto peer = connect(t, me, out);
  if (!peer) return 1;
  peer->wait([](const Observed& o) { return (o.newest_block && o.vote) || o.closed; }, kBlockTimeout);
  const Observed before = peer->observed();
  std::vector<Envelope> kinds;
  if (before.newest_block) kinds.emplace_back().set_block(encode_string(*before.newest_block));
  if (before.vote) kinds.emplace_back().set_vote(encode_string(*before.vote));
  kinds.emplace_back().mutable_get_peers();
  if (before.status) *kinds.emplace_back().mutable_status() = *before.status;
  kinds.emplace_back().mutable_ping();
  Envelope& junk = kinds.emplace_back();
  junk.mutable_final_blocks()->set_from_height(1);
  junk.mutable_final_blocks()->add_blocks(std::string(16 * 1024, '\x5a'));
  const auto started = Clock::now();
  uint64_t sent = 0;
  std::string batch;
  for (uint64_t i = 0; i < how_many; ++i) {
    Envelope e = kinds[i % kinds.size()];
    if (e.has_ping()) e.mutable_ping()->set_nonce(i);
    batch += peer->seal(e);
    if (batch.size() < 256 * 1024 && i + 1 < how_many) continue;
    if (!peer->send_raw(batch)) break;
    sent = i + 1;
    batch.clear();
    if (peer->observed().closed) break;
  }
  out["flood_ms"] = elapsed_ms(started);
  peer->wait_closed(kAnswerTimeout);
  describe(out, *peer, started, sent);
  peer.reset();
  maybe_rejoin(t, me, out);
  return 0;
}

// A chain status far ahead of the node's, repeated each second, and every range-sync request
// that follows answered with no blocks (`answer_empty`) or not at all: a peer that claims
// final blocks it does not have. Runs `seconds`, or until the node closes the connection.
int run_lying_status(const Target& t, uint64_t seconds, bool answer_empty, json& out) {
  p2p::LocalIdentity me = identity_for(t, "lying-status");
  out["node_key"] = to_hex(me.node_key.public_key().compressed());
  auto peer = connect(t, me, out);
  if (!peer) return 1;
  const auto started = Clock::now();
  uint64_t statuses = 0, answered = 0;
  size_t requests_seen = 0;
  auto next_status = started;
  while (Clock::now() - started < std::chrono::seconds(seconds) && !peer->observed().closed) {
    const Observed o = peer->observed();
    if (Clock::now() >= next_status) {
      const uint64_t real = o.status ? o.status->final_height() : 0;
      Envelope lie;
      lie.mutable_status()->set_head_height(real + 100'000);
      lie.mutable_status()->set_final_height(real + 100'000);
      FixedBytes<32> hash{};
      os_random(hash);
      lie.mutable_status()->set_final_hash(to_field(hash));
      if (!peer->send(lie)) break;
      ++statuses;
      next_status += std::chrono::seconds(1);
    }
    for (; requests_seen < o.sync_requests.size(); ++requests_seen) {
      if (!answer_empty) continue;
      Envelope none;
      none.mutable_final_blocks()->set_from_height(o.sync_requests[requests_seen]);
      if (peer->send(none)) ++answered;
    }
    peer->wait([&](const Observed& now) { return now.sync_requests.size() > requests_seen || now.closed; },
               std::chrono::milliseconds(100));
  }
  out["statuses_sent"] = statuses;
  out["sync_requests"] = requests_seen;
  out["answered_empty"] = answered;
  out["ran_ms"] = elapsed_ms(started);
  describe(out, *peer, started, statuses + answered);
  return 0;
}

}  // namespace
}  // namespace ans::hostile

int main(int argc, char** argv) {
  using namespace ans;
  using namespace ans::hostile;
  CLI::App app{"ans_hostile_peer — a scripted misbehaving P2P peer (tests only)", "ans_hostile_peer"};
  std::string genesis_path, target, mode;
  bool want_rejoin = false;
  uint64_t count = 0;
  app.add_option("--genesis", genesis_path, "the chain's genesis JSON (its chain id and slot clock)")->required();
  app.add_option("--target", target, "the node's P2P address, IP:PORT")->required();
  app.add_option("--mode", mode, "what to break")
      ->required()
      ->check(CLI::IsMember({"garbage", "oversized", "wrong-chain", "tampered", "invalid-blocks", "outsider-votes",
                             "flood", "lying-status"}));
  app.add_flag("--rejoin", want_rejoin, "after the node closed the connection, dial again with the same key");
  app.add_option("--count", count, "messages to send (invalid-blocks, outsider-votes: 20; flood: 20000)");
  uint64_t seconds = 30;
  app.add_option("--seconds", seconds, "how long lying-status runs")->capture_default_str();
  bool silent = false;
  app.add_flag("--silent", silent, "lying-status: leave sync requests unanswered (default: answer with no blocks)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  Target t;
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "ans_hostile_peer: --target " << target << ": expected IP:PORT\n";
    return 2;
  }
  t.host = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  unsigned parsed = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), parsed);
  if (error != std::errc() || end != port.data() + port.size() || parsed == 0 || parsed > 65535) {
    std::cerr << "ans_hostile_peer: --target " << target << ": bad port\n";
    return 2;
  }
  t.port = static_cast<uint16_t>(parsed);
  auto genesis = load_genesis_file(genesis_path);
  if (!genesis) {
    std::cerr << "ans_hostile_peer: " << genesis.status().to_string() << "\n";
    return 1;
  }
  t.genesis = *genesis;
  t.chain_id = chain_id(t.genesis);
  t.rejoin = want_rejoin;

  json out;
  out["mode"] = mode;
  int code = 0;
  if (mode == "garbage") {
    code = run_garbage(t, out);
  } else if (mode == "wrong-chain") {
    code = run_wrong_chain(t, out);
  } else if (mode == "oversized" || mode == "tampered") {
    code = run_frame_fault(t, mode, out);
  } else if (mode == "invalid-blocks" || mode == "outsider-votes") {
    code = run_invalid(t, mode, count != 0 ? count : 20, out);
  } else if (mode == "lying-status") {
    code = run_lying_status(t, seconds, !silent, out);
  } else {
    code = run_flood(t, count != 0 ? count : 20000, out);
  }
  std::cout << out.dump() << std::endl;
  return code;
}
