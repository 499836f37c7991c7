#include "ledger/store/record_writer.h"

#include <cassert>
#include <cstring>

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

char* write_varint(char* p, uint64_t v);

void put_varint(std::string& out, uint64_t v) {
  char buf[10];  // a 64-bit varint takes at most 10 bytes
  out.append(buf, static_cast<size_t>(write_varint(buf, v) - buf));
}

void put_tag(std::string& out, uint32_t field, uint8_t wire_type) {
  put_varint(out, (uint64_t{field} << 3) | wire_type);
}

void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kBytes);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// A varint, and a bytes field, into a buffer with room for them; each returns the end.
char* write_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* write_bytes(char* p, uint32_t field, std::string_view bytes) {
  p = write_varint(p, (uint64_t{field} << 3) | kBytes);
  p = write_varint(p, bytes.size());
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());  // (an empty view may have no data)
  return p + bytes.size();
}

}  // namespace

EntryRecordWriter::EntryRecordWriter(uint64_t number, uint32_t entries_field)
    : EntryRecordWriter(number, entries_field, std::string()) {}

EntryRecordWriter::EntryRecordWriter(uint64_t number, uint32_t entries_field, std::string buffer)
    : out_(std::move(buffer)), entries_field_(entries_field) {
  out_.clear();
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
  // One resize and plain stores: a commit adds an entry per key it writes.
  const size_t tag_size = varint_size((uint64_t{entries_field_} << 3) | kBytes);
  const size_t at = out_.size();
  out_.resize(at + tag_size + varint_size(size) + size);
  char* p = out_.data() + at;
  p = write_varint(p, (uint64_t{entries_field_} << 3) | kBytes);
  p = write_varint(p, size);
  if (!key.empty()) p = write_bytes(p, 1, key);
  if (value && !value->empty()) p = write_bytes(p, 2, *value);
  if (value) {
    *p++ = static_cast<char>((3 << 3) | kVarint);
    *p++ = 1;
  }
  assert(p == out_.data() + out_.size());
  ++entries_;
}

}  // namespace ans
