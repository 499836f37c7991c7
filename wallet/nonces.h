// The nonces this wallet sent: a command takes the node's next nonce, unless a transaction it
// sent before with that nonce or later is still waiting, and holds a lock per sender from
// choosing the nonce until it has sent, so two commands at once never share one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "wallet/files.h"

namespace ans::wallet {

class NonceBook {
 public:
  // `dir` holds one file per sender (made 0700 if missing).
  static Result<NonceBook> open(const std::string& dir);

  struct Reservation {
    uint64_t nonce = 0;
    FileLock lock;  // held until the transaction is sent and recorded
  };
  // The nonce for `sender`'s next transaction. `node_nonce` is the account's next nonce at
  // the head; `still_waiting(hash)` says whether a transaction this wallet sent is pending or
  // included above the head (not rejected, not unknown).
  Result<Reservation> reserve(const std::string& sender, uint64_t node_nonce,
                              const std::function<bool(const std::string& hash)>& still_waiting) const;
  // Records what was sent with the reserved nonce.
  Status record(const std::string& sender, uint64_t nonce, const std::string& tx_hash) const;

 private:
  explicit NonceBook(std::string dir) : dir_(std::move(dir)) {}
  std::string path(const std::string& sender) const { return dir_ + "/" + sender + ".json"; }
  std::string dir_;
};

}  // namespace ans::wallet
