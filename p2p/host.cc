#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include "p2p/host.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <cstring>

#include <boost/asio.hpp>
#include <google/protobuf/unknown_field_set.h>
#include <spdlog/spdlog.h>

#include "ledger/wire/codec.h"
#include "p2p/wire.h"

namespace ans::p2p {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using consensus::Message;
using consensus::Verdict;
using v1::p2p::Envelope;

namespace {

// ---------------------------------------------------------------- tuning
constexpr uint32_t kSyncBatch = 64;             // blocks per GetFinalBlocks
constexpr uint64_t kSyncLag = 8;                // behind a peer's final block by more: sync
constexpr uint64_t kSyncWindow = 1024;          // requested at most this far past our final block
constexpr size_t kSyncInFlight = 8;             // requests out at once
constexpr size_t kSyncPerPeer = 3;              // of them to one peer
constexpr auto kSyncRequestTimeout = std::chrono::seconds(10);
constexpr auto kSyncStall = std::chrono::seconds(10);
// How long the final height of a peer that left a sync request unanswered is not followed.
constexpr auto kSyncDoubt = std::chrono::seconds(60);
constexpr auto kSyncLogEvery = std::chrono::seconds(5);
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kStatusEvery = std::chrono::milliseconds(200);
constexpr auto kDialEvery = std::chrono::seconds(2);
constexpr auto kPexEvery = std::chrono::seconds(30);
constexpr auto kScoreHalfLife = std::chrono::seconds(60);
constexpr size_t kSeenCapacity = 1 << 17;       // gossip ids remembered node-wide
constexpr size_t kKnownPerPeer = 1 << 13;       // gossip ids remembered per peer
constexpr size_t kAddressBookCapacity = 1024;
constexpr size_t kMaxPeersPerMessage = 32;
constexpr size_t kMaxBansKept = 10'000;
constexpr uint64_t kMaxQueuedBytes = 64ull * 1024 * 1024;  // a peer's unsent frames
constexpr uint64_t kGossipQueuedBytes = 16ull * 1024 * 1024;  // past this, transactions are shed
constexpr size_t kTxBatchBytes = 256 * 1024;    // a batch of transactions is sent at this size
constexpr auto kTxBatchDelay = std::chrono::milliseconds(10);  // or this long after its first

// Scores (HostOptions::ban_score, 100 by default, bans).
constexpr uint32_t kScoreInvalid = 20;          // a message the engine found invalid
constexpr uint32_t kScoreInvalidHash = 50;      // a block invalid in what its hash covers
constexpr uint32_t kScoreUndecodable = 25;      // bytes that do not decode as what they claim
constexpr uint32_t kScoreOversized = 100;       // a frame over the limit
constexpr uint32_t kScoreTampered = 100;        // a sealed frame that fails to open
constexpr uint32_t kScoreRate = 1;              // each message over the rate
constexpr uint32_t kScoreBadSync = 50;          // final blocks that do not link up
constexpr uint32_t kScoreSlowSync = 5;          // a sync request left unanswered

// A peer's fault found on its connection: closes it, after adding `score`.
struct Misbehaviour {
  uint32_t score;
  std::string reason;
};

struct Address {
  std::string host;
  uint16_t port = 0;
  std::string text() const {
    return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                               : host + ":" + std::to_string(port);
  }
  bool operator<(const Address& o) const { return std::tie(host, port) < std::tie(o.host, o.port); }
  bool operator==(const Address& o) const { return host == o.host && port == o.port; }
};

Result<Address> parse_address(std::string_view text) {
  Address a;
  std::string_view port;
  if (text.starts_with("[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status(Errc::kInvalidArgument, "address " + std::string(text) + ": expected [ipv6]:port");
    }
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status(Errc::kInvalidArgument, "address " + std::string(text) + ": expected host:port");
    }
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  uint32_t p = 0;
  if (port.empty() || port.size() > 5) return Status(Errc::kInvalidArgument, "address " + std::string(text) + ": bad port");
  for (char c : port) {
    if (c < '0' || c > '9') return Status(Errc::kInvalidArgument, "address " + std::string(text) + ": bad port");
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p > 65535) return Status(Errc::kInvalidArgument, "address " + std::string(text) + ": port above 65535");
  a.port = static_cast<uint16_t>(p);
  return a;
}

bool is_loopback(const asio::ip::address& ip) {
  return ip.is_loopback() || (ip.is_v6() && ip.to_v6().is_v4_mapped() &&
                              asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6()).is_loopback());
}

// A token bucket: `rate` per second, bursts up to twice that.
class Bucket {
 public:
  explicit Bucket(double rate) : rate_(rate), tokens_(2 * rate), last_(Clock::now()) {}
  bool take(double n, Clock::time_point now) {
    tokens_ = std::min(2 * rate_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    if (tokens_ < n) return false;
    tokens_ -= n;
    return true;
  }

 private:
  double rate_;
  double tokens_;
  Clock::time_point last_;
};

// A set of recent ids with first-in, first-out forgetting.
class RecentIds {
 public:
  explicit RecentIds(size_t capacity) : capacity_(capacity) {}
  bool contains(const Hash256& id) const { return set_.count(id) != 0; }
  // Whether it was new.
  bool insert(const Hash256& id) {
    if (!set_.insert(id).second) return false;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }
  void erase(const Hash256& id) { set_.erase(id); }  // its place in order_ goes in time

 private:
  struct HashOf {
    size_t operator()(const Hash256& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  size_t capacity_;
  std::unordered_set<Hash256, HashOf> set_;
  std::deque<Hash256> order_;
};

std::optional<Hash256> hash_field(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Hash256 h{};
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

std::string short_hex(const Hash256& h) { return to_hex(ByteView(h.data(), 4)); }

std::string kind_name(Message::Kind kind) {
  switch (kind) {
    case Message::Kind::kBlock: return "block";
    case Message::Kind::kVote: return "vote";
    case Message::Kind::kEvidence: return "evidence";
    case Message::Kind::kBlockRequest: return "block request";
    case Message::Kind::kTransaction: return "transaction";
  }
  return "message";
}

}  // namespace

// ==================================================================== the connection

class Peer;

class Host::Impl {
 public:
  Impl(HostOptions options, const consensus::ConsensusStore& store, std::function<void()> wake)
      : options_(std::move(options)),
        store_(store),
        wake_(std::move(wake)),
        acceptor_(io_),
        tick_(io_),
        flush_(io_),
        seen_(kSeenCapacity),
        own_key_(options_.identity.node_key.public_key().compressed()) {}

  Status bind();
  void run_thread();
  void stop();

  // chain thread
  void post_message(int peer, Message message, bool relay_from);
  std::vector<Inbound> take_inbound(size_t max);
  void report(int peer, const Verdict& verdict, Message::Kind kind);
  void set_local_status(uint64_t head, uint64_t final_height, const Hash256& final_hash);
  HostStats stats() const {
    std::lock_guard lock(stats_mu_);
    return stats_;
  }
  uint16_t port() const { return port_; }

  // network thread, for Peer
  asio::io_context& io() { return io_; }
  const HostOptions& options() const { return options_; }
  // After the handshake: whether the peer may stay (limits, bans, duplicates), and why not.
  Status admit(const std::shared_ptr<Peer>& peer);
  void on_envelope(const std::shared_ptr<Peer>& peer, Envelope envelope);
  void on_closed(const std::shared_ptr<Peer>& peer, const std::string& reason);
  void misbehaved(const std::shared_ptr<Peer>& peer, uint32_t score, const std::string& reason);
  bool banned_key(const CompressedPubKey& key, std::string* why = nullptr);
  void count_frame_in(uint64_t bytes) { frames_in_++, bytes_in_ += bytes; }
  void count_frame_out(uint64_t bytes) { frames_out_++, bytes_out_ += bytes; }
  void count_shed() { ++shed_; }
  void count_rate_limited() { ++rate_limited_; }

