#include "ledger/rules/tx_status.h"

namespace ans {

std::string_view tx_error_name(TxError e) {
  switch (e) {
    case TxError::kOk: return "ok";
    case TxError::kMalformed: return "malformed";
    case TxError::kBadSignature: return "bad signature";
    case TxError::kExpired: return "expired";
    case TxError::kBadNonce: return "bad nonce";
    case TxError::kFeeTooLow: return "fee too low";
    case TxError::kInsufficientFunds: return "insufficient funds";
    case TxError::kBadAmount: return "bad amount";
    case TxError::kInvalidName: return "invalid name";
    case TxError::kNameReserved: return "name reserved";
    case TxError::kNameTaken: return "name taken";
    case TxError::kNameNotFound: return "name not found";
    case TxError::kNameNotActive: return "name not active";
    case TxError::kNotOwner: return "not owner";
    case TxError::kTransferFrozen: return "transfer frozen";
    case TxError::kNoCommitment: return "no commitment";
    case TxError::kCommitmentTooNew: return "commitment too new";
    case TxError::kCommitmentTooOld: return "commitment too old";
    case TxError::kCommitmentExists: return "commitment exists";
    case TxError::kBadYears: return "bad years";
    case TxError::kPrepaidTooLong: return "prepaid too long";
    case TxError::kBadRecords: return "bad records";
    case TxError::kPrimaryNotAllowed: return "primary name not allowed";
    case TxError::kBadSpId: return "bad SP id";
    case TxError::kSpExists: return "SP exists";
    case TxError::kSpLimit: return "SP limit reached";
    case TxError::kSpNotFound: return "SP not found";
    case TxError::kSpInactive: return "SP inactive";
    case TxError::kBadSpData: return "bad SP data";
    case TxError::kBadSigningKey: return "bad signing key";
    case TxError::kSigningKeyInUse: return "signing key in use";
    case TxError::kStakeTooLow: return "stake too low";
    case TxError::kInsufficientStake: return "insufficient stake";
    case TxError::kTooManyVotes: return "too many votes";
    case TxError::kDuplicateVote: return "duplicate vote";
    case TxError::kUnknownSp: return "unknown SP";
    case TxError::kNothingToClaim: return "nothing to claim";
    case TxError::kBadEvidence: return "bad evidence";
    case TxError::kEvidenceKnown: return "evidence already used";
    case TxError::kNotJailed: return "not jailed";
    case TxError::kStillJailed: return "still jailed";
    case TxError::kStorage: return "storage failure";
  }
  return "unknown";
}

std::string TxStatus::to_string() const {
  std::string out(tx_error_name(code_));
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace ans
