#include "rpc/node_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "ledger/proof/state_proof.h"
#include "light/bundle.h"
#include "ledger/rules/names.h"
#include "ledger/testing/temp_dir.h"
#include "ledger/wire/codec.h"
#include "rpc/chain_publisher.h"

namespace ans::rpc {
namespace {

using namespace std::chrono_literals;

struct NoPeers final : consensus::Network {
  void broadcast(const consensus::Message&) override {}
  void send(int, const consensus::Message&) override {}
  void relay(int, const consensus::Message&) override {}
};
struct FixedRandom final : consensus::Randomness {
  FixedBytes<32> aux32() override { return FixedBytes<32>{}; }
};

// The dev chain on real stores in a temp dir, its engine driven by a test clock on the test's
// thread (the chain thread), and a NodeApi over what it publishes.
class DevChain {
 public:
  DevChain() : genesis_(dev_genesis()), id_(chain_id(genesis_)) {
    StateDbOptions so;
    so.sync = false;
    ledger_ = Ledger::open(dir_.sub("ledger"), genesis_, id_, so).value();
    store_ = consensus::ConsensusStore::open(dir_.sub("consensus"), false).value();
    views_ = std::make_unique<ViewRegistry>();
    publisher_ = std::make_unique<ChainPublisher>(*store_, board_, false);
    consensus::EngineOptions eo;
    eo.sp_id = genesis_.sps.at(0).sp_id;
    eo.signing_key = dev_validator_key();
    eo.account_key = dev_account_keys().at(0);
    eo.views = views_.get();
    engine_ = consensus::Engine::open(*ledger_, *store_, net_, random_, genesis_.genesis_time_ms, eo,
                                      publisher_.get())
                  .value();
    publisher_->start(*engine_);
    now_ms_ = genesis_.genesis_time_ms + genesis_.params.block_interval_ms;
    NodeContext c;
    c.genesis = genesis_;
    c.chain_id = id_;
    c.producer = eo.sp_id;
    c.views = views_.get();
    c.board = &board_;
    c.store = store_.get();
    c.submit_on_chain = [this](const v1::SignedTransaction& tx) { return engine_->submit(tx); };
    ApiLimits limits;
    limits.max_page_size = 50;
    api_ = std::make_unique<NodeApi>(std::move(c), limits);
  }
  ~DevChain() {
    board_.close();
    engine_.reset();
    views_.reset();
  }

  // One slot: posted work, then the tick, then the publication.
  void step() {
    board_.run_posted();
    engine_->on_tick(now_ms_);
    publisher_->publish(*engine_);
    now_ms_ += genesis_.params.block_interval_ms;
  }
  void run_slots(int n) {
    for (int i = 0; i < n; ++i) step();
  }
  // Runs `call` on another thread (an RPC thread) while this thread drives the chain.
  template <typename F>
  auto while_running(F call) {
    auto answer = std::async(std::launch::async, call);
    for (int i = 0; i < 200 && answer.wait_for(5ms) != std::future_status::ready; ++i) step();
    return answer.get();
  }

  v1::SignedTransaction tx(size_t account, uint64_t nonce,
                           const std::function<void(v1::Transaction&)>& body) const {
    const PrivateKey key = dev_account_keys().at(account);
    v1::Transaction t;
    auto pub = key.public_key().compressed();
    t.set_sender_key(std::string(as_chars(ByteView(pub.data(), pub.size()))));
    t.set_nonce(nonce);
    t.set_fee(genesis_.params.min_tx_fee.to_byte_string());
    t.set_expiry_height(1'000'000);
    body(t);
    return sign_transaction(key, id_, t);
  }
  EthAddress account(size_t i) const {
    return EthAddress::from_public_key(dev_account_keys().at(i).public_key());
  }
  Result<v1::SubmitTransactionResponse> submit(const v1::SignedTransaction& t, v1::WaitFor wait) {
    v1::SubmitTransactionRequest r;
    *r.mutable_transaction() = t;
    r.set_wait(wait);
    return while_running([&] { return api_->submit(r, std::chrono::steady_clock::now() + 30s); });
  }

