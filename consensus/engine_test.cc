#include "consensus/engine.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>

#include <atomic>
#include <fstream>
#include <map>

#include "genesis/genesis_json.h"
#include "genesis/testnet.h"
#include "ledger/state/keys.h"
#include "ledger/testing/temp_dir.h"

namespace ans::consensus {
namespace {

constexpr uint64_t kGenesisMs = 1'800'000'000'000ULL;

PrivateKey key(const std::string& label) {
  return PrivateKey::from_bytes(sha256(as_bytes("engine test / " + label))).value();
}

struct Captured : Network {
  std::vector<Message> sent;
  std::function<void(const Message&)> on_send;
  void broadcast(const Message& m) override {
    if (on_send) on_send(m);
    sent.push_back(m);
  }
  void send(int, const Message& m) override { sent.push_back(m); }
  void relay(int, const Message& m) override { relayed.push_back(m); }
  std::vector<Message> relayed;
  size_t count(Message::Kind kind) const {
    return static_cast<size_t>(std::count_if(sent.begin(), sent.end(),
                                             [&](const Message& m) { return m.kind == kind; }));
  }
};

struct FixedRandom : Randomness {
  FixedBytes<32> aux32() override { return FixedBytes<32>{}; }
};

// What left the mempool without a block, and why.
struct Drops : EngineObserver {
  std::map<Hash256, TxError> why;
  void on_final(const BlockNode&, uint64_t) override {}
  void on_conflicting_final(const BlockNode&, uint64_t) override {}
  void on_dropped(const Hash256& tx_id, const TxStatus& st) override { why[tx_id] = st.code(); }
};

// One node of a 4-validator chain, on real LevelDB stores in a temp dir (the ledger in the
// LevelDB layout, or in the memory layout with `memory_state`).
class Node {
 public:
  Node(const GenesisConfig& genesis, const ChainId& chain_id, const TestnetNodeKeys& keys,
       std::string sp_id, const std::string& dir, bool memory_state = false)
      : genesis_(genesis), chain_id_(chain_id), keys_(keys), sp_id_(std::move(sp_id)), dir_(dir),
        memory_state_(memory_state) {
    std::filesystem::create_directories(dir);
    restart_stores();
    open_engine();
  }
  void open_engine() {
    EngineOptions o;
    o.sp_id = sp_id_;
    o.signing_key = keys_.validator;
    o.account_key = keys_.owner;
    o.views = views_.get();
    if (customize) customize(o);
    engine_ = Engine::open(*ledger_, *store_, net, random, kGenesisMs, o, observer).value();
  }
  // A new engine on the same stores, as after a clean restart.
  void reopen_engine() {
    engine_.reset();
    open_engine();
  }
  // Applied to the options of each engine opened from now on.
  std::function<void(EngineOptions&)> customize;
  EngineObserver* observer = nullptr;
  // From now on the engine publishes read views to views() (reopened to do so).
  void publish_views() {
    engine_.reset();
    views_ = std::make_unique<ViewRegistry>();
    open_engine();
  }
  ViewRegistry& views() { return *views_; }
  void crash_and_restart() {
    crash();
    restart_stores();
    open_engine();
  }
  // The stores stay open (reached through ledger()); the engine is gone.
  void crash() {
    engine_.reset();
    if (views_) views_ = std::make_unique<ViewRegistry>();  // no view outlives its ledger
    store_.reset();
    ledger_.reset();
  }
  void restart_stores() {
    StateDbOptions options;
    options.sync = false;
    options.memory_state = memory_state_;
    if (ledger_env_ != nullptr) {
      options.env = ledger_env_.get();
      options.block_cache_bytes = 0;  // every read of a table goes to its file
    }
    ledger_ = Ledger::open(dir_ + "/ledger", genesis_, chain_id_, options).value();
    store_ = ConsensusStore::open(dir_ + "/consensus", false).value();
  }
  Result<std::unique_ptr<Engine>> try_open_engine() {
    EngineOptions o;
    o.sp_id = sp_id_;
    return Engine::open(*ledger_, *store_, net, random, kGenesisMs, o);
  }
  Ledger& ledger() { return *ledger_; }
  Engine& engine() { return *engine_; }
  ConsensusStore& store() { return *store_; }
  Captured net;
  FixedRandom random;
  // The ledger store's file system from now on (the stores are reopened on it).
  void use_ledger_env(std::unique_ptr<leveldb::Env> env) {
    crash();
    ledger_env_ = std::move(env);
    restart_stores();
    open_engine();
  }

 private:
  std::unique_ptr<leveldb::Env> ledger_env_;  // null: the real file system; before the stores
  const GenesisConfig& genesis_;
  ChainId chain_id_;
  TestnetNodeKeys keys_;
  std::string sp_id_;
  std::string dir_;
  bool memory_state_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<ConsensusStore> store_;
  std::unique_ptr<ViewRegistry> views_;  // after the ledger: destroyed before it
  std::unique_ptr<Engine> engine_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) {
      keys_.push_back({key("validator " + std::to_string(i)), key("owner " + std::to_string(i))});
    }
    genesis_ = testnet_genesis(keys_, kGenesisMs);
    genesis_.reserved_names.clear();
    genesis_.records.clear();
    chain_id_ = chain_id(genesis_);
    for (int i = 0; i < 4; ++i) {
      nodes_.push_back(std::make_unique<Node>(genesis_, chain_id_, keys_[static_cast<size_t>(i)],
                                              genesis_.sps[static_cast<size_t>(i)].sp_id,
                                              dir_.sub("node" + std::to_string(i))));
    }
  }
  // The node that produces `slot` on the genesis block's active set.
  Node& producer_of(uint64_t slot) {
    const auto& active = nodes_[0]->engine().tree().genesis().sets_after.active();
    const std::string& id = active[static_cast<int>(slot % static_cast<uint64_t>(active.size()))].sp_id();
    for (size_t i = 0; i < genesis_.sps.size(); ++i) {
      if (genesis_.sps[i].sp_id == id) return *nodes_[i];
    }
    throw std::logic_error("no producer");
  }
  void expect_a_swapped_state_refused(Node& voter);
  Node& voter_other_than(const Node& producer, const Node* nor = nullptr) {
    for (auto& n : nodes_) {
      if (n.get() != &producer && n.get() != nor) return *n;
    }
    throw std::logic_error("no voter");
  }
  uint64_t at(uint64_t slot) const { return kGenesisMs + slot * genesis_.params.block_interval_ms; }
  Message block_message(const v1::Block& b) { return Message::of(b); }
  // A transfer of 1 unit from the producer's own account to itself: makes a second, different
  // valid block for the same slot.
  v1::SignedTransaction self_transfer(size_t node, uint64_t nonce = 0) {
    const PrivateKey& owner = keys_[node].owner;
    return pay(owner, EthAddress::from_public_key(owner.public_key()), nonce, Amount::from_units(1));
  }
  // A transfer of `amount` from `from` to `to` with `nonce`, paying `fee_times` the minimum fee.
  v1::SignedTransaction pay(const PrivateKey& from, const EthAddress& to, uint64_t nonce, const Amount& amount,
                            uint64_t fee_times = 1, uint64_t expiry_height = 10) {
    v1::Transaction tx;
    tx.set_sender_key(to_field(from.public_key().compressed()));
    tx.set_nonce(nonce);
    tx.set_fee(to_field(fee(fee_times).to_bytes()));
    tx.set_expiry_height(expiry_height);
    tx.mutable_transfer()->set_to(to_field(to.bytes()));
    tx.mutable_transfer()->set_amount(to_field(amount.to_bytes()));
    return sign_transaction(from, chain_id_, tx);
  }
  Amount fee(uint64_t times) const { return genesis_.params.min_tx_fee.checked_mul(times).value(); }
  static Hash256 id_of(const v1::SignedTransaction& tx) { return transaction_id(tx.tx()); }
  // The ids of a block's transactions, in block order.
  static std::vector<Hash256> ids_in(const v1::Block& block) {
    std::vector<Hash256> out;
    for (const auto& tx : block.transactions()) out.push_back(id_of(tx));
    return out;
  }
  // `block` with transaction `i`'s signature spoiled, its tx root and header signature made
  // good again by its producer: only that transaction is wrong.
  v1::Block with_bad_signature(const v1::Block& block, int i, const Node& producer) {
    v1::Block bad = block;
    std::string sig = bad.transactions(i).signature();
    sig[9] = static_cast<char>(sig[9] ^ 0x01);
    bad.mutable_transactions(i)->set_signature(sig);
    std::vector<v1::SignedTransaction> txs(bad.transactions().begin(), bad.transactions().end());
    bad.mutable_header()->mutable_header()->set_tx_root(to_field(transactions_root(txs)));
    bad.mutable_header()->set_signature(to_field(keys_[index_of(producer)].validator.sign(
        header_signing_hash(chain_id_, block_hash(bad.header().header())))));
    return bad;
  }
  size_t index_of(const Node& n) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].get() == &n) return i;
    }
    return 0;
  }

  ans::testing::TempDir dir_{"ans-engine"};
  std::vector<TestnetNodeKeys> keys_;
  GenesisConfig genesis_;
  ChainId chain_id_{};
  std::vector<std::unique_ptr<Node>> nodes_;
};

