// The wallet's names for the small files written atomically (ledger/util/atomic_file.h),
// which moved below the wallet so that consensus can keep its mempool in one too.
#pragma once

#include "ledger/util/atomic_file.h"

namespace ans::wallet {

using ::ans::make_private_dir;
using ::ans::Overwrite;
using ::ans::read_small_file;
using ::ans::write_file_atomically;

}  // namespace ans::wallet