  const NodeApi& api() const { return *api_; }
  ChainBoard& board() { return board_; }
  const GenesisConfig& genesis() const { return genesis_; }
  const ChainId& id() const { return id_; }

 private:
  GenesisConfig genesis_;
  ChainId id_;
  testing::TempDir dir_{"rpc-test"};
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<consensus::ConsensusStore> store_;
  std::unique_ptr<ViewRegistry> views_;
  ChainBoard board_;
  std::unique_ptr<ChainPublisher> publisher_;
  NoPeers net_;
  FixedRandom random_;
  std::unique_ptr<consensus::Engine> engine_;
  std::unique_ptr<NodeApi> api_;
  uint64_t now_ms_ = 0;
};

v1::ResolveResponse resolve(const NodeApi& api, const std::string& name) {
  v1::ResolveRequest r;
  r.set_name(name);
  return api.resolve(r).value();
}

// A name registered through submit (commit, then the reveal three blocks later), as a wallet
// does it.
class NodeApiTest : public ::testing::Test {
 protected:
  void register_alice() {
    chain_.run_slots(2);
    const Hash256 salt = sha256(as_bytes("salt"));
    const EthAddress owner = chain_.account(1);
    auto commit = chain_.submit(chain_.tx(1, 0, [&](v1::Transaction& t) {
      Hash256 c = name_commitment("alice", owner, salt);
      t.mutable_name_commit()->set_commitment(std::string(as_chars(ByteView(c.data(), c.size()))));
    }), v1::WAIT_FOR_INCLUDED);
    ASSERT_TRUE(commit) << commit.status().to_string();
    commit_hash_ = commit->hash();
    chain_.run_slots(static_cast<int>(chain_.genesis().params.commit_min_blocks) + 1);
    auto reg = chain_.submit(chain_.tx(1, 1, [&](v1::Transaction& t) {
      auto* r = t.mutable_name_register();
      r->set_name("alice");
      r->set_salt(std::string(as_chars(ByteView(salt.data(), salt.size()))));
      r->set_years(2);
      r->mutable_records()->set_target("alice@" + owner.to_string());
    }), v1::WAIT_FOR_FINAL);
    ASSERT_TRUE(reg) << reg.status().to_string();
    EXPECT_EQ(reg->status(), "final");
    register_height_ = reg->height();
    register_hash_ = reg->hash();
  }

