#include "ledger/chain/ledger.h"

#include <gtest/gtest.h>

#include "ledger/rules/queries.h"
#include "ledger/state/keys.h"
#include "ledger/state/ledger_state.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/testing/temp_dir.h"
#include "ledger/testing/test_chain.h"

namespace ans {
namespace {

using namespace ans::testing;

// `memory`: the memory layout, with snapshots every few blocks so that tests cross them.
StateDbOptions fast(bool memory) {
  StateDbOptions o;
  o.sync = false;
  o.memory_state = memory;
  o.snapshot_min_journal_bytes = 16 << 10;
  return o;
}

std::unique_ptr<Ledger> open_ledger(const std::string& dir, bool memory) {
  auto l = Ledger::open(dir, make_test_genesis(test_params()), test_chain_id(), fast(memory));
  EXPECT_TRUE(l) << l.status().to_string();
  return l ? std::move(l).value() : nullptr;
}

void drive(ChainDriver& driver, size_t blocks) {
  std::string failure;
  for (size_t i = 0; i < blocks; ++i) {
    driver.produce_block(failure);
    ASSERT_TRUE(failure.empty()) << failure;
  }
}

// Every query the RPC will answer, over every name and account the generator uses.
std::vector<std::string> query_answers(const Ledger& ledger) {
  std::vector<std::string> out;
  const ChainParams& p = ledger.params();
  StateOverlay view(ledger.db());
  LedgerState st(view);
  uint64_t now = st.cursor().time_ms() / 1000;
  for (const char* n : {"ab", "xy", "abc", "dim", "moky", "chat", "alice", "bob.d", "carol-c",
                        "dave_1", "station.one", "n0", "n1", "n2", "name-three", "q9", "admin",
                        "founder"}) {
    Resolution r = resolve_name(p, ledger.db(), n, now);
    out.push_back(std::string(n) + " " + std::string(name_status_name(r.status)) + " " +
                  (r.record ? r.record->SerializeAsString() : std::string("-")));
    Availability a = name_availability(p, ledger.db(), n, 1, now);
    out.push_back(std::to_string(a.available) + a.total_for_years.to_string());
  }
  for (const char* who : {"alice", "bob", "carol", "dave", "sp-owner", "user0", "user1", "user2",
                          "user3", "user4", "user5", "user6"}) {
    EthAddress addr = address_of(test_key(who));
    out.push_back(st.account(addr).SerializeAsString());
    out.push_back(reverse_lookup(p, ledger.db(), addr, now).value_or("-"));
    for (const auto& n : names_by_owner(ledger.db(), addr, {}, 100)) out.push_back(n);
  }
  const v1::SpRegistryState registry = st.sp_registry();
  for (const auto& id : registry.sp_ids()) out.push_back(st.sp(id)->SerializeAsString());
  out.push_back(st.active_sets().SerializeAsString());
  out.push_back(st.reward_pool().to_string());
  return out;
}

// Every test runs on both store layouts (StateDbOptions::memory_state).
class LedgerTest : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Layouts, LedgerTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Memory" : "LevelDb"; });

TEST_P(LedgerTest, GenesisIsBlockZeroAndFinal) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->head_height(), 0u);
  EXPECT_EQ(ledger->final_height(), 0u);
  EXPECT_EQ(ledger->db().head_hash(), test_chain_id());
  auto root = ledger->state_root();
  ASSERT_TRUE(root);
  EXPECT_NE(*root, Hash256{});
  EXPECT_EQ(ledger->undo_head_block().code(), Errc::kInvalidArgument);  // final: never reverted
}