 private:
  friend class Peer;
  struct Ban {
    Clock::time_point until;
    std::string reason;
  };
  struct Dial {
    Address address;
    bool persistent = false;  // a configured peer: always redialed
    bool seed = false;
    Clock::time_point next_try{};
    std::chrono::seconds backoff{1};
    std::optional<CompressedPubKey> key;  // learned at its first handshake
  };
  struct SyncRequest {
    int peer;
    uint64_t from;
    uint32_t count;
    Clock::time_point sent;
  };

  awaitable<void> accept_loop();
  awaitable<void> dial(Address address, bool seed, bool persistent);
  void start_peer(tcp::socket socket, bool outbound, std::optional<Address> dialed, bool seed);
  void on_tick();
  void dial_some();
  void ask_for_peers();
  void broadcast_status();
  void sync_step();
  void unanswered(const std::shared_ptr<Peer>& peer, Clock::time_point now);
  void on_final_blocks(const std::shared_ptr<Peer>& peer, const v1::p2p::FinalBlocks& blocks);
  void serve_final_blocks(const std::shared_ptr<Peer>& peer, const v1::p2p::GetFinalBlocks& request);
  void serve_block(const std::shared_ptr<Peer>& peer, const v1::p2p::GetBlock& request);
  void send_peers(const std::shared_ptr<Peer>& peer);
  void learn_peers(const std::shared_ptr<Peer>& peer, const v1::p2p::Peers& peers);
  void learn_address(const Address& address);
  void ban(const std::shared_ptr<Peer>& peer, const std::string& reason);
  void publish_stats();
  bool push_inbound(Inbound in);
  std::shared_ptr<Peer> peer_by_id(int id) const;
  void send_gossip(const Envelope& envelope, const Hash256& id, int except);
  void flush_soon();
  // One gossiped chain message (a transaction of a batch, or a block, vote or evidence).
  void on_gossip(const std::shared_ptr<Peer>& peer, const Envelope& e);

  HostOptions options_;
  const consensus::ConsensusStore& store_;
  std::function<void()> wake_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer tick_;
  asio::steady_timer flush_;  // sends the batches of transactions gathered for peers
  bool flush_armed_ = false;
  std::thread thread_;
  uint16_t port_ = 0;
  bool stopping_ = false;
  std::once_flag stopped_;

  int next_peer_id_ = 1;
  std::map<int, std::shared_ptr<Peer>> peers_;  // authenticated and admitted
  std::set<std::shared_ptr<Peer>> connecting_;  // in the handshake
  std::map<CompressedPubKey, Ban> key_bans_;
  std::map<std::string, Ban> ip_bans_;          // never loopback addresses
  uint64_t bans_total_ = 0;
  std::vector<Dial> dials_;                     // configured peers and seeds
  std::map<Address, Clock::time_point> book_;   // learned addresses -> when to try next
  std::set<Address> dialing_;
  std::set<Address> self_addresses_;
  RecentIds seen_;
  CompressedPubKey own_key_;
  Clock::time_point last_dial_{}, last_pex_{}, last_status_sent_{};
  std::mt19937_64 rng_{std::random_device{}()};

  // Inbox, shared with the chain thread.
  mutable std::mutex inbox_mu_;
  std::deque<Inbound> inbox_;

  // The chain's status, set by the chain thread.
  mutable std::mutex local_mu_;
  uint64_t local_head_ = 0, local_final_ = 0;
  Hash256 local_final_hash_{};
  uint64_t local_version_ = 0;
  uint64_t status_sent_version_ = 0;

  // Range sync (network thread).
  bool syncing_ = false;
  uint64_t sync_target_ = 0;
  uint64_t next_request_ = 0;       // the next height not yet asked for
  uint64_t next_deliver_ = 0;       // the next height to hand to the chain
  Hash256 last_delivered_hash_{};
  std::map<uint64_t, std::pair<int, std::vector<std::shared_ptr<const v1::Block>>>> sync_ready_;
  std::set<uint64_t> sync_retry_;   // batch starts to ask for again
  std::map<uint64_t, SyncRequest> sync_out_;  // by from-height
  // Requests a restart gave up on: their answers are dropped, but a peer that sends none
  // in time is still doubted, or a restart every kSyncStall would forgive a silent peer.
  std::multimap<uint64_t, SyncRequest> sync_abandoned_;
  uint64_t synced_blocks_ = 0;
  uint64_t sync_started_final_ = 0;
  Clock::time_point sync_started_{}, sync_last_log_{}, sync_last_progress_{};
  uint64_t sync_progress_final_ = 0;
  uint64_t sync_log_final_ = 0;
  double sync_rate_ = 0;

  // Counters (network thread), published in stats_.
  uint64_t frames_in_ = 0, frames_out_ = 0, bytes_in_ = 0, bytes_out_ = 0, duplicates_ = 0, shed_ = 0,
           rate_limited_ = 0;
  mutable std::mutex stats_mu_;
  HostStats stats_;
};

// One TCP connection: the handshake, then a reader (this coroutine), a writer and a
// keep-alive timer. Lives on the network thread; the Host holds it while it is open.
class Peer : public std::enable_shared_from_this<Peer> {
 public:
  Peer(Host::Impl& host, tcp::socket socket, bool outbound, std::optional<Address> dialed, bool seed)
      : host_(host),
        socket_(std::move(socket)),
        outbound_(outbound),
        dialed_(std::move(dialed)),
        seed_(seed),
        wake_writer_(host.io()),
        keepalive_(host.io()),
        msg_bucket_(host.options().peer_msgs_per_s),
        byte_bucket_(static_cast<double>(host.options().peer_bytes_per_s)),
        known_(kKnownPerPeer) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) {
      ip_ = ep.address();
      remote_ = Address{ep.address().to_string(), ep.port()}.text();
    } else {
      remote_ = "?";
    }
  }

  void start() {
    asio::co_spawn(host_.io(), [self = shared_from_this()]() { return self->run(); }, asio::detached);
  }

  // Queues an envelope; `gossip` frames are shed first when the peer reads too slowly.
  void send(const Envelope& envelope, bool gossip = false) {
    if (closed_ || !authenticated_) return;
    std::string bytes = envelope.SerializeAsString();
    if (bytes.size() + kAeadTagBytes > host_.options().max_frame_bytes) {
      spdlog::warn("not sending a {} B message to peer {}: over the frame limit", bytes.size(), name());
      return;
    }
    if (gossip && queued_bytes_ > kGossipQueuedBytes) {
      host_.count_shed();
      return;
    }
    if (queued_bytes_ + bytes.size() > kMaxQueuedBytes) {
      close("it reads too slowly (" + std::to_string(queued_bytes_ >> 20) + " MiB unsent)");
      return;
    }
    queued_bytes_ += bytes.size();
    queue_.push_back(std::move(bytes));
    wake_writer_.cancel();
  }

  // Queues a gossiped transaction into the batch for this peer (flush_transactions sends it).
  // Returns true when the batch is full enough to send at once.
  bool queue_transaction(const std::string& bytes) {
    if (closed_ || !authenticated_) return false;
    auto* batch = pending_txs_.mutable_transactions();
    batch->add_transactions(bytes);
    pending_tx_bytes_ += bytes.size();
    return batch->transactions_size() >= kMaxTransactionsPerBatch || pending_tx_bytes_ >= kTxBatchBytes;
  }
  void flush_transactions() {
    if (!pending_txs_.has_transactions()) return;
    send(pending_txs_, true);
    pending_txs_.Clear();
    pending_tx_bytes_ = 0;
  }

  // Closes the connection, telling the peer why when it can.
  void close(const std::string& reason) {
    if (closed_) return;
    if (authenticated_ && !goodbye_sent_) {
      goodbye_sent_ = true;
      Envelope e;
      e.mutable_goodbye()->set_reason(reason.substr(0, 200));
      queue_.push_back(e.SerializeAsString());
      closing_reason_ = reason;
      closing_ = true;
      wake_writer_.cancel();
      // The writer closes after sending it; a stuck one is cut by the timer.
      keepalive_.expires_after(std::chrono::seconds(1));
      keepalive_.async_wait([self = shared_from_this()](boost::system::error_code) { self->shut(); });
      return;
    }
    closing_reason_ = reason;
    shut();
  }

