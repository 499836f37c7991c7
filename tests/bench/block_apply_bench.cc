// Block-apply throughput of signed name registrations (docs/benchmarks.md).
//
//   bench_block_apply [--names N] [--block B] [--sync] [--no-overlap | --at-head [--no-stream]] [--write-buffer-mb M] [--block-cache-mb C] [--mem-env] [--memory [--snapshot-min-mb S]] [--no-floor] [--no-key-cache]
//
// --no-overlap verifies every block before applying any, to show the serial cost of the
// transition and the commit alone. --write-buffer-mb and --block-cache-mb set the store's
// LevelDB memtable and block cache sizes. --mem-env runs LevelDB on memory instead of files
// (leveldb::NewMemEnv, as the consensus simulator does): the same work without the kernel's.
// --memory gives the store the memory layout (state in memory, LevelDB as its journal and
// snapshots; StateDbOptions::memory_state), with a snapshot whenever the journal outgrows
// max(S MiB, the last snapshot) (default: the store's, 256 MiB). --no-floor skips the floors
// (as does --memory: they replay the LevelDB layout's work). --no-key-cache parses every
// sender key afresh instead of through a PublicKeyCache (empty when the measurement starts).
//
// Builds a ledger whose genesis funds 2,000 accounts, commits N names (commitments made
// beforehand, 3 blocks old), then applies blocks of B NameRegister transactions the way a
// validator does: check all signatures on 2 threads, run the state transition with the
// tree update (pages in LevelDB, or with --memory the linked tree in memory), commit. As in a catching-up validator's pipeline
// (Engine::accept; docs/consensus.md), the checks of block N+1 begin on a helper thread while
// block N is applied, and each block is applied as its verdicts come, the applying thread
// checking what the helper has not claimed yet when it catches up. --at-head applies one
// block at a time with nothing beside it (a validator at the head of the chain) and prints
// the per-block latency.
// Prints registrations/s next to two ceilings measured in the same run on 2 threads, before and after the application and averaged: the
// full signature check of the same transactions (what verify_senders does: decode the key,
// hash, verify, derive the sender), and libsecp256k1's verification alone with keys parsed
// and messages hashed beforehand. The bare one is also sampled between the measured blocks
// (1,000 verifications each time, left out of the application's time and CPU), for a
// ceiling from the same moments as the blocks: the machine's speed drifts within a run.
//
// Last, the storage floor: the same blocks are applied again on a fresh store (untimed) to
// collect what each read from the store and what it wrote, and that LevelDB work alone is
// replayed and timed on a bare LevelDB opened as the store opens it. Its CPU per registration,
// added to the signature checks, bounds the ratio any transition on this store could reach.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include "ledger/chain/ledger.h"
#include "ledger/rules/names.h"
#include "ledger/wire/codec.h"
#include "tests/bench/bench_genesis.h"