// The real file system, whose table reads fail once `fail_from` reads have been made since
// fail_after() was called, until heal().
class FailingReads final : public leveldb::EnvWrapper {
 public:
  FailingReads() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  void fail_after(int reads) {
    reads_.store(0);
    fail_from_.store(reads);
  }
  void heal() { fail_from_.store(-1); }
  int failed() const { return failed_.load(); }

  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** out) override {
    leveldb::RandomAccessFile* file = nullptr;
    leveldb::Status s = target()->NewRandomAccessFile(name, &file);
    if (!s.ok()) return s;
    *out = new File(*this, file);
    return s;
  }

 private:
  class File final : public leveldb::RandomAccessFile {
   public:
    File(FailingReads& env, leveldb::RandomAccessFile* file) : env_(env), file_(file) {}
    leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                         char* scratch) const override {
      const int from = env_.fail_from_.load();
      if (from >= 0 && env_.reads_.fetch_add(1) >= from) {
        env_.failed_.fetch_add(1);
        return leveldb::Status::IOError("injected read failure");
      }
      return file_->Read(offset, n, result, scratch);
    }

   private:
    FailingReads& env_;
    std::unique_ptr<leveldb::RandomAccessFile> file_;
  };
  std::atomic<int> fail_from_{-1};
  std::atomic<int> reads_{0};
  std::atomic<int> failed_{0};
};

// A read of the ledger's store fails while a valid block's transactions are applied: that is
// this node's fault, not the block's. The block is not condemned (it is accepted once reads
// work again), nobody is blamed, and the node neither votes nor produces meanwhile.
TEST_F(EngineTest, AStoreReadFailureIsANodeFaultAndCondemnsNothing) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  auto failing = std::make_unique<FailingReads>();
  FailingReads& env = *failing;
  voter.use_ledger_env(std::move(failing));  // reopened: the state is in table files now
  std::vector<v1::SignedTransaction> txs;
  for (size_t n = 0; n < 4; ++n) {
    if (n != index_of(producer)) txs.push_back(self_transfer(n));
  }
  const v1::Block block = producer.engine().build_block(chain_id_, 1, txs).value();
  const Hash256 hash = block_hash(block.header().header());

  // The k-th read of the block's application fails, for k = 0, 1, 2, ... until the
  // application needs fewer reads than k (what it read before is cached by then): the
  // header's state, the producer's record, each transaction's accounts, the tree.
  int faults = 0;
  for (int k = 0; k < 200; ++k) {
    env.fail_after(k);
    const int failed_before = env.failed();
    Verdict v = voter.engine().on_message(0, block_message(block), at(1) + 10);
    if (env.failed() == failed_before) {
      // No read failed: the block went in. Only ever after at least one fault.
      ASSERT_EQ(v.kind(), Verdict::Kind::kAccepted) << v.reason().to_string();
      break;
    }
    ++faults;
    ASSERT_EQ(v.kind(), Verdict::Kind::kNodeFault) << "read " << k << ": " << v.reason().to_string();
    EXPECT_TRUE(is_storage_failure(v.reason())) << v.reason().to_string();
    ASSERT_TRUE(voter.engine().node_fault().has_value());
    EXPECT_EQ(voter.engine().head().height, 0u);
    EXPECT_EQ(voter.net.count(Message::Kind::kVote), 0u);
    EXPECT_TRUE(voter.net.relayed.empty()) << "nothing is passed on";
    EXPECT_EQ(voter.engine().next_wakeup_ms(), std::nullopt) << "a faulty node has nothing to do";
  }
  ASSERT_GE(faults, 1) << "no read failed: the test tests nothing";
  EXPECT_GT(env.failed(), 0);

  // The node was faulty, not the block: once reads work, the same block went in.
  env.heal();
  EXPECT_EQ(voter.engine().head().hash, hash) << "the valid block was condemned";
  EXPECT_FALSE(voter.engine().node_fault().has_value());
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
  ASSERT_EQ(voter.net.relayed.size(), 1u) << "an accepted block is handed to the network to relay";
  EXPECT_EQ(voter.net.relayed[0].block.get(), voter.engine().head().block.get())
      << "the relayed message shares the tree's copy of the block";
  EXPECT_EQ(voter.net.count(Message::Kind::kBlock), 0u) << "the engine does not flood it itself";
}

