// The store's journal, snapshot and undo records, encoded straight into one buffer.
//
// JournalRecord and UndoRecord (proto/ans/v1/state.proto) are each a number (field 1), then
// for the undo record the previous head's hash (field 2), then a list of entries shaped
// {bytes key = 1; bytes value = 2; bool flag = 3} (StateWrite: flag = present; UndoEntry:
// flag = existed). A block's records hold tens of thousands of entries; building them as
// messages copies every key and value into the message and again into its serialization.
// This writer appends the same protobuf wire format (the bytes SerializeAsString gives:
// fields in number order, zero and empty fields left out) directly, so each key and value is
// copied once. Records are read back with the generated parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ans {

class EntryRecordWriter {
 public:
  // A record whose field 1 is `number` and whose entries are field `entries_field`
  // (JournalRecord: 2; UndoRecord: 3).
  EntryRecordWriter(uint64_t number, uint32_t entries_field);
  // The same, writing into `buffer` (cleared first): a caller that writes a record per block
  // hands the buffer of the last one back in, keeping its room (take_buffer()).
  EntryRecordWriter(uint64_t number, uint32_t entries_field, std::string buffer);

  // Field 2 as bytes (UndoRecord.prev_head_hash). REQUIRES: no entry added yet, and
  // entries_field > 2.
  void set_field2(std::string_view bytes);
  // One entry: the key, the value when there is one (an empty one is left out, as protobuf
  // does), and the flag set when `value` is.
  void add(std::string_view key, std::optional<std::string_view> value);

  size_t entries() const { return entries_; }
  const std::string& bytes() const { return out_; }
  // The buffer, to be passed to the next writer; this one is left empty.
  std::string take_buffer() { return std::exchange(out_, {}); }

 private:
  std::string out_;
  uint32_t entries_field_;
  size_t entries_ = 0;
};

}  // namespace ans
