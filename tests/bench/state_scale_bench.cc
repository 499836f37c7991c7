// The state at scale (docs/benchmarks.md): N names in the real LevelDB store with the
// authenticated tree, then proof sizes, resolve and prove latency, disk bytes per name and
// peak RSS.
//
//   bench_state_scale [--names N] [--batch B] [--dir PATH] [--keep] [--memory]
//
// --memory: the store's memory layout (state in memory, LevelDB as journal and snapshots,
// the tree as linked nodes in memory). The load is then followed by a snapshot and a
// reopening from it (which builds the tree from the state), both timed, before the queries.
//
// The state N registrations leave behind (name record, owner and expiry index entries) is
// written in final blocks of B names, then the authenticated tree over the whole state is
// built bottom-up with build_tree (the same nodes incremental updates give, see its test)
// and, for the LevelDB layout, its pages committed in final blocks; the memory layout's
// reopened tree must give the same root. The transition itself is measured by bench_block_apply.
// The ceiling printed beside the read latencies is LevelDB's own random Get latency for
// existing keys, measured in the same run.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/chain/ledger.h"
#include "ledger/rules/queries.h"
#include "ledger/state/keys.h"
#include "ledger/state/ledger_state.h"
#include "ledger/state/radix_tree.h"
#include "tests/bench/bench_genesis.h"

using namespace ans;
using Clock = std::chrono::steady_clock;

namespace {

std::string name_of(uint64_t i) { return "user" + std::to_string(i); }

// The process's resident memory now, in MB (VmRSS; 0 if unreadable).
double rss_now_mb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atof(line + 6);
  }
  std::fclose(f);
  return kb / 1024.0;
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