  bool authenticated() const { return authenticated_; }
  // Closed, or its goodbye on the way: nothing more it sent is taken or scored.
  bool leaving() const { return closed_ || closing_; }
  bool outbound() const { return outbound_; }
  bool seed() const { return seed_; }
  int id() const { return id_; }
  void set_id(int id) { id_ = id; }
  const CompressedPubKey& key() const { return key_; }
  const asio::ip::address& ip() const { return ip_; }
  const std::optional<Address>& dialed() const { return dialed_; }
  // The address it accepts peers on, as peer exchange passes it on: its IP and listen port.
  std::optional<Address> listen_address() const {
    if (listen_port_ == 0 || ip_.is_unspecified()) return std::nullopt;
    return Address{ip_.to_string(), listen_port_};
  }
  std::string name() const { return short_key(key_) + " (" + remote_ + ")"; }
  const std::string& remote() const { return remote_; }
  const std::string& agent() const { return agent_; }
  RecentIds& known() { return known_; }
  uint64_t head_height = 0, final_height = 0;
  Hash256 final_hash{};
  uint32_t score = 0;
  Clock::time_point score_decayed = Clock::now();
  Clock::time_point last_peers_served{};
  bool asked_for_peers = false;
  uint64_t bytes_in = 0, bytes_out = 0;
  size_t sync_requests = 0;
  // Until then, its final height neither starts nor steers range sync: it left a request
  // unanswered, so its status may claim blocks it does not have.
  Clock::time_point sync_doubted_until{};

 private:
  awaitable<std::string> read_frame(uint32_t max, std::array<uint8_t, kFrameHeaderBytes>& header) {
    co_await asio::async_read(socket_, asio::buffer(header), use_awaitable);
    const uint32_t length = frame_length(header);
    if (length > max) {
      throw Misbehaviour{kScoreOversized, "a frame of " + std::to_string(length) + " B, over the " +
                                              std::to_string(max) + " B limit"};
    }
    std::string body(length, '\0');
    co_await asio::async_read(socket_, asio::buffer(body), use_awaitable);
    bytes_in += kFrameHeaderBytes + length;
    host_.count_frame_in(kFrameHeaderBytes + length);
    co_return body;
  }

  awaitable<void> write_plain(const std::string& bytes) {
    auto header = frame_header(static_cast<uint32_t>(bytes.size()));
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(bytes)};
    co_await asio::async_write(socket_, buffers, use_awaitable);
  }

  awaitable<void> write_sealed(const std::string& plain) {
    auto header = frame_header(static_cast<uint32_t>(plain.size() + kAeadTagBytes));
    std::string sealed = session_->send.seal(
        std::string_view(reinterpret_cast<const char*>(header.data()), header.size()), plain);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(sealed)};
    co_await asio::async_write(socket_, buffers, use_awaitable);
    bytes_out += header.size() + sealed.size();
    host_.count_frame_out(header.size() + sealed.size());
  }

  awaitable<std::string> read_sealed() {
    std::array<uint8_t, kFrameHeaderBytes> header{};
    std::string sealed = co_await read_frame(host_.options().max_frame_bytes, header);
    auto plain = session_->receive.open(
        std::string_view(reinterpret_cast<const char*>(header.data()), header.size()), sealed);
    if (!plain) throw Misbehaviour{kScoreTampered, plain.status().message()};
    co_return std::move(plain).value();
  }

  awaitable<void> handshake() {
    const LocalIdentity& me = host_.options().identity;
    HandshakeStart start = begin_handshake(me);
    co_await write_plain(start.hello_bytes);
    std::array<uint8_t, kFrameHeaderBytes> header{};
    std::string theirs = co_await read_frame(kMaxHandshakeFrameBytes, header);
    auto frame = decode_handshake(theirs);
    if (!frame) throw Misbehaviour{kScoreUndecodable, "a first frame that is no handshake"};
    if (frame->has_reject()) {
      throw Misbehaviour{0, "refused by the peer: " + frame->reject().reason().substr(0, 200)};
    }
    const v1::p2p::Hello& hello = frame->hello();
    if (Status st = check_hello(me, hello); !st) {
      v1::p2p::Handshake reject;
      reject.mutable_reject()->set_reason(st.message());
      co_await write_plain(reject.SerializeAsString());
      throw Misbehaviour{0, "refused: " + st.message()};
    }
    auto session = agree(start, start.hello_bytes, theirs, hello, outbound_);
    if (!session) throw Misbehaviour{kScoreUndecodable, session.status().message()};
    session_.emplace(std::move(session).value());
    key_ = session_->peer_key.compressed();
    listen_port_ = static_cast<uint16_t>(hello.listen_port());
    agent_ = hello.agent().substr(0, 64);
    Envelope auth;
    *auth.mutable_auth() = make_auth(me, *session_, outbound_, hello);
    co_await write_sealed(auth.SerializeAsString());
    auto first = decode_envelope(co_await read_sealed());
    if (!first || !first->has_auth()) throw Misbehaviour{kScoreUndecodable, "no auth after the hello"};
    if (Status st = check_auth(me.chain_id, *session_, outbound_, start.nonce, first->auth()); !st) {
      throw Misbehaviour{kScoreUndecodable, st.message()};
    }
  }

  awaitable<void> run() {
    auto self = shared_from_this();
    asio::steady_timer deadline(host_.io());
    deadline.expires_after(std::chrono::milliseconds(host_.options().handshake_timeout_ms));
    deadline.async_wait([self](boost::system::error_code ec) {
      if (!ec && !self->authenticated_) {
        self->closing_reason_ = "the handshake took too long";
        self->shut();
      }
    });
    try {
      co_await handshake();
      deadline.cancel();
      if (closed_) co_return;
      // Before admit(): send() drops what is queued before this, and admit() queues the
      // peer's first chain status and request for addresses; a refusal is said in a goodbye.
      authenticated_ = true;
      if (Status st = host_.admit(self); !st) {
        asio::co_spawn(host_.io(), [self] { return self->writer(); }, asio::detached);
        close(st.message());
        co_return;
      }
      last_received_ = Clock::now();
      asio::co_spawn(host_.io(), [self] { return self->writer(); }, asio::detached);
      keepalive_loop();
      while (!closed_) {
        std::string plain = co_await read_sealed();
        // Closing (banned, say) while the read waited: the writer ends the connection once
        // the goodbye is out; until then what arrives is dropped, not judged.
        if (leaving()) continue;
        last_received_ = Clock::now();
        const auto now = Clock::now();
        if (!msg_bucket_.take(1, now) || !byte_bucket_.take(static_cast<double>(plain.size()), now)) {
          host_.count_rate_limited();
          host_.misbehaved(self, kScoreRate, "messages over its rate limit");
          continue;
        }
        auto envelope = decode_envelope(plain);
        if (!envelope) {
          host_.misbehaved(self, kScoreUndecodable, "a message that does not decode: " + envelope.status().message());
          continue;
        }
        host_.on_envelope(self, std::move(envelope).value());
      }
    } catch (const Misbehaviour& m) {
      if (m.score > 0 && authenticated_) host_.misbehaved(self, m.score, m.reason);
      if (closing_reason_.empty()) closing_reason_ = m.reason;
    } catch (const boost::system::system_error& e) {
      if (closing_reason_.empty()) {
        closing_reason_ = e.code() == asio::error::eof ? "closed by the peer" : e.code().message();
      }
    }
    shut();
  }

  awaitable<void> writer() {
    auto self = shared_from_this();
    try {
      while (!closed_) {
        if (queue_.empty()) {
          if (closing_) break;
          wake_writer_.expires_at(Clock::time_point::max());
          boost::system::error_code ec;
          co_await wake_writer_.async_wait(asio::redirect_error(use_awaitable, ec));
          continue;
        }
        std::string next = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= std::min<uint64_t>(queued_bytes_, next.size());
        last_sent_ = Clock::now();
        co_await write_sealed(next);
      }
    } catch (const boost::system::system_error& e) {
      if (closing_reason_.empty()) closing_reason_ = e.code().message();
    }
    shut();
  }