// Each kind of answer to a block: accepted, ignored (known), invalid with the hash condemned
// or not, and not yet (early or unknown parent).
TEST_F(EngineTest, EveryBlockGetsAVerdict) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  const v1::Block good = producer.engine().build_block(chain_id_, 1, {self_transfer(index_of(producer))}).value();
  using K = Verdict::Kind;

  EXPECT_EQ(voter.engine().on_message(0, block_message(good), at(1) - 10'000).kind(), K::kNotYet)
      << "from the future";
  v1::Block spoiled = good;
  spoiled.mutable_header()->set_signature(std::string(64, '\x01'));
  Verdict v = voter.engine().on_message(0, block_message(spoiled), at(1) + 10);
  EXPECT_EQ(v.kind(), K::kInvalid);
  EXPECT_FALSE(v.condemns_hash()) << "a relay can spoil a signature";
  v1::Block wrong_root = good;
  wrong_root.mutable_header()->mutable_header()->set_state_root(std::string(32, '\x07'));
  wrong_root.mutable_header()->set_signature(to_field(keys_[index_of(producer)].validator.sign(
      header_signing_hash(chain_id_, block_hash(wrong_root.header().header())))));
  v = voter.engine().on_message(0, block_message(wrong_root), at(1) + 10);
  EXPECT_EQ(v.kind(), K::kInvalid);
  EXPECT_TRUE(v.condemns_hash()) << v.reason().to_string();
  EXPECT_EQ(voter.engine().on_message(0, block_message(wrong_root), at(1) + 10).kind(), K::kInvalid)
      << "a condemned hash stays invalid";

  EXPECT_EQ(voter.engine().on_message(0, block_message(good), at(1) + 10).kind(), K::kAccepted);
  EXPECT_EQ(voter.engine().on_message(0, block_message(good), at(1) + 20).kind(), K::kIgnored);

  v1::Block orphan = good;
  orphan.mutable_header()->mutable_header()->set_prev_hash(std::string(32, '\x05'));
  EXPECT_EQ(voter.engine().on_message(0, block_message(orphan), at(1) + 20).kind(), K::kNotYet);
  EXPECT_EQ(voter.net.count(Message::Kind::kBlockRequest), 1u) << "its parent is asked for";
  EXPECT_FALSE(voter.engine().node_fault().has_value());
}

// Votes: valid and new, a repeat, a forgery, and one for a block not seen yet.
TEST_F(EngineTest, EveryVoteGetsAVerdict) {
  Node& producer = producer_of(1);
  const v1::Block block = producer.engine().build_block(chain_id_, 1, {}).value();
  std::vector<Message> votes;
  for (auto& n : nodes_) {
    if (n.get() == &producer) continue;
    n->engine().on_message(0, block_message(block), at(1) + 10);
    ASSERT_EQ(n->net.count(Message::Kind::kVote), 1u);
    for (const Message& m : n->net.sent) {
      if (m.kind == Message::Kind::kVote) votes.push_back(m);
    }
  }
  ASSERT_EQ(votes.size(), 3u);
  using K = Verdict::Kind;
  Node& fresh = producer;  // has not seen the block: it built it but did not accept it
  EXPECT_EQ(fresh.engine().on_message(1, votes[0], at(1) + 20).kind(), K::kNotYet);
  fresh.engine().on_message(0, block_message(block), at(1) + 20);
  Node& voter = *nodes_[index_of(producer) == 0 ? 1 : 0];
  // votes[0] is the voter's own; votes[2] another node's, new to it.
  Verdict first = voter.engine().on_message(2, votes[2], at(1) + 30);
  Verdict again = voter.engine().on_message(2, votes[2], at(1) + 31);
  EXPECT_EQ(first.kind(), K::kAccepted) << first.reason().to_string();
  ASSERT_EQ(voter.net.relayed.size(), 2u) << "the block and the vote";
  EXPECT_EQ(voter.net.relayed[1].kind, Message::Kind::kVote);
  EXPECT_EQ(again.kind(), K::kIgnored);
  Message forged = votes[2];
  std::string sig = forged.vote.signature();
  sig[5] = static_cast<char>(sig[5] ^ 0x40);
  forged.vote.set_signature(sig);
  Verdict bad = voter.engine().on_message(2, forged, at(1) + 32);
  EXPECT_EQ(bad.kind(), K::kInvalid);
  EXPECT_EQ(bad.reason().code(), Errc::kBadSignature) << bad.reason().to_string();
}

// A driver that sleeps until next_wakeup_ms() produces in each of its slots, as one that
// polls does; just before that moment on_tick() has nothing to do.
TEST_F(EngineTest, NextWakeupIsWhenTheProducerActs) {
  for (uint64_t slot = 1; slot <= 8; ++slot) {
    Node& producer = producer_of(slot);
    auto wake = producer.engine().next_wakeup_ms();
    ASSERT_TRUE(wake.has_value());
    const uint64_t before = producer.engine().stats().blocks_produced;
    producer.engine().on_tick(*wake - 1);
    EXPECT_EQ(producer.engine().stats().blocks_produced, before) << "slot " << slot;
    producer.engine().on_tick(*wake);
    ASSERT_EQ(producer.engine().stats().blocks_produced, before + 1) << "slot " << slot;
    const auto produced = producer.engine().head().block;
    for (auto& n : nodes_) {
      if (n.get() != &producer) n->engine().on_message(0, Message::of(produced), *wake + 5);
    }
    // Everyone's votes reach everyone: the next producer has the QC.
    std::vector<Message> votes;
    for (auto& n : nodes_) {
      for (const Message& m : n->net.sent) {
        if (m.kind == Message::Kind::kVote) votes.push_back(m);
      }
      n->net.sent.clear();
    }
    for (auto& n : nodes_) {
      for (const Message& m : votes) n->engine().on_message(1, m, *wake + 10);
    }
  }
  EXPECT_EQ(nodes_[0]->engine().head().height, 8u);
  Node observer_like(genesis_, chain_id_, keys_[0], "", dir_.sub("observer"));
  EXPECT_EQ(observer_like.engine().next_wakeup_ms(), std::nullopt) << "an observer never produces";
}

// The engine publishes a view of its head after each block and of its final block as blocks
// become final, each with the header that holds its state root, so that a query on another
// thread gets a state and a proof that a station can check against that header.
TEST_F(EngineTest, TheEnginePublishesReadViewsOfTheHeadAndTheFinalBlock) {
  Node& watcher = *nodes_[0];
  watcher.publish_views();
  ASSERT_NE(watcher.views().head(), nullptr) << "the genesis state at opening";
  EXPECT_EQ(watcher.views().head()->height(), 0u);
  for (uint64_t slot = 1; slot <= 4; ++slot) {
    Node& producer = producer_of(slot);
    producer.engine().on_tick(producer.engine().next_wakeup_ms().value());
    const auto produced = producer.engine().head().block;
    ASSERT_EQ(produced->header().header().slot(), slot);
    for (auto& n : nodes_) {
      if (n.get() != &producer) n->engine().on_message(0, Message::of(produced), at(slot) + 600);
    }
    std::vector<Message> votes;
    for (auto& n : nodes_) {
      for (const Message& m : n->net.sent) {
        if (m.kind == Message::Kind::kVote) votes.push_back(m);
      }
      n->net.sent.clear();
    }
    for (auto& n : nodes_) {
      for (const Message& m : votes) n->engine().on_message(1, m, at(slot) + 700);
    }
    auto head = watcher.views().head();
    ASSERT_NE(head, nullptr);
    EXPECT_EQ(head->height(), watcher.engine().head().height);
    EXPECT_EQ(head->block_hash(), watcher.engine().head().hash);
    v1::SignedBlockHeader header;
    ASSERT_TRUE(header.ParseFromString(head->header()));
    EXPECT_EQ(header.header().state_root(), to_field(head->state_root()));
    EXPECT_EQ(block_hash(header.header()), head->block_hash());
    auto proof = head->prove(keys::kCursor);
    ASSERT_TRUE(proof.is_ok()) << proof.status().to_string();
    auto proven = verify_state_proof(head->state_root(), state_key_hash(as_bytes(keys::kCursor)),
                                     proof->proof);
    ASSERT_TRUE(proven.is_ok()) << proven.status().to_string();
    EXPECT_TRUE(proven->present);
  }
  const uint64_t final_height = watcher.engine().final_block().height;
  ASSERT_GE(final_height, 1u) << "direct pairs with QCs make blocks final";
  auto final_view = watcher.views().final_view();
  ASSERT_NE(final_view, nullptr);
  EXPECT_EQ(final_view->height(), final_height);
  EXPECT_EQ(final_view->block_hash(), watcher.engine().final_block().hash);
}

TEST_F(EngineTest, AVoteLeavesOnlyAfterTheSafetyStateIsStored) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  v1::Block block = producer.engine().build_block(chain_id_, 1, {}).value();
  bool checked = false;
  voter.net.on_send = [&](const Message& m) {
    if (m.kind != Message::Kind::kVote) return;
    auto stored = voter.store().load_safety().value();
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->last_vote_slot, 1u);
    EXPECT_EQ(stored->last_vote_hash, block_hash(block.header().header()));
    checked = true;
  };
  voter.engine().on_message(0, block_message(block), at(1) + 10);
  EXPECT_TRUE(checked) << "no vote was sent";
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
}

