#include "ledger/store/state_db.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "ledger/testing/temp_dir.h"

namespace ans {
namespace {

using ans::testing::TempDir;

StateDbOptions cached_options() {
  StateDbOptions o;
  o.sync = false;
  o.cached_prefix = "T";
  o.cached_key_max_bytes = 3;
  o.undo_exempt_prefix = "Tc";  // an undo may rebuild these: cached keys all the same
  return o;
}

// Cached keys must read exactly as LevelDB holds them through commits and undos, absences
// included; keys past the length limit are never cached but read the same.
TEST(StateDb, CachedKeysReadAsStoredThroughCommitAndUndo) {
  TempDir dir;
  {
    auto db = StateDb::open(dir.path(), cached_options()).value();
    ASSERT_TRUE(db->commit_final_block(0, Hash256{}, WriteSet{{"Ta", "1"}, {"Tlong", "x"}}));
    EXPECT_EQ(db->get("Ta"), "1");
    EXPECT_EQ(db->get("Tb"), std::nullopt);  // the absence is cached too
    Hash256 h1{};
    h1[0] = 1;
    ASSERT_TRUE(db->commit_block(1, h1, WriteSet{{"Ta", "2"}, {"Tb", "3"}, {"Tlong", std::nullopt}}));
    EXPECT_EQ(db->get("Ta"), "2");
    EXPECT_EQ(db->get("Tb"), "3");
    EXPECT_EQ(db->get("Tlong"), std::nullopt);
    ASSERT_TRUE(db->undo_head_block({{"Tc", "rebuilt"}}));
    EXPECT_EQ(db->get("Ta"), "1");
    EXPECT_EQ(db->get("Tb"), std::nullopt);
    EXPECT_EQ(db->get("Tc"), "rebuilt");
    EXPECT_EQ(db->get("Tlong"), "x");
    EXPECT_TRUE(db->status());
  }
  // What a fresh, uncached open reads is what the cached instance read.
  StateDbOptions plain;
  plain.sync = false;
  auto db = StateDb::open(dir.path(), plain).value();
  EXPECT_EQ(db->get("Ta"), "1");
  EXPECT_EQ(db->get("Tb"), std::nullopt);
  EXPECT_EQ(db->get("Tc"), "rebuilt");
  EXPECT_EQ(db->get("Tlong"), "x");
}

// Exempt writes (tree pages kept apart from a block's other writes) are committed in the same
// batch, keep no undo data, and are refused when unsorted, outside the exempt prefix or also
// among the block's writes; a refused commit changes nothing.
TEST(StateDb, ExemptWritesCommitWithTheBlockAndKeepNoUndoData) {
  TempDir dir;
  StateDbOptions o;
  o.sync = false;
  o.undo_exempt_prefix = "T";
  auto db = StateDb::open(dir.path(), o).value();
  ASSERT_TRUE(db->commit_final_block(0, Hash256{}, WriteSet{{"A", "0"}, {"Ta", "page0"}}));
  Hash256 h1{};
  h1[0] = 1;
  const WriteList unsorted = {{"Tb", "x"}, {"Ta", "y"}};
  const WriteList outside = {{"B", "x"}};
  const WriteList overlapping = {{"Ta", "x"}};
  const WriteSet with_ta = {{"A", "1"}, {"Ta", "x"}};
  EXPECT_EQ(db->commit_block(1, h1, WriteSet{{"A", "1"}}, nullptr, &unsorted).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->commit_block(1, h1, WriteSet{{"A", "1"}}, nullptr, &outside).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->commit_block(1, h1, with_ta, nullptr, &overlapping).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->head_height(), 0u);
  EXPECT_EQ(db->get("A"), "0");
  EXPECT_EQ(db->get("Tb"), std::nullopt);

  const WriteList pages = {{"Ta", std::nullopt}, {"Tb", "page1"}, {"Tc", "page1c"}};
  ASSERT_TRUE(db->commit_block(1, h1, WriteSet{{"A", "1"}, {"U", "u"}}, nullptr, &pages));
  EXPECT_EQ(db->get("A"), "1");
  EXPECT_EQ(db->get("U"), "u");
  EXPECT_EQ(db->get("Ta"), std::nullopt);
  EXPECT_EQ(db->get("Tb"), "page1");
  auto undo = db->head_undo();
  ASSERT_TRUE(undo);
  const WriteSet expected_undo = {{"A", "0"}, {"U", std::nullopt}};
  EXPECT_EQ(*undo, expected_undo);  // no page among the undo data
  EXPECT_EQ(db->undo_head_block({{"Ta", "page0"}, {"B", "x"}}).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->head_height(), 1u);  // refused: nothing undone
  EXPECT_EQ(db->get("Ta"), std::nullopt);
  ASSERT_TRUE(db->undo_head_block({{"Ta", "page0"}, {"Tb", std::nullopt}, {"Tc", std::nullopt}}));
  EXPECT_EQ(db->get("A"), "0");
  EXPECT_EQ(db->get("U"), std::nullopt);
  EXPECT_EQ(db->get("Ta"), "page0");
  EXPECT_EQ(db->get("Tb"), std::nullopt);
}

StateDbOptions memory_options() {
  StateDbOptions o;
  o.sync = false;
  o.memory_state = true;
  o.snapshot_min_journal_bytes = size_t{1} << 40;  // snapshots only when a test asks
  o.unordered_prefixes = {"T", "c"};  // scans covering these sort; the others use the order
  return o;
}

Hash256 block_hash(uint8_t n) {
  Hash256 h{};
  h[0] = n;
  return h;
}

// Every key in order, as scan gives it.
std::vector<std::pair<std::string, std::string>> everything(const StateDb& db) {
  std::vector<std::pair<std::string, std::string>> out;
  db.scan({}, {}, SIZE_MAX, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

// The keys a scan visits.
std::vector<std::string> scanned_keys(const StateDb& db, std::string_view prefix,
                                      std::string_view start, size_t limit) {
  std::vector<std::string> out;
  db.scan(prefix, start, limit, [&](std::string_view k, std::string_view) {
    out.emplace_back(k);
    return true;
  });
  return out;
}

// How many keys under `prefix` the LevelDB at `path` holds (the store closed): its journal
// records ("\xff" "jrnl") or snapshot chunks ("\xff" "snap").
size_t stored_keys_under(const std::string& path, std::string_view prefix) {
  leveldb::DB* raw = nullptr;
  EXPECT_TRUE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> ldb(raw);
  std::unique_ptr<leveldb::Iterator> it(ldb->NewIterator(leveldb::ReadOptions()));
  size_t n = 0;
  const leveldb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) ++n;
  return n;
}

// The memory layout: reads and scans come from memory; reopening replays the journal (commits
// and undos alike) over the last snapshot.
TEST(StateDbMemory, ReopeningReplaysTheJournalOverTheSnapshot) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> before_reopen;
  {
    auto db = StateDb::open(dir.path(), memory_options()).value();
    ASSERT_TRUE(db->commit_final_block(0, block_hash(0), WriteSet{{"a", "0"}, {"b", "0"}, {"Tr", "p0"}}));
    ASSERT_TRUE(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}, {"c", "1"}}));
    ASSERT_TRUE(db->write_snapshot());
    EXPECT_EQ(db->snapshot_seq(), 2u);
    ASSERT_TRUE(db->commit_block(2, block_hash(2), WriteSet{{"b", std::nullopt}, {"d", "2"}, {"Tr", "p2"}}));
    ASSERT_TRUE(db->commit_block(3, block_hash(3), WriteSet{{"e", "3"}, {"Tr", "p3"}}));
    ASSERT_TRUE(db->undo_head_block());
    ASSERT_TRUE(db->set_final(1));
    EXPECT_EQ(db->journal_seq(), 5u);
    EXPECT_EQ(db->get("e"), std::nullopt);
    EXPECT_EQ(db->get("Tr"), "p2");
    EXPECT_EQ(scanned_keys(*db, "", "b", 2), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(scanned_keys(*db, "d", "", 5), (std::vector<std::string>{"d"}));  // kept in order
    before_reopen = everything(*db);
  }
  auto db = StateDb::open(dir.path(), memory_options()).value();
  EXPECT_EQ(db->head_height(), 2u);
  EXPECT_EQ(db->head_hash(), block_hash(2));
  EXPECT_EQ(db->final_height(), 1u);
  // The journal after the snapshot (block 2's writes, block 3's and its undo) replayed.
  EXPECT_EQ(db->get("Tr"), "p2");
  EXPECT_EQ(db->get("e"), std::nullopt);
  EXPECT_EQ(everything(*db), before_reopen);
  // Block 2 is not final; its undo record survived the reopening.
  ASSERT_TRUE(db->undo_head_block());
  EXPECT_EQ(db->get("b"), "0");
  EXPECT_EQ(db->get("d"), std::nullopt);
  EXPECT_TRUE(db->status());
}