using namespace ans;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of the calling thread: the serial work itself, which other processes on a shared
// machine inflate much less than the wall clock.
double cpu_s(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double thread_cpu_s() { return cpu_s(CLOCK_THREAD_CPUTIME_ID); }

// Under `perf record --delay=-1 --control fifo:CTL,ACK`, with ANS_PERF_CTL=CTL and
// ANS_PERF_ACK=ACK set, profiles only the measured block application.
void perf_control(const char* command) {
  const char* ctl = std::getenv("ANS_PERF_CTL");
  const char* ack = std::getenv("ANS_PERF_ACK");
  if (!ctl || !ack) return;
  if (FILE* f = std::fopen(ctl, "w")) {
    std::fprintf(f, "%s\n", command);
    std::fclose(f);
  }
  if (FILE* f = std::fopen(ack, "r")) {
    char buf[16];
    (void)std::fgets(buf, sizeof buf, f);
    std::fclose(f);
  }
}


// One block's storage work, stripped of everything else: the keys its transition read from the
// store, and its state and tree writes as one LevelDB batch in key order.
struct BlockIo {
  std::vector<std::string> reads;
  leveldb::WriteBatch batch;
  std::string log_record;  // the state writes (not the tree's), length-prefixed, as one value
};

void append_field(std::string& out, std::string_view field) {
  uint32_t n = static_cast<uint32_t>(field.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(field);
}

BlockIo block_io(const PreparedBlock& block) {
  BlockIo io;
  for (const auto& [key, value] : block.read_before) io.reads.emplace_back(key);
  auto put = [&io](std::string_view key, std::optional<std::string_view> value) {
    if (value) io.batch.Put(leveldb::Slice(key.data(), key.size()), leveldb::Slice(value->data(), value->size()));
    else io.batch.Delete(leveldb::Slice(key.data(), key.size()));
  };
  for (const auto& [key, value] : block.writes) {  // the tree is rebuilt from the state
    append_field(io.log_record, key);
    io.log_record.push_back(value ? 1 : 0);
    if (value) append_field(io.log_record, *value);
  }
  // The store's batch: the state writes, then the tree pages.
  for (const auto& [key, value] : block.writes) put(key, value);
  for (const auto& [key, value] : block.tree_writes) put(key, value);
  return io;
}

struct FloorFigures {
  double wall_s = 0;
  double cpu_s = 0;  // the whole process: LevelDB's background compaction included
};

// Replays `setup` then `measured` on a bare LevelDB opened as StateDb opens its store, over a
// store that already holds the genesis state (`path`), and times the `measured` part: the
// storage work alone, no transition, no tree, no undo record, no signature.
// With `log_only`, each block is instead one value, its state writes serialized (no reads, no
// tree pages): the storage work of a design that keeps the state and its tree in memory and
// LevelDB only as its log (the tree is a function of the state, rebuilt from it on restart).
FloorFigures storage_floor(const std::string& path, const StateDbOptions& options,
                           std::vector<BlockIo>& setup, std::vector<BlockIo>& measured,
                           bool log_only) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  const leveldb::Options lo = StateDb::leveldb_options(options, cache.get(), filter.get());
  leveldb::DB* raw = nullptr;
  leveldb::Status st = leveldb::DB::Open(lo, path, &raw);
  if (!st.ok()) {
    std::fprintf(stderr, "storage floor: %s\n", st.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions wo;
  wo.sync = options.sync;
  size_t found = 0;
  uint64_t block = 0;
  auto run = [&](std::vector<BlockIo>& blocks) {
    std::string value;
    for (auto& b : blocks) {
      leveldb::WriteBatch log_batch;
      // The block's own batch is written as it is, not copied inside the timing (LevelDB
      // stamps a sequence number into it; the contents stay the same for another replay).
      leveldb::WriteBatch* batch = &b.batch;
      if (log_only) {
        std::string key = "L" + std::to_string(1'000'000'000 + ++block);
        log_batch.Put(key, b.log_record);
        batch = &log_batch;
      } else {
        for (const auto& k : b.reads) found += db->Get(leveldb::ReadOptions(), k, &value).ok();
      }
      if (!db->Write(wo, batch).ok()) {
        std::fprintf(stderr, "storage floor: write failed\n");
        std::exit(1);
      }
    }
  };
  run(setup);
  FloorFigures f;
  const double cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
  auto t0 = Clock::now();
  run(measured);
  // A log this small may still sit in the memtable; flushing and compacting it all (the setup's
  // records too, so this overstates the cost) counts the work LevelDB would do for it later.
  if (log_only) db->CompactRange(nullptr, nullptr);
  f.wall_s = seconds_since(t0);
  f.cpu_s = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  if (!log_only && found == 0 && !measured.empty()) std::fprintf(stderr, "storage floor: no read found a key\n");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  size_t names = 40'000;
  size_t per_block = 5'000;
  bool sync = false;
  bool overlap = true;
  // --at-head: each block checked and applied on its own, with no next block to check beside
  // it (a validator at the head of the chain); per-block latency. --no-stream: checked on 2
  // threads first, then applied (the engine before it took verdicts as they come).
  bool at_head = false, stream = true;
  size_t write_buffer_mb = 0;  // 0: the store's default
  size_t block_cache_mb = 0;   // 0: the store's default
  bool mem_env = false;
  bool memory = false;
  bool floors = true;
  bool key_cache = true;
  size_t snapshot_min_mb = 0;  // 0: the store's default
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--names") && i + 1 < argc) names = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--block") && i + 1 < argc) per_block = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--sync")) sync = true;
    else if (!std::strcmp(argv[i], "--no-overlap")) overlap = false;
    else if (!std::strcmp(argv[i], "--at-head")) at_head = true;
    else if (!std::strcmp(argv[i], "--no-stream")) stream = false;
    else if (!std::strcmp(argv[i], "--write-buffer-mb") && i + 1 < argc) write_buffer_mb = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--block-cache-mb") && i + 1 < argc) block_cache_mb = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--mem-env")) mem_env = true;
    else if (!std::strcmp(argv[i], "--memory")) memory = true;
    else if (!std::strcmp(argv[i], "--snapshot-min-mb") && i + 1 < argc) snapshot_min_mb = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--no-floor")) floors = false;
    else if (!std::strcmp(argv[i], "--no-key-cache")) key_cache = false;
    else {
      std::fprintf(stderr, "usage: bench_block_apply [--names N] [--block B] [--sync] [--no-overlap | --at-head [--no-stream]] [--write-buffer-mb M] [--block-cache-mb C] [--mem-env] [--memory [--snapshot-min-mb S]] [--no-floor] [--no-key-cache]\n");
      return 2;
    }
  }
  constexpr size_t kAccounts = 2'000;

  std::vector<PrivateKey> keys;
  const GenesisConfig g = bench::bench_genesis("bench/account/", kAccounts, keys);
  ChainId chain_id = sha256(as_bytes("ans bench chain"));

  std::string dir = (std::filesystem::temp_directory_path() / "ans-bench-apply").string();
  std::filesystem::remove_all(dir);
  StateDbOptions options;
  options.sync = sync;
  if (write_buffer_mb) options.write_buffer_bytes = write_buffer_mb << 20;
  if (block_cache_mb) options.block_cache_bytes = block_cache_mb << 20;
  options.memory_state = memory;
  if (snapshot_min_mb) options.snapshot_min_journal_bytes = snapshot_min_mb << 20;
  if (memory) floors = false;
  std::unique_ptr<leveldb::Env> memory_env;
  if (mem_env) {
    memory_env.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    options.env = memory_env.get();
  }
  // Empties the store's directory, on disk or in the memory environment.
  auto wipe_store = [&] {
    std::filesystem::remove_all(dir);
    if (memory_env) {
      leveldb::Options lo;
      lo.env = memory_env.get();
      (void)leveldb::DestroyDB(dir, lo);
    }
  };
  auto ledger = Ledger::open(dir, g, chain_id, options).value();

  uint64_t height = 0;
  // Applies and commits one block; `verified` (if given) is verify_senders' result for it.
  double apply_cpu_s = 0, commit_cpu_s = 0;  // of the registration blocks
  size_t state_keys = 0, tree_keys = 0, tree_deletes = 0;  // written by the registration blocks
  uint64_t last_snapshot = 0;  // memory layout: the store's last snapshot, and how many the
  size_t snapshots_taken = 0;  // registration blocks took
  // When set, each block's storage work: the keys it read from the store, and its state and
  // tree writes as one LevelDB batch in key order. (Tree pages read below the store's cached
  // levels are not among the reads, so the floor is, if anything, low.)
  std::vector<BlockIo>* capture = nullptr;
  auto apply_commit = [&](const std::vector<v1::SignedTransaction>& txs,
                          const std::vector<VerifiedSender>* verified, double* apply_s,
                          double* commit_s, VerdictSource* streamed = nullptr) {
    ++height;
    BlockContext ctx;
    ctx.height = height;
    ctx.slot = height;
    ctx.time_ms = g.genesis_time_ms + height * g.params.block_interval_ms;
    ctx.producer = g.sps[0].sp_id;
    ctx.final_height = height - 1;
    auto t1 = Clock::now();
    double cpu1 = thread_cpu_s();
    auto prepared = streamed ? ledger->prepare_block(ctx, txs, *streamed)
                             : ledger->prepare_block(ctx, txs, verified);
    if (!prepared) {
      std::fprintf(stderr, "block %llu: %s\n", static_cast<unsigned long long>(height),
                   prepared.status().to_string().c_str());
      std::exit(1);
    }
    auto t2 = Clock::now();
    double cpu2 = thread_cpu_s();
    Status st = ledger->commit_block(*prepared, prepared->state_root);
    if (st) st = ledger->set_final(height);
    if (!st) {
      std::fprintf(stderr, "commit: %s\n", st.to_string().c_str());
      std::exit(1);
    }
    auto t3 = Clock::now();
    double cpu3 = thread_cpu_s();
    if (capture) capture->push_back(block_io(*prepared));
    if (apply_s && ledger->db().snapshot_seq() != last_snapshot) ++snapshots_taken;
    last_snapshot = ledger->db().snapshot_seq();
    if (apply_s) {
      state_keys += prepared->writes.size();
      tree_keys += prepared->tree_writes.size();
      for (const auto& [k, v] : prepared->tree_writes) tree_deletes += !v;
    }
    if (apply_s) {
      *apply_s += std::chrono::duration<double>(t2 - t1).count();
      apply_cpu_s += cpu2 - cpu1;
    }
    if (commit_s) {
      *commit_s += std::chrono::duration<double>(t3 - t2).count();
      commit_cpu_s += cpu3 - cpu2;
    }
  };

  std::vector<uint64_t> nonces(kAccounts, 0);
  auto make = [&](size_t who, const std::function<void(v1::Transaction&)>& body) {
    v1::Transaction tx;
    tx.set_sender_key(to_field(keys[who].public_key().compressed()));
    tx.set_nonce(nonces[who]++);
    tx.set_fee(to_field(g.params.min_tx_fee.to_bytes()));
    tx.set_expiry_height(1'000'000);
    body(tx);
    return sign_transaction(keys[who], chain_id, tx);
  };
  auto name_of = [](size_t i) { return "name" + std::to_string(i); };
  auto salt_of = [](size_t i) { return sha256(as_bytes("salt" + std::to_string(i))); };

  std::printf("preparing %zu commitments and %zu registrations (signing)...\n", names, names);
  std::vector<std::vector<v1::SignedTransaction>> commit_blocks, register_blocks;
  for (size_t i = 0; i < names; ++i) {
    if (i % per_block == 0) commit_blocks.emplace_back();
    size_t who = i % kAccounts;
    Hash256 c = name_commitment(name_of(i), EthAddress::from_public_key(keys[who].public_key()), salt_of(i));
    commit_blocks.back().push_back(make(who, [&](v1::Transaction& t) {
      t.mutable_name_commit()->set_commitment(to_field(c));
    }));
  }
  for (size_t i = 0; i < names; ++i) {
    if (i % per_block == 0) register_blocks.emplace_back();
    size_t who = i % kAccounts;
    register_blocks.back().push_back(make(who, [&](v1::Transaction& t) {
      auto* r = t.mutable_name_register();
      r->set_name(name_of(i));
      r->set_salt(to_field(salt_of(i)));
      r->set_years(1);
      r->mutable_records()->set_target("user@" + EthAddress::from_public_key(keys[who].public_key()).to_string());
    }));
  }

  for (const auto& b : commit_blocks) apply_commit(b, nullptr, nullptr, nullptr);
  for (int i = 0; i < 3; ++i) apply_commit({}, nullptr, nullptr, nullptr);

  // Ceiling: the signature checks of the same transactions on 2 threads, as a validator runs
  // them. Measured before and after the block application, and averaged: the machine's speed
  // drifts, and the application runs in between.
  auto measure_checks = [&] {
    auto c0 = Clock::now();
    size_t verified_count = 0;
    for (const auto& b : register_blocks) verified_count += verify_senders(chain_id, b, 2).size();
    return static_cast<double>(verified_count) / seconds_since(c0);
  };
  const double ceiling_before = measure_checks();
  auto s0 = Clock::now();
  for (size_t i = 0; i < std::min<size_t>(names, 5'000); ++i) {
    (void)verify_transaction_signature(chain_id, register_blocks[i / per_block][i % per_block]);
  }
  double single = static_cast<double>(std::min<size_t>(names, 5'000)) / seconds_since(s0);

  // The strictest ceiling: libsecp256k1's verification alone, on 2 threads, with every key
  // parsed and every message hashed beforehand. Also before and after.
  struct Check {
    PublicKey key;
    Hash256 message;
    SchnorrSignature sig;
  };
  std::vector<Check> checks;
  for (const auto& b : register_blocks) {
    for (const auto& stx : b) {
      checks.push_back({PublicKey::parse(as_bytes(stx.tx().sender_key())).value(),
                        transaction_signing_hash(chain_id, stx.tx()),
                        signature_field(stx.signature(), "signature").value()});
    }
  }
  // Runs `other` on a second thread while the calling thread runs `mine`; returns when both
  // are done. By default on a thread started for it; between pipelined blocks, on the parked
  // helper.
  using TwoThreads =
      std::function<void(const std::function<void()>& mine, const std::function<void()>& other)>;
  const TwoThreads on_new_thread = [](const std::function<void()>& mine,
                                      const std::function<void()>& other) {
    std::thread t(other);
    mine();
    t.join();
  };
  // Verifies checks[begin, end) on 2 threads; returns the seconds it took.
  auto time_bare = [&](size_t begin, size_t end, const TwoThreads& two) -> double {
    auto p0 = Clock::now();
    std::atomic<size_t> pure_ok{0};
    auto pure_work = [&](size_t first) {
      size_t ok = 0;
      for (size_t i = first; i < end; i += 2) ok += checks[i].key.verify(checks[i].message, checks[i].sig);
      pure_ok += ok;
    };
    two([&] { pure_work(begin); }, [&] { pure_work(begin + 1); });
    const double took = seconds_since(p0);
    if (pure_ok != end - begin) {
      std::fprintf(stderr, "pure verification rejected %zu signatures\n", end - begin - pure_ok);
      std::exit(1);
    }
    return took;
  };
  auto measure_bare = [&]() -> double {
    return static_cast<double>(checks.size()) / time_bare(0, checks.size(), on_new_thread);
  };
  // The bare ceiling is also sampled between the measured blocks (a slice of the checks,
  // untimed for the application): the machine's speed drifts within a run, so a ceiling
  // from the same moments as the blocks is the steadier comparison.
  constexpr size_t kSampleSlice = 1'000;
  size_t sampled = 0, sample_at = 0;
  double sampled_s = 0, sampling_wall_s = 0, sampling_cpu_s = 0;
  auto sample_bare = [&](const TwoThreads& two) {
    const size_t n = std::min(kSampleSlice, checks.size());
    if (sample_at + n > checks.size()) sample_at = 0;
    const double c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    auto t0 = Clock::now();
    sampled_s += time_bare(sample_at, sample_at + n, two);
    sampling_wall_s += seconds_since(t0);
    sampling_cpu_s += cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    sampled += n;
    sample_at += n;
  };
  const double pure_before = measure_bare();

  double verify_wait_s = 0, apply_s = 0, commit_s = 0;
  // Pipelined: how long before the last block's application ended its helper ran out of
  // checks (from then on one core works alone: the end of the run, not the steady state).
  double last_alone_ms = -1;
  // Pipelined: the state at the end of the second block and of the last but one, for the
  // figures with the pipeline full (the run's start and end left out). Not from the end of
  // the first block: while it is applied, the checks of the first two blocks run beside it,
  // and the second block's are then almost all done (a stock of work done ahead that a
  // steady block starts with only about half of), which would credit the window with checks
  // made before it. `stock`: how many of the next block's transactions were checked then.
  struct Mark {
    Clock::time_point at;
    double cpu, sampling_wall, sampling_cpu, sampled_s;
    size_t sampled, stock;
  };
  std::vector<Mark> full_marks;
  perf_control("enable");
  const double process_cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
  auto m0 = Clock::now();
  std::vector<std::vector<VerifiedSender>> all;  // each block's senders
  // A validator's cache of parsed sender keys, empty when the measurement starts: only the
  // measured blocks' own repeats hit (each of the 2,000 accounts sends N / 2,000 of them).
  PublicKeyCache sender_keys;
  PublicKeyCache* key_cache_used = key_cache ? &sender_keys : nullptr;
  std::vector<double> block_latency_ms;  // --at-head
  if (at_head) {
    for (size_t i = 0; i < register_blocks.size(); ++i) {
      sample_bare(on_new_thread);
      auto b0 = Clock::now();
      if (stream) {
        SenderVerification job(chain_id, register_blocks[i], key_cache_used);
        std::thread helper([&job] { job.work(); });
        apply_commit(register_blocks[i], nullptr, &apply_s, &commit_s, &job);
        helper.join();
        all.push_back(job.take());
      } else {
        auto w0 = Clock::now();
        all.push_back(verify_senders(chain_id, register_blocks[i], 2, key_cache_used));
        verify_wait_s += seconds_since(w0);
        apply_commit(register_blocks[i], &all.back(), &apply_s, &commit_s);
      }
      block_latency_ms.push_back(1e3 * seconds_since(b0));
    }
  } else if (overlap) {
    // A catching-up validator's pipeline on 2 cores, as Engine::accept runs it: a block's
    // checks begin on a helper thread (for the first block, when it is accepted; for the
    // others, while their parent is applied), and the applying thread applies the block as
    // its verdicts come, checking what the helper has not claimed yet when it catches up.
    // Between blocks the helper of the next block is parked for the sampling of the bare
    // ceiling, and runs its second thread's half (the wait for it to park counts as the
    // pipeline's time). Parked, it spins (yielding) rather than sleeps: a thread woken from
    // sleep may be queued behind the applying thread on its core while the other core idles
    // for milliseconds (the scheduler does not move a thread that just ran at once), which
    // would charge the pipeline for the sampling.
    struct Checks {
      std::unique_ptr<SenderVerification> job;
      std::atomic<bool> pause_asked{false}, parked{false}, done{false}, task_done{false};
      std::atomic<const std::function<void()>*> task{nullptr};
      Clock::time_point finished;  // when the helper found nothing left to check (before done)
      std::thread helper;
      // Returns once the helper is parked, or has finished.
      void pause() {
        pause_asked = true;
        while (!parked && !done) std::this_thread::yield();
      }
      // On the parked helper: runs `other` there while `mine` runs here.
      void run_beside(const std::function<void()>& mine, const std::function<void()>& other) {
        task_done = false;
        task = &other;
        mine();
        while (!task_done) std::this_thread::yield();
      }
      void resume() { pause_asked = false; }
    };
    std::vector<std::unique_ptr<Checks>> checks_of(register_blocks.size());
    auto begin_checks = [&](size_t i) {
      auto c = std::make_unique<Checks>();
      c->job = std::make_unique<SenderVerification>(chain_id, register_blocks[i], key_cache_used);
      Checks* raw = c.get();
      c->helper = std::thread([raw] {
        for (;;) {
          if (raw->pause_asked) {
            raw->parked = true;
            while (raw->pause_asked) {
              if (const auto* work = raw->task.exchange(nullptr)) {
                (*work)();
                raw->task_done = true;
              }
              std::this_thread::yield();
            }
            raw->parked = false;
          }
          if (!raw->job->work_some()) break;
        }
        raw->finished = Clock::now();
        raw->done = true;
      });
      checks_of[i] = std::move(c);
    };
    begin_checks(0);
    for (size_t i = 0; i < register_blocks.size(); ++i) {
      if (i + 1 < register_blocks.size()) begin_checks(i + 1);
      apply_commit(register_blocks[i], nullptr, &apply_s, &commit_s, checks_of[i]->job.get());
      auto w0 = Clock::now();
      checks_of[i]->helper.join();  // done: the application took every verdict
      verify_wait_s += seconds_since(w0);
      if (i + 1 == register_blocks.size()) {
        last_alone_ms = 1e3 * std::chrono::duration<double>(w0 - checks_of[i]->finished).count();
      }
      if (register_blocks.size() >= 4 && (i == 1 || i + 2 == register_blocks.size())) {
        const SenderVerification& next = *checks_of[i + 1]->job;
        full_marks.push_back({Clock::now(), cpu_s(CLOCK_PROCESS_CPUTIME_ID), sampling_wall_s,
                              sampling_cpu_s, sampled_s, sampled, next.checked() + next.known()});
      }
      all.push_back(checks_of[i]->job->take());  // kept for the storage floor's replay
      checks_of[i].reset();
      if (i + 1 < register_blocks.size()) {
        Checks& next = *checks_of[i + 1];
        next.pause();
        if (next.parked) {
          sample_bare([&next](const std::function<void()>& mine, const std::function<void()>& other) {
            next.run_beside(mine, other);
          });
        } else {
          sample_bare(on_new_thread);  // it has finished: nothing to disturb
        }
        next.resume();
      }
    }
  } else {
    auto w0 = Clock::now();
    for (size_t i = 0; i < register_blocks.size(); ++i) all.push_back(verify_senders(chain_id, register_blocks[i], 2, key_cache_used));
    verify_wait_s = seconds_since(w0);
    for (size_t i = 0; i < register_blocks.size(); ++i) {
      sample_bare(on_new_thread);
      apply_commit(register_blocks[i], &all[i], &apply_s, &commit_s);
    }
  }
  const double total_s = seconds_since(m0) - sampling_wall_s;
  // All threads, LevelDB's background compaction included.
  const double process_cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - process_cpu0 - sampling_cpu_s;
  perf_control("disable");
  // Closing the store waits for LevelDB's background work, which would otherwise compete
  // with the second measurement of the ceilings.
  ledger.reset();
  const double ceiling_after = measure_checks();
  const double pure_after = measure_bare();
  const double ceiling = (ceiling_before + ceiling_after) / 2;
  const double pure = (pure_before + pure_after) / 2;
  const double pure_between = static_cast<double>(sampled) / sampled_s;

  const double rate = static_cast<double>(names) / total_s;

  std::printf("block apply: %zu signed NameRegister in %zu blocks of %zu, sync=%s, LevelDB write buffer %zu MiB, block cache %zu MiB%s\n",
              names, register_blocks.size(), per_block, sync ? "on" : "off", options.write_buffer_bytes >> 20,
              options.block_cache_bytes >> 20, mem_env ? ", LevelDB in memory" : "");
  std::printf("  tree: %s\n", memory ? "linked nodes in memory (MemoryTree; no pages stored)"
                                      : "pages in LevelDB (RadixTree)");
  if (memory) {
    std::printf("  store: memory layout (state in memory, LevelDB as journal + snapshots); %zu snapshots\n"
                "           taken during the measurement (threshold max(%zu MiB, last snapshot))\n",
                snapshots_taken, options.snapshot_min_journal_bytes >> 20);
  }
  std::printf("  ceiling: transaction signature checks (decode the key, hash, BIP-340 verify, derive the\n"
              "           sender), 2 threads: %.0f/s (before %.0f, after %.0f; 1 thread: %.0f/s)\n",
              ceiling, ceiling_before, ceiling_after, single);
  std::printf("  ceiling: libsecp256k1 verification alone (keys parsed, messages hashed), 2 threads: %.0f/s\n"
              "           (before %.0f, after %.0f)\n",
              pure, pure_before, pure_after);
  if (key_cache) {
    std::printf("  sender keys: parsed through a cache, empty at the start: %llu hits, %llu misses\n",
                static_cast<unsigned long long>(sender_keys.hits()),
                static_cast<unsigned long long>(sender_keys.misses()));
  } else {
    std::printf("  sender keys: parsed for every transaction (--no-key-cache)\n");
  }
  std::printf("  ceiling: the same, sampled between the measured blocks (%zu verifications, their\n"
              "           time left out of the application's): %.0f/s\n",
              sampled, pure_between);
  std::printf("  applied: %.0f registrations/s = %.2f of the signature-check ceiling, %.2f of the bare one\n"
              "           (%.2f of the bare one sampled between the blocks)\n",
              rate, rate / ceiling, rate / pure, rate / pure_between);
  const char* split = at_head ? (stream ? "at the head, checked as applied: waiting after"
                                        : "at the head, checks first")
                      : overlap ? "overlapped, waiting for the helper after the application"
                                : "verification first";
  std::printf("  time split: %s %.2fs, transition+tree %.2fs, commit %.2fs (total %.2fs)%s\n",
              split, verify_wait_s, apply_s, commit_s, total_s,
              (overlap || at_head) && stream
                  ? "\n           (the transition's time includes the checks the applying thread"
                    " takes on)"
                  : "");
  if (at_head && !block_latency_ms.empty()) {
    std::vector<double> sorted = block_latency_ms;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0;
    for (double ms : sorted) sum += ms;
    std::printf("  per block at the head (%zu registrations): mean %.1f ms, min %.1f, max %.1f\n",
                per_block, sum / static_cast<double>(sorted.size()), sorted.front(), sorted.back());
  }
  if (full_marks.size() == 2) {
    // Blocks 3 to N-1: the first two blocks' fill (see Mark) and the last one's drain
    // (applied with no checks beside it) left out. The samples of the bare ceiling taken
    // between those blocks are their ceiling.
    const Mark& a = full_marks[0];
    const Mark& b = full_marks[1];
    const double wall = std::chrono::duration<double>(b.at - a.at).count() -
                        (b.sampling_wall - a.sampling_wall);
    const double cpu = (b.cpu - a.cpu) - (b.sampling_cpu - a.sampling_cpu);
    const double regs = static_cast<double>((register_blocks.size() - 3) * per_block);
    const double full_rate = regs / wall;
    const double full_ceiling = static_cast<double>(b.sampled - a.sampled) / (b.sampled_s - a.sampled_s);
    std::printf("  with the pipeline full (blocks 3-%zu; the first two blocks' fill and the last one's\n"
                "           drain left out): %.0f registrations/s = %.2f of the bare ceiling sampled\n"
                "           between those blocks (%.0f/s); %.2f cores busy; the next block's checks\n"
                "           done ahead: %zu at the start, %zu at the end\n",
                register_blocks.size() - 1, full_rate, full_rate / full_ceiling, full_ceiling,
                cpu / wall, a.stock, b.stock);
  }
  if (last_alone_ms >= 0) {
    std::printf("  the last block: its helper ran out of checks %.1f ms before the application ended\n",
                last_alone_ms);
  }
  std::printf("  CPU of the whole process: %.2f s over %.2f s (%.2f cores busy), %.1f us per registration\n",
              process_cpu, total_s, process_cpu / total_s,
              process_cpu * 1e6 / static_cast<double>(names));
  std::printf("  serial cost per registration: %.1f us transition+tree, %.1f us commit\n",
              apply_s * 1e6 / static_cast<double>(names), commit_s * 1e6 / static_cast<double>(names));
  std::printf("  of which on-CPU (applying thread): %.1f us transition+tree, %.1f us commit\n",
              apply_cpu_s * 1e6 / static_cast<double>(names),
              commit_cpu_s * 1e6 / static_cast<double>(names));
  if (memory) {
    std::printf("  keys written per registration: %.1f state (the tree's nodes live in memory only)\n",
                static_cast<double>(state_keys) / static_cast<double>(names));
  } else {
    std::printf("  keys written per registration: %.1f state, %.1f tree pages (%.1f of them deletions)\n",
                static_cast<double>(state_keys) / static_cast<double>(names),
                static_cast<double>(tree_keys) / static_cast<double>(names),
                static_cast<double>(tree_deletes) / static_cast<double>(names));
  }
  if (!floors) {
    std::printf("  floors: not measured (%s)\n", memory ? "the memory layout; they replay the LevelDB layout's work" : "--no-floor");
    std::filesystem::remove_all(dir);
    return 0;
  }
  // The storage floor: the same blocks applied again on a fresh store (not timed), keeping
  // what each read from the store and what it wrote; then that I/O alone, replayed on a bare
  // LevelDB opened as the store opens it, over the same genesis state and commitments.
  std::vector<BlockIo> setup_io, register_io;
  wipe_store();
  ledger = Ledger::open(dir, g, chain_id, options).value();
  height = 0;
  capture = &setup_io;
  for (const auto& b : commit_blocks) apply_commit(b, nullptr, nullptr, nullptr);
  for (int i = 0; i < 3; ++i) apply_commit({}, nullptr, nullptr, nullptr);
  capture = &register_io;
  for (size_t i = 0; i < register_blocks.size(); ++i) apply_commit(register_blocks[i], &all[i], nullptr, nullptr);
  capture = nullptr;
  ledger.reset();
  auto fresh_genesis_store = [&] {
    wipe_store();
    ledger = Ledger::open(dir, g, chain_id, options).value();
    ledger.reset();
  };
  fresh_genesis_store();
  const FloorFigures floor = storage_floor(dir, options, setup_io, register_io, false);
  fresh_genesis_store();
  const FloorFigures log_floor = storage_floor(dir, options, setup_io, register_io, true);
  size_t log_bytes = 0;
  for (const auto& b : register_io) log_bytes += b.log_record.size();
  size_t floor_reads = 0;
  for (const auto& b : register_io) floor_reads += b.reads.size();
  // Signature checks alone keep both cores busy for 2/ceiling seconds per registration; the
  // storage floor adds its CPU to that, whatever the transition and the tree cost.
  const double per_reg = 1.0 / static_cast<double>(names);
  auto best_rate_beside = [&](double cpu_per_reg) { return 2.0 / (2.0 / ceiling + cpu_per_reg); };
  const double floor_cpu = floor.cpu_s * per_reg;
  const double best_rate = best_rate_beside(floor_cpu);
  auto print_bound = [&](const char* what, double bound) {
    std::printf("           => %s %.0f/s = %.2f of the signature-check ceiling, %.2f of the bare one\n",
                what, bound, bound / ceiling, bound / pure);
  };
  std::printf("  storage floor: the same blocks' LevelDB work alone (%.1f reads and %.1f writes per\n"
              "           registration, one batch a block): %.1f us CPU per registration (%.1f us wall)\n",
              static_cast<double>(floor_reads) * per_reg,
              static_cast<double>(state_keys + tree_keys) * per_reg, floor_cpu * 1e6,
              floor.wall_s * per_reg * 1e6);
  print_bound("no transition on this store can exceed", best_rate);
  const double log_cpu = log_floor.cpu_s * per_reg;
  std::printf("  log-only floor: the same state writes as one LevelDB value per block (%.0f bytes per\n"
              "           registration; no reads, no tree pages: state and tree in memory, LevelDB as\n"
              "           the log; flushed and compacted; snapshots not counted): %.1f us CPU per registration\n",
              static_cast<double>(log_bytes) * per_reg, log_cpu * 1e6);
  print_bound("at most", best_rate_beside(log_cpu));
  std::filesystem::remove_all(dir);
  return 0;
}