  DevChain chain_;
  std::string commit_hash_;
  std::string register_hash_;
  uint64_t register_height_ = 0;
};

TEST_F(NodeApiTest, ResolvesReservedFreeInvalidAndRegisteredNames) {
  chain_.run_slots(1);
  v1::ResolveResponse founder = resolve(chain_.api(), "founder");
  EXPECT_EQ(founder.record().state(), "reserved");
  EXPECT_EQ(founder.record().records().target(), "moky@anywhere");
  EXPECT_EQ(resolve(chain_.api(), "nobody-here").record().state(), "never_registered");
  v1::ResolveResponse bad = resolve(chain_.api(), "Bad!");
  EXPECT_EQ(bad.record().state(), "invalid");
  EXPECT_NE(bad.record().reason(), "");

  register_alice();
  v1::ResolveResponse alice = resolve(chain_.api(), "alice");
  EXPECT_EQ(alice.record().state(), "active");
  EXPECT_EQ(alice.record().owner(), chain_.account(1).to_string());
  EXPECT_EQ(alice.record().records().target(), "alice@" + chain_.account(1).to_string());
  EXPECT_GE(alice.at().height(), register_height_);
  EXPECT_GT(alice.record().grace_ends_s(), alice.record().expiry_s());

  v1::ListByOwnerRequest by_owner;
  by_owner.set_owner(chain_.account(1).to_string());
  auto names = chain_.api().list_by_owner(by_owner).value();
  ASSERT_EQ(names.names_size(), 1);
  EXPECT_EQ(names.names(0).name(), "alice");
  EXPECT_EQ(names.next_page_token(), "");
  by_owner.set_page_size(51);
  EXPECT_EQ(chain_.api().list_by_owner(by_owner).status().code(), Errc::kInvalidArgument);
  by_owner.set_owner("0x123");
  EXPECT_FALSE(chain_.api().list_by_owner(by_owner));

  v1::ReverseRequest rev;
  rev.set_address(chain_.account(1).to_string());
  EXPECT_FALSE(chain_.api().reverse(rev).value().found());  // no primary name set
}

TEST_F(NodeApiTest, ChecksNamesWithTheirPrice) {
  chain_.run_slots(1);
  v1::CheckNameRequest r;
  r.set_name("alice");
  r.set_years(2);
  auto free = chain_.api().check_name(r).value();
  EXPECT_TRUE(free.valid());
  EXPECT_TRUE(free.available());
  EXPECT_EQ(free.yearly_fee(), "10");
  EXPECT_EQ(free.total(), "20");
  r.set_name("founder");
  auto reserved = chain_.api().check_name(r).value();
  EXPECT_FALSE(reserved.available());
  EXPECT_EQ(reserved.state(), "reserved");
  r.set_name("-x");
  auto invalid = chain_.api().check_name(r).value();
  EXPECT_FALSE(invalid.valid());
  EXPECT_NE(invalid.invalid_reason(), "");
  r.set_name("alice");
  r.set_years(11);
  EXPECT_EQ(chain_.api().check_name(r).status().code(), Errc::kInvalidArgument);
}

TEST_F(NodeApiTest, BlocksAndTransactionsByHeightHashAndStatus) {
  register_alice();
  v1::GetTransactionRequest tq;
  tq.set_hash(register_hash_);
  auto t = chain_.api().get_transaction(tq).value();
  EXPECT_EQ(t.status(), "final");
  EXPECT_EQ(t.height(), register_height_);
  EXPECT_EQ(t.transaction().type(), "name_register");
  EXPECT_EQ(t.transaction().fields().at("name"), "alice");
  EXPECT_EQ(t.transaction().sender(), chain_.account(1).to_string());

  v1::GetBlockRequest bq;
  bq.set_height(register_height_);
  auto by_height = chain_.api().get_block(bq).value();
  EXPECT_TRUE(by_height.block().final());
  ASSERT_EQ(by_height.block().transaction_count(), 1u);
  EXPECT_EQ(by_height.block().transactions(0).hash(), register_hash_);
  bq.set_hash(by_height.block().hash());
  bq.set_include_raw(true);
  auto by_hash = chain_.api().get_block(bq).value();
  EXPECT_EQ(by_hash.block().height(), register_height_);
  v1::Block raw;
  ASSERT_TRUE(raw.ParseFromString(by_hash.block().raw()));
  EXPECT_EQ(to_hex(block_hash(raw.header().header())), by_height.block().hash());

  bq.set_height(1'000'000);
  EXPECT_EQ(chain_.api().get_block(bq).status().code(), Errc::kNotFound);
  bq.set_hash("00");
  EXPECT_FALSE(chain_.api().get_block(bq));
  tq.set_hash(std::string(64, '0'));
  EXPECT_EQ(chain_.api().get_transaction(tq).status().code(), Errc::kNotFound);

  // The stream's source: every final block in order, then a wait that ends at its deadline.
  for (uint64_t h = 0; h <= register_height_; ++h) {
    auto b = chain_.api().next_final_block(h, false, std::chrono::steady_clock::now() + 1s).value();
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->height(), h);
  }
  auto later = chain_.api().next_final_block(1'000'000, false, std::chrono::steady_clock::now() + 20ms);
  ASSERT_TRUE(later);
  EXPECT_FALSE(later->has_value());
}

TEST_F(NodeApiTest, AProofBundleVerifiesAgainstItsHeadersRoot) {
  register_alice();
  chain_.run_slots(2);
  for (const std::string name : {"alice", "nobody-here"}) {
    v1::ProveRequest r;
    r.set_name(name);
    auto proved = chain_.api().prove(r);
    ASSERT_TRUE(proved) << proved.status().to_string();
    const v1::ProofBundle& b = proved->bundle();
    v1::BlockHeader header;
    ASSERT_TRUE(header.ParseFromString(b.header()));
    EXPECT_EQ(to_hex(block_hash(header)), to_hex(as_bytes(b.qc().block_hash())));
    EXPECT_EQ(header.height(), b.qc().height());
    ASSERT_EQ(b.active_set_size(), 1);
    auto proof = decode_state_proof(as_bytes(b.state_proof())).value();
    auto root = fixed_from_hex<32>(to_hex(as_bytes(header.state_root()))).value();
    auto v = verify_state_proof(root, state_key_hash(as_bytes(b.state_key())), proof);
    ASSERT_TRUE(v) << v.status().to_string();
    EXPECT_EQ(v->present, name == "alice");
    EXPECT_EQ(proved->record().state(), name == "alice" ? "active" : "never_registered");

    // The stand-alone verifier, from the chain id and the genesis set alone.
    v1::ActiveSetMember member;
    member.set_sp_id(chain_.genesis().sps.at(0).sp_id);
    const auto& key = chain_.genesis().sps.at(0).signing_key;
    member.set_signing_key(std::string(as_chars(ByteView(key.data(), key.size()))));
    auto genesis_set = light::ActiveSet::from_members({member}).value();
    const uint64_t grace_s = chain_.genesis().params.grace_s;
    auto verified = light::verify_name_bundle(chain_.id(), genesis_set, grace_s, name, b);
    ASSERT_TRUE(verified) << verified.status().to_string();
    EXPECT_EQ(verified->present(), name == "alice");
    EXPECT_EQ(verified->block.height, proved->at().height());
    EXPECT_EQ(verified->status, name == "alice" ? NameStatus::kActive : NameStatus::kNeverRegistered);
    ChainId other = chain_.id();
    other[0] ^= 1;
    EXPECT_FALSE(light::verify_name_bundle(other, genesis_set, grace_s, name, b));
    EXPECT_FALSE(light::verify_name_bundle(chain_.id(), genesis_set, grace_s, "someone-else", b));
  }
  v1::ProveRequest bad;
  bad.set_name("UPPER");
  EXPECT_EQ(chain_.api().prove(bad).status().code(), Errc::kBadAlphabet);
  bad.set_name("alice");
  bad.set_height(1'000'000);
  EXPECT_EQ(chain_.api().prove(bad).status().code(), Errc::kNotFound);
}

TEST_F(NodeApiTest, DirectoryAndAccounts) {
  chain_.run_slots(2);
  auto providers = chain_.api().list_providers(v1::ListProvidersRequest()).value();
  ASSERT_EQ(providers.providers_size(), 1);
  const v1::ProviderInfo& sp = providers.providers(0);
  EXPECT_EQ(sp.sp_id(), chain_.genesis().sps.at(0).sp_id);
  EXPECT_TRUE(sp.active());
  EXPECT_EQ(sp.weight(), "5000000");
  ASSERT_GE(sp.stations_size(), 1);
  v1::GetProviderRequest one;
  one.set_sp_id(sp.sp_id());
  EXPECT_EQ(chain_.api().get_provider(one).value().provider().display_name(), sp.display_name());
  one.set_sp_id("gsp@anywhere");
  EXPECT_EQ(chain_.api().get_provider(one).status().code(), Errc::kNotFound);
  auto stations = chain_.api().list_stations(v1::ListStationsRequest()).value();
  ASSERT_EQ(stations.stations_size(), sp.stations_size());
  EXPECT_EQ(stations.stations(0).provider(), sp.sp_id());

  v1::GetAccountRequest a;
  a.set_address(chain_.account(2).to_string());
  auto account = chain_.api().get_account(a).value();
  EXPECT_EQ(account.nonce(), 0u);
  EXPECT_NE(account.balance(), "0");
  a.set_address("alice@" + chain_.account(2).to_string());  // a DIMP ID holding the address
  EXPECT_EQ(chain_.api().get_account(a).value().address(), chain_.account(2).to_string());
  a.set_address("not an address");
  EXPECT_FALSE(chain_.api().get_account(a));

  v1::GetInfoRequest iq;
  auto info = chain_.api().get_info(iq).value();
  EXPECT_EQ(info.chain_name(), chain_.genesis().chain_name);
  EXPECT_EQ(info.genesis_hash(), to_hex(ByteView(chain_.id().data(), chain_.id().size())));
  EXPECT_GE(info.head_height(), 1u);
  ASSERT_EQ(info.active_set_size(), 1);
}

TEST_F(NodeApiTest, AnswersInDimpShapes) {
  register_alice();
  const std::string id = "bob@" + chain_.account(3).to_string();
  auto answer = nlohmann::json::parse(chain_.api().dimp_ans("alice founder nobody-here " + id).value());
  EXPECT_EQ(answer["command"], "ans");
  EXPECT_EQ(answer["type"], 0x88);
  EXPECT_EQ(answer["names"], "alice founder nobody-here " + id);
  EXPECT_EQ(answer["records"]["alice"], "alice@" + chain_.account(1).to_string());
  EXPECT_EQ(answer["records"]["founder"], "moky@anywhere");
  EXPECT_EQ(answer["records"][id], id);  // a full ID resolves to itself
  ASSERT_EQ(answer["missed"].size(), 1u);
  EXPECT_EQ(answer["missed"][0], "nobody-here");
  EXPECT_EQ(chain_.api().dimp_ans("   ").status().code(), Errc::kInvalidArgument);

  auto doc = nlohmann::json::parse(chain_.api().dimp_stations("").value());
  ASSERT_FALSE(doc["stations"].empty());
  for (const auto& st : doc["stations"]) {
    EXPECT_TRUE(st["host"].is_string());
    EXPECT_TRUE(st["port"].is_number_unsigned());
    EXPECT_EQ(st["ID"], st["did"]);
    EXPECT_EQ(st["provider"], chain_.genesis().sps.at(0).sp_id);
  }
  auto one = nlohmann::json::parse(chain_.api().dimp_stations(chain_.genesis().sps.at(0).sp_id).value());
  EXPECT_EQ(one["ID"], chain_.genesis().sps.at(0).sp_id);
  EXPECT_EQ(one["stations"].size(), doc["stations"].size());
  EXPECT_EQ(chain_.api().dimp_stations("nobody@anywhere").status().code(), Errc::kNotFound);
}

TEST_F(NodeApiTest, ABadTransactionIsRefusedWithItsReasonAndRemembered) {
  const EthAddress to = chain_.account(3);
  auto pay = [&](uint64_t units) {
    return [to, units](v1::Transaction& tx) {
      tx.mutable_transfer()->set_to(std::string(as_chars(ByteView(to.bytes().data(), to.bytes().size()))));
      tx.mutable_transfer()->set_amount(Amount::from_units(units).to_byte_string());
    };
  };
  chain_.run_slots(1);
  v1::SignedTransaction t = chain_.tx(2, 0, pay(1));
  t.set_signature(std::string(64, '\x07'));
  auto refused = chain_.submit(t, v1::WAIT_FOR_NONE);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Errc::kBadSignature);
  v1::GetTransactionRequest q;
  q.set_hash(to_hex(transaction_id(t.tx())));
  auto status = chain_.api().get_transaction(q).value();
  EXPECT_EQ(status.status(), "rejected");
  EXPECT_EQ(status.reason_code(), "bad signature");

  // A transaction that can never apply (a nonce already used) leaves the mempool as rejected.
  auto first = chain_.submit(chain_.tx(2, 0, pay(1)),
                             v1::WAIT_FOR_FINAL);
  ASSERT_TRUE(first) << first.status().to_string();
  v1::SignedTransaction again = chain_.tx(2, 0, pay(2));
  auto stale = chain_.submit(again, v1::WAIT_FOR_INCLUDED);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.status().code(), Errc::kFailedPrecondition);
  q.set_hash(to_hex(transaction_id(again.tx())));
  EXPECT_EQ(chain_.api().get_transaction(q).value().status(), "rejected");

  chain_.board().close();
  EXPECT_EQ(chain_.api().submit(v1::SubmitTransactionRequest{}, std::chrono::steady_clock::now()).status().code(),
            Errc::kInvalidArgument);
  v1::SubmitTransactionRequest r;
  *r.mutable_transaction() = again;
  EXPECT_EQ(chain_.api().submit(r, std::chrono::steady_clock::now() + 1s).status().code(), Errc::kUnavailable);
}

}  // namespace
}  // namespace ans::rpc