TEST_F(EngineTest, NoSecondVoteInASlotAfterACrash) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  v1::Block first = producer.engine().build_block(chain_id_, 1, {}).value();
  v1::Block second = producer.engine().build_block(chain_id_, 1, {self_transfer(index_of(producer))}).value();
  ASSERT_NE(block_hash(first.header().header()), block_hash(second.header().header()));
  voter.engine().on_message(0, block_message(first), at(1) + 10);
  ASSERT_EQ(voter.net.count(Message::Kind::kVote), 1u);

  voter.crash_and_restart();
  voter.net.sent.clear();
  EXPECT_EQ(voter.engine().safety().last_vote_slot, 1u);
  EXPECT_NE(voter.engine().tree().find(block_hash(first.header().header())), nullptr)
      << "the accepted block is rebuilt from the store";
  voter.engine().on_message(0, block_message(second), at(1) + 20);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 0u) << "voted twice in slot 1 across a crash";
  EXPECT_GE(voter.engine().stats().votes_refused, 1u);
  // It did see the double proposal, and made evidence of it.
  EXPECT_EQ(voter.engine().evidence_pending(), 1u);
  EXPECT_EQ(voter.net.count(Message::Kind::kEvidence), 1u);
}

TEST_F(EngineTest, AProducerNeverProposesTwiceInASlotAcrossACrash) {
  Node& producer = producer_of(1);
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().stats().blocks_produced, 1u);
  producer.crash_and_restart();
  producer.engine().on_tick(at(1) + 100);
  EXPECT_EQ(producer.engine().stats().blocks_produced, 0u);
  EXPECT_EQ(producer.engine().safety().last_proposal_slot, 1u);
}

// Block 1's state swapped for another one (a transfer it does not hold), still filed under
// block 1's hash: the stores agree on the head block, the state does not match its header.
// Opening the engine is refused; with the block's own state put back, it opens.
void EngineTest::expect_a_swapped_state_refused(Node& voter) {
  Node& producer = producer_of(1);
  v1::Block block = producer.engine().build_block(chain_id_, 1, {}).value();
  voter.engine().on_message(0, block_message(block), at(1) + 10);
  ASSERT_EQ(voter.engine().head().height, 1u);

  voter.crash();
  voter.restart_stores();
  Ledger& ledger = voter.ledger();
  ASSERT_EQ(ledger.head_height(), 1u);
  const Hash256 head_hash = ledger.db().head_hash();
  ASSERT_TRUE(ledger.undo_head_block().is_ok());
  BlockContext context;
  context.height = 1;
  context.slot = 1;
  context.time_ms = at(1);
  context.producer = block.header().header().producer();
  std::vector<v1::SignedTransaction> txs{self_transfer(index_of(producer))};
  auto other = ledger.prepare_block(context, txs).value();
  ASSERT_NE(to_field(other.state_root), block.header().header().state_root());
  ASSERT_TRUE(ledger.commit_block(other, head_hash).is_ok());

  auto engine = voter.try_open_engine();
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), Errc::kCorruption);
  EXPECT_NE(engine.status().message().find("not the one its header names"), std::string::npos)
      << engine.status().to_string();
  // Reopened from disk (the memory layout replays its journal and builds its tree again),
  // still refused.
  voter.crash();
  voter.restart_stores();
  EXPECT_EQ(voter.try_open_engine().status().code(), Errc::kCorruption);

  ASSERT_TRUE(voter.ledger().undo_head_block().is_ok());
  ASSERT_TRUE(voter.ledger().commit_block(voter.ledger().prepare_block(context, {}).value(), head_hash).is_ok());
  EXPECT_TRUE(voter.try_open_engine().is_ok());
}

TEST_F(EngineTest, AStateThatIsNotItsHeadersIsRefusedAtOpening) {
  expect_a_swapped_state_refused(voter_other_than(producer_of(1)));
}

// The same on a node whose ledger keeps the memory layout (ansd's default): its root comes
// from the tree it builds from the state at opening.
TEST_F(EngineTest, AStateThatIsNotItsHeadersIsRefusedAtOpeningInTheMemoryLayout) {
  Node& producer = producer_of(1);
  const size_t i = (index_of(producer) + 1) % 4;
  Node voter(genesis_, chain_id_, keys_[i], genesis_.sps[i].sp_id, dir_.sub("memory"),
             /*memory_state=*/true);
  expect_a_swapped_state_refused(voter);
}

TEST_F(EngineTest, AProducerTakesTransactionsFromTheMempool) {
  Node& producer = producer_of(1);
  size_t sender = (index_of(producer) + 1) % 4;
  v1::SignedTransaction tx = self_transfer(sender);
  ASSERT_TRUE(producer.engine().submit(tx).value());
  EXPECT_EQ(producer.net.count(Message::Kind::kTransaction), 1u) << "gossiped";
  EXPECT_FALSE(producer.engine().submit(tx).value()) << "known: not gossiped again";
  v1::SignedTransaction stale = self_transfer(sender, 1);
  stale.mutable_tx()->set_expiry_height(0);  // expired: can never be included
  stale = sign_transaction(keys_[sender].owner, chain_id_, stale.tx());
  auto refused = producer.engine().submit(stale);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Errc::kFailedPrecondition);
  EXPECT_EQ(refused.status().message().rfind("expired: ", 0), 0u) << refused.status().message();
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().stats().blocks_produced, 1u);
  const BlockNode& head = producer.engine().head();
  ASSERT_EQ(head.block->transactions_size(), 1);
  EXPECT_EQ(transaction_id(head.block->transactions(0).tx()), transaction_id(tx.tx()));
  EXPECT_EQ(producer.engine().mempool().size(), 0u) << "included ones leave the pool";
}

// A producer applies its mempool's transactions with the verdicts of their check on the way
// in, and commits its block with the preparation it built it with: no signature is verified
// twice. Other nodes check and apply the block in full, and reach the same state.
TEST_F(EngineTest, AProducerChecksItsMempoolTransactionsOnlyOnTheWayIn) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  for (uint64_t n = 0; n < 25; ++n) {
    for (size_t sender = 0; sender < 4; ++sender) {
      ASSERT_TRUE(producer.engine().submit(self_transfer(sender, n)).value());
    }
  }
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().stats().blocks_produced, 1u);
  const BlockNode& head = producer.engine().head();
  ASSERT_EQ(head.height, 1u);
  ASSERT_EQ(head.block->transactions_size(), 100);
  EXPECT_EQ(producer.engine().stats().transactions_checked, 0u);
  EXPECT_EQ(producer.engine().stats().own_blocks_committed_as_built, 1u);
  EXPECT_EQ(producer.engine().mempool().size(), 0u);

  voter.engine().on_message(0, Message::of(head.block), at(1) + 10);
  EXPECT_EQ(voter.engine().head().hash, head.hash) << "the block is valid for the others";
  EXPECT_EQ(voter.engine().stats().transactions_checked, 100u);
  EXPECT_EQ(voter.engine().stats().own_blocks_committed_as_built, 0u);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
}

