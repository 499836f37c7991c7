// The explorer page's files (rpc/explorer/), embedded into the binary at build time
// (rpc/embed_explorer.cmake writes explorer_assets.cc), so ansd serves them whatever its
// working directory.
#pragma once

#include <span>
#include <string_view>

namespace ans::rpc {

struct ExplorerAsset {
  std::string_view path;          // "/", "/app.js", "/style.css"
  std::string_view content_type;
  std::string_view etag;          // "\"<sha256 prefix of the bytes>\""
  std::string_view body;
};

std::span<const ExplorerAsset> explorer_assets();

}  // namespace ans::rpc
