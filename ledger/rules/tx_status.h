// Why a transaction was rejected. Every rule of the state transition that can refuse a
// transaction has its own reason, so callers (mempool, RPC, tests) can tell them apart.
#pragma once

#include <string>
#include <string_view>

namespace ans {

enum class TxError {
  kOk = 0,
  kMalformed,            // fails the stateless shape checks of the wire codec
  kBadSignature,
  kExpired,              // expiry_height is below the block height
  kBadNonce,
  kFeeTooLow,
  kInsufficientFunds,
  kBadAmount,            // zero where a positive amount is needed
  kInvalidName,          // registry name syntax
  kNameReserved,
  kNameTaken,
  kNameNotFound,
  kNameNotActive,        // released (or never registered) where an active name is needed
  kNotOwner,
  kTransferFrozen,       // the name is in grace
  kNoCommitment,
  kCommitmentTooNew,
  kCommitmentTooOld,
  kCommitmentExists,
  kBadYears,
  kPrepaidTooLong,       // renewal would prepay more than max_years
  kBadRecords,
  kPrimaryNotAllowed,    // SetPrimaryName by an address that is neither owner nor target
  kBadSpId,
  kSpExists,
  kSpLimit,
  kSpNotFound,
  kSpInactive,           // unbonding or retired
  kBadSpData,            // display name, URL or stations out of bounds
  kBadSigningKey,
  kSigningKeyInUse,
  kStakeTooLow,
  kInsufficientStake,
  kTooManyVotes,
  kDuplicateVote,
  kUnknownSp,
  kNothingToClaim,
  kBadEvidence,
  kEvidenceKnown,
  kNotJailed,
  kStillJailed,
  kStorage,              // the store failed underneath: not the transaction's fault
};

std::string_view tx_error_name(TxError e);

class [[nodiscard]] TxStatus {
 public:
  TxStatus() = default;
  TxStatus(TxError code, std::string message) : code_(code), message_(std::move(message)) {}
  static TxStatus ok() { return {}; }
  bool is_ok() const { return code_ == TxError::kOk; }
  explicit operator bool() const { return is_ok(); }
  TxError code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  TxError code_ = TxError::kOk;
  std::string message_;
};

#define ANS_TX_CHECK(expr)                          \
  do {                                              \
    ::ans::TxStatus ans_tx_status_ = (expr);        \
    if (!ans_tx_status_.is_ok()) return ans_tx_status_; \
  } while (0)

}  // namespace ans
