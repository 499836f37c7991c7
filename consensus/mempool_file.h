// The file a node keeps its pending transactions in across a clean restart
// (Engine::save_mempool, docs/consensus.md "The mempool"):
//
//   "ANS mempool 1\n" | chain id (32) | count (u32, big-endian)
//   | count x (length (u32, big-endian) | SignedTransaction, canonical encoding)
//   | SHA-256 of everything before it (32)
//
// The checksum makes a torn or damaged file read as damaged rather than as fewer
// transactions; the chain id keeps a file from another chain out.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/wire/codec.h"

namespace ans::consensus {

std::string encode_mempool_file(const ChainId& chain_id, std::span<const v1::SignedTransaction> txs);

// The transactions of a file written by encode_mempool_file() for `chain_id`, in its order.
// Each is checked for its shape only (the pool checks the rest when it takes them back).
// Errors: kCorruption (damaged or truncated, naming what is wrong), kInvalidArgument (a file
// of another chain).
Result<std::vector<v1::SignedTransaction>> decode_mempool_file(const ChainId& chain_id, std::string_view file);

// The largest file a pool of `capacity` transactions writes.
size_t max_mempool_file_bytes(size_t capacity);

}  // namespace ans::consensus
