// A recorded block sequence for the crash test: each block is a v1::Block whose header holds
// the block context (height, slot, timestamp_ms, producer) and, in qc.height, the final
// height its context carries. Length-prefixed (4 bytes, big-endian). Test-only.
#pragma once

#include <string>
#include <vector>

#include "ledger/rules/context.h"

namespace ans::testing {

struct RecordedBlock {
  BlockContext context;
  std::vector<v1::SignedTransaction> txs;
};

Status write_block_file(const std::string& path, const std::vector<RecordedBlock>& blocks);
Result<std::vector<RecordedBlock>> read_block_file(const std::string& path);

}  // namespace ans::testing