  void keepalive_loop() {
    keepalive_.expires_after(std::chrono::milliseconds(1000));
    keepalive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_ || self->closing_) return;
      const auto now = Clock::now();
      const auto& o = self->host_.options();
      if (now - self->last_received_ > std::chrono::milliseconds(o.idle_timeout_ms)) {
        self->close("nothing received for " + std::to_string(o.idle_timeout_ms / 1000) + " s");
        return;
      }
      if (now - self->last_sent_ > std::chrono::milliseconds(o.keepalive_ms)) {
        Envelope ping;
        ping.mutable_ping()->set_nonce(++self->ping_nonce_);
        self->send(ping);
      }
      self->keepalive_loop();
    });
  }

  // The end: the socket closes, the coroutines finish, the host forgets the peer.
  void shut() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    wake_writer_.cancel();
    keepalive_.cancel();
    host_.on_closed(shared_from_this(), closing_reason_.empty() ? "closed" : closing_reason_);
  }

  Host::Impl& host_;
  tcp::socket socket_;
  bool outbound_;
  std::optional<Address> dialed_;
  bool seed_;
  asio::steady_timer wake_writer_;
  asio::steady_timer keepalive_;
  Bucket msg_bucket_;
  Bucket byte_bucket_;
  RecentIds known_;
  asio::ip::address ip_;
  std::string remote_;
  std::optional<Session> session_;
  CompressedPubKey key_{};
  uint16_t listen_port_ = 0;
  std::string agent_;
  int id_ = 0;
  bool authenticated_ = false;
  bool closed_ = false;
  bool closing_ = false;
  bool goodbye_sent_ = false;
  std::string closing_reason_;
  std::deque<std::string> queue_;
  uint64_t queued_bytes_ = 0;
  Envelope pending_txs_;  // the batch of transactions being gathered
  size_t pending_tx_bytes_ = 0;
  uint64_t ping_nonce_ = 0;
  Clock::time_point last_received_ = Clock::now();
  Clock::time_point last_sent_ = Clock::now();
};

// ==================================================================== the host

Status Host::Impl::bind() {
  if (options_.listen.empty()) return Status::ok();
  auto address = parse_address(options_.listen);
  if (!address) return Status(Errc::kInvalidArgument, "p2p listen " + address.status().message());
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(address->host, std::to_string(address->port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status(Errc::kInvalidArgument, "p2p listen " + options_.listen + ": " + ec.message());
  }
  tcp::endpoint ep = endpoints.begin()->endpoint();
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status(Errc::kUnavailable, "cannot listen for peers on " + options_.listen + ": " + ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  options_.identity.listen_port = port_;
  return Status::ok();
}

void Host::Impl::run_thread() {
  for (const auto& [list, seed] : {std::pair{&options_.peers, false}, std::pair{&options_.seeds, true}}) {
    for (const std::string& text : *list) {
      auto a = parse_address(text);
      if (a) dials_.push_back(Dial{*a, !seed, seed, {}, std::chrono::seconds(1), std::nullopt});
    }
  }
  thread_ = std::thread([this] {
    if (acceptor_.is_open()) asio::co_spawn(io_, accept_loop(), asio::detached);
    on_tick();
    io_.run();
  });
}

void Host::Impl::stop() {
  std::call_once(stopped_, [this] {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ec;
      acceptor_.close(ec);
      tick_.cancel();
      flush_.cancel();
      for (auto& [id, p] : std::map(peers_)) p->close("shutting down");
      for (auto& p : std::set(connecting_)) p->close("shutting down");
    });
    // Goodbyes have a moment to leave, then whatever is still waiting is cut.
    asio::steady_timer end(io_);
    end.expires_after(std::chrono::milliseconds(300));
    end.async_wait([this](boost::system::error_code) { io_.stop(); });
    thread_.join();
    peers_.clear();
    connecting_.clear();
  });
}

awaitable<void> Host::Impl::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (stopping_ || ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of file descriptors, most likely: wait a little rather than spin.
      spdlog::warn("p2p: accepting a connection failed: {}", ec.message());
      asio::steady_timer pause(io_, std::chrono::milliseconds(200));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    auto remote = socket.remote_endpoint(ec);
    if (ec) continue;
    if (auto ban = ip_bans_.find(remote.address().to_string());
        ban != ip_bans_.end() && ban->second.until > Clock::now()) {
      socket.close(ec);
      continue;
    }
    // Handshakes in progress count against the inbound limit too, so a flood of half-open
    // connections cannot take more.
    uint32_t inbound = 0;
    for (const auto& [id, p] : peers_) inbound += p->outbound() ? 0 : 1;
    for (const auto& p : connecting_) inbound += p->outbound() ? 0 : 1;
    if (inbound >= options_.max_inbound + 8) {
      socket.close(ec);
      continue;
    }
    start_peer(std::move(socket), false, std::nullopt, false);
  }
}

void Host::Impl::start_peer(tcp::socket socket, bool outbound, std::optional<Address> dialed, bool seed) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto peer = std::make_shared<Peer>(*this, std::move(socket), outbound, std::move(dialed), seed);
  connecting_.insert(peer);
  peer->start();
}

awaitable<void> Host::Impl::dial(Address address, bool seed, bool persistent) {
  dialing_.insert(address);
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = co_await resolver.async_resolve(address.host, std::to_string(address.port),
                                                   asio::redirect_error(use_awaitable, ec));
  tcp::socket socket(io_);
  if (!ec) {
    asio::steady_timer timeout(io_, std::chrono::milliseconds(options_.handshake_timeout_ms));
    timeout.async_wait([&socket](boost::system::error_code e) {
      if (!e) {
        boost::system::error_code ignored;
        socket.close(ignored);
      }
    });
    co_await asio::async_connect(socket, endpoints, asio::redirect_error(use_awaitable, ec));
    timeout.cancel();
  }
  dialing_.erase(address);
  if (stopping_) co_return;
  auto dial = std::find_if(dials_.begin(), dials_.end(), [&](const Dial& d) { return d.address == address; });
  if (ec) {
    if (dial != dials_.end()) {
      // The first failure is worth a line; the retries are not.
      if (dial->backoff <= std::chrono::seconds(1)) {
        spdlog::info("p2p: cannot reach {} ({}); retrying with backoff", address.text(), ec.message());
      }
      dial->next_try = Clock::now() + dial->backoff;
      dial->backoff = std::min<std::chrono::seconds>(dial->backoff * 2, std::chrono::seconds(30));
    } else if (auto b = book_.find(address); b != book_.end()) {
      b->second = Clock::now() + std::chrono::minutes(5);
    }
    co_return;
  }
  (void)persistent;
  start_peer(std::move(socket), true, address, seed);
}

bool Host::Impl::banned_key(const CompressedPubKey& key, std::string* why) {
  auto it = key_bans_.find(key);
  if (it == key_bans_.end()) return false;
  const auto now = Clock::now();
  if (it->second.until <= now) {
    key_bans_.erase(it);
    return false;
  }
  if (why != nullptr) {
    *why = "banned for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(it->second.until - now).count()) +
           " more s: " + it->second.reason;
  }
  return true;
}