// A validator that holds a block's transactions in its mempool (they reached it by gossip and
// were checked on the way in) takes those verdicts instead of verifying them again; one that
// does not, or holds the body with another signature, verifies.
TEST_F(EngineTest, AValidatorTakesTheVerdictsOfItsMempool) {
  Node& producer = producer_of(1);
  std::vector<Node*> voters;
  for (auto& n : nodes_) {
    if (n.get() != &producer) voters.push_back(n.get());
  }
  Node& holder = *voters[0];
  Node& stranger = *voters[1];
  Node& tampered = *voters[2];
  std::vector<v1::SignedTransaction> txs;
  for (uint64_t n = 0; n < 20; ++n) {
    for (size_t sender = 0; sender < 4; ++sender) txs.push_back(self_transfer(sender, n));
  }
  for (const auto& tx : txs) {
    ASSERT_TRUE(holder.engine().submit(tx).value());
    ASSERT_TRUE(tampered.engine().submit(tx).value());
  }
  v1::Block good = producer.engine().build_block(chain_id_, 1, txs).value();

  holder.engine().on_message(0, block_message(good), at(1) + 10);
  EXPECT_EQ(holder.engine().head().height, 1u);
  EXPECT_EQ(holder.engine().stats().transactions_known, 80u);
  EXPECT_EQ(holder.engine().stats().transactions_checked, 0u);
  EXPECT_EQ(holder.engine().mempool().size(), 0u) << "included transactions leave the pool";

  stranger.engine().on_message(0, block_message(good), at(1) + 10);
  EXPECT_EQ(stranger.engine().head().height, 1u);
  EXPECT_EQ(stranger.engine().stats().transactions_known, 0u);
  EXPECT_EQ(stranger.engine().stats().transactions_checked, 80u);

  // The same bodies, one with a bad signature: the pool's verdict is for the other signature.
  const v1::Block bad = with_bad_signature(good, 41, producer);
  tampered.engine().on_message(0, block_message(bad), at(1) + 10);
  EXPECT_EQ(tampered.engine().head().height, 0u) << "rejected";
  EXPECT_EQ(tampered.engine().stats().blocks_rejected, 1u);
  EXPECT_EQ(tampered.engine().stats().transactions_known, 79u);
  EXPECT_EQ(tampered.engine().stats().transactions_checked, 1u);
  tampered.engine().on_message(0, block_message(good), at(1) + 10);
  EXPECT_EQ(tampered.engine().head().height, 1u);
}

// A peer's transaction is its fault only when no node could ever take it (malformed, a bad
// signature, a fee under the chain's minimum). A nonce a block has just used, a replacement
// that lost, are gossip racing blocks; a full sender or a gap may be taken later.
TEST_F(EngineTest, ARefusedTransactionFromAPeerIsItsFaultOnlyWhenNoNodeCouldTakeIt) {
  Node& producer = producer_of(1);
  Node& node = voter_other_than(producer);
  node.customize = [](EngineOptions& o) { o.mempool.per_sender_cap = 2; };
  node.reopen_engine();
  using K = Verdict::Kind;
  uint64_t now = at(1) + 10;
  auto from_peer = [&](const v1::SignedTransaction& tx) {
    return node.engine().on_message(0, Message::of(tx), now).kind();
  };
  const size_t sender = index_of(producer);
  const PrivateKey& owner = keys_[sender].owner;
  const EthAddress self = EthAddress::from_public_key(owner.public_key());

  EXPECT_EQ(from_peer(self_transfer(sender, 0)), K::kAccepted);
  ASSERT_EQ(node.net.relayed.size(), 1u) << "relayed once admitted";
  EXPECT_EQ(from_peer(self_transfer(sender, 0)), K::kIgnored) << "known";
  EXPECT_EQ(from_peer(pay(owner, self, 0, Amount::from_units(2))), K::kIgnored) << "no fee bump";
  v1::SignedTransaction bad = self_transfer(sender, 1);
  bad.set_signature(self_transfer(sender, 2).signature());
  EXPECT_EQ(from_peer(bad), K::kInvalid);
  v1::SignedTransaction cheap = self_transfer(sender, 1);
  cheap.mutable_tx()->set_fee(to_field(Amount::from_units(1).to_bytes()));
  EXPECT_EQ(from_peer(sign_transaction(owner, chain_id_, cheap.tx())), K::kInvalid) << "under the minimum";
  EXPECT_EQ(from_peer(self_transfer(sender, 18)), K::kNotYet) << "17 past the next expected nonce";
  EXPECT_EQ(from_peer(self_transfer(sender, 1)), K::kAccepted);
  EXPECT_EQ(from_peer(self_transfer(sender, 2)), K::kNotYet) << "the sender's cap";

  // Another sender's transaction that a block has just included, relayed by a peer that had
  // not seen the block yet.
  const v1::SignedTransaction included = self_transfer(index_of(node), 0);
  const v1::Block block = producer.engine().build_block(chain_id_, 1, {included}).value();
  ASSERT_EQ(node.engine().on_message(0, block_message(block), now).kind(), K::kAccepted);
  now += 10;
  EXPECT_EQ(from_peer(included), K::kIgnored);
  EXPECT_EQ(node.net.relayed.size(), 3u) << "the two transactions admitted and the block";
  EXPECT_EQ(node.engine().mempool().size(), 2u);
}

// One funded account cannot take the pool from the others: it stops at its cap, however
// much it pays, and the others still get in and into the block.
TEST_F(EngineTest, ASpammerCannotCrowdOutOtherSenders) {
  Node& producer = producer_of(1);
  producer.customize = [](EngineOptions& o) { o.mempool.capacity = 70; };
  producer.reopen_engine();
  Engine& engine = producer.engine();
  const size_t spammer = (index_of(producer) + 1) % 4;
  std::vector<Hash256> others;
  auto others_send = [&](uint64_t nonce) {
    for (size_t s = 0; s < 4; ++s) {
      if (s == spammer) continue;
      const v1::SignedTransaction tx = self_transfer(s, nonce);
      ASSERT_TRUE(engine.submit(tx).value());
      others.push_back(id_of(tx));
    }
  };
  others_send(0);
  const PrivateKey& spam_key = keys_[spammer].owner;
  const EthAddress spam_to = EthAddress::from_public_key(spam_key.public_key());
  size_t taken = 0;
  for (uint64_t n = 0; n < 80; ++n) {  // past 80 its nonces would be refused as a gap
    auto added = engine.submit(pay(spam_key, spam_to, n, Amount::from_units(1), 10));
    if (added) {
      ++taken;
    } else {
      EXPECT_EQ(added.status().code(), Errc::kResourceExhausted) << added.status().to_string();
    }
  }
  EXPECT_EQ(taken, engine.mempool().options().per_sender_cap);
  others_send(1);
  EXPECT_EQ(engine.mempool().size(), 70u);
  for (const Hash256& id : others) EXPECT_TRUE(engine.mempool().contains(id));

  engine.on_tick(at(1));
  ASSERT_EQ(engine.head().height, 1u);
  const std::vector<Hash256> in_block = ids_in(*engine.head().block);
  EXPECT_EQ(in_block.size(), 70u);
  for (const Hash256& id : others) {
    EXPECT_NE(std::find(in_block.begin(), in_block.end(), id), in_block.end());
  }
}