// Holds a background snapshot's writer before it writes anything, until the test lets it go.
struct WriterGate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool reached = false;
  void hold() {
    std::unique_lock lock(mu);
    reached = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void let_go() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  void wait_reached() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return reached; });
  }
};

// Waits (bounded) for a background snapshot to be written.
bool wait_ready(const StateDb& db) {
  for (int i = 0; i < 6000 && !db.snapshot_ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return db.snapshot_ready();
}

// A snapshot replaces the journal before it: reopening replays nothing, reads the same, and
// snapshots taken by commits on their own (the journal outgrew the threshold) work the same.
TEST(StateDbMemory, SnapshotsReplaceTheJournal) {
  TempDir dir;
  StateDbOptions o = memory_options();
  o.snapshot_min_journal_bytes = 4096;
  std::vector<std::pair<std::string, std::string>> state;
  uint64_t snapshots_seen = 0;
  {
    auto db = StateDb::open(dir.path(), o).value();
    ASSERT_TRUE(db->commit_final_block(0, block_hash(0), WriteSet{{"k0", "genesis"}}));
    uint64_t last_snapshot = 0;
    for (uint8_t h = 1; h < 60; ++h) {
      WriteSet w;
      for (int i = 0; i < 20; ++i) {
        w["k" + std::to_string((h * 7 + i) % 300)] = std::string(40, static_cast<char>('a' + h % 26));
      }
      if (h % 5 == 0) w["k" + std::to_string(h)] = std::nullopt;
      ASSERT_TRUE(db->commit_block(h, block_hash(h), w));
      ASSERT_TRUE(db->set_final(h));
      ASSERT_TRUE(db->snapshot_status());
      // A snapshot the commit started is written in the background; let it finish, so that
      // the next commit adopts it (as a slower stream of blocks would).
      if (db->snapshot_in_progress()) {
        ASSERT_TRUE(wait_ready(*db));
      }
      if (db->snapshot_seq() != last_snapshot) ++snapshots_seen;
      last_snapshot = db->snapshot_seq();
    }
    EXPECT_GE(snapshots_seen, 3u);
    ASSERT_TRUE(db->write_snapshot());
    EXPECT_EQ(db->snapshot_seq(), db->journal_seq());
    state = everything(*db);
  }
  auto db = StateDb::open(dir.path(), o).value();
  EXPECT_EQ(everything(*db), state);
  EXPECT_EQ(db->head_height(), 59u);
  // The journal before the snapshot is gone from LevelDB.
  db.reset();
  EXPECT_EQ(stored_keys_under(dir.path(), "\xff" "jrnl"), 0u);
}

// What a crash can leave: snapshot chunks no meta names (an interrupted snapshot) are
// ignored and deleted; a damaged journal record is corruption, reported, not half-applied;
// and a store is opened only with the layout it was made with.
TEST(StateDbMemory, OrphanChunksDamagedJournalAndTheOtherLayout) {
  TempDir dir;
  {
    auto db = StateDb::open(dir.path(), memory_options()).value();
    ASSERT_TRUE(db->commit_final_block(0, block_hash(0), WriteSet{{"a", "0"}}));
    ASSERT_TRUE(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}}));
  }
  std::string journal3 = std::string("\xff" "jrnl") + std::string(7, '\0') + "\x03";
  std::string orphan = std::string("\xff" "snap") + std::string(7, '\0') + "\x09" + std::string(8, '\0');
  // A chunk past the count of the snapshot the meta names (a failed attempt at the same one).
  std::string extra_chunk = std::string("\xff" "snap") + std::string(7, '\0') + "\x02" +
                            std::string(7, '\0') + "\x05";
  auto raw_db = [&]() {
    leveldb::DB* raw = nullptr;
    EXPECT_TRUE(leveldb::DB::Open(leveldb::Options(), dir.path(), &raw).ok());
    return std::unique_ptr<leveldb::DB>(raw);
  };
  {
    auto db = StateDb::open(dir.path(), memory_options()).value();
    ASSERT_TRUE(db->write_snapshot());  // snapshot 2, of one chunk
    ASSERT_EQ(db->snapshot_seq(), 2u);
  }
  {
    auto raw = raw_db();
    ASSERT_TRUE(raw->Put(leveldb::WriteOptions(), orphan, "half a snapshot").ok());
    ASSERT_TRUE(raw->Put(leveldb::WriteOptions(), extra_chunk, "a stale chunk").ok());
  }
  {
    auto db = StateDb::open(dir.path(), memory_options());
    ASSERT_TRUE(db) << db.status().to_string();
    EXPECT_EQ((*db)->get("a"), "1");
  }
  {
    auto raw = raw_db();
    std::string value;
    EXPECT_TRUE(raw->Get(leveldb::ReadOptions(), orphan, &value).IsNotFound());
    EXPECT_TRUE(raw->Get(leveldb::ReadOptions(), extra_chunk, &value).IsNotFound());
  }
  {
    // One more block, so that the journal has a record after the snapshot to damage.
    auto db = StateDb::open(dir.path(), memory_options()).value();
    ASSERT_TRUE(db->commit_block(2, block_hash(2), WriteSet{{"a", "2"}}));
  }

  StateDbOptions plain;
  plain.sync = false;
  auto other = StateDb::open(dir.path(), plain);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(other.status().message().find("memory layout"), std::string::npos);

  ASSERT_TRUE(raw_db()->Put(leveldb::WriteOptions(), journal3, "not a record").ok());
  auto damaged = StateDb::open(dir.path(), memory_options());
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.status().code(), Errc::kCorruption);
  ASSERT_TRUE(raw_db()->Delete(leveldb::WriteOptions(), journal3).ok());
  auto missing = StateDb::open(dir.path(), memory_options());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Errc::kCorruption);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  // A well-formed record of a key the journal never holds: one of the store's own.
  for (const std::string& bad_key : {std::string("\xff" "meta"), std::string("\xff")}) {
    v1::JournalRecord record;
    record.set_seq(3);
    v1::StateWrite* w = record.add_writes();
    w->set_key(bad_key);
    w->set_present(true);
    w->set_value("x");
    ASSERT_TRUE(raw_db()->Put(leveldb::WriteOptions(), journal3, record.SerializeAsString()).ok());
    auto refused = StateDb::open(dir.path(), memory_options());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().code(), Errc::kCorruption);
    EXPECT_NE(refused.status().message().find("cannot hold"), std::string::npos);
  }
}

