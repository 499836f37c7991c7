#include "ledger/store/record_writer.h"

#include <cassert>

namespace ans {
namespace {

constexpr uint8_t kVarint = 0;
constexpr uint8_t kBytes = 2;

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t field, uint8_t wire_type) {
  put_varint(out, (uint64_t{field} << 3) | wire_type);
}

void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kBytes);
  put_varint(out, bytes.size());
  out.append(bytes);
}

}  // namespace

EntryRecordWriter::EntryRecordWriter(uint64_t number, uint32_t entries_field)
    : entries_field_(entries_field) {
  if (number != 0) {
    put_tag(out_, 1, kVarint);
    put_varint(out_, number);
  }
}

void EntryRecordWriter::set_field2(std::string_view bytes) {
  assert(entries_ == 0 && entries_field_ > 2 && "field 2 goes before the entries");
  if (!bytes.empty()) put_bytes(out_, 2, bytes);
}

void EntryRecordWriter::add(std::string_view key, std::optional<std::string_view> value) {
  // Tags of fields 1-3 take one byte each.
  size_t size = 0;
  if (!key.empty()) size += 1 + varint_size(key.size()) + key.size();
  if (value && !value->empty()) size += 1 + varint_size(value->size()) + value->size();
  if (value) size += 2;
  put_tag(out_, entries_field_, kBytes);
  put_varint(out_, size);
  if (!key.empty()) put_bytes(out_, 1, key);
  if (value && !value->empty()) put_bytes(out_, 2, *value);
  if (value) {
    put_tag(out_, 3, kVarint);
    out_.push_back(1);
  }
  ++entries_;
}

}  // namespace ans
