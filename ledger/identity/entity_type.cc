#include "ledger/identity/entity_type.h"

#include <array>

namespace ans {
namespace {

constexpr std::array<EntityTypeInfo, 12> kTypes{{
    {EntityType::kUser, "user", false},
    {EntityType::kGroup, "group", false},
    {EntityType::kStation, "station", false},
    {EntityType::kServiceProvider, "isp", false},
    {EntityType::kBot, "bot", false},
    {EntityType::kContentProvider, "icp", false},
    {EntityType::kLegacyMain, "main", true},
    {EntityType::kLegacyGroup, "group", true},
    {EntityType::kLegacyChatroom, "chatroom", true},
    {EntityType::kLegacyProvider, "provider", true},
    {EntityType::kLegacyStation, "station", true},
    {EntityType::kLegacyBot, "bot", true},
}};

}  // namespace

std::optional<EntityTypeInfo> entity_type_info(uint8_t network) {
  for (const auto& info : kTypes) {
    if (static_cast<uint8_t>(info.type) == network) return info;
  }
  return std::nullopt;
}

bool is_service_provider_type(uint8_t network) {
  return network == static_cast<uint8_t>(EntityType::kServiceProvider) ||
         network == static_cast<uint8_t>(EntityType::kLegacyProvider);
}

}  // namespace ans