// The memory layout journals every key: it takes no undo-exempt prefix, and so no exempt
// writes or rebuilt keys; a refused call changes nothing. Snapshots are its own.
TEST(StateDbMemory, KeepsNoUndoExemptKeys) {
  TempDir dir;
  StateDbOptions exempt = memory_options();
  exempt.undo_exempt_prefix = "T";
  auto refused = StateDb::open(dir.sub("m"), exempt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("undo-exempt"), std::string::npos);

  auto db = StateDb::open(dir.sub("m"), memory_options()).value();
  ASSERT_TRUE(db->commit_final_block(0, block_hash(0), WriteSet{{"a", "0"}}));
  const WriteList pages = {{"Tx", "p"}};
  EXPECT_EQ(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}}, nullptr, &pages).code(),
            Errc::kInvalidArgument);
  ASSERT_TRUE(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}}));
  EXPECT_EQ(db->undo_head_block({{"Tx", "p"}}).code(), Errc::kInvalidArgument);
  EXPECT_EQ(db->head_height(), 1u);
  EXPECT_EQ(db->get("a"), "1");
  EXPECT_EQ(db->get("Tx"), std::nullopt);

  StateDbOptions plain;
  plain.sync = false;
  auto ldb = StateDb::open(dir.sub("l"), plain).value();
  EXPECT_EQ(ldb->write_snapshot().code(), Errc::kInvalidArgument);
}

