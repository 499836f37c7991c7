#include "wallet/nonces.h"

#include <nlohmann/json.hpp>

namespace ans::wallet {

Result<NonceBook> NonceBook::open(const std::string& dir) {
  if (Status st = make_private_dir(dir); !st) return st;
  return NonceBook(dir);
}

Result<NonceBook::Reservation> NonceBook::reserve(const std::string& sender, uint64_t node_nonce,
                                                  const std::function<bool(const std::string&)>& still_waiting) const {
  auto lock = FileLock::acquire(path(sender) + ".lock");
  if (!lock) return lock.status();
  uint64_t nonce = node_nonce;
  auto text = read_small_file(path(sender), 4096);
  if (text) {
    // A damaged or foreign file is ignored: the node's nonce is always a safe start.
    const nlohmann::json last = nlohmann::json::parse(*text, nullptr, false);
    if (last.is_object() && last.contains("nonce") && last["nonce"].is_number_unsigned() && last.contains("tx") &&
        last["tx"].is_string()) {
      const uint64_t sent = last["nonce"].get<uint64_t>();
      if (sent >= node_nonce && still_waiting(last["tx"].get<std::string>())) nonce = sent + 1;
    }
  }
  return Reservation{nonce, std::move(lock).value()};
}

Status NonceBook::record(const std::string& sender, uint64_t nonce, const std::string& tx_hash) const {
  return write_file_atomically(dir_, sender + ".json", nlohmann::json{{"nonce", nonce}, {"tx", tx_hash}}.dump() + "\n",
                               Overwrite::kYes);
}

}  // namespace ans::wallet