Status Host::Impl::admit(const std::shared_ptr<Peer>& peer) {
  connecting_.erase(peer);
  if (stopping_) return Status(Errc::kUnavailable, "shutting down");
  if (peer->key() == own_key_) {
    if (peer->dialed()) self_addresses_.insert(*peer->dialed());
    return Status(Errc::kFailedPrecondition, "connected to itself");
  }
  std::string why;
  if (banned_key(peer->key(), &why)) return Status(Errc::kFailedPrecondition, why);
  uint32_t inbound = 0, same_ip = 0;
  std::shared_ptr<Peer> existing;
  for (const auto& [id, p] : peers_) {
    inbound += p->outbound() ? 0 : 1;
    same_ip += p->ip() == peer->ip() ? 1 : 0;
    if (p->key() == peer->key()) existing = p;
  }
  if (existing) {
    // Both ends apply the same rule, so they keep the same one of two crossing connections:
    // the one dialed by the smaller node key; between two of one dialer, the newer.
    const CompressedPubKey& old_dialer = existing->outbound() ? own_key_ : existing->key();
    const CompressedPubKey& new_dialer = peer->outbound() ? own_key_ : peer->key();
    if (old_dialer < new_dialer) return Status(Errc::kFailedPrecondition, "already connected");
    peers_.erase(existing->id());
    existing->close("replaced by a newer connection");
    same_ip -= 1;
    if (!existing->outbound()) inbound -= 1;
  }
  if (!peer->outbound() && inbound >= options_.max_inbound) {
    return Status(Errc::kResourceExhausted, "too many inbound peers (" + std::to_string(inbound) + ")");
  }
  if (same_ip >= options_.max_per_ip) {
    return Status(Errc::kResourceExhausted, "too many peers from " + peer->ip().to_string());
  }
  peer->set_id(next_peer_id_++);
  peers_[peer->id()] = peer;
  for (Dial& d : dials_) {
    if (peer->dialed() && d.address == *peer->dialed()) {
      d.key = peer->key();
      d.backoff = std::chrono::seconds(1);
    }
  }
  if (auto a = peer->listen_address()) learn_address(*a);
  spdlog::info("p2p: peer {} connected ({}, {}); {} peers", peer->name(), peer->outbound() ? "outbound" : "inbound",
               peer->agent().empty() ? "no agent" : peer->agent(), peers_.size());
  Envelope status;
  {
    std::lock_guard lock(local_mu_);
    auto* s = status.mutable_status();
    s->set_head_height(local_head_);
    s->set_final_height(local_final_);
    s->set_final_hash(std::string(local_final_hash_.begin(), local_final_hash_.end()));
  }
  peer->send(status);
  if (options_.pex || peer->seed()) {
    Envelope ask;
    ask.mutable_get_peers();
    peer->asked_for_peers = true;
    peer->send(ask);
  }
  return Status::ok();
}

void Host::Impl::on_closed(const std::shared_ptr<Peer>& peer, const std::string& reason) {
  connecting_.erase(peer);
  auto it = peers_.find(peer->id());
  const bool admitted = it != peers_.end() && it->second == peer;
  if (admitted) {
    peers_.erase(it);
    spdlog::info("p2p: peer {} left: {}; {} peers", peer->name(), reason, peers_.size());
    // Its sync requests go to others.
    for (auto r = sync_out_.begin(); r != sync_out_.end();) {
      if (r->second.peer == peer->id()) {
        sync_retry_.insert(r->first);
        r = sync_out_.erase(r);
      } else {
        ++r;
      }
    }
  } else if (reason.starts_with("refused")) {
    spdlog::warn("p2p: connection with {} {}", peer->remote(), reason);
  } else {
    spdlog::debug("p2p: connection with {} closed before it was set up: {}", peer->remote(), reason);
  }
  if (peer->dialed()) {
    for (Dial& d : dials_) {
      if (d.address == *peer->dialed() && d.next_try < Clock::now() + d.backoff) {
        d.next_try = Clock::now() + d.backoff;
        d.backoff = std::min<std::chrono::seconds>(d.backoff * 2, std::chrono::seconds(30));
      }
    }
  }
}

void Host::Impl::misbehaved(const std::shared_ptr<Peer>& peer, uint32_t score, const std::string& reason) {
  // Verdicts on what it sent before still come back from the chain thread: a peer banned
  // (or leaving) already is not banned again.
  if (peer->leaving()) return;
  const auto now = Clock::now();
  // Scores fade: halved each minute, so only a sustained or grave fault reaches a ban.
  while (now - peer->score_decayed >= kScoreHalfLife) {
    peer->score /= 2;
    peer->score_decayed += kScoreHalfLife;
  }
  peer->score += score;
  if (score > kScoreRate) {
    spdlog::info("p2p: peer {}: {} (+{}, score {})", peer->name(), reason, score, peer->score);
  }
  if (peer->score >= options_.ban_score) ban(peer, reason);
}

void Host::Impl::ban(const std::shared_ptr<Peer>& peer, const std::string& reason) {
  const auto until = Clock::now() + std::chrono::seconds(options_.ban_seconds);
  if (key_bans_.size() >= kMaxBansKept) key_bans_.erase(key_bans_.begin());
  key_bans_[peer->key()] = Ban{until, reason};
  // Loopback is never banned by address: local tools and testnets share it.
  if (!is_loopback(peer->ip())) {
    if (ip_bans_.size() >= kMaxBansKept) ip_bans_.erase(ip_bans_.begin());
    ip_bans_[peer->ip().to_string()] = Ban{until, reason};
  }
  ++bans_total_;
  spdlog::warn("p2p: banned peer {} for {} s: {} (score {})", peer->name(), options_.ban_seconds, reason,
               peer->score);
  peer->close("banned for " + std::to_string(options_.ban_seconds) + " s: " + reason);
}