// A block takes the higher fees first when it cannot take everything.
TEST_F(EngineTest, ABlockTakesTheHigherFeesFirst) {
  Node& producer = producer_of(1);
  producer.customize = [](EngineOptions& o) { o.max_block_transactions = 2; };
  producer.reopen_engine();
  std::vector<v1::SignedTransaction> txs;
  const uint64_t fees[] = {1, 3, 2};
  for (size_t s = 0; s < 3; ++s) {
    const PrivateKey& owner = keys_[s].owner;
    txs.push_back(pay(owner, EthAddress::from_public_key(owner.public_key()), 0, Amount::from_units(1), fees[s]));
    ASSERT_TRUE(producer.engine().submit(txs.back()).value());
  }
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().head().height, 1u);
  EXPECT_EQ(ids_in(*producer.engine().head().block), (std::vector<Hash256>{id_of(txs[1]), id_of(txs[2])}));
  EXPECT_EQ(producer.engine().mempool().ids(), std::vector<Hash256>{id_of(txs[0])});
}

// A transaction behind a nonce gap waits in the pool, out of blocks, until the gap is filled.
TEST_F(EngineTest, ANonceGapWaitsUntilItIsFilled) {
  Node& producer = producer_of(1);
  ASSERT_EQ(&producer_of(5), &producer);
  const size_t sender = (index_of(producer) + 1) % 4;
  const v1::SignedTransaction first = self_transfer(sender, 0), second = self_transfer(sender, 1);
  ASSERT_TRUE(producer.engine().submit(second).value());
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().head().height, 1u);
  EXPECT_EQ(producer.engine().head().block->transactions_size(), 0);
  EXPECT_TRUE(producer.engine().mempool().contains(id_of(second)));

  ASSERT_TRUE(producer.engine().submit(first).value());
  producer.engine().on_tick(at(5) + genesis_.params.block_interval_ms / 2);  // no QC on block 1 comes
  ASSERT_EQ(producer.engine().head().height, 2u);
  EXPECT_EQ(ids_in(*producer.engine().head().block), (std::vector<Hash256>{id_of(first), id_of(second)}));
  EXPECT_EQ(producer.engine().mempool().size(), 0u);
}

// A higher fee for the same sender and nonce replaces the pending transaction (whose drop is
// reported); the block carries the replacement.
TEST_F(EngineTest, AHigherFeeReplacesAPendingTransaction) {
  Node& producer = producer_of(1);
  Drops drops;
  producer.observer = &drops;
  producer.reopen_engine();
  const PrivateKey& owner = keys_[(index_of(producer) + 1) % 4].owner;
  const EthAddress self = EthAddress::from_public_key(owner.public_key());
  const v1::SignedTransaction first = pay(owner, self, 0, Amount::from_units(1), 10);
  ASSERT_TRUE(producer.engine().submit(first).value());
  auto cheaper = producer.engine().submit(pay(owner, self, 0, Amount::from_units(2), 10));
  ASSERT_FALSE(cheaper);
  EXPECT_EQ(cheaper.status().code(), Errc::kFailedPrecondition);
  EXPECT_EQ(cheaper.status().message().rfind("replacement underpriced: ", 0), 0u) << cheaper.status().message();
  const v1::SignedTransaction better = pay(owner, self, 0, Amount::from_units(3), 11);
  ASSERT_TRUE(producer.engine().submit(better).value());
  EXPECT_EQ(producer.net.count(Message::Kind::kTransaction), 2u) << "the replacement is gossiped";
  EXPECT_EQ(drops.why, (std::map<Hash256, TxError>{{id_of(first), TxError::kFeeTooLow}}));
  producer.engine().on_tick(at(1));
  ASSERT_EQ(producer.engine().head().height, 1u);
  EXPECT_EQ(ids_in(*producer.engine().head().block), std::vector<Hash256>{id_of(better)});
}

// After each block the pool is checked against the new head: a transaction whose balance an
// earlier one of its sender spent, and one the new height expired, are dropped and reported.
TEST_F(EngineTest, TheMempoolIsCheckedAgainAfterEachBlock) {
  Node& first_producer = producer_of(1);
  Node& second_producer = producer_of(2);
  Node& node = voter_other_than(first_producer, &second_producer);
  Drops drops;
  node.observer = &drops;
  node.reopen_engine();
  const PrivateKey fresh = key("fresh account");
  const EthAddress fresh_account = EthAddress::from_public_key(fresh.public_key());
  const EthAddress elsewhere = EthAddress::from_public_key(keys_[0].owner.public_key());

  const v1::SignedTransaction funding = pay(keys_[index_of(first_producer)].owner, fresh_account, 0, fee(20));
  const v1::Block block1 = first_producer.engine().build_block(chain_id_, 1, {funding}).value();
  ASSERT_EQ(node.engine().on_message(0, block_message(block1), at(1) + 10).kind(), Verdict::Kind::kAccepted);
  ASSERT_EQ(second_producer.engine().on_message(0, block_message(block1), at(1) + 10).kind(),
            Verdict::Kind::kAccepted);

  // The node holds the fresh account's nonce 1 (its nonce 0 went elsewhere) and a
  // transaction that expires at height 2.
  const v1::SignedTransaction later = pay(fresh, elsewhere, 1, fee(5));
  ASSERT_TRUE(node.engine().submit(later).value());
  const PrivateKey& owner = keys_[index_of(node)].owner;
  const v1::SignedTransaction expiring =
      pay(owner, EthAddress::from_public_key(owner.public_key()), 0, Amount::from_units(1), 1, 2);
  ASSERT_TRUE(node.engine().submit(expiring).value());

  // Block 2 spends nearly all of the fresh account with its nonce 0, and leaves the other out.
  const v1::Block block2 = second_producer.engine()
                               .build_block(block_hash(block1.header().header()), 2,
                                            {pay(fresh, elsewhere, 0, fee(18))})
                               .value();
  ASSERT_EQ(node.engine().on_message(0, block_message(block2), at(2) + 10).kind(), Verdict::Kind::kAccepted);
  EXPECT_EQ(drops.why, (std::map<Hash256, TxError>{{id_of(later), TxError::kInsufficientFunds},
                                                    {id_of(expiring), TxError::kExpired}}));
  EXPECT_EQ(node.engine().mempool().size(), 0u);
}

// A block the head does not follow takes its transactions out of the pool, but the pool is
// checked against the head alone: a transaction whose nonce only that fork used stays.
TEST_F(EngineTest, AForkOffTheHeadLeavesThePoolAsTheHeadHasIt) {
  Node& first_producer = producer_of(1);
  Node& second_producer = producer_of(2);
  Node& node = voter_other_than(first_producer, &second_producer);
  const size_t sender = index_of(node);
  const v1::SignedTransaction pending = self_transfer(sender, 0), forked = self_transfer(sender, 1);
  const v1::SignedTransaction elsewhere = pay(keys_[sender].owner, EthAddress::from_public_key(keys_[0].owner.public_key()),
                                              0, Amount::from_units(9));
  ASSERT_TRUE(node.engine().submit(pending).value());
  ASSERT_TRUE(node.engine().submit(forked).value());
  const v1::Block head = first_producer.engine().build_block(chain_id_, 1, {}).value();
  ASSERT_EQ(node.engine().on_message(0, block_message(head), at(1) + 10).kind(), Verdict::Kind::kAccepted);
  // Height 1 in a later slot: fork choice keeps the first (the lower slot).
  const v1::Block fork = second_producer.engine().build_block(chain_id_, 2, {elsewhere, forked}).value();
  ASSERT_EQ(node.engine().on_message(0, block_message(fork), at(2) + 10).kind(), Verdict::Kind::kAccepted);
  ASSERT_EQ(node.engine().head().hash, block_hash(head.header().header()));
  EXPECT_EQ(node.engine().mempool().ids(), std::vector<Hash256>{id_of(pending)})
      << "the fork's own transaction left; the one whose nonce only the fork used stayed";
  // A new transaction is checked against the head, not the fork the ledger applied last.
  EXPECT_TRUE(node.engine().submit(self_transfer(sender, 1)).value());
}

