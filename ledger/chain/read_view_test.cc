// Read views (ledger/chain/read_view.h) while blocks are applied: four reader threads run
// every state query against the published views while the chain thread applies 200 blocks
// of random mixed transactions, on both state layouts. Each answer must equal the serial
// answer at the view's height (recorded by the chain thread from its own state right after
// each commit, before the view is published), and every proof must verify against the
// view's state root, which must be the root the block committed. Runs under TSan in CI.
#include "ledger/chain/read_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "ledger/chain/ledger.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/rules/queries.h"
#include "ledger/testing/test_chain.h"
#include "ledger/state/ledger_state.h"
#include "ledger/testing/temp_dir.h"

namespace ans {
namespace {

using namespace ans::testing;

constexpr size_t kAll = std::numeric_limits<size_t>::max();

// The answers to every query of spec sections 3 and 4 on `state`, as one string: resolve
// (with lifecycle state), availability and price, reverse lookup, names by owner (whole and
// paged), accounts, the SP registry, each SP with its stations, the active sets.
std::string all_answers(const ChainParams& p, const StateReader& state) {
  std::string out;
  StateOverlay overlay(state);
  LedgerState ledger(overlay);
  const uint64_t now_s = ledger.cursor().time_ms() / 1000;
  std::vector<std::string> names;
  state.scan("N", "", kAll, [&](std::string_view key, std::string_view) {
    names.emplace_back(key.substr(1));
    return true;
  });
  names.push_back("nobody-has-this-name");
  for (const std::string& name : names) {
    const Resolution r = resolve_name(p, state, name, now_s);
    out += name + " " + std::to_string(static_cast<int>(r.status)) + " " +
           (r.record ? r.record->SerializeAsString() : std::string("-")) + "\n";
    const Availability a = name_availability(p, state, name, 2, now_s);
    out += std::to_string(a.available) + " " + a.reason + " " + a.yearly_fee.to_string() + " " +
           a.premium.to_string() + " " + a.total_for_years.to_string() + "\n";
  }
  std::vector<EthAddress> accounts;
  state.scan("A", "", kAll, [&](std::string_view key, std::string_view) {
    auto a = EthAddress::from_bytes(as_bytes(key.substr(1)));
    if (a) accounts.push_back(*a);
    return true;
  });
  for (const EthAddress& a : accounts) {
    out += ledger.account(a).SerializeAsString() + " ";
    out += reverse_lookup(p, state, a, now_s).value_or("-") + " ";
    const std::vector<std::string> owned = names_by_owner(state, a, "", 1000);
    for (const std::string& n : owned) out += n + ",";
    if (!owned.empty()) {
      for (const std::string& n : names_by_owner(state, a, owned.front(), 2)) out += n + ";";
    }
    out += "\n";
  }
  const v1::SpRegistryState registry = ledger.sp_registry();
  out += registry.SerializeAsString() + "\n";
  for (const std::string& id : registry.sp_ids()) {
    auto sp = ledger.sp(id);
    out += sp ? sp->SerializeAsString() : std::string("none");
    out += "\n";
  }
  out += ledger.active_sets().SerializeAsString() + " " + ledger.reward_pool().to_string();
  if (!state.status()) out += "\nstate error: " + state.status().to_string();
  if (!ledger.status()) out += "\nledger error: " + ledger.status().to_string();
  return out;
}

struct Expected {
  Hash256 block_hash{};
  Hash256 state_root{};
  std::string answers;
};

// The chain thread's record of the serial answers per height, which readers check against.
class Oracle {
 public:
  void record(const Ledger& ledger) {
    Expected e;
    e.block_hash = ledger.db().head_hash();
    auto root = ledger.state_root();
    ASSERT_TRUE(root) << root.status().to_string();
    e.state_root = *root;
    e.answers = all_answers(ledger.params(), ledger.db());
    std::lock_guard<std::mutex> lock(mutex_);
    by_height_[ledger.head_height()] = std::move(e);
  }
  Expected at(uint64_t height) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return by_height_.at(height);
  }

