// Hosts on loopback sockets: connection, gossip and its duplicate suppression, the chain
// check, scoring and bans, range sync's serving side. Waits poll with a generous deadline,
// so that a slow machine only makes them slower.
#include "p2p/host.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/state/ledger_state.h"
#include "ledger/testing/temp_dir.h"
#include "ledger/testing/test_chain.h"

namespace ans::p2p {
namespace {

using consensus::Message;
using consensus::Verdict;

constexpr auto kDeadline = std::chrono::seconds(20);

template <typename F>
bool eventually(F&& condition) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

struct Node {
  testing::TempDir dir{"ans-p2p"};
  std::unique_ptr<consensus::ConsensusStore> store;
  std::unique_ptr<Host> host;
  std::vector<Inbound> got;

  Node(const ChainId& chain, std::vector<std::string> peers = {}, uint32_t ban_score = 100) {
    auto s = consensus::ConsensusStore::open(dir.sub("consensus"), false);
    EXPECT_TRUE(s);
    store = std::move(s).value();
    HostOptions o;
    o.identity.chain_id = chain;
    o.identity.chain_name = "test";
    o.listen = "127.0.0.1:0";
    o.peers = std::move(peers);
    o.ban_score = ban_score;
    auto h = Host::start(std::move(o), *store, [] {});
    EXPECT_TRUE(h) << h.status().to_string();
    host = std::move(h).value();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(host->port()); }
  size_t peers() const { return host->stats().peers.size(); }
  // Takes what arrived; returns how many there are in all.
  size_t drain() {
    for (auto& in : host->take_inbound(1000)) got.push_back(std::move(in));
    return got.size();
  }
};

ChainId chain_a() { return sha256(as_bytes(std::string("chain a"))); }

v1::SignedTransaction a_transfer(uint64_t nonce) {
  static testing::TestChain chain;
  return chain.make_tx(testing::test_key("alice"), [nonce](v1::Transaction& t) {
    t.set_nonce(nonce);
    t.mutable_transfer()->set_to(std::string(20, '\x01'));
    t.mutable_transfer()->set_amount(LedgerState::amount_bytes(Amount::from_dimt(1)));
  });
}

// The id `a` reports `b` by, once b (which dials a) is connected and has gossiped a
// transaction; -1, with a failure, when that does not happen.
int gossiping_peer(Node& a, Node& b) {
  if (!eventually([&] { return a.peers() == 1; })) {
    ADD_FAILURE() << "b did not connect";
    return -1;
  }
  b.host->broadcast(Message::of(a_transfer(0)));
  if (!eventually([&] { return a.drain() == 1; })) {
    ADD_FAILURE() << "b's transaction did not arrive";
    return -1;
  }
  return a.got[0].peer;
}

const Verdict kInvalidVerdict = Verdict::invalid(Status(Errc::kBadSignature, "test"));

TEST(HostTest, PeersConnectAndGossipOnceEach) {
  Node a(chain_a());
  Node b(chain_a(), {a.address()});
  ASSERT_TRUE(eventually([&] { return a.peers() == 1 && b.peers() == 1; }));
  EXPECT_EQ(a.host->stats().inbound, 1u);
  EXPECT_EQ(b.host->stats().outbound, 1u);
  EXPECT_EQ(b.host->stats().peers[0].node_key, to_hex(a.host->node_key()));

  const v1::SignedTransaction first = a_transfer(0), second = a_transfer(1);
  b.host->broadcast(Message::of(first));
  ASSERT_TRUE(eventually([&] { return a.drain() == 1; }));
  EXPECT_EQ(a.got[0].message.kind, Message::Kind::kTransaction);
  EXPECT_FALSE(a.got[0].from_sync);
  // The same again: b knows a has it, and a would drop it as seen.
  b.host->broadcast(Message::of(first));
  b.host->broadcast(Message::of(second));
  ASSERT_TRUE(eventually([&] { return a.drain() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(a.drain(), 2u);
  EXPECT_EQ(transaction_id(a.got[1].message.transaction.tx()), transaction_id(second.tx()));
  // Relaying back to where it came from does not send it.
  a.host->relay(a.got[1].peer, a.got[1].message);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(b.drain(), 0u);
}

TEST(HostTest, AnotherChainIsRefused) {
  Node a(chain_a());
  Node other(sha256(as_bytes(std::string("chain b"))), {a.address()});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(a.peers(), 0u);
  EXPECT_EQ(other.peers(), 0u);
}

TEST(HostTest, InvalidMessagesGetAPeerBannedAndKeptOut) {
  Node a(chain_a());
  Node b(chain_a(), {a.address()});
  const int from = gossiping_peer(a, b);
  ASSERT_GE(from, 0);
  a.host->report(from, Verdict::ignored(), Message::Kind::kTransaction);  // blames nobody
  a.host->report(from, Verdict::node_fault(Status(Errc::kIoError, "disk")), Message::Kind::kBlock);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(a.peers(), 1u);
  for (int i = 0; i < 5; ++i) a.host->report(from, kInvalidVerdict, Message::Kind::kTransaction);
  ASSERT_TRUE(eventually([&] { return a.host->stats().banned == 1; }));
  ASSERT_TRUE(eventually([&] { return a.peers() == 0 && b.peers() == 0; }));
  // b redials; a refuses it for the length of the ban.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_EQ(a.peers(), 0u);
  EXPECT_EQ(a.host->stats().bans_total, 1u);
}

// Verdicts on a peer's messages arrive from the chain thread in a burst: the ones after its
// ban find it closing, and neither score nor ban it again.
TEST(HostTest, APeerIsBannedOnceWhateverComesAfter) {
  Node a(chain_a());
  Node b(chain_a(), {a.address()});
  const int from = gossiping_peer(a, b);
  ASSERT_GE(from, 0);
  for (int i = 0; i < 20; ++i) a.host->report(from, kInvalidVerdict, Message::Kind::kTransaction);
  ASSERT_TRUE(eventually([&] { return a.peers() == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(a.host->stats().bans_total, 1u);
}

// The chain status each side sends once the handshake is done: a peer knows the other's
// heights at once, not only after the other's chain next moves.
TEST(HostTest, PeersLearnEachOthersStatusOnConnecting) {
  Node b(chain_a());
  b.host->set_local_status(5, 3, sha256(as_bytes(std::string("block 3"))));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // b's broadcast found no peer
  Node a(chain_a(), {b.address()});
  ASSERT_TRUE(eventually([&] {
    auto peers = a.host->stats().peers;
    return peers.size() == 1 && peers[0].final_height == 3;
  }));
  EXPECT_EQ(a.host->stats().peers[0].head_height, 5u);
}

// A peer whose status claims final blocks far ahead, and answers range sync with none of them
// (its store is empty), must not keep the node in sync mode, where gossiped blocks and votes
// are dropped: each empty answer for heights it called final costs it, and renewing the
// claim gets it banned.
TEST(HostTest, APeerThatClaimsFinalBlocksItDoesNotServeIsBanned) {
  Node a(chain_a());
  Node liar(chain_a(), {a.address()});
  ASSERT_TRUE(eventually([&] { return a.peers() == 1; }));
  for (uint64_t claim = 1000; a.host->stats().bans_total == 0 && claim < 1100; ++claim) {
    liar.host->set_local_status(claim, claim, sha256(as_bytes(std::string("no such block"))));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(a.host->stats().bans_total, 1u);
  EXPECT_TRUE(eventually([&] { return !a.host->stats().syncing && a.peers() == 0; }));
}

TEST(HostTest, ConfiguredPeersComeBackAfterARestart) {
  auto a = std::make_unique<Node>(chain_a());
  const std::string address = a->address();
  Node b(chain_a(), {address});
  ASSERT_TRUE(eventually([&] { return b.peers() == 1; }));
  const uint16_t port = a->host->port();
  a.reset();
  ASSERT_TRUE(eventually([&] { return b.peers() == 0; }));
  // Back on the same port.
  testing::TempDir dir;
  auto store = consensus::ConsensusStore::open(dir.sub("c"), false);
  ASSERT_TRUE(store);
  HostOptions o;
  o.identity.chain_id = chain_a();
  o.listen = "127.0.0.1:" + std::to_string(port);
  auto again = Host::start(std::move(o), **store, [] {});
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_TRUE(eventually([&] { return b.peers() == 1; }));
}

TEST(HostTest, ABadAddressIsAnError) {
  testing::TempDir dir;
  auto store = consensus::ConsensusStore::open(dir.sub("c"), false);
  ASSERT_TRUE(store);
  HostOptions o;
  o.listen = "127.0.0.1:0";
  o.peers = {"no-port"};
  auto h = Host::start(o, **store, [] {});
  ASSERT_FALSE(h);
  EXPECT_EQ(h.status().code(), Errc::kInvalidArgument);
  o.peers = {};
  o.listen = "127.0.0.1:99999";
  EXPECT_FALSE(Host::start(o, **store, [] {}));
}

}  // namespace
}  // namespace ans::p2p