// Pending transactions survive a clean restart: saved, then taken back by the next engine on
// the same stores, each checked again on the head (one whose nonce a block used meanwhile is
// not). A damaged file is ignored.
TEST_F(EngineTest, PendingTransactionsSurviveARestart) {
  Node& producer = producer_of(1);
  Node& node = voter_other_than(producer);
  const std::string path = dir_.sub("mempool.saved");
  node.customize = [&](EngineOptions& o) { o.mempool_path = path; };
  node.reopen_engine();
  EXPECT_EQ(node.engine().mempool().size(), 0u) << "no file yet";
  const size_t a = index_of(producer), b = index_of(node), c = (a + 1) % 4 == b ? (b + 1) % 4 : (a + 1) % 4;
  const std::vector<v1::SignedTransaction> back = {self_transfer(a, 0), self_transfer(a, 2), self_transfer(b, 0)};
  for (const auto& tx : back) ASSERT_TRUE(node.engine().submit(tx).value());
  const v1::SignedTransaction overtaken = self_transfer(c, 0);
  ASSERT_TRUE(node.engine().submit(overtaken).value());
  ASSERT_TRUE(node.engine().save_mempool());

  const PrivateKey& c_owner = keys_[c].owner;
  const v1::Block block = producer.engine()
                              .build_block(chain_id_, 1, {pay(c_owner, EthAddress::from_public_key(c_owner.public_key()),
                                                              0, Amount::from_units(7))})
                              .value();
  ASSERT_EQ(node.engine().on_message(0, block_message(block), at(1) + 10).kind(), Verdict::Kind::kAccepted);
  node.reopen_engine();
  std::vector<Hash256> want;
  for (const auto& tx : back) want.push_back(id_of(tx));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(node.engine().mempool().ids(), want) << "all but the one whose nonce the block used";
  EXPECT_EQ(node.net.count(Message::Kind::kTransaction), back.size() + 1) << "taken back, not sent again";

  std::string file;
  {
    std::ifstream in(path, std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(file.size(), 100u);
  file[file.size() / 2] = static_cast<char>(file[file.size() / 2] ^ 0x01);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file;
  }
  node.reopen_engine();
  EXPECT_EQ(node.engine().mempool().size(), 0u) << "a damaged file is ignored";
  EXPECT_EQ(node.engine().head().hash, block_hash(block.header().header())) << "and nothing else is";
}

// A node catching up gets a block before its parent. When the parent comes, the child's
// transactions are checked on a helper thread while the parent is applied, and the child
// takes those verdicts. A spoiled signature checked that way still gets the child refused,
// and a body that is not the one its header commits to leaves no verdicts behind.
TEST_F(EngineTest, ACatchingUpNodeChecksTheNextBlockWhileApplyingItsParent) {
  Node& p1 = producer_of(1);
  Node& p2 = producer_of(2);
  ASSERT_NE(&p1, &p2);
  std::vector<v1::SignedTransaction> first, second;
  for (uint64_t n = 0; n < 80; ++n) first.push_back(self_transfer(index_of(p1), n));
  for (uint64_t n = 0; n < 70; ++n) second.push_back(self_transfer(index_of(p2), n));
  const v1::Block b1 = p1.engine().build_block(chain_id_, 1, first).value();
  p1.engine().on_message(0, block_message(b1), at(1));
  p2.engine().on_message(0, block_message(b1), at(1));
  const v1::Block b2 = p2.engine().build_block(block_hash(b1.header().header()), 2, second).value();
  std::vector<Node*> others;
  for (auto& n : nodes_) {
    if (n.get() != &p1 && n.get() != &p2) others.push_back(n.get());
  }
  ASSERT_EQ(others.size(), 2u);

  Node& catching = *others[0];
  catching.engine().on_message(3, block_message(b2), at(2) + 10);
  EXPECT_EQ(catching.engine().head().height, 0u) << "an orphan waits for its parent";
  catching.engine().on_message(3, block_message(b1), at(2) + 20);
  EXPECT_EQ(catching.engine().head().height, 2u);
  EXPECT_EQ(catching.engine().stats().transactions_checked_ahead, 70u);
  EXPECT_EQ(catching.engine().stats().transactions_checked, 150u);

  // The same child with one spoiled signature: checked ahead, and refused for it.
  Node& refusing = *others[1];
  refusing.engine().on_message(3, block_message(with_bad_signature(b2, 33, p2)), at(2) + 10);
  refusing.engine().on_message(3, block_message(b1), at(2) + 20);
  EXPECT_EQ(refusing.engine().head().height, 1u);
  EXPECT_EQ(refusing.engine().stats().blocks_rejected, 1u);
  EXPECT_EQ(refusing.engine().stats().transactions_checked_ahead, 70u);

  // A body that its header does not commit to (one transaction dropped): no verdicts are
  // kept for it, the block is refused, and the genuine body is taken when it comes.
  v1::Block wrong_body = b2;
  wrong_body.mutable_transactions()->RemoveLast();
  const size_t like = index_of(catching);
  Node fresh(genesis_, chain_id_, keys_[like], genesis_.sps[like].sp_id, dir_.sub("fresh"));
  fresh.engine().on_message(3, block_message(wrong_body), at(2) + 10);
  fresh.engine().on_message(3, block_message(b1), at(2) + 20);
  EXPECT_EQ(fresh.engine().head().height, 1u);
  EXPECT_EQ(fresh.engine().stats().blocks_rejected, 1u);
  EXPECT_EQ(fresh.engine().stats().transactions_checked_ahead, 0u);
  fresh.engine().on_message(3, block_message(b2), at(2) + 30);
  EXPECT_EQ(fresh.engine().head().height, 2u) << "a wrong body does not condemn the hash";
}

TEST_F(EngineTest, InvalidBlocksAreRejectedAndChangeNothing) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  v1::Block good = producer.engine().build_block(chain_id_, 1, {}).value();
  auto rejects = [&](v1::Block bad, const std::string& what) {
    uint64_t before = voter.engine().stats().blocks_rejected;
    size_t tree = voter.engine().tree().size();
    voter.engine().on_message(0, block_message(bad), at(1) + 10);
    EXPECT_EQ(voter.engine().tree().size(), tree) << what;
    EXPECT_EQ(voter.engine().stats().blocks_rejected, before + 1) << what;
    EXPECT_EQ(voter.net.count(Message::Kind::kVote), 0u) << what;
  };
  auto resign = [&](v1::Block b, const PrivateKey& signer) {
    b.mutable_header()->set_signature(to_field(
        signer.sign(header_signing_hash(chain_id_, block_hash(b.header().header())))));
    return b;
  };
  const PrivateKey& producer_key = keys_[index_of(producer)].validator;

  v1::Block b = good;
  b.mutable_header()->set_signature(std::string(64, '\x01'));
  rejects(b, "bad signature");
  b = good;
  rejects(resign(b, keys_[index_of(voter)].validator), "signed by another validator");
  b = good;
  b.mutable_header()->mutable_header()->set_producer(genesis_.sps[index_of(voter)].sp_id);
  rejects(resign(b, keys_[index_of(voter)].validator), "not this slot's producer");
  b = good;
  b.mutable_header()->mutable_header()->set_state_root(std::string(32, '\x07'));
  rejects(resign(b, producer_key), "wrong state root");
  b = good;
  b.mutable_header()->mutable_header()->set_tx_root(std::string(32, '\x07'));
  rejects(resign(b, producer_key), "wrong tx root");
  b = good;
  b.mutable_header()->mutable_header()->set_timestamp_ms(at(1) + 1);
  rejects(resign(b, producer_key), "timestamp not the slot's start");
  b = good;
  b.mutable_header()->mutable_header()->set_height(2);
  rejects(resign(b, producer_key), "height skips");
  b = good;
  *b.add_transactions() = self_transfer(index_of(producer));
  rejects(resign(b, producer_key), "a transaction the root does not cover");

  // And the genuine block is still accepted and voted for afterwards.
  voter.engine().on_message(0, block_message(good), at(1) + 10);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
}

