// ans_test_txgen: signs transactions for the RPC and network tests and prints each as the
// hex of its serialized SignedTransaction (what SubmitTransaction's `transaction` field
// holds). By default for the dev chain with its public dev keys (genesis/dev_genesis.h);
// with --genesis and file:PATH keys, for a testnet. Test-only.
//
//   ans_test_txgen [OPTIONS] address KEY                   the account's ETH-style address
//   ans_test_txgen [OPTIONS] commit NAME KEY SALT_HEX NONCE        NameCommit (owner: the sender)
//   ans_test_txgen [OPTIONS] register NAME KEY SALT_HEX YEARS TARGET NONCE
//   ans_test_txgen [OPTIONS] transfer KEY TO_ADDRESS AMOUNT_DIMT NONCE [COUNT]
//                                                        COUNT: nonces NONCE.., a line each
//   ans_test_txgen id HEX                                the transaction id of a printed one
// KEY is a dev account index (0..4), or file:PATH for a key file (64 hex digits, as
// `ansd genesis testnet` writes them). SALT_HEX is 32 bytes in hex; nonces come from
// GetAccount. OPTIONS:
//   --genesis FILE   sign for the chain of this genesis file (default: the dev chain)
//   --fee DIMT       the fee (default: the chain's minimum)
// Each transaction never expires in a test's lifetime.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "genesis/dev_genesis.h"
#include "genesis/genesis_json.h"
#include "ledger/identity/address.h"
#include "ledger/rules/names.h"
#include "ledger/wire/codec.h"