uint64_t dir_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t names = 1'000'000;
  uint64_t batch = 200'000;
  std::string dir = (std::filesystem::temp_directory_path() / "ans-bench-scale").string();
  bool keep = false;
  bool memory = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--names") && i + 1 < argc) names = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--keep")) keep = true;
    else if (!std::strcmp(argv[i], "--memory")) memory = true;
    else {
      std::fprintf(stderr, "usage: bench_state_scale [--names N] [--batch B] [--dir PATH] [--keep] [--memory]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);

  // One SP and no funded accounts: the names are loaded straight into the store below.
  std::vector<PrivateKey> no_accounts;
  const GenesisConfig g = bench::bench_genesis("scale", 0, no_accounts);
  StateDbOptions options;
  options.sync = false;
  options.block_cache_bytes = 256 << 20;
  options.memory_state = memory;
  auto ledger = Ledger::open(dir, g, sha256(as_bytes("scale chain")), options).value();

  // Owners: 100,000 accounts, so names-by-owner pages are realistic too.
  auto owner_of = [](uint64_t i) {
    FixedBytes<20> b{};
    Hash256 h = sha256(as_bytes("owner" + std::to_string(i % 100'000)));
    std::copy(h.begin(), h.begin() + 20, b.begin());
    return EthAddress::from_bytes(b).value();
  };

  std::printf("loading %llu names in blocks of %llu...\n", static_cast<unsigned long long>(names),
              static_cast<unsigned long long>(batch));
  auto load0 = Clock::now();
  uint64_t height = 0;
  // (key hash, value hash) of every authenticated key: the genesis state's, then the names'.
  std::vector<std::pair<Hash256, Hash256>> leaves;
  leaves.reserve(names + 1000);
  std::vector<std::string> old_nodes;
  ledger->db().scan({}, {}, SIZE_MAX, [&](std::string_view k, std::string_view v) {
    if (keys::is_authenticated(k)) leaves.emplace_back(sha256(as_bytes(k)), sha256(as_bytes(v)));
    if (!k.empty() && k[0] == 'T') old_nodes.emplace_back(k);
    return true;
  });
  for (uint64_t start = 0; start < names; start += batch) {
    StateOverlay block(ledger->db());
    LedgerState st(block);
    uint64_t end = std::min(names, start + batch);
    for (uint64_t i = start; i < end; ++i) {
      v1::NameState rec;
      rec.set_name(name_of(i));
      EthAddress owner = owner_of(i);
      rec.set_owner(std::string(owner.bytes().begin(), owner.bytes().end()));
      rec.set_expiry_s(1'800'000'000 + i % 1'000'000);
      rec.mutable_records()->set_target("user@" + owner.to_string());
      rec.set_registered_height(height + 1);
      st.put_name(rec);
      st.index_owner(owner, rec.name(), true);
      st.index_expiry(rec.expiry_s(), rec.name(), true);
    }
    for (const auto& [k, v] : block.write_log()) {
      if (keys::is_authenticated(k) && v) leaves.emplace_back(sha256(as_bytes(k)), sha256(as_bytes(*v)));
    }
    Status s = ledger->db().commit_final_block(++height, Hash256{}, block.write_log());
    if (!s) {
      std::fprintf(stderr, "load: %s\n", s.to_string().c_str());
      return 1;
    }
    if ((end / batch) % 10 == 0 || end == names) {
      std::printf("  %llu name records, %.0f s\n", static_cast<unsigned long long>(end),
                  std::chrono::duration<double>(Clock::now() - load0).count());
      std::fflush(stdout);
    }
  }
  std::sort(leaves.begin(), leaves.end());
  WriteSet tree_block;
  for (const auto& k : old_nodes) tree_block[k] = std::nullopt;
  Status tree_status;
  size_t tree_block_bytes = 0;
  auto flush = [&]() {
    if (tree_status) tree_status = ledger->db().commit_final_block(++height, Hash256{}, tree_block);
    tree_block.clear();
    tree_block_bytes = 0;
  };
  // The LevelDB layout's pages, committed in batches of about 64 MB. The memory layout stores
  // none: build_tree gives the root its tree must have.
  auto keep_page = [&](const std::string& k, const std::string& v) {
    if (memory) return;
    tree_block[k] = v;
    tree_block_bytes += k.size() + v.size();
    if (tree_block_bytes >= (64u << 20)) flush();
  };
  auto built = build_tree(leaves, keep_page);
  if (!memory) flush();
  if (!built || !tree_status) {
    std::fprintf(stderr, "tree: %s\n", (built ? tree_status : built.status()).to_string().c_str());
    return 1;
  }
  std::printf("  tree over %zu keys built, %.0f s\n", leaves.size(),
              std::chrono::duration<double>(Clock::now() - load0).count());
  leaves = {};
  double load_s = std::chrono::duration<double>(Clock::now() - load0).count();
  double snapshot_s = 0, freeze_s = 0, adopt_s = 0, reopen_s = 0;
  if (memory) {
    // As a commit takes it: the state frozen on the applying thread (its only pause), written
    // by a thread of its own, then adopted (the meta names it, the journal before it goes).
    // A snapshot the load's commits started is finished first, untimed.
    StateDb& db = ledger->db();
    Status s = db.await_snapshot();
    auto s0 = Clock::now();
    if (s) s = db.begin_snapshot();
    freeze_s = std::chrono::duration<double>(Clock::now() - s0).count();
    while (s && db.snapshot_in_progress() && !db.snapshot_ready()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    snapshot_s = std::chrono::duration<double>(Clock::now() - s0).count();
    auto a0 = Clock::now();
    if (s) s = db.await_snapshot();
    adopt_s = std::chrono::duration<double>(Clock::now() - a0).count();
    if (!s) {
      std::fprintf(stderr, "snapshot: %s\n", s.to_string().c_str());
      return 1;
    }
    // The load went around the ledger, so its tree is the genesis state's: reopening builds
    // it from the state, as a node's start does.
    ledger.reset();
    auto r0 = Clock::now();
    auto reopened = Ledger::open(dir, g, sha256(as_bytes("scale chain")), options);
    if (!reopened) {
      std::fprintf(stderr, "reopening: %s\n", reopened.status().to_string().c_str());
      return 1;
    }
    reopen_s = std::chrono::duration<double>(Clock::now() - r0).count();
    ledger = std::move(reopened).value();
  }
  Hash256 root = ledger->state_root().value();
  if (root != *built) {
    std::fprintf(stderr, "the stored root is not the built root\n");
    return 1;
  }

  std::mt19937_64 rng(1);
  constexpr int kQueries = 100'000;
  std::vector<double> raw_us, resolve_present_us, resolve_absent_us, prove_us, verify_us;
  std::vector<double> present_bytes, absent_bytes;
  // Warm-up, so neither measurement below pays for a cold cache alone.
  for (int q = 0; q < kQueries; ++q) (void)ledger->db().get(keys::name(name_of(rng() % names)));
  for (int q = 0; q < kQueries; ++q) {
    bool present = q % 2 == 0;
    std::string n = present ? name_of(rng() % names) : "absent" + std::to_string(rng());
    auto t0 = Clock::now();
    Resolution r = resolve_name(ledger->params(), ledger->db(), n, 1'800'000'000);
    double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    (present ? resolve_present_us : resolve_absent_us).push_back(us);
    if ((r.record != std::nullopt) != present) {
      std::fprintf(stderr, "resolve mismatch for %s\n", n.c_str());
      return 1;
    }
  }
  // Ceiling: LevelDB Get of existing name keys, no decoding, measured after the resolves.
  for (int q = 0; q < kQueries; ++q) {
    std::string key = keys::name(name_of(rng() % names));
    auto t0 = Clock::now();
    auto v = ledger->db().get(key);
    raw_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!v) return 1;
  }
  for (int q = 0; q < 20'000; ++q) {
    bool present = q % 2 == 0;
    std::string key = keys::name(present ? name_of(rng() % names) : "absent" + std::to_string(rng()));
    auto t0 = Clock::now();
    auto read = ledger->prove(key);
    prove_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!read) {
      std::fprintf(stderr, "prove: %s\n", read.status().to_string().c_str());
      return 1;
    }
    Bytes enc = encode_state_proof(read->proof);
    size_t value_len = read->value ? read->value->size() + 4 : 0;  // value bytes and their length
    (present ? present_bytes : absent_bytes).push_back(static_cast<double>(enc.size() - value_len));
    auto v0 = Clock::now();
    auto ok = verify_state_proof(root, state_key_hash(as_bytes(key)), decode_state_proof(enc).value());
    verify_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - v0).count());
    if (!ok || ok->present != present) {
      std::fprintf(stderr, "proof does not verify for %s\n", key.c_str());
      return 1;
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  uint64_t bytes = dir_bytes(dir);

  std::printf("state at %llu names (%s):\n", static_cast<unsigned long long>(names),
              memory ? "memory layout: state and linked tree in memory, LevelDB holds a snapshot"
                     : "LevelDB layout, tree pages stored with the state");
  std::printf("  load: %.0f s (%.0f names/s)\n", load_s, static_cast<double>(names) / load_s);
  std::printf("  proof size without the value (present): p50 %.0f B, p99 %.0f B, max %.0f B\n",
              pct(present_bytes, 0.5), pct(present_bytes, 0.99), pct(present_bytes, 1.0));
  std::printf("  proof size (absent):                    p50 %.0f B, p99 %.0f B, max %.0f B\n",
              pct(absent_bytes, 0.5), pct(absent_bytes, 0.99), pct(absent_bytes, 1.0));
  std::printf("  resolve latency, registered names: p50 %.1f us, p99 %.1f us; absent names: p50 %.1f us, p99 %.1f us\n",
              pct(resolve_present_us, 0.5), pct(resolve_present_us, 0.99),
              pct(resolve_absent_us, 0.5), pct(resolve_absent_us, 0.99));
  std::printf("  ceiling, the store's get of existing keys (%s): p50 %.1f us, p99 %.1f us\n",
              memory ? "from memory" : "LevelDB",
              pct(raw_us, 0.5), pct(raw_us, 0.99));
  std::printf("  prove latency:   p50 %.1f us, p99 %.1f us; verify p50 %.1f us\n", pct(prove_us, 0.5),
              pct(prove_us, 0.99), pct(verify_us, 0.5));
  std::printf("  disk: %.2f GB, %.0f bytes per name (state record, 2 index entries%s)\n",
              static_cast<double>(bytes) / 1e9, static_cast<double>(bytes) / static_cast<double>(names),
              memory ? "; a snapshot and the load's journal" : ", tree pages");
  std::printf("  peak RSS: %.0f MB (%.0f bytes per name); after the queries: %.0f MB\n",
              static_cast<double>(ru.ru_maxrss) / 1024.0,
              static_cast<double>(ru.ru_maxrss) * 1024.0 / static_cast<double>(names), rss_now_mb());
  if (memory) {
    std::printf("  snapshot: %.1f s to write in the background; the applying thread paused "
                "%.0f ms to freeze the state and %.0f ms to adopt it; reopening from it "
                "(snapshot loaded, tree built): %.1f s\n",
                snapshot_s, 1e3 * freeze_s, 1e3 * adopt_s, reopen_s);
  }
  ledger.reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