// A block of 64 transactions or more has its signatures checked on several threads before it
// is applied: one bad signature among them still rejects it, and the genuine block passes.
TEST_F(EngineTest, ALargeBlockIsCheckedInParallelWithTheSameVerdicts) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  std::vector<v1::SignedTransaction> txs;
  for (uint64_t n = 0; n < 100; ++n) txs.push_back(self_transfer(index_of(producer), n));
  v1::Block good = producer.engine().build_block(chain_id_, 1, txs).value();
  ASSERT_EQ(good.transactions_size(), 100);

  const v1::Block bad = with_bad_signature(good, 57, producer);
  const uint64_t rejected = voter.engine().stats().blocks_rejected;
  voter.engine().on_message(0, block_message(bad), at(1) + 10);
  EXPECT_EQ(voter.engine().stats().blocks_rejected, rejected + 1);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 0u);

  voter.engine().on_message(0, block_message(good), at(1) + 10);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
  EXPECT_EQ(voter.engine().head().height, 1u);
}

TEST_F(EngineTest, ABlockFromTheFutureWaits) {
  Node& producer = producer_of(5);
  Node& voter = voter_other_than(producer);
  v1::Block block = producer.engine().build_block(chain_id_, 5, {}).value();
  voter.engine().on_message(0, block_message(block), at(3));  // two slots early
  EXPECT_EQ(voter.engine().tree().size(), 1u);
  EXPECT_EQ(voter.engine().stats().blocks_rejected, 0u) << "early is not invalid";
  voter.engine().on_message(0, block_message(block), at(5));
  EXPECT_EQ(voter.engine().tree().size(), 2u);
}

// Blocks nobody can connect (a peer inventing parents) never grow the node without bound,
// and do not stop it from following the real chain afterwards.
TEST_F(EngineTest, AFloodOfOrphansIsBoundedAndHarmless) {
  Node& producer = producer_of(1);
  Node& voter = voter_other_than(producer);
  for (int i = 0; i < 2000; ++i) {
    v1::Block junk;
    v1::BlockHeader* h = junk.mutable_header()->mutable_header();
    h->set_height(5);
    h->set_slot(1);
    h->set_prev_hash(to_field(sha256(as_bytes("no such parent " + std::to_string(i)))));
    voter.engine().on_message(3, block_message(junk), at(1));
  }
  EXPECT_EQ(voter.engine().tree().size(), 1u);
  EXPECT_LE(voter.engine().orphan_count(), 512u);
  v1::Block block = producer.engine().build_block(chain_id_, 1, {}).value();
  voter.engine().on_message(0, block_message(block), at(1) + 10);
  EXPECT_EQ(voter.engine().tree().size(), 2u);
  EXPECT_EQ(voter.net.count(Message::Kind::kVote), 1u);
}

TEST_F(EngineTest, AnOrphanAsksForItsParent) {
  Node& p1 = producer_of(1);
  v1::Block b1 = p1.engine().build_block(chain_id_, 1, {}).value();
  p1.engine().on_message(0, block_message(b1), at(1));
  Node& p2 = producer_of(2);
  if (&p2 != &p1) p2.engine().on_message(0, block_message(b1), at(1));
  v1::Block b2 = p2.engine().build_block(block_hash(b1.header().header()), 2, {}).value();
  Node* other = nullptr;
  for (auto& n : nodes_) {
    if (n.get() != &p1 && n.get() != &p2) other = n.get();
  }
  other->engine().on_message(3, block_message(b2), at(2) + 10);
  ASSERT_EQ(other->net.count(Message::Kind::kBlockRequest), 1u);
  EXPECT_EQ(other->net.sent.back().request, block_hash(b1.header().header()));
  other->engine().on_message(3, block_message(b1), at(2) + 20);
  EXPECT_EQ(other->engine().tree().size(), 3u) << "the parent, then the waiting child";
}

}  // namespace
}  // namespace ans::consensus

namespace ans::consensus {
namespace {

// The real file system, with reads of the stores' files failing while `fail` is set.
class FailingReadsEnv final : public leveldb::EnvWrapper {
 public:
  FailingReadsEnv() : EnvWrapper(leveldb::Env::Default()) {}
  std::atomic<bool> fail{false};

  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** out) override {
    leveldb::RandomAccessFile* base = nullptr;
    leveldb::Status s = target()->NewRandomAccessFile(name, &base);
    if (s.ok()) *out = new File(std::unique_ptr<leveldb::RandomAccessFile>(base), fail);
    return s;
  }

 private:
  class File final : public leveldb::RandomAccessFile {
   public:
    File(std::unique_ptr<leveldb::RandomAccessFile> base, const std::atomic<bool>& fail)
        : base_(std::move(base)), fail_(fail) {}
    leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                         char* scratch) const override {
      if (fail_.load()) return leveldb::Status::IOError("injected read failure");
      return base_->Read(offset, n, result, scratch);
    }

   private:
    std::unique_ptr<leveldb::RandomAccessFile> base_;
    const std::atomic<bool>& fail_;
  };
};

// A read of the ledger's store that fails while a block is produced is a node fault: the
// engine records it, produces nothing, and stays stopped once reads work again.
TEST_F(EngineTest, AStoreThatFailsIsANodeFaultThatStopsProduction) {
  const size_t i = index_of(producer_of(1));
  FailingReadsEnv env;
  StateDbOptions options;
  options.sync = false;
  options.env = &env;
  options.block_cache_bytes = 0;  // every read of a table goes to its file
  const std::string path = dir_.sub("failing");
  std::filesystem::create_directories(path);
  // Opened twice: the second opening moves the genesis state from LevelDB's log to a table.
  ASSERT_TRUE(Ledger::open(path + "/ledger", genesis_, chain_id_, options));
  auto ledger = Ledger::open(path + "/ledger", genesis_, chain_id_, options).value();
  auto store = ConsensusStore::open(path + "/consensus", false, &env).value();
  Captured net;
  FixedRandom random;
  EngineOptions o;
  o.sp_id = genesis_.sps[i].sp_id;
  o.signing_key = keys_[i].validator;
  o.account_key = keys_[i].owner;
  auto engine = Engine::open(*ledger, *store, net, random, kGenesisMs, o).value();
  ASSERT_FALSE(engine->node_fault());

  env.fail = true;
  engine->on_tick(at(1));
  EXPECT_EQ(engine->stats().blocks_produced, 0u);
  ASSERT_TRUE(engine->node_fault());
  EXPECT_EQ(engine->node_fault()->code(), Errc::kIoError) << engine->node_fault()->to_string();
  EXPECT_EQ(net.count(Message::Kind::kBlock), 0u);

  env.fail = false;
  engine->on_tick(at(2) + 100);
  EXPECT_EQ(engine->stats().blocks_produced, 0u);
  EXPECT_EQ(ledger->head_height(), 0u);
}

}  // namespace
}  // namespace ans::consensus
