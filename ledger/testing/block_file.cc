#include "ledger/testing/block_file.h"

#include <fstream>
#include <iterator>

namespace ans::testing {

Status write_block_file(const std::string& path, const std::vector<RecordedBlock>& blocks) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& b : blocks) {
    v1::Block block;
    auto* h = block.mutable_header()->mutable_header();
    h->set_height(b.context.height);
    h->set_slot(b.context.slot);
    h->set_timestamp_ms(b.context.time_ms);
    h->set_producer(b.context.producer);
    h->mutable_qc()->set_height(b.context.final_height);
    for (const auto& tx : b.txs) *block.add_transactions() = tx;
    std::string bytes = block.SerializeAsString();
    uint32_t n = static_cast<uint32_t>(bytes.size());
    char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                   static_cast<char>(n)};
    out.write(len, 4);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  return out ? Status::ok() : Status(Errc::kIoError, "cannot write " + path);
}

Result<std::vector<RecordedBlock>> read_block_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::kIoError, "cannot read " + path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<RecordedBlock> out;
  size_t pos = 0;
  while (pos + 4 <= all.size()) {
    uint32_t n = (uint32_t{static_cast<uint8_t>(all[pos])} << 24) |
                 (uint32_t{static_cast<uint8_t>(all[pos + 1])} << 16) |
                 (uint32_t{static_cast<uint8_t>(all[pos + 2])} << 8) | static_cast<uint8_t>(all[pos + 3]);
    pos += 4;
    if (pos + n > all.size()) return Status(Errc::kCorruption, "truncated block file");
    v1::Block block;
    if (!block.ParseFromArray(all.data() + pos, static_cast<int>(n))) {
      return Status(Errc::kCorruption, "bad block in block file");
    }
    pos += n;
    RecordedBlock rb;
    const auto& h = block.header().header();
    rb.context.height = h.height();
    rb.context.slot = h.slot();
    rb.context.time_ms = h.timestamp_ms();
    rb.context.producer = h.producer();
    rb.context.final_height = h.qc().height();
    rb.txs.assign(block.transactions().begin(), block.transactions().end());
    out.push_back(std::move(rb));
  }
  return out;
}

}  // namespace ans::testing