// A snapshot a commit starts is written in the background and holds the state as it was when
// it began, whatever the blocks committed meanwhile do to the keys it holds (overwrite them,
// delete them, undo a block): reads and scans answer from the current state all along, the
// next commit after the writer is done adopts the snapshot (the journal it holds goes, the
// journal after it stays), and reopening replays exactly the blocks after it.
TEST(StateDbMemory, BackgroundSnapshotHoldsTheStateWhenItBegan) {
  TempDir dir;
  StateDbOptions o = memory_options();
  o.snapshot_min_journal_bytes = 1;  // the first commit starts one
  WriterGate gate;
  o.snapshot_writer_hook = [&gate] { gate.hold(); };
  std::vector<std::pair<std::string, std::string>> state;
  {
    auto db = StateDb::open(dir.path(), o).value();
    ASSERT_TRUE(db->commit_final_block(0, block_hash(0),
                                       WriteSet{{"a", "0"}, {"b", "0"}, {"c1", "0"}, {"Tr", "p0"}}));
    ASSERT_TRUE(db->snapshot_in_progress());
    gate.wait_reached();
    const uint64_t frozen_at = db->journal_seq();
    EXPECT_EQ(db->snapshot_seq(), 0u);
    // While it is held: overwrite a frozen ordered key, an unordered one and a page, delete
    // one, add some, undo a block.
    ASSERT_TRUE(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}, {"c1", "1"}, {"d", "1"}, {"Tr", "p1"}}));
    ASSERT_TRUE(db->commit_block(2, block_hash(2), WriteSet{{"b", std::nullopt}, {"a", "2"}, {"e", "2"}, {"Tr", "p2"}}));
    ASSERT_TRUE(db->undo_head_block());
    ASSERT_TRUE(db->commit_block(2, block_hash(22), WriteSet{{"a", "22"}, {"b", "22"}}));
    EXPECT_TRUE(db->snapshot_in_progress());
    EXPECT_EQ(db->snapshot_seq(), 0u);  // nothing adopted while it is written
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"Tr", "p1"}, {"a", "22"}, {"b", "22"}, {"c1", "1"}, {"d", "1"}};
    EXPECT_EQ(everything(*db), expected);
    EXPECT_EQ(scanned_keys(*db, "", "a", 2), (std::vector<std::string>{"a", "b"}));

    gate.let_go();
    ASSERT_TRUE(wait_ready(*db));
    ASSERT_TRUE(db->commit_block(3, block_hash(3), WriteSet{{"f", "3"}}));
    EXPECT_TRUE(db->snapshot_status());
    EXPECT_EQ(db->snapshot_seq(), frozen_at);  // adopted: the state after genesis
    EXPECT_EQ(everything(*db).size(), expected.size() + 1);
    // A scan of keys kept in order (no unordered prefix in range) walks the ordered set,
    // whose views of "a" and "b" must have followed their entries, the frozen ones now gone.
    std::vector<std::pair<std::string, std::string>> ordered;
    for (const char* prefix : {"a", "b"}) {
      db->scan(prefix, "", 5, [&](std::string_view k, std::string_view v) {
        ordered.emplace_back(k, v);
        return true;
      });
    }
    const std::vector<std::pair<std::string, std::string>> expected_ordered = {{"a", "22"}, {"b", "22"}};
    EXPECT_EQ(ordered, expected_ordered);
    state = everything(*db);
  }
  // Only the journal after the snapshot is left (blocks 1 and 2, the undo, block 2 again,
  // block 3), and it is what reopening replays.
  EXPECT_EQ(stored_keys_under(dir.path(), "\xff" "jrnl"), 5u);
  o.snapshot_writer_hook = nullptr;
  o.snapshot_min_journal_bytes = size_t{1} << 40;
  auto db = StateDb::open(dir.path(), o).value();
  EXPECT_EQ(db->get("Tr"), "p1");  // the snapshot's "p0", then the journal's writes
  EXPECT_EQ(db->get("e"), std::nullopt);
  EXPECT_EQ(everything(*db), state);
}

