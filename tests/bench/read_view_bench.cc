// Resolves per second from a read view (docs/benchmarks.md, "Read views").
//
//   bench_read_view [--memory] [--warm-blocks N] [--txs T] [--seconds S]
//
// Builds a chain of N blocks of T random mixed transactions each (the property test's
// generator, ledger/testing/tx_generator.h) on a LevelDB-layout ledger (--memory: the memory
// layout), then resolves the names it registered (resolve_name, spec section 3) through the
// head view on 1 and 2 threads for S seconds each: idle, and while the main thread goes on
// applying blocks and publishing a view after each. Beside it, in the same run: the store's
// bare get of the same name keys on the owning thread (StateDb::get, the ceiling a view's
// read is measured against), and blocks/s applied with no reader. Prints, for the runs under
// load, the longest single resolve: what a query waited for (in the memory layout, the
// in-memory part of a commit).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "ledger/chain/ledger.h"
#include "ledger/chain/read_view.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/rules/queries.h"
#include "ledger/testing/test_chain.h"
#include "ledger/state/keys.h"

using namespace ans;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct ReadFigures {
  double per_s = 0;
  double longest_ms = 0;
  size_t failed = 0;
};

// `threads` threads resolve names from registry.head() until `stop`; the figures of all.
ReadFigures resolve_on(size_t threads, const ViewRegistry& registry, const ChainParams& params,
                       const std::vector<std::string>& names, uint64_t now_s,
                       const std::function<void(std::atomic<bool>&)>& meanwhile) {
  std::atomic<bool> stop{false};
  std::vector<size_t> counts(threads, 0), failed(threads, 0);
  std::vector<double> longest(threads, 0);
  std::vector<std::thread> pool;
  const Clock::time_point start = Clock::now();
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      size_t i = t * 7919;
      while (!stop.load(std::memory_order_relaxed)) {
        std::shared_ptr<const ReadView> view = registry.head();
        ReadView::Reader reader = view->reader();
        for (int k = 0; k < 64; ++k) {
          const Clock::time_point t0 = Clock::now();
          const Resolution r = resolve_name(params, reader, names[i++ % names.size()], now_s);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          longest[t] = std::max(longest[t], ms);
          if (r.status == NameStatus::kNeverRegistered) ++failed[t];
          ++counts[t];
        }
        if (!reader.status()) ++failed[t];
      }
    });
  }
  meanwhile(stop);
  stop = true;
  for (std::thread& th : pool) th.join();
  const double elapsed = seconds_since(start);
  ReadFigures out;
  for (size_t t = 0; t < threads; ++t) {
    out.per_s += static_cast<double>(counts[t]) / elapsed;
    out.longest_ms = std::max(out.longest_ms, longest[t]);
    out.failed += failed[t];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool memory = false;
  size_t warm_blocks = 300, txs = 20;
  double seconds = 2;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (std::strcmp(argv[i], "--memory") == 0) {
      memory = true;
    } else if (std::strcmp(argv[i], "--warm-blocks") == 0) {
      warm_blocks = std::strtoull(next(), nullptr, 10);
    } else if (std::strcmp(argv[i], "--txs") == 0) {
      txs = std::strtoull(next(), nullptr, 10);
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::strtod(next(), nullptr);
    } else {
      std::fprintf(stderr, "usage: bench_read_view [--memory] [--warm-blocks N] [--txs T] [--seconds S]\n");
      return 2;
    }
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ans-bench-read-view-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const ChainParams params = testing::test_params();
  StateDbOptions options = testing::test_store_options(memory);
  auto opened = Ledger::open(dir.string(), testing::make_test_genesis(params),
                             testing::test_chain_id(), options);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  Ledger& ledger = **opened;
  testing::ChainDriver driver(ledger, 20261207, txs);
  ViewRegistry registry;
  std::string failure;
  auto apply_one = [&]() -> bool {
    driver.produce_block(failure);
    if (!failure.empty()) {
      std::fprintf(stderr, "%s\n", failure.c_str());
      return false;
    }
    auto view = ledger.read_view();
    if (!view) return false;
    registry.publish(*view, ledger.final_height());
    return true;
  };
  for (size_t b = 0; b < warm_blocks; ++b) {
    if (!apply_one()) return 1;
  }
  // The names to resolve: those present now (resolves of names registered later, or that
  // lapse meanwhile, cost the same reads).
  std::vector<std::string> names;
  ledger.db().scan("N", "", SIZE_MAX, [&](std::string_view key, std::string_view) {
    names.emplace_back(key.substr(1));
    return true;
  });
  if (names.empty()) {
    std::fprintf(stderr, "the warm-up registered no names\n");
    return 1;
  }
  StateOverlay cursor_view(ledger.db());
  const uint64_t now_s = LedgerState(cursor_view).cursor().time_ms() / 1000;

  // The store's bare get, on the owning thread.
  double bare_per_s = 0;
  {
    size_t n = 0, i = 0;
    const Clock::time_point start = Clock::now();
    while (seconds_since(start) < seconds) {
      for (int k = 0; k < 256; ++k) {
        if (ledger.db().get(keys::name(names[i++ % names.size()]))) ++n;
      }
    }
    bare_per_s = static_cast<double>(n) / seconds_since(start);
  }
  // Blocks/s with no reader.
  double blocks_alone = 0;
  {
    size_t n = 0;
    const Clock::time_point start = Clock::now();
    while (seconds_since(start) < seconds) {
      if (!apply_one()) return 1;
      ++n;
    }
    blocks_alone = static_cast<double>(n) / seconds_since(start);
  }
  auto idle = [&](std::atomic<bool>&) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  };
  size_t applied = 0;
  double applying_s = 0;
  bool apply_failed = false;
  auto applying = [&](std::atomic<bool>&) {
    const Clock::time_point start = Clock::now();
    applied = 0;
    while (seconds_since(start) < seconds) {
      if (!apply_one()) {
        apply_failed = true;
        break;
      }
      ++applied;
    }
    applying_s = seconds_since(start);
  };
  std::printf("bench_read_view: %s layout, %zu names, %zu blocks of %zu random transactions\n",
              memory ? "memory" : "LevelDB", names.size(), ledger.head_height(), txs);
  std::printf("  store's bare get (owning thread):   %10.0f gets/s\n", bare_per_s);
  std::printf("  blocks applied, no reader:          %10.1f blocks/s\n", blocks_alone);
  for (size_t threads : {1u, 2u}) {
    ReadFigures still = resolve_on(threads, registry, params, names, now_s, idle);
    ReadFigures busy = resolve_on(threads, registry, params, names, now_s, applying);
    if (apply_failed) return 1;
    std::printf("  resolves from a view, %zu thread%s:  idle %10.0f/s   while applying %10.0f/s "
                "(%.1f blocks/s; longest resolve %.2f ms)%s\n",
                threads, threads == 1 ? " " : "s", still.per_s, busy.per_s,
                static_cast<double>(applied) / applying_s, busy.longest_ms,
                still.failed + busy.failed > 0 ? "  [some resolves failed]" : "");
  }
  std::filesystem::remove_all(dir);
  return 0;
}
