#include "consensus/mempool_file.h"

#include "ledger/crypto/hash.h"

namespace ans::consensus {
namespace {

constexpr std::string_view kMagic = "ANS mempool 1\n";

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// Reads a u32 at `at` and moves past it; false when fewer than 4 bytes are left.
bool get_u32(std::string_view in, size_t& at, uint32_t& v) {
  if (in.size() - at < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(i)]);
  at += 4;
  return true;
}

Status damaged(const std::string& what) { return Status(Errc::kCorruption, "damaged mempool file: " + what); }

}  // namespace

std::string encode_mempool_file(const ChainId& chain_id, std::span<const v1::SignedTransaction> txs) {
  std::string out(kMagic);
  out.append(as_chars(ByteView(chain_id.data(), chain_id.size())));
  put_u32(out, static_cast<uint32_t>(txs.size()));
  std::string encoded;
  for (const v1::SignedTransaction& tx : txs) {
    encoded.clear();
    encode_into(tx, encoded);
    put_u32(out, static_cast<uint32_t>(encoded.size()));
    out.append(encoded);
  }
  const Hash256 sum = sha256(as_bytes(out));
  out.append(as_chars(ByteView(sum.data(), sum.size())));
  return out;
}

Result<std::vector<v1::SignedTransaction>> decode_mempool_file(const ChainId& chain_id, std::string_view file) {
  const size_t fixed = kMagic.size() + chain_id.size() + 4 + Hash256{}.size();
  if (file.size() < fixed || file.substr(0, kMagic.size()) != kMagic) return damaged("not a mempool file");
  const std::string_view body = file.substr(0, file.size() - Hash256{}.size());
  const Hash256 sum = sha256(as_bytes(body));
  if (file.substr(body.size()) != as_chars(ByteView(sum.data(), sum.size()))) {
    return damaged("the checksum does not match (torn or damaged)");
  }
  size_t at = kMagic.size();
  if (body.substr(at, chain_id.size()) != as_chars(ByteView(chain_id.data(), chain_id.size()))) {
    return Status(Errc::kInvalidArgument, "the mempool file is for another chain");
  }
  at += chain_id.size();
  uint32_t count = 0;
  get_u32(body, at, count);
  std::vector<v1::SignedTransaction> out;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t length = 0;
    if (!get_u32(body, at, length) || body.size() - at < length) {
      return damaged("transaction " + std::to_string(i) + " of " + std::to_string(count) + " is cut short");
    }
    auto tx = decode_transaction(as_bytes(body.substr(at, length)));
    if (!tx) return damaged("transaction " + std::to_string(i) + ": " + tx.status().to_string());
    out.push_back(std::move(tx).value());
    at += length;
  }
  if (at != body.size()) return damaged("bytes after the last transaction");
  return out;
}

size_t max_mempool_file_bytes(size_t capacity) {
  return kMagic.size() + Hash256{}.size() + 4 + capacity * (4 + kMaxTransactionBytes) + Hash256{}.size();
}

}  // namespace ans::consensus