TEST_P(LedgerTest, UndoRestoresStateRootAndEveryQueryAnswer) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(ledger);
  {
    ChainDriver history(*ledger, 77, 25);
    history.set_finality_lag(0);
    drive(history, 40);
  }
  ASSERT_EQ(ledger->final_height(), 40u);

  uint64_t branch_seed = 1000;
  for (size_t k : {1u, 7u, 30u}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    Hash256 root_before = ledger->state_root().value();
    Hash256 digest_before = state_digest(ledger->db());
    auto answers_before = query_answers(*ledger);
    uint64_t head_before = ledger->head_height();

    // A branch of k blocks that never becomes final...
    ChainDriver branch(*ledger, branch_seed++, 25);
    branch.set_finality_lag(1'000'000);
    drive(branch, k);
    ASSERT_EQ(ledger->head_height(), head_before + k);
    ASSERT_NE(state_digest(ledger->db()), digest_before);
    for (size_t i = 0; i < k; ++i) ASSERT_TRUE(ledger->undo_head_block());

    EXPECT_EQ(ledger->head_height(), head_before);
    EXPECT_EQ(ledger->state_root().value(), root_before);
    EXPECT_EQ(state_digest(ledger->db()), digest_before);
    EXPECT_EQ(query_answers(*ledger), answers_before);
    EXPECT_EQ(ledger->undo_head_block().code(), Errc::kInvalidArgument);  // now at a final block

    // ...and the chain that wins the fork switch builds on the restored head.
    ChainDriver winner(*ledger, branch_seed++, 25);
    winner.set_finality_lag(0);
    drive(winner, 3);
  }
}

TEST_P(LedgerTest, HistoricalViewsAndProofsBetweenFinalAndHead) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(ledger);
  ChainDriver driver(*ledger, 5, 20);
  driver.set_finality_lag(6);
  drive(driver, 60);
  ASSERT_EQ(ledger->final_height(), 54u);

  std::vector<std::string> probe_keys = {keys::name("founder"), keys::name("alice"),
                                         keys::name("never-used"), std::string(keys::kRewardPool),
                                         keys::account(address_of(test_key("alice")))};
  for (uint64_t h = ledger->final_height(); h <= ledger->head_height(); ++h) {
    Hash256 root = ledger->state_root_at(h).value();
    EXPECT_EQ(root, driver.roots()[h - 1]) << "height " << h;
    for (const auto& key : probe_keys) {
      auto read = ledger->prove(key, h);
      ASSERT_TRUE(read) << read.status().to_string();
      EXPECT_EQ(read->state_root, root);
      auto verified = verify_state_proof(root, state_key_hash(as_bytes(key)), read->proof);
      ASSERT_TRUE(verified) << "height " << h << ": " << verified.status().to_string();
      EXPECT_EQ(verified->present, read->value.has_value());
      if (read->value) {
        EXPECT_EQ(verified->value, *read->value);
      }
      // The same proof against another height's root fails unless nothing changed.
      if (h > ledger->final_height() && ledger->state_root_at(h - 1).value() != root) {
        EXPECT_FALSE(verify_state_proof(ledger->state_root_at(h - 1).value(),
                                        state_key_hash(as_bytes(key)), read->proof));
      }
    }
  }
  EXPECT_FALSE(ledger->prove(keys::name("founder"), ledger->final_height() - 1));
  // The founder genesis record is present and proven with its value.
  auto founder = ledger->prove(keys::name("founder"));
  ASSERT_TRUE(founder && founder->value);
  v1::NameState rec;
  ASSERT_TRUE(rec.ParseFromString(*founder->value));
  EXPECT_EQ(rec.records().target(), "moky@anywhere");
}

TEST_P(LedgerTest, ReopenKeepsHeadAndRefusesAnotherChain) {
  TempDir dir;
  Hash256 root;
  Hash256 digest;
  {
    auto ledger = open_ledger(dir.path(), GetParam());
    ASSERT_TRUE(ledger);
    ChainDriver driver(*ledger, 9, 15);
    drive(driver, 25);
    root = ledger->state_root().value();
    digest = state_digest(ledger->db());
  }
  auto again = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->head_height(), 25u);
  EXPECT_EQ(again->state_root().value(), root);
  EXPECT_EQ(state_digest(again->db()), digest);
  again.reset();

  auto other = Ledger::open(dir.path(), make_test_genesis(test_params()),
                            sha256(as_bytes("another chain")), fast(GetParam()));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(other.status().message().find("another chain"), std::string::npos);
}