// A store closed while its snapshot is being written keeps the last adopted one: reopening
// loads that and replays the journal, and deletes the unadopted chunks.
TEST(StateDbMemory, ClosingDuringABackgroundSnapshotKeepsTheLastAdoptedOne) {
  TempDir dir;
  StateDbOptions o = memory_options();
  o.snapshot_min_journal_bytes = 1;
  WriterGate gate;
  o.snapshot_writer_hook = [&gate] { gate.hold(); };
  std::vector<std::pair<std::string, std::string>> state;
  {
    auto db = StateDb::open(dir.path(), o).value();
    ASSERT_TRUE(db->commit_final_block(0, block_hash(0), WriteSet{{"a", "0"}}));
    gate.wait_reached();
    ASSERT_TRUE(db->commit_block(1, block_hash(1), WriteSet{{"a", "1"}, {"b", "1"}}));
    state = everything(*db);
    gate.let_go();  // it may finish or not before the store closes: either way unadopted
  }
  o.snapshot_writer_hook = nullptr;
  o.snapshot_min_journal_bytes = size_t{1} << 40;
  {
    auto db = StateDb::open(dir.path(), o).value();
    EXPECT_EQ(db->snapshot_seq(), 0u);
    EXPECT_EQ(db->head_height(), 1u);
    EXPECT_EQ(everything(*db), state);
  }
  EXPECT_EQ(stored_keys_under(dir.path(), "\xff" "snap"), 0u) << "an unadopted chunk is left";
}