std::shared_ptr<Peer> Host::Impl::peer_by_id(int id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

bool Host::Impl::push_inbound(Inbound in) {
  {
    std::lock_guard lock(inbox_mu_);
    if (inbox_.size() >= options_.inbox_capacity) return false;
    inbox_.push_back(std::move(in));
  }
  wake_();
  return true;
}

void Host::Impl::on_envelope(const std::shared_ptr<Peer>& peer, Envelope e) {
  switch (e.body_case()) {
    case Envelope::kPing: {
      Envelope pong;
      pong.mutable_pong()->set_nonce(e.ping().nonce());
      peer->send(pong);
      return;
    }
    case Envelope::kPong: return;
    case Envelope::kStatus: {
      const auto& s = e.status();
      if (s.final_height() > s.head_height() || (!s.final_hash().empty() && s.final_hash().size() != 32)) {
        misbehaved(peer, kScoreUndecodable, "a status with a final block above its head");
        return;
      }
      peer->head_height = s.head_height();
      peer->final_height = s.final_height();
      return;
    }
    case Envelope::kTransaction:
    case Envelope::kBlock:
    case Envelope::kVote:
    case Envelope::kEvidence: on_gossip(peer, e); return;
    case Envelope::kTransactions: {
      const auto& txs = e.transactions().transactions();
      if (txs.size() > kMaxTransactionsPerBatch) {
        misbehaved(peer, kScoreUndecodable, "a batch of more than 1,024 transactions");
        return;
      }
      Envelope one;
      for (const std::string& tx : txs) {
        one.set_transaction(tx);
        on_gossip(peer, one);
      }
      return;
    }
    case Envelope::kGetBlock: serve_block(peer, e.get_block()); return;
    case Envelope::kGetFinalBlocks: serve_final_blocks(peer, e.get_final_blocks()); return;
    case Envelope::kFinalBlocks: on_final_blocks(peer, e.final_blocks()); return;
    case Envelope::kGetPeers: send_peers(peer); return;
    case Envelope::kPeers: learn_peers(peer, e.peers()); return;
    case Envelope::kGoodbye: peer->close("it said goodbye: " + e.goodbye().reason().substr(0, 200)); return;
    case Envelope::kAuth: misbehaved(peer, kScoreUndecodable, "a second auth"); return;
    case Envelope::BODY_NOT_SET: return;
  }
}

void Host::Impl::on_gossip(const std::shared_ptr<Peer>& peer, const Envelope& e) {
  const Hash256 id = gossip_id(e);
  peer->known().insert(id);
  if (seen_.contains(id)) {
    ++duplicates_;
    return;
  }
  // While range sync fetches final blocks, the head's blocks and votes would only wait as
  // orphans: they are left for gossip after the sync.
  if (syncing_ && (e.has_block() || e.has_vote())) return;
  auto message = chain_message(e);
  if (!message) {
    const char* what = e.has_transaction() ? "transaction" : e.has_block() ? "block" : e.has_vote() ? "vote" : "evidence";
    misbehaved(peer, kScoreUndecodable,
               std::string("a ") + what + " that does not decode: " + message.status().message());
    return;
  }
  seen_.insert(id);
  if (!push_inbound(Inbound{peer->id(), std::move(message).value(), false})) {
    seen_.erase(id);  // shed: it may come again
    ++shed_;
  }
}

void Host::Impl::serve_block(const std::shared_ptr<Peer>& peer, const v1::p2p::GetBlock& request) {
  auto hash = hash_field(request.hash());
  if (!hash) {
    misbehaved(peer, kScoreUndecodable, "a block request without a 32-byte hash");
    return;
  }
  auto stored = store_.get_block(*hash);
  if (!stored) {
    spdlog::warn("p2p: cannot read block {} to serve it: {}", short_hex(*hash), stored.status().to_string());
    return;
  }
  if (!stored->has_value() || !(*stored)->block.has_header()) return;  // unknown, or genesis
  Envelope e;
  (*stored)->block.SerializeToString(e.mutable_block());
  peer->send(e);
}

void Host::Impl::serve_final_blocks(const std::shared_ptr<Peer>& peer, const v1::p2p::GetFinalBlocks& request) {
  const uint64_t from = request.from_height();
  const uint32_t count = std::min(request.count(), kMaxBlocksPerRequest);
  if (from == 0 || count == 0) {
    misbehaved(peer, kScoreUndecodable, "a sync request from height 0 or for no blocks");
    return;
  }
  Envelope e;
  v1::p2p::FinalBlocks& out = *e.mutable_final_blocks();
  out.set_from_height(from);
  const size_t budget = options_.max_frame_bytes - 64 * 1024;
  size_t total = 0;
  for (uint64_t h = from; h < from + count; ++h) {
    auto entry = store_.final_at(h);
    if (!entry) {
      spdlog::warn("p2p: cannot read final block {} to serve it: {}", h, entry.status().to_string());
      break;
    }
    if (!entry->has_value()) break;
    auto stored = store_.get_block((*entry)->hash);
    if (!stored || !stored->has_value()) {
      spdlog::warn("p2p: final block {} is indexed but cannot be read: {}", h,
                   stored ? "not stored" : stored.status().to_string());
      break;
    }
    std::string bytes = (*stored)->block.SerializeAsString();
    if (out.blocks_size() > 0 && total + bytes.size() > budget) break;
    total += bytes.size();
    out.add_blocks(std::move(bytes));
  }
  peer->send(e);
}

void Host::Impl::send_peers(const std::shared_ptr<Peer>& peer) {
  const auto now = Clock::now();
  if (now - peer->last_peers_served < std::chrono::seconds(10)) return;
  peer->last_peers_served = now;
  Envelope e;
  auto& out = *e.mutable_peers();
  auto add = [&](const Address& a) {
    if (static_cast<size_t>(out.peers_size()) >= kMaxPeersPerMessage) return;
    auto* p = out.add_peers();
    p->set_host(a.host);
    p->set_port(a.port);
  };
  if (!options_.external_address.empty()) {
    if (auto a = parse_address(options_.external_address)) add(*a);
  }
  for (const auto& [id, p] : peers_) {
    if (p != peer) {
      if (auto a = p->listen_address()) add(*a);
    }
  }
  peer->send(e);
}

void Host::Impl::learn_peers(const std::shared_ptr<Peer>& peer, const v1::p2p::Peers& peers) {
  if (!peer->asked_for_peers) return;  // unasked for: ignored
  peer->asked_for_peers = false;
  if (static_cast<size_t>(peers.peers_size()) > kMaxPeersPerMessage) {
    misbehaved(peer, kScoreUndecodable, "more than 32 addresses in one answer");
    return;
  }
  size_t learned = 0;
  for (const auto& p : peers.peers()) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(p.host(), ec);
    // Only IP literals: a peer's words never make this node look a name up.
    if (ec || ip.is_unspecified() || ip.is_multicast() || p.port() == 0 || p.port() > 65535) continue;
    learn_address(Address{ip.to_string(), static_cast<uint16_t>(p.port())});
    ++learned;
  }
  if (peer->seed()) peer->close("a seed, left after it gave " + std::to_string(learned) + " addresses");
}

void Host::Impl::learn_address(const Address& address) {
  if (self_addresses_.count(address) != 0 || book_.size() >= kAddressBookCapacity) return;
  book_.emplace(address, Clock::time_point{});
}

void Host::Impl::send_gossip(const Envelope& envelope, const Hash256& id, int except) {
  for (auto& [pid, p] : peers_) {
    if (pid == except || p->known().contains(id)) continue;
    p->known().insert(id);
    if (!envelope.has_transaction()) {
      p->send(envelope);
    } else if (p->queue_transaction(envelope.transaction())) {
      p->flush_transactions();
    } else {
      flush_soon();
    }
  }
}

void Host::Impl::flush_soon() {
  if (flush_armed_) return;
  flush_armed_ = true;
  flush_.expires_after(kTxBatchDelay);
  flush_.async_wait([this](boost::system::error_code) {
    flush_armed_ = false;
    for (auto& [id, p] : peers_) p->flush_transactions();
  });
}

// ---------------------------------------------------------------- the chain thread's calls

void Host::Impl::post_message(int peer, Message message, bool relay_from) {
  asio::post(io_, [this, peer, relay_from, message = std::move(message)] {
    if (stopping_) return;
    Envelope e = envelope_of(message);
    if (message.kind == Message::Kind::kBlockRequest) {
      if (auto p = peer_by_id(peer)) p->send(e);
      return;
    }
    // A block range sync fetched was final already at the peers that have it: not relayed.
    if (relay_from && message.kind == Message::Kind::kBlock &&
        message.block->header().header().height() <= sync_target_) {
      return;
    }
    const Hash256 id = gossip_id(e);
    seen_.insert(id);
    if (peer < 0 || relay_from) {
      send_gossip(e, id, relay_from ? peer : -1);
    } else if (auto p = peer_by_id(peer)) {
      p->known().insert(id);
      p->send(e);
    }
  });
}

std::vector<Inbound> Host::Impl::take_inbound(size_t max) {
  std::vector<Inbound> out;
  std::lock_guard lock(inbox_mu_);
  const size_t n = std::min(max, inbox_.size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(inbox_.front()));
    inbox_.pop_front();
  }
  return out;
}

void Host::Impl::report(int peer, const Verdict& verdict, Message::Kind kind) {
  if (!verdict.is(Verdict::Kind::kInvalid)) return;
  const uint32_t score = verdict.condemns_hash() ? kScoreInvalidHash : kScoreInvalid;
  std::string reason = "an invalid " + kind_name(kind) + ": " + verdict.reason().to_string();
  asio::post(io_, [this, peer, score, reason = std::move(reason)] {
    if (auto p = peer_by_id(peer)) misbehaved(p, score, reason);
  });
}

void Host::Impl::set_local_status(uint64_t head, uint64_t final_height, const Hash256& final_hash) {
  std::lock_guard lock(local_mu_);
  if (head == local_head_ && final_height == local_final_) return;
  local_head_ = head;
  local_final_ = final_height;
  local_final_hash_ = final_hash;
  ++local_version_;
}

// ---------------------------------------------------------------- timers

void Host::Impl::on_tick() {
  if (stopping_) return;
  const auto now = Clock::now();
  if (now - last_dial_ >= kDialEvery) {
    last_dial_ = now;
    dial_some();
  }
  if (options_.pex && now - last_pex_ >= kPexEvery) {
    last_pex_ = now;
    ask_for_peers();
  }
  broadcast_status();
  sync_step();
  publish_stats();
  tick_.expires_after(kTick);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_tick();
  });
}

void Host::Impl::dial_some() {
  const auto now = Clock::now();
  auto connected_to = [&](const Address& a, const std::optional<CompressedPubKey>& key) {
    for (const auto& [id, p] : peers_) {
      if ((key && p->key() == *key) || (p->dialed() && *p->dialed() == a) || p->listen_address() == a) return true;
    }
    for (const auto& p : connecting_) {
      if (p->dialed() && *p->dialed() == a) return true;
    }
    return dialing_.count(a) != 0;
  };
  for (auto it = dials_.begin(); it != dials_.end(); ++it) {
    if (it->next_try > now || self_addresses_.count(it->address) != 0 || connected_to(it->address, it->key)) continue;
    it->next_try = now + it->backoff;
    asio::co_spawn(io_, dial(it->address, it->seed, it->persistent), asio::detached);
  }
  // Seeds are asked once for addresses; after their answer they are not dialed again.
  std::erase_if(dials_, [](const Dial& d) { return d.seed && d.key.has_value(); });
  uint32_t outbound = 0;
  for (const auto& [id, p] : peers_) outbound += (p->outbound() && !p->seed()) ? 1 : 0;
  std::vector<Address> candidates;
  for (const auto& [a, next] : book_) {
    if (next <= now && self_addresses_.count(a) == 0 && !connected_to(a, std::nullopt)) candidates.push_back(a);
  }
  std::shuffle(candidates.begin(), candidates.end(), rng_);
  for (const Address& a : candidates) {
    if (outbound >= options_.max_outbound) break;
    bool configured = std::any_of(dials_.begin(), dials_.end(), [&](const Dial& d) { return d.address == a; });
    if (configured) continue;
    book_[a] = now + std::chrono::minutes(1);
    asio::co_spawn(io_, dial(a, false, false), asio::detached);
    ++outbound;
  }
}