TEST_P(LedgerTest, InvalidBlockIsRejectedAndChangesNothing) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(ledger);
  Hash256 digest = state_digest(ledger->db());
  ChainDriver driver(*ledger, 3, 1);
  BlockContext ctx = driver.next_context();
  // A transaction signed for another chain cannot enter a block.
  v1::Transaction tx;
  tx.set_sender_key(to_field(test_key("alice").public_key().compressed()));
  tx.set_fee(to_field(ledger->params().min_tx_fee.to_bytes()));
  tx.set_expiry_height(100);
  tx.mutable_transfer()->set_to(to_field(address_of(test_key("bob")).bytes()));
  tx.mutable_transfer()->set_amount(to_field(Amount::from_dimt(1).to_bytes()));
  std::vector<v1::SignedTransaction> txs = {sign_transaction(test_key("alice"), sha256(as_bytes("x")), tx)};
  auto prepared = ledger->prepare_block(ctx, txs);
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.status().message().find("bad signature"), std::string::npos);
  EXPECT_EQ(state_digest(ledger->db()), digest);
  EXPECT_EQ(ledger->head_height(), 0u);
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

TEST_P(LedgerTest, APreparedBlockCommitsOnlyOnTheHeadItWasPreparedOn) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), GetParam());
  ASSERT_TRUE(ledger);
  ChainDriver driver(*ledger, 11, 5);
  driver.set_finality_lag(1'000'000);
  drive(driver, 3);
  BlockContext ctx = driver.next_context();
  auto prepared = ledger->prepare_block(ctx, {});
  ASSERT_TRUE(prepared);
  // A fork switch between prepare and commit: undo the head, commit another block there.
  ASSERT_TRUE(ledger->undo_head_block());
  ChainDriver other(*ledger, 12, 5);
  other.set_finality_lag(1'000'000);
  drive(other, 1);
  ASSERT_EQ(ledger->head_height() + 1, ctx.height);
  Status st = ledger->commit_block(*prepared, test_block_hash(ctx.height, prepared->state_root));
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  EXPECT_NE(st.message().find("another head"), std::string::npos);
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// Big blocks (2,100 name commitments: as many new authenticated keys) give the same state
// roots with the memory layout's linked tree (MemoryTree) as with the LevelDB layout's pages
// (RadixTree), after commits, an undo and a reopen.
std::vector<v1::SignedTransaction> commitments(const Ledger& ledger, uint64_t height,
                                               uint64_t& nonce) {
  const PrivateKey alice = test_key("alice");
  std::vector<v1::SignedTransaction> txs;
  for (int i = 0; i < 2100; ++i) {
    v1::Transaction tx;
    tx.set_sender_key(to_field(alice.public_key().compressed()));
    tx.set_nonce(nonce++);
    tx.set_fee(to_field(ledger.params().min_tx_fee.to_bytes()));
    tx.set_expiry_height(100);
    const Hash256 c = sha256(as_bytes("split/" + std::to_string(height) + "/" + std::to_string(i)));
    tx.mutable_name_commit()->set_commitment(to_field(c));
    txs.push_back(sign_transaction(alice, ledger.chain_id(), tx));
  }
  return txs;
}