// Scans in the memory layout visit the same keys in the same order as LevelDB's, for keys of
// every shape: shorter and longer than the 8 bytes the ordered set compares first, with zero
// bytes and bytes above 0x7F, sharing long prefixes; through commits that add and delete.
TEST(StateDbMemory, ScansMatchTheLevelDbLayout) {
  TempDir dir;
  StateDbOptions plain;
  plain.sync = false;
  auto ldb = StateDb::open(dir.sub("l"), plain).value();
  StateDbOptions mem = memory_options();
  mem.unordered_prefixes = {"T"};
  auto mdb = StateDb::open(dir.sub("m"), mem).value();
  std::mt19937_64 rng(11);
  const std::string alphabet("\x00\x01" "ab" "\x7f\x80\xfe", 7);
  auto random_key = [&] {
    std::string k(1, "aboU"[rng() % 4]);
    const size_t len = rng() % 14;
    for (size_t i = 0; i < len; ++i) k += alphabet[rng() % alphabet.size()];
    return k;
  };
  for (uint8_t h = 0; h < 30; ++h) {
    WriteSet w;
    for (int i = 0; i < 40; ++i) {
      if (rng() % 4 == 0) {
        w[random_key()] = std::nullopt;
      } else {
        w[random_key()] = std::to_string(rng());
      }
    }
    if (h == 0) {
      ASSERT_TRUE(ldb->commit_final_block(0, block_hash(0), w));
      ASSERT_TRUE(mdb->commit_final_block(0, block_hash(0), w));
    } else {
      ASSERT_TRUE(ldb->commit_block(h, block_hash(h), w));
      ASSERT_TRUE(mdb->commit_block(h, block_hash(h), w));
    }
  }
  auto scan = [](const StateDb& db, const std::string& prefix, const std::string& start, size_t limit) {
    std::vector<std::pair<std::string, std::string>> out;
    db.scan(prefix, start, limit, [&](std::string_view k, std::string_view v) {
      if (!k.empty() && static_cast<uint8_t>(k[0]) == 0xff) return false;  // LevelDB's bookkeeping
      out.emplace_back(k, v);
      return true;
    });
    return out;
  };
  EXPECT_GT(scan(*mdb, "", "", SIZE_MAX).size(), 200u);
  for (int q = 0; q < 500; ++q) {
    std::string prefix = random_key().substr(0, rng() % 4);
    std::string start = rng() % 2 ? std::string() : prefix + random_key().substr(1);
    size_t limit = 1 + rng() % 50;
    ASSERT_EQ(scan(*mdb, prefix, start, limit), scan(*ldb, prefix, start, limit))
        << "prefix " << to_hex(as_bytes(prefix)) << " start " << to_hex(as_bytes(start));
  }
}

}  // namespace
}  // namespace ans

