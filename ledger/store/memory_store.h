// A StateReader over a std::map: for rule tests and the consensus simulator, where a block's
// writes are applied directly without undo or durability.
#pragma once

#include <map>

#include "ledger/store/state_view.h"

namespace ans {

class MemoryStore final : public StateReader {
 public:
  std::optional<std::string> get(std::string_view key) const override {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }
  void scan(std::string_view prefix, std::string_view start, size_t limit,
            const ScanVisitor& visit) const override {
    size_t n = 0;
    for (auto it = data_.lower_bound(start.empty() ? prefix : start);
         it != data_.end() && n < limit; ++it, ++n) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (!visit(it->first, it->second)) break;
    }
  }
  Status status() const override { return Status::ok(); }

  void apply(const WriteSet& writes) {
    for (const auto& [k, v] : writes) {
      if (v) {
        data_.insert_or_assign(k, *v);
      } else {
        data_.erase(k);
      }
    }
  }
  const std::map<std::string, std::string, std::less<>>& data() const { return data_; }

 private:
  std::map<std::string, std::string, std::less<>> data_;
};

}  // namespace ans
