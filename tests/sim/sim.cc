#include "tests/sim/sim.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <sstream>

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include "consensus/engine.h"
#include "genesis/genesis_json.h"
#include "genesis/testnet.h"
#include "ledger/state/ledger_state.h"

namespace ans::sim {
namespace {

using consensus::BlockNode;
using consensus::Engine;
using consensus::Message;

constexpr uint64_t kGenesisTimeMs = 1'800'000'000'000ULL;
constexpr uint64_t kTickMs = 100;

// Deterministic draws. std::mt19937_64 is fully specified by the standard; the helpers
// below avoid the library's distributions, whose algorithms are not.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

PrivateKey derived_key(const std::string& label) {
  return PrivateKey::from_bytes(sha256(as_bytes("ans sim / " + label))).value();
}

class Simulation;

// A signed transfer of `amount` from `from` to `to`, with the nonce the ledger's head state
// expects for `from`.
v1::SignedTransaction head_transfer(const Ledger& ledger, const PrivateKey& from, const EthAddress& to,
                                    const Amount& amount, uint64_t expiry_height,
                                    const FixedBytes<32>& aux) {
  StateOverlay view(ledger.db());
  LedgerState state(view);
  PublicKey pub = from.public_key();
  v1::Transaction tx;
  tx.set_sender_key(to_field(pub.compressed()));
  tx.set_nonce(state.account(EthAddress::from_public_key(pub)).nonce());
  tx.set_fee(LedgerState::amount_bytes(ledger.params().min_tx_fee));
  tx.set_expiry_height(expiry_height);
  tx.mutable_transfer()->set_to(to_field(to.bytes()));
  tx.mutable_transfer()->set_amount(LedgerState::amount_bytes(amount));
  return sign_transaction(from, ledger.chain_id(), tx, aux);
}

// One validator: its stores (on an in-memory file system that outlives a crash), its engine,
// and the byzantine behaviour, if any, wrapped around the engine's network.
class SimNode final : public consensus::Network,
                      public consensus::Randomness,
                      public consensus::EngineObserver {
 public:
  SimNode(Simulation& sim, int index, unsigned fault, uint64_t seed)
      : sim_(sim), index_(index), fault_(fault), rng_(seed),
        env_(leveldb::NewMemEnv(leveldb::Env::Default())) {}
  ~SimNode() override { stop(); }

  Status start();
  void stop() {
    engine_.reset();
    store_.reset();
    ledger_.reset();
  }
  bool up() const { return engine_ != nullptr; }
  bool honest() const { return fault_ == kHonest; }
  unsigned fault() const { return fault_; }
  Engine& engine() { return *engine_; }
  Ledger& ledger() { return *ledger_; }
  const std::string& sp_id() const { return sp_id_; }
  void set_identity(std::string sp_id, PrivateKey signing, PrivateKey account) {
    sp_id_ = std::move(sp_id);
    signing_ = std::move(signing);
    account_ = std::move(account);
  }

  void deliver(int from, const Message& m, uint64_t now);
  void tick(uint64_t now) {
    if (up()) engine_->on_tick(now);
  }
  void equivocate(const v1::Block& first, uint64_t now);

  // consensus::Network
  void broadcast(const Message& m) override;
  void send(int peer, const Message& m) override;
  // The network is a full mesh: votes and evidence reach every node from their maker, so
  // only blocks and transactions are passed on, to everyone (a node's relay is its
  // broadcast, with the same faults).
  void relay(int from, const Message& m) override;
  // consensus::Randomness
  FixedBytes<32> aux32() override {
    FixedBytes<32> out{};
    for (size_t i = 0; i < out.size(); i += 8) {
      uint64_t v = rng_.next();
      for (size_t j = 0; j < 8; ++j) out[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
    return out;
  }
  // consensus::EngineObserver
  void on_final(const BlockNode& block, uint64_t now_ms) override;
  void on_conflicting_final(const BlockNode& block, uint64_t now_ms) override;

 private:
  void vote_for_anything(const v1::Block& block);

  Simulation& sim_;
  int index_;
  unsigned fault_;
  Rng rng_;
  std::unique_ptr<leveldb::Env> env_;
  std::string sp_id_;
  std::optional<PrivateKey> signing_, account_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<consensus::ConsensusStore> store_;
  std::unique_ptr<Engine> engine_;
  std::set<uint64_t> equivocated_slots_;
  std::set<Hash256> rule_breaking_votes_;
};

class Simulation {
 public:
  Simulation(const Scenario& s, uint64_t seed) : s_(s), rng_(seed) {
    result_.scenario = s.name;
    result_.seed = seed;
    result_.validators = s.validators;
  }

  Result run();

  // Network, called by nodes.
  void send(int from, int to, const Message& m);
  void broadcast(int from, const Message& m) {
    for (int to = 0; to < static_cast<int>(nodes_.size()); ++to) {
      if (to != from) send(from, to, m);
    }
  }
  void schedule_equivocation(int node, const v1::Block& block) {
    push(Event{now_, 0, EventType::kEquivocate, node, node, std::make_shared<Message>(Message::of(block))});
  }

  // Monitor, called by nodes.
  void on_final(int node, const BlockNode& block, uint64_t now);
  void on_conflicting_final(int node, const BlockNode& block);
  void note_equivocation(uint64_t slot) {
    if (result_.first_equivocation_slot == 0) result_.first_equivocation_slot = slot;
  }

  const GenesisConfig& genesis() const { return genesis_; }
  const ChainId& chain_id() const { return chain_id_; }
  int size() const { return static_cast<int>(nodes_.size()); }
  uint64_t now() const { return now_; }

 private:
  enum class EventType { kDeliver, kTick, kCrash, kRestart, kEquivocate, kLivenessCheck, kClient };
  struct Event {
    uint64_t time;
    uint64_t seq;
    EventType type;
    int node;
    int from;
    std::shared_ptr<const Message> message;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };

  void push(Event e) {
    e.seq = next_seq_++;
    queue_.push(std::move(e));
  }
  uint64_t slot_start(uint64_t slot) const { return kGenesisTimeMs + slot * interval_; }
  bool disrupted() const { return now_ < slot_start(s_.sync_slot); }
  bool partitioned(int a, int b) const {
    for (const auto& p : s_.partitions) {
      if (now_ >= slot_start(p.from_slot) && now_ < slot_start(p.to_slot) &&
          p.group_of[static_cast<size_t>(a)] != p.group_of[static_cast<size_t>(b)]) {
        return true;
      }
    }
    return false;
  }
  void restart(int node);
  void client_submits();
  void check_liveness();
  void collect_punishments();

  Scenario s_;
  Rng rng_;
  GenesisConfig genesis_;
  ChainId chain_id_{};
  uint64_t interval_ = 1000;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  uint64_t next_seq_ = 0;
  uint64_t now_ = 0;

  // Safety monitor.
  std::map<uint64_t, std::pair<Hash256, int>> final_at_height_;  // by honest nodes
  std::vector<std::pair<uint64_t, Hash256>> last_final_;         // per node
  std::vector<PrivateKey> users_;  // client accounts that send transfers to each other
  Result result_;
};

// ---------------------------------------------------------------- SimNode

Status SimNode::start() {
  StateDbOptions options;
  options.sync = false;
  options.env = env_.get();
  options.block_cache_bytes = 1 << 20;
  options.write_buffer_bytes = 1 << 20;
  // Odd nodes keep their state in memory (the other store layout), snapshotting often: the
  // two layouts must agree on every block, across crashes and restarts.
  options.memory_state = index_ % 2 == 1;
  options.snapshot_min_journal_bytes = 32 << 10;
  auto ledger = Ledger::open("/ledger", sim_.genesis(), sim_.chain_id(), options);
  if (!ledger) return ledger.status();
  auto store = consensus::ConsensusStore::open("/consensus", /*sync=*/false, env_.get());
  if (!store) return store.status();
  ledger_ = std::move(ledger).value();
  store_ = std::move(store).value();
  consensus::EngineOptions eo;
  eo.sp_id = sp_id_;
  eo.signing_key = signing_;
  eo.account_key = account_;
  auto engine = Engine::open(*ledger_, *store_, *this, *this, kGenesisTimeMs, eo, this);
  if (!engine) {
    stop();
    return engine.status();
  }
  engine_ = std::move(engine).value();
  return Status::ok();
}

void SimNode::deliver(int from, const Message& m, uint64_t now) {
  if (!up()) return;
  if ((fault_ & kBreakRules) && m.kind == Message::Kind::kBlock) vote_for_anything(*m.block);
  engine_->on_message(from, m, now);
}

void SimNode::broadcast(const Message& m) {
  if (fault_ & kWithhold) return;
  if ((fault_ & kBreakRules) && m.kind == Message::Kind::kVote) return;  // it sends its own
  if ((fault_ & (kEquivocate | kForkOff)) && m.kind == Message::Kind::kBlock &&
      m.block->header().header().producer() == sp_id_ &&
      equivocated_slots_.insert(m.block->header().header().slot()).second) {
    sim_.schedule_equivocation(index_, *m.block);  // sends both blocks, once it can build the second
    return;
  }
  sim_.broadcast(index_, m);
}

void SimNode::relay(int, const Message& m) {
  if (m.kind == Message::Kind::kBlock || m.kind == Message::Kind::kTransaction) broadcast(m);
}

void SimNode::send(int peer, const Message& m) {
  if (fault_ & kWithhold) return;
  if (peer >= 0) sim_.send(index_, peer, m);
}

void SimNode::equivocate(const v1::Block& first, uint64_t now) {
  (void)now;
  if (!up()) return;
  if (fault_ & kForkOff) {
    // Replace the block with one on its parent's parent (or parent), when there is one.
    const v1::BlockHeader& h = first.header().header();
    Hash256 parent{};
    std::copy(h.prev_hash().begin(), h.prev_hash().end(), parent.begin());
    const BlockNode* base = engine_->tree().find(parent);
    for (uint64_t up_steps = 1 + rng_.below(2); base && !base->is_genesis() && up_steps > 0; --up_steps) {
      base = base->parent;
    }
    auto forked = base ? engine_->build_block(base->hash, h.slot(), {}) : ans::Result<v1::Block>(first);
    sim_.broadcast(index_, Message::of(forked ? *forked : first));
    if (fault_ & kBreakRules) vote_for_anything(forked ? *forked : first);
    return;
  }
  // The second block: the same parent and slot, plus a transfer to itself.
  const v1::BlockHeader& h = first.header().header();
  std::vector<v1::SignedTransaction> txs{
      head_transfer(*ledger_, *account_, EthAddress::from_public_key(account_->public_key()),
                    Amount::from_units(1), h.height() + 10, aux32())};
  Hash256 parent{};
  std::copy(h.prev_hash().begin(), h.prev_hash().end(), parent.begin());
  auto second = engine_->build_block(parent, h.slot(), txs);
  Message a = Message::of(first);
  if (!second) {
    sim_.broadcast(index_, a);
    return;
  }
  sim_.note_equivocation(h.slot());
  Message b = Message::of(*second);
  for (int to = 0; to < sim_.size(); ++to) {
    if (to != index_) sim_.send(index_, to, to % 2 == 0 ? a : b);
  }
  if (fault_ & kBreakRules) {
    vote_for_anything(first);
    vote_for_anything(*second);
  }
}

void SimNode::vote_for_anything(const v1::Block& block) {
  if (fault_ & kWithhold) return;
  const v1::BlockHeader& h = block.header().header();
  Hash256 hash = block_hash(h);
  if (!rule_breaking_votes_.insert(hash).second) return;
  v1::SignedBlockVote vote;
  v1::BlockVote* v = vote.mutable_vote();
  v->set_block_hash(to_field(hash));
  v->set_height(h.height());
  v->set_slot(h.slot());
  v->set_voter(sp_id_);
  vote.set_signature(to_field(signing_->sign(vote_signing_hash(sim_.chain_id(), *v), aux32())));
  Message m = Message::of(vote);
  sim_.broadcast(index_, m);
  if (up()) engine_->on_message(index_, m, sim_.now());
}

void SimNode::on_final(const BlockNode& block, uint64_t now_ms) { sim_.on_final(index_, block, now_ms); }
void SimNode::on_conflicting_final(const BlockNode& block, uint64_t) {
  sim_.on_conflicting_final(index_, block);
}

// ---------------------------------------------------------------- Simulation

void Simulation::send(int from, int to, const Message& m) {
  if (to < 0 || to >= size()) return;
  ++result_.messages;
  if (partitioned(from, to)) return;
  int copies = 1;
  if (disrupted()) {
    if (rng_.chance(s_.loss)) return;
    if (rng_.chance(s_.duplicate)) copies = 2;
  }
  auto shared = std::make_shared<const Message>(m);
  for (int i = 0; i < copies; ++i) {
    uint64_t delay = disrupted() && s_.max_disrupted_delay_ms > s_.max_delay_ms
                         ? rng_.between(s_.min_delay_ms, s_.max_disrupted_delay_ms)
                         : rng_.between(s_.min_delay_ms, s_.max_delay_ms);
    push(Event{now_ + delay, 0, EventType::kDeliver, to, from, shared});
  }
}

void Simulation::on_final(int node, const BlockNode& block, uint64_t now) {
  auto& last = last_final_[static_cast<size_t>(node)];
  if (!nodes_[static_cast<size_t>(node)]->honest()) {
    last = {block.height, block.hash};
    return;
  }
  if (block.height != last.first + 1 || block.parent->hash != last.second) {
    result_.safety_violations.push_back("node " + std::to_string(node) + ": final block at height " +
                                        std::to_string(block.height) +
                                        " does not extend its previous final block");
  }
  last = {block.height, block.hash};
  auto [it, inserted] = final_at_height_.emplace(block.height, std::make_pair(block.hash, node));
  if (!inserted && it->second.first != block.hash) {
    result_.safety_violations.push_back(
        "height " + std::to_string(block.height) + ": node " + std::to_string(node) + " finalized " +
        to_hex(ByteView(block.hash.data(), 4)) + ", node " + std::to_string(it->second.second) +
        " finalized " + to_hex(ByteView(it->second.first.data(), 4)));
  }
  result_.final_height = std::max(result_.final_height, block.height);
  if (block.slot >= s_.sync_slot && now >= slot_start(block.slot)) {
    result_.latencies.push_back(static_cast<double>(now - slot_start(block.slot)) /
                                static_cast<double>(interval_));
  }
  result_.digest = result_.digest * 1'000'003u + block.height * 31u + block.hash[0] + (block.hash[1] << 8u);
}

void Simulation::on_conflicting_final(int node, const BlockNode& block) {
  if (!nodes_[static_cast<size_t>(node)]->honest()) return;
  result_.safety_violations.push_back("node " + std::to_string(node) + ": block at height " +
                                      std::to_string(block.height) +
                                      " meets the finality rule off its final chain");
}

void Simulation::restart(int node) {
  SimNode& n = *nodes_[static_cast<size_t>(node)];
  if (Status st = n.start(); !st) {
    result_.safety_violations.push_back("node " + std::to_string(node) +
                                        " cannot restart from its store: " + st.to_string());
    return;
  }
  // Nothing final may be lost in a crash.
  const auto& last = last_final_[static_cast<size_t>(node)];
  const BlockNode& final_block = n.engine().final_block();
  const BlockNode* at = &final_block;
  while (at != nullptr && at->height > last.first) at = at->parent;
  if (n.honest() && (at == nullptr || at->hash != last.second)) {
    result_.safety_violations.push_back("node " + std::to_string(node) +
                                        " lost final block " + std::to_string(last.first) +
                                        " in a crash");
  }
}

// A client sends a transfer between two of the client accounts to some node that is up, with
// the nonce that node's head state expects.
void Simulation::client_submits() {
  std::vector<SimNode*> up;
  for (auto& n : nodes_) {
    if (n->up()) up.push_back(n.get());
  }
  if (up.empty()) return;
  SimNode& node = *up[rng_.below(up.size())];
  const PrivateKey& from = users_[rng_.below(users_.size())];
  const PrivateKey& to = users_[rng_.below(users_.size())];
  Amount amount = Amount::from_units(1 + rng_.below(1000));
  FixedBytes<32> aux{};
  for (auto& b : aux) b = static_cast<uint8_t>(rng_.next());
  (void)node.engine().submit(head_transfer(node.ledger(), from, EthAddress::from_public_key(to.public_key()),
                                           amount, node.ledger().head_height() + 30, aux));
}

void Simulation::check_liveness() {
  for (int i = 0; i < size(); ++i) {
    SimNode& n = *nodes_[static_cast<size_t>(i)];
    if (!n.honest() || !n.up()) continue;
    if (n.engine().final_block().slot < s_.sync_slot) {
      result_.liveness_failures.push_back(
          "node " + std::to_string(i) + ": nothing of slot " + std::to_string(s_.sync_slot) +
          " or later final " + std::to_string(s_.liveness_bound_slots) +
          " slots after the network became synchronous (final block at slot " +
          std::to_string(n.engine().final_block().slot) + ")");
    }
  }
}

void Simulation::collect_punishments() {
  // The longest final chain among honest nodes. With more than f faulty, finality may stall
  // for good (honest voters locked on a branch off the final one), so there the evidence is
  // looked for on the longest honest head chain: on chain, if not final.
  bool use_head = !s_.safety_expected;
  SimNode* best = nullptr;
  auto tip = [&](SimNode& n) -> const BlockNode& {
    return use_head ? n.engine().head() : n.engine().final_block();
  };
  for (auto& n : nodes_) {
    if (!n->honest() || !n->up()) continue;
    if (!best || tip(*n).height > tip(*best).height) best = n.get();
  }
  if (!best) return;
  std::vector<const BlockNode*> chain;
  for (const BlockNode* at = &tip(*best); !at->is_genesis(); at = at->parent) {
    chain.push_back(at);
  }
  std::reverse(chain.begin(), chain.end());
  std::set<std::string> punished;
  for (const BlockNode* b : chain) {
    for (const auto& stx : b->block->transactions()) {
      if (stx.tx().has_transfer()) ++result_.transfers_final;
      if (!stx.tx().has_evidence()) continue;
      const auto& ev = stx.tx().evidence();
      std::string offender = ev.has_double_proposal() ? ev.double_proposal().first().header().producer()
                                                      : ev.double_vote().first().vote().voter();
      if (!punished.insert(offender).second) continue;
      for (const auto& n : nodes_) {
        if (n->honest() && n->sp_id() == offender) {
          result_.safety_violations.push_back("honest validator " + offender +
                                              " was punished: it signed two conflicting messages");
        }
      }
      Punishment p;
      p.offender = offender;
      p.included_slot = b->slot;
      p.active_after = static_cast<size_t>(b->sets_after.active_size());
      p.offender_active_after = false;
      for (const auto& m : b->sets_after.active()) p.offender_active_after |= m.sp_id() == offender;
      StateOverlay view(best->ledger().db());
      auto sp = LedgerState(view).sp(offender);
      p.jailed = sp && sp->jailed_until_s() != 0;
      result_.punishments.push_back(p);
    }
  }
  if (s_.evidence_expected) {
    for (auto& n : nodes_) {
      if (!(n->fault() & kEquivocate) || (n->fault() & kWithhold)) continue;
      if (punished.count(n->sp_id()) == 0) {
        result_.evidence_failures.push_back("faulty validator " + n->sp_id() +
                                            " was never punished on the " +
                                            (use_head ? "head" : "final") + " chain");
      }
    }
  }
}

Result Simulation::run() {
  std::vector<TestnetNodeKeys> keys;
  for (int i = 0; i < s_.validators; ++i) {
    keys.push_back({derived_key("validator " + std::to_string(i)), derived_key("owner " + std::to_string(i))});
  }
  genesis_ = testnet_genesis(keys, kGenesisTimeMs);
  genesis_.chain_name = "ans-sim";
  // Reserved names play no part in consensus and make each node's genesis slower to build.
  genesis_.reserved_names.clear();
  genesis_.records.clear();
  // Client accounts, funded from the first owner's allocation: they keep the mempools busy.
  for (int u = 0; u < 4; ++u) {
    users_.push_back(derived_key("user " + std::to_string(u)));
    Amount share = Amount::from_dimt(1'000'000);
    genesis_.allocations[0].amount = genesis_.allocations[0].amount.checked_sub(share).value();
    genesis_.allocations.push_back({EthAddress::from_public_key(users_.back().public_key()), share});
  }
  chain_id_ = ans::chain_id(genesis_);
  interval_ = genesis_.params.block_interval_ms;

  last_final_.assign(static_cast<size_t>(s_.validators), {0, chain_id_});
  for (int i = 0; i < s_.validators; ++i) {
    unsigned fault = s_.faults.empty() ? kHonest : s_.faults[static_cast<size_t>(i)];
    result_.faulty += fault != kHonest ? 1 : 0;
    auto node = std::make_unique<SimNode>(*this, i, fault, rng_.next());
    node->set_identity(genesis_.sps[static_cast<size_t>(i)].sp_id, keys[static_cast<size_t>(i)].validator,
                       keys[static_cast<size_t>(i)].owner);
    if (Status st = node->start(); !st) {
      result_.safety_violations.push_back("node " + std::to_string(i) + " cannot start: " + st.to_string());
      return result_;
    }
    nodes_.push_back(std::move(node));
  }

  uint64_t end = slot_start(s_.slots);
  for (uint64_t t = kGenesisTimeMs; t < end; t += kTickMs) {
    for (int i = 0; i < s_.validators; ++i) push(Event{t, 0, EventType::kTick, i, i, nullptr});
  }
  for (const auto& c : s_.crashes) {
    push(Event{slot_start(c.at_slot) + rng_.below(interval_), 0, EventType::kCrash, c.node, c.node, nullptr});
    push(Event{slot_start(c.restart_slot) + rng_.below(interval_ / 2), 0, EventType::kRestart, c.node,
               c.node, nullptr});
  }
  for (uint64_t slot = 1; slot < s_.slots; ++slot) {
    push(Event{slot_start(slot) + 300 + rng_.below(400), 0, EventType::kClient, 0, 0, nullptr});
  }
  if (s_.liveness_bound_slots > 0) {
    push(Event{slot_start(s_.sync_slot + s_.liveness_bound_slots), 0, EventType::kLivenessCheck, 0, 0,
               nullptr});
  }

  while (!queue_.empty() && queue_.top().time < end) {
    Event e = queue_.top();
    queue_.pop();
    now_ = e.time;
    SimNode& node = *nodes_[static_cast<size_t>(e.node)];
    switch (e.type) {
      case EventType::kDeliver: node.deliver(e.from, *e.message, now_); break;
      case EventType::kTick: node.tick(now_); break;
      case EventType::kCrash: node.stop(); break;
      case EventType::kRestart:
        if (!node.up()) restart(e.node);
        break;
      case EventType::kEquivocate: node.equivocate(*e.message->block, now_); break;
      case EventType::kLivenessCheck: check_liveness(); break;
      case EventType::kClient: client_submits(); break;
    }
  }
  collect_punishments();
  if (std::getenv("ANS_SIM_DEBUG")) {
    for (auto& n : nodes_) {
      if (!n->up()) continue;
      const auto& e = n->engine();
      const auto& st = e.stats();
      std::fprintf(stderr,
                   "node %d fault %u: head %llu (slot %llu) final %llu (slot %llu) newest QC slot %llu lock "
                   "slot %llu last vote %llu | accepted %llu rejected %llu produced %llu votes %llu refused "
                   "%llu qcs %llu evidence %llu pending %zu\n",
                   static_cast<int>(&n - &nodes_[0]), n->fault(), (unsigned long long)e.head().height,
                   (unsigned long long)e.head().slot, (unsigned long long)e.final_block().height,
                   (unsigned long long)e.final_block().slot,
                   (unsigned long long)(e.newest_qc() ? e.newest_qc()->slot : 0),
                   (unsigned long long)e.safety().lock.slot, (unsigned long long)e.safety().last_vote_slot,
                   (unsigned long long)st.blocks_accepted, (unsigned long long)st.blocks_rejected,
                   (unsigned long long)st.blocks_produced, (unsigned long long)st.votes_sent,
                   (unsigned long long)st.votes_refused, (unsigned long long)st.qcs_formed,
                   (unsigned long long)st.evidence_found, e.evidence_pending());
    }
  }
  return result_;
}

}  // namespace

// ---------------------------------------------------------------- scenarios

std::vector<std::string> scenario_names() {
  return {"honest", "lossy", "partition", "crash", "byzantine", "byzantine-f+1", "equivocator"};
}

Scenario make_scenario(const std::string& name, uint64_t seed, int validators) {
  Rng rng(seed ^ 0x5ce9a810ULL);
  Scenario s;
  s.name = name;
  auto pick_n = [&](std::initializer_list<int> options) {
    if (validators > 0) return validators;
    std::vector<int> v(options);
    return v[rng.below(v.size())];
  };
  auto bound = [](int n) { return static_cast<uint64_t>(2 * n + 10); };
  if (name == "honest") {
    s.validators = pick_n({4, 5, 7});
    s.slots = 30;
  } else if (name == "lossy") {
    s.validators = pick_n({4, 7});
    s.loss = 0.05 + 0.2 * rng.unit();
    s.duplicate = 0.1 * rng.unit();
    s.max_delay_ms = rng.between(100, 400);
    // Half the runs are also asynchronous while disrupted: delays up to 2 block intervals,
    // so producers often miss the block before theirs and the chain forks.
    if (rng.chance(0.5)) s.max_disrupted_delay_ms = rng.between(800, 2000);
    s.sync_slot = rng.between(15, 25);
    s.slots = s.sync_slot + bound(s.validators) + 5;
  } else if (name == "partition") {
    s.validators = pick_n({4, 5, 7});
    uint64_t at = rng.between(3, 10);
    int parts = 1 + static_cast<int>(rng.below(2));
    for (int p = 0; p < parts; ++p) {
      Partition part;
      part.from_slot = at;
      part.to_slot = at + rng.between(3, 12);
      for (int i = 0; i < s.validators; ++i) part.group_of.push_back(static_cast<int>(rng.below(2)));
      at = part.to_slot + rng.between(0, 4);
      s.partitions.push_back(part);
    }
    s.sync_slot = s.partitions.back().to_slot;
    s.slots = s.sync_slot + bound(s.validators) + 5;
  } else if (name == "crash") {
    s.validators = pick_n({4, 5, 7});
    int crashes = 1 + static_cast<int>(rng.below(3));
    uint64_t last = 2;
    for (int c = 0; c < crashes; ++c) {
      Crash crash;
      crash.node = static_cast<int>(rng.below(static_cast<uint64_t>(s.validators)));
      crash.at_slot = rng.between(2, 20);
      crash.restart_slot = crash.at_slot + rng.between(1, 8);
      // One node's crashes do not overlap.
      bool overlaps = false;
      for (const auto& o : s.crashes) {
        overlaps |= o.node == crash.node && crash.at_slot <= o.restart_slot && o.at_slot <= crash.restart_slot;
      }
      if (overlaps) continue;
      last = std::max(last, crash.restart_slot + 1);
      s.crashes.push_back(crash);
    }
    s.sync_slot = last;
    s.slots = s.sync_slot + bound(s.validators) + 5;
  } else if (name == "byzantine" || name == "byzantine-f+1") {
    s.validators = pick_n({4, 7});
    int f = (s.validators - 1) / 3;
    int bad = name == "byzantine" ? f : f + 1;
    s.faults.assign(static_cast<size_t>(s.validators), kHonest);
    std::vector<int> order(static_cast<size_t>(s.validators));
    for (int i = 0; i < s.validators; ++i) order[static_cast<size_t>(i)] = i;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    const unsigned kinds[] = {kEquivocate, kWithhold, kBreakRules, kEquivocate | kBreakRules,
                              kForkOff | kBreakRules, kForkOff};
    for (int b = 0; b < bad; ++b) {
      s.faults[static_cast<size_t>(order[static_cast<size_t>(b)])] =
          name == "byzantine" ? kinds[rng.below(6)] : (kEquivocate | kBreakRules);
    }
    s.max_delay_ms = rng.between(50, 400);
    // Some runs also lose messages for a while.
    if (rng.chance(0.5)) {
      s.loss = 0.2 * rng.unit();
      s.max_disrupted_delay_ms = rng.chance(0.5) ? rng.between(800, 2000) : 0;
      s.sync_slot = rng.between(5, 15);
    }
    s.slots = s.sync_slot + 2 * static_cast<uint64_t>(s.validators) + 20;
    if (name == "byzantine") {
      s.liveness_bound_slots = bound(s.validators);
    } else {
      s.safety_expected = false;
      s.evidence_expected = true;
      s.slots = 50;
    }
    return s;
  } else if (name == "equivocator") {
    s.validators = pick_n({4, 7});
    s.faults.assign(static_cast<size_t>(s.validators), kHonest);
    s.faults[rng.below(static_cast<uint64_t>(s.validators))] = kEquivocate;
    s.evidence_expected = true;
    s.slots = 3 * static_cast<uint64_t>(s.validators) + 15;
    s.liveness_bound_slots = bound(s.validators);
    return s;
  }
  s.liveness_bound_slots = bound(s.validators);
  return s;
}

// ---------------------------------------------------------------- results

bool Result::ok(const Scenario& s) const {
  if (s.safety_expected && !safety_violations.empty()) return false;
  if (!liveness_failures.empty() || !evidence_failures.empty()) return false;
  if (s.evidence_expected) {
    for (const auto& p : punishments) {
      if (p.offender_active_after) return false;
    }
  }
  return true;
}

std::string Result::summary() const {
  std::ostringstream out;
  out << scenario << " seed " << seed << ": " << validators << " validators (" << faulty
      << " faulty), final height " << final_height << ", " << transfers_final
      << " client transfers final, " << messages << " messages";
  if (first_equivocation_slot) out << ", first double proposal at slot " << first_equivocation_slot;
  for (const auto& p : punishments) {
    out << "\n  punished " << p.offender.substr(0, p.offender.find('@')) << " in the block of slot "
        << p.included_slot << (p.jailed ? ", jailed" : ", NOT JAILED") << " (active set after: " << p.active_after
        << (p.offender_active_after ? ", STILL ACTIVE" : "") << ")";
  }
  for (const auto& v : safety_violations) out << "\n  SAFETY: " << v;
  for (const auto& v : liveness_failures) out << "\n  LIVENESS: " << v;
  for (const auto& v : evidence_failures) out << "\n  EVIDENCE: " << v;
  return out.str();
}

Result run(const Scenario& scenario, uint64_t seed) { return Simulation(scenario, seed).run(); }

}  // namespace ans::sim
