// DIMP entity types: the network byte of a BTC-style address (spec section 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ans {

enum class EntityType : uint8_t {
  kUser = 0x00,
  kGroup = 0x01,
  kStation = 0x02,
  kServiceProvider = 0x03,  // ISP
  kBot = 0x04,
  kContentProvider = 0x05,  // ICP
  // Legacy types, still live on the network.
  kLegacyMain = 0x08,
  kLegacyGroup = 0x10,
  kLegacyChatroom = 0x30,
  kLegacyProvider = 0x76,
  kLegacyStation = 0x88,
  kLegacyBot = 0xC8,
};

struct EntityTypeInfo {
  EntityType type;
  std::string_view name;  // "user", "isp", "main (legacy)", ...
  bool legacy;
};

// The table entry for a network byte, or nullopt for a byte no DIMP type uses.
std::optional<EntityTypeInfo> entity_type_info(uint8_t network);

// True for the types an SP's ID may have (ISP 0x03, legacy provider 0x76).
bool is_service_provider_type(uint8_t network);

}  // namespace ans