void Host::Impl::ask_for_peers() {
  if (peers_.empty()) return;
  auto it = peers_.begin();
  std::advance(it, static_cast<long>(rng_() % peers_.size()));
  Envelope ask;
  ask.mutable_get_peers();
  it->second->asked_for_peers = true;
  it->second->send(ask);
}

void Host::Impl::broadcast_status() {
  const auto now = Clock::now();
  if (now - last_status_sent_ < kStatusEvery) return;
  Envelope e;
  {
    std::lock_guard lock(local_mu_);
    if (local_version_ == status_sent_version_) return;
    status_sent_version_ = local_version_;
    auto* s = e.mutable_status();
    s->set_head_height(local_head_);
    s->set_final_height(local_final_);
    s->set_final_hash(std::string(local_final_hash_.begin(), local_final_hash_.end()));
  }
  last_status_sent_ = now;
  for (auto& [id, p] : peers_) p->send(e);
}

void Host::Impl::publish_stats() {
  HostStats s;
  for (const auto& [id, p] : peers_) {
    (p->outbound() ? s.outbound : s.inbound) += 1;
    PeerInfo info;
    info.id = id;
    info.node_key = to_hex(p->key());
    info.address = p->remote();
    info.outbound = p->outbound();
    info.agent = p->agent();
    info.head_height = p->head_height;
    info.final_height = p->final_height;
    info.score = p->score;
    info.bytes_in = p->bytes_in;
    info.bytes_out = p->bytes_out;
    s.peers.push_back(std::move(info));
  }
  const auto now = Clock::now();
  for (const auto& [key, ban] : key_bans_) {
    if (ban.until <= now) continue;
    ++s.banned;
    if (s.bans.size() < 100) {
      s.bans.push_back(BanInfo{to_hex(key),
                               static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(ban.until - now).count()),
                               ban.reason});
    }
  }
  s.bans_total = bans_total_;
  s.frames_in = frames_in_;
  s.frames_out = frames_out_;
  s.bytes_in = bytes_in_;
  s.bytes_out = bytes_out_;
  s.duplicates = duplicates_;
  s.shed = shed_;
  s.rate_limited = rate_limited_;
  s.syncing = syncing_;
  s.sync_target = sync_target_;
  s.synced_blocks = synced_blocks_;
  s.sync_blocks_per_s = sync_rate_;
  std::lock_guard lock(stats_mu_);
  stats_ = std::move(s);
}

// ---------------------------------------------------------------- range sync

// A sync request the peer left unanswered costs it, and its final height is doubted for a
// while: a peer that announces final blocks it never serves could otherwise hold this node
// in sync, where gossiped blocks and votes are dropped.
void Host::Impl::unanswered(const std::shared_ptr<Peer>& peer, Clock::time_point now) {
  peer->sync_doubted_until = now + kSyncDoubt;
  misbehaved(peer, kScoreSlowSync, "left a sync request unanswered");
}

void Host::Impl::sync_step() {
  const auto now = Clock::now();
  std::erase_if(sync_abandoned_, [&](const auto& entry) {
    if (now - entry.second.sent <= kSyncRequestTimeout) return false;
    if (auto p = peer_by_id(entry.second.peer)) unanswered(p, now);
    return true;
  });
  uint64_t head, final_height;
  Hash256 final_hash;
  {
    std::lock_guard lock(local_mu_);
    head = local_head_;
    final_height = local_final_;
    final_hash = local_final_hash_;
  }
  uint64_t target = 0;
  for (const auto& [id, p] : peers_) {
    if (p->sync_doubted_until <= now) target = std::max(target, p->final_height);
  }
  sync_target_ = target;
  auto restart_from_final = [&] {
    next_request_ = next_deliver_ = final_height + 1;
    last_delivered_hash_ = final_hash;
    sync_ready_.clear();
    sync_retry_.clear();
    // Late answers are then unasked for, and dropped.
    for (const auto& [from, r] : sync_out_) sync_abandoned_.emplace(from, r);
    sync_out_.clear();
    for (auto& [id, p] : peers_) p->sync_requests = 0;
    sync_last_progress_ = now;
    sync_progress_final_ = final_height;
  };
  if (!syncing_) {
    if (target <= final_height + kSyncLag) return;
    syncing_ = true;
    restart_from_final();
    sync_started_ = sync_last_log_ = now;
    sync_started_final_ = sync_log_final_ = final_height;
    spdlog::info("sync: {} blocks behind (final {}, peers' final {}): fetching final blocks from peers",
                 target - final_height, final_height, target);
  }
  if (head >= target && sync_out_.empty()) {
    syncing_ = false;
    const double secs = std::chrono::duration<double>(now - sync_started_).count();
    spdlog::info("sync: caught up at height {} (final {}): {} blocks in {:.1f} s ({:.0f} blocks/s)", head,
                 final_height, final_height - sync_started_final_, secs,
                 secs > 0 ? static_cast<double>(final_height - sync_started_final_) / secs : 0.0);
    sync_ready_.clear();
    sync_retry_.clear();
    return;
  }
  if (final_height > sync_progress_final_) {
    sync_progress_final_ = final_height;
    sync_last_progress_ = now;
  }
  // Before a restart abandons them: requests left unanswered are counted (unanswered()).
  for (auto it = sync_out_.begin(); it != sync_out_.end();) {
    if (now - it->second.sent > kSyncRequestTimeout) {
      if (auto p = peer_by_id(it->second.peer)) {
        p->sync_requests -= std::min<size_t>(p->sync_requests, 1);
        unanswered(p, now);
      }
      sync_retry_.insert(it->first);
      it = sync_out_.erase(it);
    } else {
      ++it;
    }
  }
  // What is out to a doubted peer holds sync no longer: it is asked of others, and still
  // counts against the peer if it never answers.
  for (auto it = sync_out_.begin(); it != sync_out_.end();) {
    auto p = peer_by_id(it->second.peer);
    if (p && p->sync_doubted_until > now) {
      p->sync_requests -= std::min<size_t>(p->sync_requests, 1);
      sync_retry_.insert(it->first);
      sync_abandoned_.emplace(it->first, it->second);
      it = sync_out_.erase(it);
    } else {
      ++it;
    }
  }
  // Gossip (or the chain) got ahead of what sync delivered, or what it delivered did not
  // take: start again from the final block.
  if (next_deliver_ <= final_height || now - sync_last_progress_ > kSyncStall) {
    if (now - sync_last_progress_ > kSyncStall) {
      spdlog::info("sync: no progress for {} s at final {}; asking again", kSyncStall.count(), final_height);
    }
    restart_from_final();
  }
  // Ask: the batches to retry first, then new ones, within the window past the final block.
  while (sync_out_.size() < kSyncInFlight) {
    uint64_t from = 0;
    if (!sync_retry_.empty()) {
      from = *sync_retry_.begin();
    } else if (next_request_ <= std::min(target, final_height + kSyncWindow)) {
      from = next_request_;
    } else {
      break;
    }
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(kSyncBatch, target - from + 1));
    std::shared_ptr<Peer> best;
    for (const auto& [id, p] : peers_) {
      if (p->final_height < from || p->sync_requests >= kSyncPerPeer || p->sync_doubted_until > now) continue;
      if (!best || p->sync_requests < best->sync_requests) best = p;
    }
    if (!best) break;
    if (!sync_retry_.empty() && from == *sync_retry_.begin()) {
      sync_retry_.erase(sync_retry_.begin());
    } else {
      next_request_ = from + count;
    }
    Envelope e;
    e.mutable_get_final_blocks()->set_from_height(from);
    e.mutable_get_final_blocks()->set_count(count);
    best->send(e);
    ++best->sync_requests;
    sync_out_[from] = SyncRequest{best->id(), from, count, now};
  }
  if (now - sync_last_log_ >= kSyncLogEvery) {
    const double secs = std::chrono::duration<double>(now - sync_last_log_).count();
    sync_rate_ = static_cast<double>(final_height - sync_log_final_) / secs;
    const double eta = sync_rate_ > 0 ? static_cast<double>(target - final_height) / sync_rate_ : 0;
    spdlog::info("sync: final {} of {} ({:.1f}%), {:.0f} blocks/s, ETA {}", final_height, target,
                 target > 0 ? 100.0 * static_cast<double>(final_height) / static_cast<double>(target) : 100.0,
                 sync_rate_, sync_rate_ > 0 ? std::to_string(static_cast<uint64_t>(eta)) + " s" : "unknown");
    sync_last_log_ = now;
    sync_log_final_ = final_height;
  }
}