 private:
  mutable std::mutex mutex_;
  std::map<uint64_t, Expected> by_height_;
};

// Checks one view against the oracle, and proves a few keys. Returns what was wrong ("" if
// nothing).
std::string check_view(const ChainParams& p, const ReadView& view, const Oracle& oracle,
                       std::mt19937_64& rng) {
  const std::string at = "view at " + std::to_string(view.height()) + ": ";
  const Expected e = oracle.at(view.height());
  if (view.block_hash() != e.block_hash) return at + "block hash differs";
  if (view.state_root() != e.state_root) return at + "state root differs";
  ReadView::Reader reader = view.reader();
  const std::string answers = all_answers(p, reader);
  if (answers != e.answers) return at + "answers differ from the serial ones";
  // Proofs: a present key of a few kinds, and absent ones.
  std::vector<std::string> keys;
  for (std::string_view prefix : {"N", "A", "S", "G", "R"}) {
    std::string start(prefix);
    start.push_back(static_cast<char>(rng() % 256));
    (void)view.scan(prefix, start, 1, [&](std::string_view key, std::string_view) {
      keys.emplace_back(key);
      return false;
    });
  }
  keys.push_back("Nno-such-name-" + std::to_string(rng() % 1000));
  keys.push_back("ix-an-index-key-never-proven");
  for (const std::string& key : keys) {
    auto proven = view.prove(key);
    if (!proven) return at + "prove: " + proven.status().to_string();
    if (proven->height != view.height() || proven->state_root != view.state_root()) {
      return at + "a proof names another block";
    }
    auto verified = verify_state_proof(view.state_root(), sha256(as_bytes(key)), proven->proof);
    if (!verified) return at + "proof of " + to_hex(as_bytes(key)) + ": " + verified.status().to_string();
    const std::optional<std::string> value = reader.get(key);
    const bool authenticated = keys::is_authenticated(key);
    if (proven->value != value) return at + "the proven read's value differs from get()";
    if (verified->present != (authenticated && value.has_value()) ||
        (verified->present && verified->value != *value)) {
      return at + "the proof proves another value";
    }
  }
  if (!reader.status()) return at + reader.status().to_string();
  return {};
}

class ReadViewTest : public ::testing::TestWithParam<bool> {};

TEST_P(ReadViewTest, FourReadersQueryWhileTwoHundredBlocksAreApplied) {
  const bool memory = GetParam();
  TempDir dir("ans-read-view");
  ChainParams params = test_params();
  auto opened = Ledger::open(dir.sub("chain"), make_test_genesis(params), test_chain_id(),
                             test_store_options(memory));
  ASSERT_TRUE(opened) << opened.status().to_string();
  Ledger& ledger = **opened;
  ChainDriver driver(ledger, 20261207, 20);
  driver.set_finality_lag(2);
  Oracle oracle;
  ViewRegistry registry(4);
  auto publish = [&] {
    oracle.record(ledger);
    auto view = ledger.read_view();
    ASSERT_TRUE(view) << view.status().to_string();
    registry.publish(*view, ledger.final_height());
  };
  ASSERT_NO_FATAL_FAILURE(publish());

  std::atomic<bool> done{false};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::atomic<size_t> checks{0};
  std::map<uint64_t, size_t> heights_seen;  // guarded by failures_mutex
  auto read = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    size_t mine = 0;
    while (!done.load() || mine < 3) {
      std::shared_ptr<const ReadView> view;
      switch (rng() % 4) {
        case 0:
        case 1:
          view = registry.head();
          break;
        case 2:
          view = registry.final_view();
          break;
        default: {
          auto head = registry.head();
          view = registry.at(head->height() - std::min<uint64_t>(head->height(), rng() % 6));
        }
      }
      if (!view) continue;
      std::string wrong = check_view(params, *view, oracle, rng);
      ++mine;
      ++checks;
      std::lock_guard<std::mutex> lock(failures_mutex);
      ++heights_seen[view->height()];
      if (!wrong.empty() && failures.size() < 10) failures.push_back(std::move(wrong));
    }
  };
  std::vector<std::thread> readers;
  for (uint64_t i = 0; i < 4; ++i) readers.emplace_back(read, 1000 + i);

  std::string failure;
  for (int b = 0; b < 200 && failure.empty(); ++b) {
    driver.produce_block(failure);
    if (failure.empty()) publish();
  }
  done = true;
  for (std::thread& t : readers) t.join();
  ASSERT_TRUE(failure.empty()) << failure;
  EXPECT_EQ(ledger.head_height(), 200u);
  EXPECT_GE(driver.stats().included, 1000u);
  for (const std::string& f : failures) ADD_FAILURE() << f;
  EXPECT_GE(checks.load(), 12u);
  std::cout << "  " << checks.load() << " views checked at " << heights_seen.size()
            << " heights\n";

  // After the run, with nothing applied any more, the kept final views still answer at
  // their heights (the memory layout's reaching back through several blocks' history).
  std::mt19937_64 rng(5);
  for (uint64_t h = ledger.final_height() - 3; h <= ledger.head_height(); ++h) {
    auto view = registry.at(h);
    ASSERT_TRUE(view) << "height " << h;
    EXPECT_EQ(check_view(params, *view, oracle, rng), "");
  }
}