namespace ans {
namespace {

// Every file of a directory, by name, with its contents.
std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out[entry.path().filename().string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// Flips one bit of the first occurrence of `needle` in the store's tables. Returns whether
// one was found.
bool flip_in_table(const std::string& dir, std::string_view needle) {
  for (const auto& [name, bytes] : files_of(dir)) {
    if (!name.ends_with(".ldb")) continue;
    const size_t at = bytes.find(needle);
    if (at == std::string::npos) continue;
    std::fstream f(dir + "/" + name, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(at + needle.size() - 1));
    f.put(static_cast<char>(bytes[at + needle.size() - 1] ^ 0x04));
    return f.good();
  }
  return false;
}

std::string value_of(int i) { return "value-of-key-" + std::to_string(i) + "-padding-padding"; }

// A store of 300 keys, closed and opened once more so that its log became a table.
void make_store(const std::string& path, bool memory_state) {
  StateDbOptions o;
  o.sync = false;
  o.memory_state = memory_state;
  WriteSet writes;
  for (int i = 0; i < 300; ++i) writes["k" + std::to_string(1000 + i)] = value_of(i);
  ASSERT_TRUE(StateDb::open(path, o).value()->commit_final_block(0, Hash256{}, writes));
  ASSERT_TRUE(StateDb::open(path, o));
}

// A flipped bit in a table's value reads as a corruption, never as another value.
TEST(StateDbDamage, AFlippedBitInATableReadsAsCorruption) {
  TempDir dir;
  make_store(dir.path(), /*memory_state=*/false);
  ASSERT_TRUE(flip_in_table(dir.path(), value_of(7)));
  StateDbOptions o;
  o.sync = false;
  auto db = StateDb::open(dir.path(), o);
  ASSERT_TRUE(db) << db.status().to_string();
  EXPECT_EQ((*db)->get("k1007"), std::nullopt);
  EXPECT_EQ((*db)->status().code(), Errc::kCorruption) << (*db)->status().to_string();
}

// The memory layout reads its journal and snapshot at opening: a flipped bit in them fails
// the opening.
TEST(StateDbDamage, AFlippedBitInTheJournalFailsTheOpening) {
  TempDir dir;
  make_store(dir.path(), /*memory_state=*/true);
  ASSERT_TRUE(flip_in_table(dir.path(), value_of(7)));
  StateDbOptions o;
  o.sync = false;
  o.memory_state = true;
  auto db = StateDb::open(dir.path(), o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.status().code(), Errc::kCorruption) << db.status().to_string();
}

// Without CURRENT, opening is refused and changes nothing: with CURRENT back, the store
// opens as it was. (LevelDB alone would create a new database there and delete the tables.)
TEST(StateDbDamage, OpeningWithoutCurrentOrManifestChangesNothing) {
  TempDir dir;
  make_store(dir.path(), /*memory_state=*/false);
  const std::string current = files_of(dir.path()).at("CURRENT");
  const std::string manifest = current.substr(0, current.size() - 1);
  StateDbOptions o;
  o.sync = false;
  for (const std::string& missing : {std::string("CURRENT"), manifest}) {
    SCOPED_TRACE(missing);
    const std::string kept = files_of(dir.path()).at(missing);
    std::filesystem::remove(dir.sub(missing));
    const auto before = files_of(dir.path());
    auto db = StateDb::open(dir.path(), o);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.status().code(), Errc::kCorruption);
    EXPECT_NE(db.status().message().find("damaged or not an ANS store"), std::string::npos)
        << db.status().to_string();
    EXPECT_EQ(files_of(dir.path()), before);
    std::ofstream(dir.sub(missing), std::ios::binary) << kept;
  }
  auto db = StateDb::open(dir.path(), o);
  ASSERT_TRUE(db) << db.status().to_string();
  EXPECT_EQ((*db)->get("k1007"), value_of(7));
  EXPECT_TRUE((*db)->status());
}

// A damaged record length in a log reads to LevelDB as a write torn by a crash: it would drop
// the log from there and open an older state. The opening is refused instead, with nothing
// changed; a log really torn at its end still opens.
TEST(StateDbDamage, ADamagedLogRecordLengthIsNotTakenForATornWrite) {
  TempDir dir;
  StateDbOptions o;
  o.sync = false;
  {
    auto db = StateDb::open(dir.path(), o).value();
    ASSERT_TRUE(db->commit_final_block(0, Hash256{}, WriteSet{{"a", "0"}}));
    for (uint64_t h = 1; h <= 3; ++h) {
      Hash256 hash{};
      hash[0] = static_cast<uint8_t>(h);
      ASSERT_TRUE(db->commit_block(h, hash, WriteSet{{"a", std::to_string(h)}}));
    }
  }
  std::string log_name;
  for (const auto& [name, bytes] : files_of(dir.path())) {
    if (name.ends_with(".log") && !bytes.empty()) log_name = name;
  }
  ASSERT_FALSE(log_name.empty());
  const std::string log = files_of(dir.path()).at(log_name);
  {
    std::fstream f(dir.sub(log_name), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(5);  // the high byte of the first record's length
    f.put(static_cast<char>(log[5] ^ 0x40));
  }
  const auto before = files_of(dir.path());
  auto damaged = StateDb::open(dir.path(), o);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.status().code(), Errc::kCorruption);
  EXPECT_NE(damaged.status().message().find("wrong length"), std::string::npos)
      << damaged.status().to_string();
  EXPECT_EQ(files_of(dir.path()), before);
  // Torn in its last record: LevelDB drops that one write, as after a crash.
  std::ofstream(dir.sub(log_name), std::ios::binary) << log.substr(0, log.size() - 3);
  auto torn = StateDb::open(dir.path(), o);
  ASSERT_TRUE(torn) << torn.status().to_string();
  EXPECT_EQ((*torn)->head_height(), 2u);
  EXPECT_EQ((*torn)->get("a"), "2");
}

// A store is created in an absent or empty directory only, and only when asked to.
TEST(StateDbDamage, CreatesOnlyInAnAbsentOrEmptyDirectory) {
  TempDir dir;
  StateDbOptions o;
  o.sync = false;
  o.create_if_missing = false;
  auto absent = StateDb::open(dir.sub("absent"), o);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.status().code(), Errc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("absent")));
  o.create_if_missing = true;
  EXPECT_TRUE(StateDb::open(dir.sub("absent"), o));
  std::filesystem::create_directories(dir.sub("empty"));
  EXPECT_TRUE(StateDb::open(dir.sub("empty"), o));
  std::filesystem::create_directories(dir.sub("other"));
  std::ofstream(dir.sub("other/notes.txt")) << "not a store";
  auto other = StateDb::open(dir.sub("other"), o);
  ASSERT_FALSE(other);
  EXPECT_NE(other.status().message().find("damaged or not an ANS store"), std::string::npos);
  EXPECT_EQ(files_of(dir.sub("other")).size(), 1u);
  // A LevelDB database that is not a state store (keys, but no store metadata) is refused.
  {
    leveldb::Options lo;
    lo.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(lo, dir.sub("foreign"), &raw).ok());
    std::unique_ptr<leveldb::DB> foreign(raw);
    ASSERT_TRUE(foreign->Put(leveldb::WriteOptions(), "some", "data").ok());
  }
  auto foreign = StateDb::open(dir.sub("foreign"), o);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.status().message().find("damaged or not an ANS store"), std::string::npos)
      << foreign.status().to_string();
}

}  // namespace
}  // namespace ans
