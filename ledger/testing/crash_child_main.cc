// Child process of the crash test (chain/crash_test.cc): opens the ledger at DIR and applies
// the recorded blocks of FILE from its head onward, committing each and keeping finality two
// blocks behind, until the parent kills it. Exit 0 when all blocks are in, 1 on any error.
// With a third argument "memory", the store has the memory layout, snapshotting often.
#include <cstdio>

#include "ledger/chain/ledger.h"
#include "ledger/testing/block_file.h"
#include "ledger/testing/chain_driver.h"
#include "ledger/testing/test_chain.h"

int main(int argc, char** argv) {
  using namespace ans;
  using namespace ans::testing;
  if (argc != 3 && !(argc == 4 && std::string_view(argv[3]) == "memory")) {
    std::fprintf(stderr, "usage: ledger_crash_child DIR BLOCK_FILE [memory]\n");
    return 2;
  }
  auto blocks = read_block_file(argv[2]);
  if (!blocks) {
    std::fprintf(stderr, "%s\n", blocks.status().to_string().c_str());
    return 1;
  }
  StateDbOptions options = test_store_options(argc == 4);
  auto ledger = Ledger::open(argv[1], make_test_genesis(test_params()), test_chain_id(), options);
  if (!ledger) {
    std::fprintf(stderr, "open: %s\n", ledger.status().to_string().c_str());
    return 1;
  }
  Ledger& l = **ledger;
  for (const auto& b : *blocks) {
    if (b.context.height <= l.head_height()) continue;
    auto prepared = l.prepare_block(b.context, b.txs);
    if (!prepared) {
      std::fprintf(stderr, "height %llu: %s\n", static_cast<unsigned long long>(b.context.height),
                   prepared.status().to_string().c_str());
      return 1;
    }
    Status st = l.commit_block(*prepared, test_block_hash(b.context.height, prepared->state_root));
    if (st && b.context.height > 2) st = l.set_final(b.context.height - 2);
    if (!st) {
      std::fprintf(stderr, "commit: %s\n", st.to_string().c_str());
      return 1;
    }
  }
  return 0;
}
