// Crash safety of the ledger store: a child process applies recorded blocks and is SIGKILLed
// at random moments, at least 100 times, resuming each time from what it left on disk.
// After each kill the reopened state must equal a clean replay up to the last committed
// height: the same head, the same state root, and the same value for every key.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "ledger/testing/block_file.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/testing/temp_dir.h"
#include "ledger/testing/test_chain.h"

extern char** environ;

namespace ans {
namespace {

using namespace ans::testing;

struct Reference {
  std::vector<RecordedBlock> blocks;
  std::vector<Hash256> digests;  // digests[h] = state digest after block h (index 0 = genesis)
  std::vector<Hash256> roots;
};

void crash_test(bool memory) {
  TempDir tmp("ans-crash");
  // The reference chain, recorded block by block with the context each block was built in.
  Reference ref;
  {
    StateDbOptions options = test_store_options(memory);
    auto ledger = Ledger::open(tmp.sub("reference"), make_test_genesis(test_params()),
                               test_chain_id(), options).value();
    ref.digests.push_back(state_digest(ledger->db()));
    ref.roots.push_back(ledger->state_root().value());
    ChainDriver driver(*ledger, 4242, 20);
    std::string failure;
    for (size_t i = 0; i < 250; ++i) {
      uint64_t final_before = ledger->final_height();
      auto txs = driver.produce_block(failure);
      ASSERT_TRUE(failure.empty()) << failure;
      RecordedBlock rb;
      StateOverlay view(ledger->db());
      LedgerState st(view);
      rb.context.height = ledger->head_height();
      rb.context.slot = st.cursor().slot();
      rb.context.time_ms = st.cursor().time_ms();
      rb.context.final_height = final_before;
      rb.txs = std::move(txs);
      ref.blocks.push_back(std::move(rb));
      ref.digests.push_back(state_digest(ledger->db()));
      ref.roots.push_back(ledger->state_root().value());
    }
  }
  // The producer is a function of the slot and the active set; replay it the same way.
  {
    StateDbOptions options = test_store_options(memory);
    auto replay = Ledger::open(tmp.sub("replay"), make_test_genesis(test_params()),
                               test_chain_id(), options).value();
    for (auto& b : ref.blocks) {
      StateOverlay view(replay->db());
      LedgerState st(view);
      v1::ActiveSetState sets = st.active_sets();
      b.context.producer.clear();
      if (sets.active_size() > 0) {
        b.context.producer =
            sets.active(static_cast<int>(b.context.slot % static_cast<uint64_t>(sets.active_size()))).sp_id();
      }
      auto prepared = replay->prepare_block(b.context, b.txs);
      ASSERT_TRUE(prepared) << prepared.status().to_string();
      ASSERT_EQ(prepared->state_root, ref.roots[b.context.height]) << "replay diverges at " << b.context.height;
      ASSERT_TRUE(replay->commit_block(*prepared, test_block_hash(b.context.height, prepared->state_root)));
      if (b.context.height > 2) {
        ASSERT_TRUE(replay->set_final(b.context.height - 2));
      }
    }
  }
  std::string block_file = tmp.sub("blocks.bin");
  ASSERT_TRUE(write_block_file(block_file, ref.blocks));

  std::mt19937_64 rng(99);
  std::string dir = tmp.sub("victim");
  std::set<uint64_t> heights_seen;
  std::set<uint64_t> snapshots_seen;  // memory layout: which snapshot each reopening loaded
  int kills = 0, completions = 0;
  // Rounds in a row whose child committed nothing: a child that spends the whole window
  // opening the store (a slow or busy machine) gets a longer window, up to 16 times.
  int stalled = 0;
  uint64_t last_height = 0;
  // Until 110 kills landed (a child that finished every block before its kill counts as a
  // completion, not a kill) at 20 or more distinct heights, and (memory layout) reopenings
  // loaded 4 or more distinct snapshots; bounded so a broken child cannot loop forever. Each
  // child continues the store the last one left, so on a slow machine (sanitizers, other
  // load) more rounds still reach more heights and snapshots.
  for (int round = 0; (kills < 110 || heights_seen.size() < 20 ||
                       (memory && snapshots_seen.size() < 4)) &&
                      round < 800;
       ++round) {
    pid_t pid = 0;
    char memory_arg[] = "memory";
    char* args[] = {const_cast<char*>(ANS_CRASH_CHILD), dir.data(), block_file.data(),
                    memory ? memory_arg : nullptr, nullptr};
    ASSERT_EQ(posix_spawn(&pid, ANS_CRASH_CHILD, nullptr, nullptr, args, environ), 0);
    // From before the child has opened the store to well into its block loop.
    const uint64_t window_us = uint64_t{150'000} << std::min(stalled / 10, 4);
    std::this_thread::sleep_for(std::chrono::microseconds(2'000 + rng() % window_us));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the child failed on its own";
      ++completions;
    }

    StateDbOptions options = test_store_options(memory);
    auto ledger = Ledger::open(dir, make_test_genesis(test_params()), test_chain_id(), options);
    ASSERT_TRUE(ledger) << "round " << round << ": " << ledger.status().to_string();
    uint64_t h = (*ledger)->head_height();
    heights_seen.insert(h);
    snapshots_seen.insert((*ledger)->db().snapshot_seq());
    stalled = h != last_height ? 0 : stalled + 1;
    last_height = h;
    ASSERT_LT(h, ref.digests.size());
    EXPECT_EQ(state_digest((*ledger)->db()), ref.digests[h]) << "round " << round << " height " << h;
    EXPECT_EQ((*ledger)->state_root().value(), ref.roots[h]) << "round " << round << " height " << h;
    if (h > 0) {
      EXPECT_EQ((*ledger)->db().head_hash(), test_block_hash(h, ref.roots[h]));
    }
    ledger = Status(Errc::kNotFound, "closed");  // close the store before the next child
    if (h + 1 == ref.digests.size()) {
      std::filesystem::remove_all(dir);  // all blocks in: crash it again from genesis
    }
  }
  EXPECT_GE(kills, 100);
  EXPECT_GE(heights_seen.size(), 20u) << "kills should land at many different heights";
  if (memory) {
    EXPECT_GE(snapshots_seen.size(), 4u) << "reopenings should cross several snapshots";
  }
  std::cout << kills << " kills, " << completions << " clean completions, " << heights_seen.size()
            << " distinct heights at the moment of the kill, " << snapshots_seen.size()
            << " distinct snapshots loaded\n";
}

TEST(LedgerCrash, SigkillAtRandomMomentsNeverLeavesAMix) { crash_test(false); }

// The memory layout snapshots every few blocks here, so kills also land inside snapshots.
TEST(LedgerCrash, MemoryLayoutSigkillAtRandomMomentsNeverLeavesAMix) { crash_test(true); }

}  // namespace
}  // namespace ans