// A fork switch undoes the head: the memory layout's view of the undone block refuses with
// kNotFound, the LevelDB layout's (a LevelDB snapshot) goes on answering for that block;
// views below it are untouched, also once a new block is committed in its place.
TEST_P(ReadViewTest, AViewOfAnUndoneBlockRefusesOrKeepsItsBlock) {
  const bool memory = GetParam();
  TempDir dir("ans-read-view-undo");
  ChainParams params = test_params();
  auto opened = Ledger::open(dir.sub("chain"), make_test_genesis(params), test_chain_id(),
                             test_store_options(memory));
  ASSERT_TRUE(opened) << opened.status().to_string();
  Ledger& ledger = **opened;
  ChainDriver driver(ledger, 77, 20);
  driver.set_finality_lag(3);
  Oracle oracle;
  std::map<uint64_t, std::shared_ptr<const ReadView>> views;
  std::string failure;
  for (int b = 0; b < 12; ++b) {
    driver.produce_block(failure);
    ASSERT_TRUE(failure.empty()) << failure;
    ASSERT_NO_FATAL_FAILURE(oracle.record(ledger));
    auto view = ledger.read_view();
    ASSERT_TRUE(view);
    views[ledger.head_height()] = *view;
  }
  const uint64_t head = ledger.head_height();
  ASSERT_TRUE(ledger.undo_head_block());
  std::mt19937_64 rng(9);
  const ReadView& undone = *views[head];
  if (memory) {
    auto got = undone.get("GC");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.status().code(), Errc::kNotFound);
    auto proven = undone.prove("GC");
    ASSERT_FALSE(proven);
    EXPECT_EQ(proven.status().code(), Errc::kNotFound);
    ReadView::Reader reader = undone.reader();
    EXPECT_FALSE(reader.get("GC"));
    EXPECT_EQ(reader.status().code(), Errc::kNotFound);
  } else {
    EXPECT_EQ(check_view(params, undone, oracle, rng), "");
  }
  for (uint64_t h = head - 3; h < head; ++h) EXPECT_EQ(check_view(params, *views[h], oracle, rng), "");

  // Another block at the undone height: an empty one.
  const BlockContext ctx = driver.next_context();
  auto prepared = ledger.prepare_block(ctx, {});
  ASSERT_TRUE(prepared) << prepared.status().to_string();
  // A view made while a prepared block is staged in the tree proves at the head.
  auto staged_view = ledger.read_view();
  ASSERT_TRUE(staged_view);
  EXPECT_EQ(check_view(params, **staged_view, oracle, rng), "");
  ASSERT_TRUE(ledger.commit_block(*prepared, test_block_hash(ctx.height, prepared->state_root)));
  ASSERT_NO_FATAL_FAILURE(oracle.record(ledger));
  auto replacement = ledger.read_view();
  ASSERT_TRUE(replacement);
  EXPECT_EQ((*replacement)->height(), head);
  EXPECT_EQ(check_view(params, **replacement, oracle, rng), "");
  for (uint64_t h = head - 3; h < head; ++h) EXPECT_EQ(check_view(params, *views[h], oracle, rng), "");
  views.clear();
}

TEST(ViewRegistry, KeepsTheHeadTheBlocksAboveFinalAndTheLastFinalOnes) {
  TempDir dir("ans-view-registry");
  ChainParams params = test_params();
  auto opened = Ledger::open(dir.sub("chain"), make_test_genesis(params), test_chain_id(),
                             test_store_options(false));
  ASSERT_TRUE(opened);
  Ledger& ledger = **opened;
  ChainDriver driver(ledger, 3, 5);
  driver.set_finality_lag(2);
  ViewRegistry registry(3);
  EXPECT_EQ(registry.head(), nullptr);
  std::string failure;
  for (int b = 0; b < 10; ++b) {
    driver.produce_block(failure);
    ASSERT_TRUE(failure.empty()) << failure;
    registry.publish(*ledger.read_view(), ledger.final_height());
  }
  EXPECT_EQ(registry.head()->height(), 10u);
  ASSERT_NE(registry.final_view(), nullptr);
  EXPECT_EQ(registry.final_view()->height(), 8u);
  for (uint64_t h : {6u, 7u, 8u, 9u, 10u}) EXPECT_NE(registry.at(h), nullptr) << h;
  EXPECT_EQ(registry.at(5), nullptr);
  // An undo: the undone head's view goes.
  ASSERT_TRUE(ledger.undo_head_block());
  registry.publish(*ledger.read_view(), ledger.final_height());
  EXPECT_EQ(registry.head()->height(), 9u);
  EXPECT_EQ(registry.at(10), nullptr);
  // A header attached by the publisher rides with the same state.
  auto with = registry.head()->with_header("header bytes");
  EXPECT_EQ(with->header(), "header bytes");
  EXPECT_EQ(with->state_root(), registry.head()->state_root());
  EXPECT_EQ(registry.head()->header(), "");
}

INSTANTIATE_TEST_SUITE_P(Layouts, ReadViewTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? std::string("Memory") : std::string("LevelDb");
                         });

}  // namespace
}  // namespace ans
