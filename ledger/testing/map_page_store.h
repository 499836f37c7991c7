// A TreeNodeStore over a std::map: the edge of the tree's unit tests and fuzz target.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "ledger/state/radix_tree.h"

namespace ans::testing {

class MapPageStore : public TreeNodeStore {
 public:
  std::optional<std::string> get_page(const std::string& key) const override {
    auto it = pages.find(key);
    if (it == pages.end()) return std::nullopt;
    return it->second;
  }
  void put_page(const std::string& key, std::string page) override { pages[key] = std::move(page); }
  void delete_page(const std::string& key) override { pages.erase(key); }

  std::map<std::string, std::string> pages;
};

}  // namespace ans::testing