TEST(LedgerLayouts, TheLinkedTreeAndThePagesGiveTheSameRoots) {
  TempDir paged_dir, linked_dir;
  auto paged = open_ledger(paged_dir.path(), false);
  auto linked = open_ledger(linked_dir.path(), true);
  ASSERT_TRUE(paged && linked);
  ASSERT_EQ(paged->state_root().value(), linked->state_root().value());
  uint64_t nonce = 0;
  std::vector<Hash256> roots{paged->state_root().value()};
  for (uint64_t height = 1; height <= 3; ++height) {
    const auto txs = commitments(*paged, height, nonce);
    ChainDriver driver(*paged, 1, 1);
    const BlockContext ctx = driver.next_context();
    auto a = paged->prepare_block(ctx, txs);
    auto b = linked->prepare_block(ctx, txs);
    ASSERT_TRUE(a) << a.status().to_string();
    ASSERT_TRUE(b) << b.status().to_string();
    EXPECT_FALSE(a->tree_writes.empty());
    EXPECT_TRUE(b->tree_writes.empty()) << "the memory layout stores no tree pages";
    EXPECT_EQ(a->state_root, b->state_root) << "block " << height;
    ASSERT_TRUE(paged->commit_block(*a, test_block_hash(height, a->state_root)));
    ASSERT_TRUE(linked->commit_block(*b, test_block_hash(height, b->state_root)));
    EXPECT_EQ(paged->state_root().value(), linked->state_root().value());
    roots.push_back(linked->state_root().value());
  }
  for (uint64_t h = 0; h <= 3; ++h) EXPECT_EQ(linked->state_root_at(h).value(), roots[h]);
  ASSERT_TRUE(paged->undo_head_block());
  ASSERT_TRUE(linked->undo_head_block());
  EXPECT_EQ(linked->state_root().value(), roots[2]);
  EXPECT_EQ(paged->state_root().value(), roots[2]);

  linked.reset();
  linked = open_ledger(linked_dir.path(), true);
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->state_root().value(), roots[2]) << "the tree is built again at opening";
}

// The memory layout stages a prepared block's tree changes; whatever happens before its
// commit (another block prepared on the same head, a proof, a root asked for), the head's
// tree is what reads see and the block commits with its own root.
TEST(LedgerLayouts, StagedTreeChangesNeverLeakIntoTheHead) {
  TempDir dir;
  auto ledger = open_ledger(dir.path(), true);
  ASSERT_TRUE(ledger);
  ChainDriver driver(*ledger, 21, 5);
  driver.set_finality_lag(1'000'000);
  drive(driver, 3);
  const Hash256 head_root = ledger->state_root().value();
  uint64_t nonce = 0;
  const BlockContext ctx = driver.next_context();
  auto first = ledger->prepare_block(ctx, {});
  ASSERT_TRUE(first);
  EXPECT_NE(first->state_root, head_root);  // the block reward changes the pool
  EXPECT_EQ(ledger->state_root().value(), head_root);

  // A proof at the head while a block is staged is against the head's root.
  auto read = ledger->prove(keys::name("founder"));
  ASSERT_TRUE(read) << read.status().to_string();
  EXPECT_EQ(read->state_root, head_root);
  EXPECT_TRUE(verify_state_proof(head_root, state_key_hash(as_bytes(keys::name("founder"))),
                                 read->proof));

  // Another block on the same head, then the first one commits after all.
  auto second = ledger->prepare_block(ctx, commitments(*ledger, 9, nonce));
  ASSERT_TRUE(second);
  EXPECT_NE(second->state_root, first->state_root);
  EXPECT_EQ(ledger->state_root().value(), head_root);
  ASSERT_TRUE(ledger->commit_block(*first, test_block_hash(ctx.height, first->state_root)));
  EXPECT_EQ(ledger->state_root().value(), first->state_root);
  EXPECT_EQ(ledger->state_root_at(ctx.height - 1).value(), head_root);
  // The second block was prepared on a head that is gone.
  EXPECT_EQ(ledger->commit_block(*second, test_block_hash(ctx.height, second->state_root)).code(),
            Errc::kInvalidArgument);
  EXPECT_EQ(ledger->state_root().value(), first->state_root);
}

}  // namespace
}  // namespace ans