namespace ans {
namespace {

constexpr uint64_t kExpiryHeight = 1'000'000'000;

int usage() {
  std::fprintf(stderr,
               "usage: ans_test_txgen [--genesis FILE] [--fee DIMT] address KEY\n"
               "       ans_test_txgen [--genesis FILE] [--fee DIMT] commit NAME KEY SALT_HEX NONCE\n"
               "       ans_test_txgen [--genesis FILE] [--fee DIMT] register NAME KEY SALT_HEX YEARS TARGET NONCE\n"
               "       ans_test_txgen [--genesis FILE] [--fee DIMT] transfer KEY TO_ADDRESS AMOUNT_DIMT NONCE [COUNT]\n"
               "       ans_test_txgen id SIGNED_TX_HEX\n"
               "KEY: a dev account index 0..4, or file:PATH (a key file of 64 hex digits)\n");
  return 2;
}

int fail(const Status& status) {
  std::fprintf(stderr, "ans_test_txgen: %s\n", status.to_string().c_str());
  return 1;
}

Result<uint64_t> number(const std::string& text, std::string_view what) {
  char* end = nullptr;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') {
    return Status(Errc::kInvalidArgument, std::string(what) + " must be a whole number: " + text);
  }
  return static_cast<uint64_t>(value);
}

// A dev account index, or file:PATH.
Result<PrivateKey> signing_key(const std::string& text) {
  if (text.starts_with("file:")) {
    const std::string path = text.substr(5);
    std::ifstream in(path);
    std::string hex;
    if (!(in >> hex)) return Status(Errc::kIoError, path + ": cannot read a key");
    auto secret = fixed_from_hex<32>(hex);
    if (!secret) return Status(secret.status().code(), path + ": " + secret.status().message());
    return PrivateKey::from_bytes(*secret);
  }
  auto index = number(text, "KEY");
  if (!index) return index.status();
  if (*index >= kDevAccountCount) return Status(Errc::kInvalidArgument, "KEY must be 0..4");
  return dev_account_keys()[*index];
}

v1::Transaction base(const PrivateKey& key, uint64_t nonce, const Amount& fee) {
  v1::Transaction tx;
  tx.set_sender_key(to_field(key.public_key().compressed()));
  tx.set_nonce(nonce);
  tx.set_fee(to_field(fee.to_bytes()));
  tx.set_expiry_height(kExpiryHeight);
  return tx;
}

int run(std::vector<std::string> args) {
  GenesisConfig genesis = dev_genesis();
  std::optional<Amount> fee_option;
  while (args.size() >= 2 && args[0].starts_with("--")) {
    if (args[0] == "--genesis") {
      auto loaded = load_genesis_file(args[1]);
      if (!loaded) return fail(loaded.status());
      genesis = *loaded;
    } else if (args[0] == "--fee") {
      auto fee = Amount::parse(args[1]);
      if (!fee) return fail(fee.status());
      fee_option = *fee;
    } else {
      return usage();
    }
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) return usage();
  const std::string& command = args[0];
  const ChainId chain = chain_id(genesis);
  const Amount fee = fee_option.value_or(genesis.params.min_tx_fee);
  if (command == "address" && args.size() == 2) {
    auto key = signing_key(args[1]);
    if (!key) return fail(key.status());
    std::printf("%s\n", EthAddress::from_public_key(key->public_key()).to_string().c_str());
    return 0;
  }
  if (command == "id" && args.size() == 2) {
    auto bytes = from_hex(args[1]);
    if (!bytes) return fail(bytes.status());
    auto stx = decode_transaction(*bytes);
    if (!stx) return fail(stx.status());
    std::printf("%s\n", to_hex(transaction_id(stx->tx())).c_str());
    return 0;
  }
  v1::Transaction tx;
  std::optional<PrivateKey> key;
  uint64_t count = 1;  // transactions printed, with nonces tx.nonce() and on
  if (command == "commit" && args.size() == 5) {
    auto k = signing_key(args[2]);
    auto salt = fixed_from_hex<32>(args[3]);
    auto nonce = number(args[4], "NONCE");
    if (!k) return fail(k.status());
    if (!salt) return fail(salt.status());
    if (!nonce) return fail(nonce.status());
    key = *k;
    tx = base(*key, *nonce, fee);
    const EthAddress owner = EthAddress::from_public_key(key->public_key());
    tx.mutable_name_commit()->set_commitment(to_field(name_commitment(args[1], owner, *salt)));
  } else if (command == "register" && args.size() == 7) {
    auto k = signing_key(args[2]);
    auto salt = fixed_from_hex<32>(args[3]);
    auto years = number(args[4], "YEARS");
    auto nonce = number(args[6], "NONCE");
    if (!k) return fail(k.status());
    if (!salt) return fail(salt.status());
    if (!years) return fail(years.status());
    if (!nonce) return fail(nonce.status());
    key = *k;
    tx = base(*key, *nonce, fee);
    auto* reg = tx.mutable_name_register();
    reg->set_name(args[1]);
    reg->set_salt(to_field(*salt));
    reg->set_years(static_cast<uint32_t>(*years));
    reg->mutable_records()->set_target(args[5]);
  } else if (command == "transfer" && (args.size() == 5 || args.size() == 6)) {
    auto k = signing_key(args[1]);
    auto to = EthAddress::parse(args[2]);
    auto amount = Amount::parse(args[3]);
    auto nonce = number(args[4], "NONCE");
    auto how_many = args.size() == 6 ? number(args[5], "COUNT") : Result<uint64_t>(uint64_t{1});
    if (!k) return fail(k.status());
    if (!to) return fail(to.status());
    if (!amount) return fail(amount.status());
    if (!nonce) return fail(nonce.status());
    if (!how_many) return fail(how_many.status());
    key = *k;
    count = *how_many;
    tx = base(*key, *nonce, fee);
    tx.mutable_transfer()->set_to(to_field(to->bytes()));
    tx.mutable_transfer()->set_amount(to_field(amount->to_bytes()));
  } else {
    return usage();
  }
  for (uint64_t i = 0; i < count; ++i, tx.set_nonce(tx.nonce() + 1)) {
    std::printf("%s\n", to_hex(encode(sign_transaction(*key, chain, tx))).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace ans

int main(int argc, char** argv) { return ans::run(std::vector<std::string>(argv + 1, argv + argc)); }
