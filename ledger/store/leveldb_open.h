// Opening a LevelDB store without harm to what is already there, and reading it with its
// checksums verified. Both of the node's stores (the state store, StateDb; the consensus
// store) open and read through these.
//
// LevelDB, asked to create a database where one is damaged (its CURRENT file gone), makes a
// fresh one and deletes the old tables and logs. So a store is created only in a directory
// that is absent or empty (or holds only what an interrupted creation leaves). An existing
// directory must name its manifest (CURRENT) and hold it; it is then opened with
// create_if_missing off, so LevelDB itself never creates over it.
#pragma once

#include <leveldb/db.h>
#include <leveldb/env.h>

#include <memory>
#include <string>
#include <string_view>

#include "ledger/util/status.h"

namespace ans {

// LevelDB reads a log (or manifest) record whose length runs past the end of the file as a
// write torn by a crash, and drops the file from there, even when the length was damaged and
// intact records follow: it would open an older state and delete what it dropped. This finds
// that case in the logs and manifests at `path`. Errors: kCorruption, kIoError.
Status check_log_lengths(leveldb::Env& env, const std::string& path, std::string_view what);

// How a store directory looks before opening.
enum class StoreDir {
  kAbsent,    // no directory, an empty one, or one where a creation stopped before it wrote
              // CURRENT: a store may be created there
  kExisting,  // CURRENT names a manifest that exists
};

// Errors: kCorruption, with a message that says the directory is "damaged or not an ANS
// store" (files but no CURRENT, or a CURRENT naming no manifest there), or that of
// check_log_lengths; kIoError.
// `what` names the store in messages ("state store").
Result<StoreDir> inspect_store_dir(leveldb::Env& env, const std::string& path, std::string_view what);

// Opens the store at `path`, creating it only when the directory is absent or empty and
// `create` is set. `options.create_if_missing` is ignored (decided here). The options'
// paranoid_checks should be on: then a damaged log or manifest fails the opening.
// Errors: kNotFound (absent and !create), those of inspect_store_dir, and LevelDB's
// (kCorruption, kIoError), each naming the store and its path.
Result<std::unique_ptr<leveldb::DB>> open_leveldb_store(leveldb::Options options,
                                                        const std::string& path, bool create,
                                                        std::string_view what);

// The options of every read of stored data: each block's checksum is verified, so damaged
// data reads as kCorruption, never as a wrong value (and never reaches LevelDB's decoders).
leveldb::ReadOptions verified_reads();

// A LevelDB status as ours: kCorruption for a corruption, kIoError for anything else.
// REQUIRES: !s.ok().
Status leveldb_error(const leveldb::Status& s, std::string_view what);

}  // namespace ans
