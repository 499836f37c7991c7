// Small files that must survive a crash whole: written to a temporary file beside them,
// synced, then put in place by one rename or link, and the directory synced.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ledger/util/status.h"

namespace ans {

enum class Overwrite { kNo, kYes };

// Writes `content` to `dir`/`name` with mode 0600. A crash at any point leaves the old file
// (or none) or the new one, and at worst a temporary file ".<name>.tmp-XXXXXX" beside it.
// With Overwrite::kNo the new file is linked into place, which fails if `name` exists (even
// one created at the same moment by another process). Errors: kFailedPrecondition (kNo, and
// the file exists), kIoError.
Status write_file_atomically(const std::string& dir, const std::string& name,
                             std::string_view content, Overwrite overwrite);

// The whole of a file of at most `max_bytes`. Errors: kNotFound, kTooLarge, kIoError.
Result<std::string> read_small_file(const std::string& path, size_t max_bytes);

// Creates `dir` and each missing parent with mode 0700 (set after the umask); a directory
// that exists keeps its mode. Errors: kIoError naming the directory.
Status make_private_dir(const std::string& dir);

}  // namespace ans