void Host::Impl::on_final_blocks(const std::shared_ptr<Peer>& peer, const v1::p2p::FinalBlocks& answer) {
  auto out = sync_out_.find(answer.from_height());
  if (out == sync_out_.end() || out->second.peer != peer->id()) {
    // Unasked for, or too late; still, an answer to an abandoned request is an answer.
    auto [lo, hi] = sync_abandoned_.equal_range(answer.from_height());
    for (auto it = lo; it != hi; ++it) {
      if (it->second.peer == peer->id()) {
        sync_abandoned_.erase(it);
        break;
      }
    }
    return;
  }
  const SyncRequest request = out->second;
  sync_out_.erase(out);
  peer->sync_requests -= std::min<size_t>(peer->sync_requests, 1);
  if (answer.blocks_size() == 0) {
    sync_retry_.insert(request.from);  // another peer may have them
    // Only a peer whose status called request.from final was asked, and a node indexes its
    // final blocks before its status names them (the engine's observer runs before the chain
    // thread sets the status). So no blocks is a claim it cannot back: it stops steering
    // sync, and pays, or it could hold this node in sync (where gossiped blocks and votes
    // are dropped) for as long as it stays connected.
    if (request.from <= peer->final_height) {
      peer->final_height = request.from - 1;
      misbehaved(peer, kScoreBadSync,
                 "no final blocks from height " + std::to_string(request.from) + ", which its status called final");
    }
    return;
  }
  if (static_cast<uint32_t>(answer.blocks_size()) > request.count) {
    misbehaved(peer, kScoreBadSync, "more final blocks than asked for");
    sync_retry_.insert(request.from);
    return;
  }
  // The checks that need no state, here on the network thread while the chain thread
  // applies the batch before: each block decodes, the heights follow on, each block names
  // the one before as its parent, and each QC a header carries certifies the block of the
  // batch at its height. The engine then checks the signatures and applies them.
  std::vector<std::shared_ptr<const v1::Block>> blocks;
  std::vector<Hash256> hashes;
  blocks.reserve(static_cast<size_t>(answer.blocks_size()));
  for (int i = 0; i < answer.blocks_size(); ++i) {
    auto block = decode_block(as_bytes(answer.blocks(i)));
    std::string fault;
    if (!block) {
      fault = "a final block that does not decode: " + block.status().message();
    } else {
      const v1::BlockHeader& h = block->header().header();
      const uint64_t height = request.from + static_cast<uint64_t>(i);
      if (h.height() != height) {
        fault = "final block " + std::to_string(height) + " has height " + std::to_string(h.height());
      } else if (i > 0 && hash_field(h.prev_hash()) != hashes.back()) {
        fault = "final block " + std::to_string(height) + " does not extend the one before";
      } else if (h.has_qc() && h.qc().height() >= request.from && h.qc().height() < height &&
                 hash_field(h.qc().block_hash()) != hashes[h.qc().height() - request.from]) {
        fault = "final block " + std::to_string(height) + " carries a QC for another block";
      }
    }
    if (!fault.empty()) {
      misbehaved(peer, kScoreBadSync, fault);
      sync_retry_.insert(request.from);
      return;
    }
    hashes.push_back(block_hash(block->header().header()));
    blocks.push_back(std::make_shared<const v1::Block>(std::move(block).value()));
  }
  if (blocks.size() < request.count) sync_retry_.insert(request.from + blocks.size());
  if (request.from < next_deliver_) return;  // a restart made it stale
  sync_ready_[request.from] = {peer->id(), std::move(blocks)};
  // Hand the batches that follow on to the chain, in order, while the inbox has room.
  for (auto it = sync_ready_.find(next_deliver_); it != sync_ready_.end(); it = sync_ready_.find(next_deliver_)) {
    auto& [from_peer, batch] = it->second;
    const v1::BlockHeader& first = batch.front()->header().header();
    const bool links = last_delivered_hash_ == Hash256{} || hash_field(first.prev_hash()) == last_delivered_hash_;
    if (!links) {
      if (auto p = peer_by_id(from_peer)) misbehaved(p, kScoreBadSync, "final blocks that do not extend ours");
      sync_retry_.insert(it->first);
      sync_ready_.erase(it);
      break;
    }
    {
      std::lock_guard lock(inbox_mu_);
      if (inbox_.size() + batch.size() > options_.inbox_capacity) break;  // later, from the tick
      for (auto& b : batch) inbox_.push_back(Inbound{from_peer, Message::of(b), true});
    }
    wake_();
    next_deliver_ += batch.size();
    last_delivered_hash_ = block_hash(batch.back()->header().header());
    synced_blocks_ += batch.size();
    sync_ready_.erase(it);
  }
}

// ==================================================================== Host

Host::Host(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Host::~Host() { stop(); }

namespace {
// Protobuf's shared empty UnknownFieldSet (decode_envelope reads it) and spdlog's registry
// are made on first use behind function-local statics inside uninstrumented libraries. Made
// here, on the caller's thread before the network thread starts, their first use is ordered
// before every network thread's: ThreadSanitizer cannot see the guards inside the libraries
// and would otherwise report two hosts' first concurrent uses as a race.
void make_library_singletons() {
  (void)google::protobuf::UnknownFieldSet::default_instance();
  (void)spdlog::default_logger_raw();
}
}  // namespace

Result<std::unique_ptr<Host>> Host::start(HostOptions options, const consensus::ConsensusStore& store,
                                          std::function<void()> wake_chain) {
  for (const auto* list : {&options.peers, &options.seeds}) {
    for (const std::string& text : *list) {
      if (auto a = parse_address(text); !a) return Status(Errc::kInvalidArgument, "peer " + a.status().message());
    }
  }
  make_library_singletons();
  auto impl = std::make_unique<Impl>(std::move(options), store, std::move(wake_chain));
  if (Status st = impl->bind(); !st) return st;
  std::unique_ptr<Host> host(new Host(std::move(impl)));
  host->port_ = host->impl_->port();
  host->node_key_ = host->impl_->options().identity.node_key.public_key().compressed();
  host->impl_->run_thread();
  return host;
}

void Host::stop() { impl_->stop(); }
void Host::broadcast(const Message& message) { impl_->post_message(-1, message, false); }
void Host::send(int peer, const Message& message) { impl_->post_message(peer, message, false); }
void Host::relay(int from, const Message& message) { impl_->post_message(from, message, true); }
std::vector<Inbound> Host::take_inbound(size_t max) { return impl_->take_inbound(max); }
void Host::report(int peer, const Verdict& verdict, Message::Kind kind) { impl_->report(peer, verdict, kind); }
void Host::set_local_status(uint64_t head_height, uint64_t final_height, const Hash256& final_hash) {
  impl_->set_local_status(head_height, final_height, final_hash);
}
HostStats Host::stats() const { return impl_->stats(); }

}  // namespace ans::p2p
