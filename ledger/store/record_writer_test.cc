#include "ledger/store/record_writer.h"

#include <gtest/gtest.h>

#include <random>

#include "ans/v1/state.pb.h"

namespace ans {
namespace {

std::string random_bytes(std::mt19937_64& rng, size_t max) {
  std::string s(std::uniform_int_distribution<size_t>(0, max)(rng), '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The writer's bytes are exactly what protobuf serializes for the same record, for keys and
// values of every length class (empty, one-byte and multi-byte length prefixes), present,
// present but empty, and absent values.
TEST(EntryRecordWriter, WritesWhatProtobufSerializes) {
  std::mt19937_64 rng(20261121);
  for (int round = 0; round < 200; ++round) {
    const uint64_t number = round % 7 == 0 ? 0 : rng() >> (rng() % 64);
    const size_t max_len = round % 3 == 0 ? 20'000 : 200;
    EntryRecordWriter journal(number, 2);
    EntryRecordWriter undo(number, 3);
    const std::string prev = round % 5 == 0 ? std::string() : random_bytes(rng, 40);
    undo.set_field2(prev);
    v1::JournalRecord want_journal;
    want_journal.set_seq(number);
    v1::UndoRecord want_undo;
    want_undo.set_height(number);
    want_undo.set_prev_head_hash(prev);
    const int n = static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      const std::string key = random_bytes(rng, max_len);
      std::optional<std::string> value;
      if (rng() % 3 != 0) value = random_bytes(rng, max_len);
      if (rng() % 4 == 0 && value) value->clear();
      const auto view = value ? std::optional<std::string_view>(*value) : std::nullopt;
      journal.add(key, view);
      undo.add(key, view);
      v1::StateWrite* w = want_journal.add_writes();
      w->set_key(key);
      v1::UndoEntry* e = want_undo.add_entries();
      e->set_key(key);
      if (value) {
        w->set_present(true);
        w->set_value(*value);
        e->set_existed(true);
        e->set_value(*value);
      }
    }
    ASSERT_EQ(journal.entries(), static_cast<size_t>(n));
    ASSERT_EQ(journal.bytes(), want_journal.SerializeAsString()) << "round " << round;
    ASSERT_EQ(undo.bytes(), want_undo.SerializeAsString()) << "round " << round;
    // And the parsers read back what was written.
    v1::JournalRecord parsed;
    ASSERT_TRUE(parsed.ParseFromString(journal.bytes()));
    EXPECT_EQ(parsed.seq(), number);
    EXPECT_EQ(parsed.writes_size(), n);
  }
}

}  // namespace
}  // namespace ans
