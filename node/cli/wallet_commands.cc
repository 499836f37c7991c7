#include "node/cli/wallet_commands.h"

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>
#include <filesystem>
#include <algorithm>

#include "ledger/crypto/hash.h"
#include "ledger/identity/address.h"
#include "ledger/identity/id.h"
#include "ledger/names/name_syntax.h"
#include "ledger/rules/names.h"
#include "ledger/token/amount.h"
#include "ledger/wire/codec.h"
#include "light/bundle.h"
#include "light/quorum.h"
#include "node/cli/support.h"
#include "wallet/files.h"
#include "wallet/keystore.h"
#include "wallet/passphrase.h"
#include "wallet/node_client.h"
#include "wallet/nonces.h"
#include "wallet/tx_check.h"

namespace ans::cli {
namespace {

using wallet::NodeClient;

// What every command that talks to a node takes.
struct Common {
  std::string node;
  bool json = false;
};

// What every transaction command takes besides its own options.
struct Signing {
  std::string key;             // keystore name; empty: the default key
  std::string keystore;
  std::string passphrase_file;
  std::string fee;             // DIMT; empty: the chain's minimum
  uint64_t expiry_blocks = 600;
  bool yes = false;
  bool no_wait = false;
};

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A command's failure: on stderr in words, or on stdout as {"ok":false,...} with --json.
int fail(const Common& c, const Status& st) {
  if (c.json) {
    std::cout << nlohmann::json{{"ok", false}, {"error", std::string(errc_name(st.code()))}, {"message", st.message()}}
                     .dump()
              << "\n";
  } else {
    std::cerr << "error: " << escape_control(st.to_string()) << "\n";
  }
  return kFailureExit;
}

// --node, else $ANS_NODE, else `node` in $ANS_HOME/config.toml, else the dev node.
Result<std::string> node_address(const Common& c) {
  if (!c.node.empty()) return c.node;
  if (const char* env = std::getenv("ANS_NODE"); env != nullptr && *env != '\0') return std::string(env);
  const std::string path = wallet::wallet_home() + "/config.toml";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::string(wallet::kDefaultNode);
  try {
    const toml::table config = toml::parse_file(path);
    for (const auto& [key, value] : config) {
      if (key.str() != "node") {
        return Status(Errc::kInvalidArgument, path + ": unknown key '" + std::string(key.str()) + "' (known: node)");
      }
    }
    if (const auto* node = config.get("node")) {
      if (!node->is_string()) return Status(Errc::kInvalidArgument, path + ": node must be a string \"HOST:PORT\"");
      return std::string(node->as_string()->get());
    }
  } catch (const toml::parse_error& e) {
    return Status(Errc::kInvalidArgument, path + ": " + std::string(e.description()));
  }
  return std::string(wallet::kDefaultNode);
}

Result<std::unique_ptr<NodeClient>> connect(const Common& c) {
  auto address = node_address(c);
  if (!address) return address.status();
  return NodeClient::connect(*address);
}

nlohmann::json proto_json(const google::protobuf::Message& m) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &text, options);
  return nlohmann::json::parse(text, nullptr, false);
}

void print_json(nlohmann::json j) {
  if (j.is_object() && !j.contains("ok")) j["ok"] = true;
  std::cout << j.dump(2) << "\n";
}

// Aligned "label  value" lines.
class Table {
 public:
  Table& row(std::string label, std::string value) {
    rows_.emplace_back(std::move(label), std::move(value));
    return *this;
  }
  void print() const {
    size_t width = 0;
    for (const auto& [l, v] : rows_) width = std::max(width, l.size());
    for (const auto& [l, v] : rows_) {
      std::cout << l << std::string(width - l.size() + 2, ' ') << escape_control(v) << "\n";
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

std::string dimt(const std::string& amount) { return amount.empty() ? "0 DIMT" : amount + " DIMT"; }

// "2026-12-30 14:00 UTC (in 23 days)".
std::string when(uint64_t time_s) {
  if (time_s == 0) return "never";
  const std::time_t t = static_cast<std::time_t>(time_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  const int64_t delta = static_cast<int64_t>(time_s) - static_cast<int64_t>(now_ms() / 1000);
  const uint64_t a = static_cast<uint64_t>(delta < 0 ? -delta : delta);
  std::string span = a >= 2 * 86400 ? std::to_string(a / 86400) + " days"
                     : a >= 2 * 3600 ? std::to_string(a / 3600) + " hours"
                     : a >= 120      ? std::to_string(a / 60) + " minutes"
                                     : std::to_string(a) + " seconds";
  return std::string(buf) + (delta >= 0 ? " (in " + span + ")" : " (" + span + " ago)");
}

std::string state_words(const std::string& state) {
  if (state == "active") return "active (registered)";
  if (state == "grace") return "expired, in its grace period (only the owner can renew it)";
  if (state == "released") return "released (free to register, perhaps with a premium)";
  if (state == "reserved") return "reserved (not open to registration)";
  if (state == "never_registered") return "not registered";
  if (state == "invalid") return "not a valid name";
  return state;
}

void print_record(const v1::NameRecord& r) {
  Table t;
  t.row("name", r.name()).row("state", state_words(r.state()));
  if (!r.reason().empty()) t.row("why", r.reason());
  if (!r.owner().empty()) t.row("owner", r.owner());
  if (r.has_records() && !r.records().target().empty()) t.row("target", r.records().target());
  if (r.has_records()) {
    if (!r.records().btc().empty()) t.row("btc", r.records().btc());
    if (!r.records().eth().empty()) t.row("eth", r.records().eth());
    for (const auto& x : r.records().text()) t.row("text " + x.key(), x.value());
  }
  if (r.expiry_s() != 0) t.row("expires", when(r.expiry_s()));
  if (r.grace_ends_s() != 0) t.row("grace ends", when(r.grace_ends_s()));
  t.print();
}

// ---- keys and signing

Result<PrivateKey> unlock_key(const Signing& s) {
  std::string dir = s.keystore;
  if (dir.empty()) {
    const char* env = std::getenv("ANS_KEYSTORE");
    dir = env != nullptr && *env != '\0' ? env : wallet::Keystore::default_dir();
  }
  auto store = wallet::Keystore::open(dir);
  if (!store) return store.status();
  auto info = store->info(s.key);
  if (!info) return info.status();
  auto pass = wallet::read_passphrase(s.passphrase_file, "passphrase for key '" + info->name + "': ", false);
  if (!pass) return pass.status();
  return store->unlock(info->name, *pass);
}

Result<EthAddress> account_arg(const std::string& text, std::string_view what) {
  auto a = EthAddress::parse(text);
  if (a) return *a;
  return Status(Errc::kInvalidArgument, std::string(what) + " '" + escape_control(text) +
                                            "' is not an ETH-style address (0x and 40 hex digits)");
}

Result<Amount> amount_arg(const std::string& text, std::string_view what) {
  auto a = Amount::parse(text);
  if (!a) {
    return Status(Errc::kInvalidArgument, std::string(what) + " '" + escape_control(text) +
                                              "' is not an amount of DIMT (digits, at most 18 after the point): " +
                                              a.status().message());
  }
  return *a;
}

// The name as the registry has it: lowercased, then checked.
Result<std::string> name_arg(const std::string& text) {
  std::string name = lowercase_ascii(text);
  if (Status st = validate_registry_name(name); !st) {
    return Status(Errc::kBadName, "'" + escape_control(text) + "' is not a valid name: " + st.message());
  }
  return name;
}

using Fill = std::function<Status(v1::Transaction&, const wallet::Chain&, const EthAddress& sender)>;

struct Sent {
  std::string hash;
  uint64_t nonce = 0;
  Amount fee;
};

// Builds one transaction, checks it with the ledger's rules on the node's state, signs and
// sends it. A transaction the ledger would reject is not sent: kFailedPrecondition with the
// ledger's reason ("the ledger would reject ...: REASON: words").
Result<Sent> check_and_send(NodeClient& node, const wallet::Chain& chain, const PrivateKey& key, const Signing& s,
                            const Fill& fill) {
  const EthAddress sender = EthAddress::from_public_key(key.public_key());
  Sent out;
  out.fee = chain.genesis.params.min_tx_fee;
  if (!s.fee.empty()) {
    auto parsed = Amount::parse(s.fee);
    if (!parsed) return Status(Errc::kInvalidArgument, "--fee '" + escape_control(s.fee) + "': " + parsed.status().message());
    out.fee = *parsed;
  }
  v1::Transaction tx;
  tx.set_sender_key(to_field(key.public_key().compressed()));
  tx.set_fee(to_field(out.fee.to_bytes()));
  tx.set_expiry_height(chain.info.head_height() + s.expiry_blocks);
  if (Status st = fill(tx, chain, sender); !st) return st;
  auto account = node.account(sender.to_string());
  if (!account) return account.status();
  auto book = wallet::NonceBook::open(wallet::wallet_home() + "/nonces");
  if (!book) return book.status();
  auto reserved = book->reserve(sender.to_string(), account->nonce(), [&](const std::string& hash) {
    auto t = node.transaction(hash);
    return t && (t->status() == "pending" || (t->status() == "included" && t->height() > account->at().height()));
  });
  if (!reserved) return reserved.status();
  tx.set_nonce(reserved->nonce);
  const v1::SignedTransaction stx = sign_transaction(key, chain.id, tx);
  auto verdict = wallet::check_transaction(node, chain, stx, now_ms());
  if (!verdict) return verdict.status();
  if (!*verdict) {
    return Status(Errc::kFailedPrecondition, "the ledger would reject this transaction, so nothing was sent and no "
                                             "fee was paid: " + std::string(tx_error_name(verdict->code())) + ": " +
                                             verdict->message());
  }
  out.hash = to_hex(transaction_id(tx));
  out.nonce = reserved->nonce;
  auto sent = node.submit(stx, v1::WAIT_FOR_NONE);
  if (!sent) return sent.status();
  if (Status st = book->record(sender.to_string(), reserved->nonce, out.hash); !st) return st;
  return out;
}

// Shows what a long wait is doing: on a terminal, one line redrawn with a spinner; off one,
// a plain line each time the step or the count changes.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}
  ~Progress() { done(); }
  void show(const std::string& step, const std::string& detail) {
    if (quiet_) return;
    if (tty_) {
      static constexpr const char* kSpin[] = {"|", "/", "-", "\\"};
      std::cerr << "\r\x1b[2K" << kSpin[tick_++ % 4] << " " << step << (detail.empty() ? "" : ": " + detail)
                << std::flush;
      open_ = true;
    } else if (step + detail != last_) {
      std::cerr << step << (detail.empty() ? "" : ": " + detail) << "\n";
    }
    last_ = step + detail;
  }
  void done() {
    if (open_) std::cerr << "\r\x1b[2K" << std::flush;
    open_ = false;
  }
  void line(const std::string& text) {
    if (quiet_) return;
    done();
    std::cerr << text << "\n";
  }

 private:
  bool quiet_;
  bool tty_;
  bool open_ = false;
  unsigned tick_ = 0;
  std::string last_;
};

// Waits until `hash` is included (want_final false) or final; returns its height. Errors:
// kFailedPrecondition (rejected, with the ledger's reason), kDeadlineExceeded.
Result<uint64_t> wait_for(NodeClient& node, const std::string& hash, bool want_final, Progress& progress,
                          const std::string& step, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto t = node.transaction(hash);
    if (t) {
      if (t->status() == "rejected") {
        return Status(Errc::kFailedPrecondition,
                      "transaction " + hash + " was rejected: " + t->reason_code() + ": " + t->reason());
      }
      if (t->status() == "final" || (!want_final && t->status() == "included")) return t->height();
      progress.show(step, t->status());
    } else if (t.status().code() != Errc::kNotFound) {
      return t.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  return Status(Errc::kDeadlineExceeded, "transaction " + hash + " is not " + (want_final ? "final" : "included") +
                                             " after " + std::to_string(limit.count()) + " s; see `ans tx " + hash + "`");
}

// One transaction command: unlock, connect, check and send, wait for finality.
int send(const Common& c, const Signing& s, const std::string& what, const Fill& fill) {
  // The arguments are checked before the passphrase is asked for.
  {
    v1::Transaction scratch;
    if (Status st = fill(scratch, wallet::Chain{}, EthAddress{}); !st) return fail(c, st);
    if (!s.fee.empty()) {
      if (auto fee = amount_arg(s.fee, "--fee"); !fee) return fail(c, fee.status());
    }
  }
  auto key = unlock_key(s);
  if (!key) return fail(c, key.status());
  auto node = connect(c);
  if (!node) return fail(c, node.status());
  auto chain = wallet::read_chain(**node);
  if (!chain) return fail(c, chain.status());
  auto sent = check_and_send(**node, *chain, *key, s, fill);
  if (!sent) return fail(c, sent.status());
  Progress progress(c.json);
  progress.line(what + ": sent " + sent->hash + " (nonce " + std::to_string(sent->nonce) + ")");
  std::string status = "pending";
  uint64_t height = 0;
  if (!s.no_wait) {
    auto h = wait_for(**node, sent->hash, true, progress, "waiting for finality");
    progress.done();
    if (!h) return fail(c, h.status());
    status = "final";
    height = *h;
  }
  if (c.json) {
    print_json({{"hash", sent->hash}, {"status", status}, {"height", height}, {"nonce", sent->nonce},
                {"sender", EthAddress::from_public_key(key->public_key()).to_string()},
                {"fee", sent->fee.to_string()}});
  } else {
    Table().row("transaction", sent->hash)
        .row("status", status + (height ? " at height " + std::to_string(height) : ""))
        .row("fee", dimt(sent->fee.to_string())).print();
  }
  return 0;
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--node", c.node, "the node's gRPC address, HOST:PORT (default: $ANS_NODE, else `node` in ~/.ans/config.toml, else 127.0.0.1:9770)");
  cmd->add_flag("--json", c.json, "print one JSON object, for scripts");
}

void add_signing(CLI::App* cmd, Signing& s) {
  cmd->add_option("--key", s.key, "the keystore key that signs (default: the default key)");
  cmd->add_option("--keystore", s.keystore, "the key directory (default: $ANS_KEYSTORE, else ~/.ans/keys)");
  cmd->add_option("--passphrase-file", s.passphrase_file, "read the passphrase from this file");
  cmd->add_option("--fee", s.fee, "fee in DIMT (default: the chain's minimum)");
  cmd->add_option("--expiry-blocks", s.expiry_blocks, "blocks the transaction stays valid for")
      ->check(whole_number(1, 1'000'000));
  cmd->add_flag("--no-wait", s.no_wait, "return once sent, without waiting for finality");
}

// ---- registering a name: commit, wait, reveal, wait for finality

// A registration in progress, kept on disk from before its commit is sent until its reveal is
// final, so that the salt is never lost (docs/wallet.md, "Registrations in progress").
struct Pending {
  std::string name;
  std::string owner;
  std::string salt;  // hex
  uint32_t years = 1;
  std::string target;
  std::vector<std::pair<std::string, std::string>> text;
  std::string commit_tx;
  std::string register_tx;

  nlohmann::json to_json() const {
    nlohmann::json t = nlohmann::json::array();
    for (const auto& [k, v] : text) t.push_back({k, v});
    return {{"version", 1}, {"name", name}, {"owner", owner}, {"salt", salt}, {"years", years}, {"target", target},
            {"text", t}, {"commit_tx", commit_tx}, {"register_tx", register_tx}};
  }
  static Result<Pending> from_json(const std::string& text, const std::string& path) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    Pending p;
    try {
      if (!j.is_object() || j.value("version", 0) != 1) throw std::runtime_error("not a version 1 registration");
      p.name = j.at("name").get<std::string>();
      p.owner = j.at("owner").get<std::string>();
      p.salt = j.at("salt").get<std::string>();
      p.years = j.at("years").get<uint32_t>();
      p.target = j.at("target").get<std::string>();
      for (const auto& e : j.at("text")) p.text.emplace_back(e.at(0).get<std::string>(), e.at(1).get<std::string>());
      p.commit_tx = j.at("commit_tx").get<std::string>();
      p.register_tx = j.at("register_tx").get<std::string>();
    } catch (const std::exception& e) {
      return Status(Errc::kCorruption, path + ": damaged registration file: " + e.what());
    }
    return p;
  }
};

std::string pending_path(const std::string& name) { return wallet::wallet_home() + "/pending/" + name + ".json"; }

Status save(const Pending& p) {
  if (Status st = wallet::make_private_dir(wallet::wallet_home() + "/pending"); !st) return st;
  return wallet::write_file_atomically(wallet::wallet_home() + "/pending", p.name + ".json", p.to_json().dump(2) + "\n",
                                       wallet::Overwrite::kYes);
}

struct RegisterOptions {
  std::string name;
  uint32_t years = 1;
  std::string target;
  std::vector<std::string> records;
  bool resume = false;
};

bool confirm(const std::string& question) {
  if (::isatty(STDIN_FILENO) != 1) return false;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

Status records_arg(const std::string& target, const std::vector<std::string>& records, v1::RecordSet* out);

int register_name(const Common& c, const Signing& s, const RegisterOptions& o) {
  auto name = name_arg(o.name);
  if (!name) return fail(c, name.status());
  Pending p;
  const std::string path = pending_path(*name);
  if (o.resume) {
    auto text = wallet::read_small_file(path, 1 << 16);
    if (!text) {
      return fail(c, Status(text.status().code(), "no registration of '" + *name + "' to resume (" +
                                                      text.status().message() + ")"));
    }
    auto loaded = Pending::from_json(*text, path);
    if (!loaded) return fail(c, loaded.status());
    p = *loaded;
  } else if (wallet::read_small_file(path, 1 << 16)) {
    return fail(c, Status(Errc::kFailedPrecondition, "a registration of '" + *name + "' is in progress: finish it "
                                                     "with `ans name register --resume " + *name + "`"));
  }
  auto key = unlock_key(s);
  if (!key) return fail(c, key.status());
  const EthAddress owner = EthAddress::from_public_key(key->public_key());
  auto node = connect(c);
  if (!node) return fail(c, node.status());
  auto chain = wallet::read_chain(**node);
  if (!chain) return fail(c, chain.status());
  Progress progress(c.json);

  if (!o.resume) {
    if (o.target.empty()) return fail(c, Status(Errc::kInvalidArgument, "--target is required: the DIMP ID the name resolves to"));
    v1::RecordSet records;
    if (Status st = records_arg(o.target, o.records, &records); !st) return fail(c, st);
    p.name = *name;
    p.owner = owner.to_string();
    p.years = o.years;
    p.target = records.target();
    for (const auto& t : records.text()) p.text.emplace_back(t.key(), t.value());
    v1::CheckNameRequest check;
    check.set_name(*name);
    check.set_years(o.years);
    auto price = (*node)->check_name(check);
    if (!price) return fail(c, price.status());
    if (!price->valid()) return fail(c, Status(Errc::kBadName, "'" + *name + "' is not a valid name: " + price->invalid_reason()));
    if (!price->available()) {
      return fail(c, Status(Errc::kFailedPrecondition, "'" + *name + "' cannot be registered: " +
                                                           price->unavailable_reason()));
    }
    if (!c.json) {
      Table t;
      t.row("name", *name).row("owner", p.owner).row("target", p.target)
          .row("years", std::to_string(o.years)).row("yearly fee", dimt(price->yearly_fee()));
      if (!price->premium().empty() && price->premium() != "0") t.row("premium", dimt(price->premium()));
      t.row("total", dimt(price->total()) + " plus two transaction fees").print();
    }
    if (!s.yes && !confirm("Register '" + *name + "'?")) {
      return fail(c, Status(Errc::kFailedPrecondition, "not confirmed: nothing was sent (pass --yes to skip the question)"));
    }
    const auto random = PrivateKey::generate().secret();
    const Hash256 salt = sha256(ByteView(random.data(), random.size()));
    p.salt = to_hex(salt);
    // The salt is on disk before the commit leaves: an interrupted run is resumed from here.
    if (Status st = save(p); !st) return fail(c, st);
  }
  auto salt = fixed_from_hex<32>(p.salt);
  if (!salt) return fail(c, Status(Errc::kCorruption, path + ": damaged salt"));

  // Step 1: the commitment, unless one sent before is still on its way or in a block.
  bool need_commit = p.commit_tx.empty();
  if (!need_commit) {
    auto t = (*node)->transaction(p.commit_tx);
    need_commit = !t || t->status() == "rejected";
  }
  if (need_commit && p.register_tx.empty()) {
    auto sent = check_and_send(**node, *chain, *key, s, [&](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
      tx.mutable_name_commit()->set_commitment(to_field(name_commitment(p.name, owner, *salt)));
      return Status::ok();
    });
    if (!sent) return fail(c, sent.status());
    p.commit_tx = sent->hash;
    if (Status st = save(p); !st) return fail(c, st);
    progress.line("[1/3] commitment sent: " + p.commit_tx);
  }
  if (p.register_tx.empty()) {
    auto included = wait_for(**node, p.commit_tx, false, progress, "[1/3] waiting for the commitment's block");
    if (!included) return fail(c, included.status());
    // Step 2: the commitment must be commit_min_blocks old before the reveal.
    const uint64_t ready = *included + chain->genesis.params.commit_min_blocks;
    for (;;) {
      auto info = (*node)->info();
      if (!info) return fail(c, info.status());
      if (info->head_height() + 1 >= ready + 1) break;
      progress.show("[2/3] the commitment ages", std::to_string(ready + 1 - info->head_height() - 1) + " blocks to wait");
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    auto fresh = wallet::read_chain(**node);
    if (!fresh) return fail(c, fresh.status());
    auto sent = check_and_send(**node, *fresh, *key, s, [&](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
      auto* reg = tx.mutable_name_register();
      reg->set_name(p.name);
      reg->set_salt(to_field(*salt));
      reg->set_years(p.years);
      reg->mutable_records()->set_target(p.target);
      for (const auto& [k, v] : p.text) {  // sorted by records_arg
        auto* t = reg->mutable_records()->add_text();
        t->set_key(k);
        t->set_value(v);
      }
      return Status::ok();
    });
    if (!sent) return fail(c, sent.status());
    p.register_tx = sent->hash;
    if (Status st = save(p); !st) return fail(c, st);
    progress.line("[2/3] registration sent: " + p.register_tx);
  }
  // Step 3: the reveal becomes final; only then is the salt let go.
  auto final_height = wait_for(**node, p.register_tx, true, progress, "[3/3] waiting for finality");
  progress.done();
  if (!final_height) return fail(c, final_height.status());
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (c.json) {
    print_json({{"name", p.name}, {"owner", p.owner}, {"target", p.target}, {"years", p.years},
                {"commit_tx", p.commit_tx}, {"register_tx", p.register_tx}, {"height", *final_height},
                {"status", "final"}});
  } else {
    std::cout << "registered " << p.name << " (final at height " << *final_height << ")\n";
  }
  return 0;
}

// A query command: one positional argument (or none), connect, ask, print.
template <typename Run>
void add_query(CLI::App& parent, int& exit_code, const std::string& name, const std::string& help,
               const std::string& arg, const std::string& arg_help, Run run) {
  auto c = std::make_shared<Common>();
  auto value = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, help);
  if (!arg.empty()) cmd->add_option(arg, *value, arg_help)->required();
  add_common(cmd, *c);
  cmd->callback([c, value, run, &exit_code] {
    exit_code = [&] {
      auto node = connect(*c);
      if (!node) return fail(*c, node.status());
      return run(*c, **node, *value);
    }();
  });
}

// A transaction command: `setup` adds its options to the command and returns the body's fill.
template <typename Setup>
void add_tx(CLI::App& parent, int& exit_code, const std::string& name, const std::string& help, Setup setup) {
  auto c = std::make_shared<Common>();
  auto s = std::make_shared<Signing>();
  auto* cmd = parent.add_subcommand(name, help);
  auto fill = setup(cmd);
  add_common(cmd, *c);
  add_signing(cmd, *s);
  cmd->callback([c, s, fill, name, &exit_code] { exit_code = send(*c, *s, name, fill()); });
}

// Checked argument values for a fill: the first bad one fails the whole command before
// anything is unlocked or sent.
Status sp_id_arg(const std::string& text) {
  if (auto id = DimpId::parse(text); !id) {
    return Status(Errc::kInvalidArgument, "'" + escape_control(text) + "' is not an SP's DIMP ID: " + id.status().message());
  }
  return Status::ok();
}

Status stations_arg(const std::vector<std::string>& texts, google::protobuf::RepeatedPtrField<v1::Station>* out) {
  for (const auto& t : texts) {
    // ID@HOST:PORT is ambiguous with IDs holding '@'; the form is ID,HOST,PORT.
    const size_t a = t.find(',');
    const size_t b = a == std::string::npos ? a : t.find(',', a + 1);
    if (b == std::string::npos) {
      return Status(Errc::kInvalidArgument, "--station '" + escape_control(t) + "' is not ID,HOST,PORT");
    }
    v1::Station* st = out->Add();
    st->set_id(t.substr(0, a));
    st->set_host(t.substr(a + 1, b - a - 1));
    const std::string port = t.substr(b + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > 65535) {
      return Status(Errc::kInvalidArgument, "--station '" + escape_control(t) + "': the port is 1 to 65535");
    }
    st->set_port(static_cast<uint32_t>(std::stoul(port)));
  }
  return Status::ok();
}

Status records_arg(const std::string& target, const std::vector<std::string>& records, v1::RecordSet* out) {
  if (auto id = DimpId::parse(target); !id) {
    return Status(Errc::kInvalidArgument, "--target '" + escape_control(target) + "' is not a DIMP ID: " + id.status().message());
  }
  out->set_target(target);
  std::vector<std::pair<std::string, std::string>> text;
  for (const auto& r : records) {
    const size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status(Errc::kInvalidArgument, "--record '" + escape_control(r) + "' is not KEY=VALUE");
    }
    text.emplace_back(r.substr(0, eq), r.substr(eq + 1));
  }
  std::sort(text.begin(), text.end());
  for (const auto& [k, v] : text) {
    auto* t = out->add_text();
    t->set_key(k);
    t->set_value(v);
  }
  return Status::ok();
}

void print_provider(const v1::ProviderInfo& p) {
  Table t;
  t.row("sp", p.sp_id()).row("name", p.display_name()).row("owner", p.owner())
      .row("state", p.retired() ? "retired" : p.jailed() ? "jailed until " + when(p.jailed_until_s())
                                            : p.active() ? "active (producing)" : "standby")
      .row("weight", dimt(p.weight())).row("self stake", dimt(p.self_stake())).row("votes", dimt(p.votes_received()))
      .row("blocks", std::to_string(p.produced_blocks()) + " produced, " + std::to_string(p.missed_slots()) + " missed")
      .row("uptime", std::to_string(static_cast<int>(p.uptime() * 1000) / 10.0).substr(0, 5) + " %")
      .row("rewards", dimt(p.unclaimed_rewards()));
  if (!p.url().empty()) t.row("url", p.url());
  for (const auto& st : p.stations()) t.row("station", st.id() + " " + st.host() + ":" + std::to_string(st.port()));
  t.print();
}

}  // namespace

void add_wallet_commands(CLI::App& app, int& exit_code) {
  // ---- queries
  {
    auto c = std::make_shared<Common>();
    auto* cmd = app.add_subcommand("info", "the chain the node runs: id, heights, active set");
    add_common(cmd, *c);
    cmd->callback([c, &exit_code] {
      exit_code = [&] {
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        auto chain = wallet::read_chain(**node);
        if (!chain) return fail(*c, chain.status());
        const auto& i = chain->info;
        if (c->json) {
          print_json(proto_json(i));
          return 0;
        }
        std::string set;
        for (const auto& sp : i.active_set()) set += (set.empty() ? "" : ", ") + sp;
        Table().row("chain", i.chain_name() + " " + i.chain_id()).row("node", (*node)->address())
            .row("head", std::to_string(i.head_height()) + " " + i.head_hash())
            .row("final", std::to_string(i.final_height()) + " " + i.final_hash())
            .row("epoch", std::to_string(i.epoch()) + " (" + std::to_string(i.epoch_length()) + " blocks)")
            .row("block time", std::to_string(i.block_interval_ms()) + " ms").row("active set", set)
            .row("minimum fee", dimt(i.min_fee())).row("mempool", std::to_string(i.mempool_size()) + " transactions")
            .print();
        return 0;
      }();
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto address = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("account", "an account's balance, nonce, stake and votes");
    cmd->add_option("ADDRESS", *address, "ETH-style address")->required();
    add_common(cmd, *c);
    cmd->callback([c, address, &exit_code] {
      exit_code = [&] {
        auto a = account_arg(*address, "ADDRESS");
        if (!a) return fail(*c, a.status());
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        auto r = (*node)->account(a->to_string());
        if (!r) return fail(*c, r.status());
        if (c->json) {
          print_json(proto_json(*r));
          return 0;
        }
        std::string votes;
        for (const auto& v : r->votes()) votes += (votes.empty() ? "" : ", ") + v;
        Table t;
        t.row("address", r->address()).row("balance", dimt(r->balance())).row("nonce", std::to_string(r->nonce()))
            .row("staked", dimt(r->staked())).row("votes", votes.empty() ? "none" : votes)
            .row("rewards", dimt(r->rewards()));
        for (const auto& u : r->unbonding()) t.row("unbonding", dimt(u.amount()) + ", free " + when(u.until_s()));
        t.print();
        return 0;
      }();
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto hash = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("tx", "a transaction's status: pending, included, final or rejected");
    cmd->add_option("HASH", *hash, "transaction hash (hex)")->required();
    add_common(cmd, *c);
    cmd->callback([c, hash, &exit_code] {
      exit_code = [&] {
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        auto r = (*node)->transaction(*hash);
        if (!r) return fail(*c, r.status());
        if (c->json) {
          print_json(proto_json(*r));
          return 0;
        }
        Table t;
        t.row("hash", *hash).row("status", r->status());
        if (r->height() != 0) t.row("block", std::to_string(r->height()) + " " + r->block_hash());
        if (r->has_transaction()) {
          t.row("type", r->transaction().type()).row("sender", r->transaction().sender())
              .row("nonce", std::to_string(r->transaction().nonce())).row("fee", dimt(r->transaction().fee()));
          for (const auto& [k, v] : r->transaction().fields()) t.row(k, v);
        }
        if (!r->reason().empty()) t.row("reason", r->reason_code() + ": " + r->reason());
        t.print();
        return 0;
      }();
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto name = std::make_shared<std::string>();
    auto prove = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("resolve", "a name's record; --prove checks it against the chain, not the node");
    cmd->add_option("NAME", *name, "the name")->required();
    cmd->add_flag("--prove", *prove,
                  "fetch the proof bundle and verify it here, from the chain id and genesis alone");
    add_common(cmd, *c);
    cmd->callback([c, name, prove, &exit_code] {
      exit_code = [&] {
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        const std::string n = lowercase_ascii(*name);
        if (!*prove) {
          v1::ResolveRequest request;
          request.set_name(n);
          auto r = (*node)->resolve(request);
          if (!r) return fail(*c, r.status());
          if (c->json) {
            print_json(proto_json(*r));
          } else {
            print_record(r->record());
          }
          return 0;
        }
        auto chain = wallet::read_chain(**node);
        if (!chain) return fail(*c, chain.status());
        auto set = wallet::genesis_active_set(*chain);
        if (!set) return fail(*c, set.status());
        v1::ProveRequest request;
        request.set_name(n);
        auto r = (*node)->prove(request);
        if (!r) return fail(*c, r.status());
        auto verified = light::verify_name_bundle(chain->id, *set, chain->genesis.params.grace_s, n, r->bundle());
        if (!verified) {
          return fail(*c, Status(verified.status().code(),
                                 "the node at " + (*node)->address() + " sent a proof that does not verify; do not "
                                 "trust its answer: " + verified.status().message()));
        }
        const std::string state(name_status_name(verified->status));
        if (state != r->record().state()) {
          return fail(*c, Status(Errc::kCorruption, "the node at " + (*node)->address() + " says '" + n + "' is " +
                                                        r->record().state() + " but its own proof says " + state));
        }
        if (verified->record && r->record().has_records() &&
            verified->record->records().target() != r->record().records().target()) {
          return fail(*c, Status(Errc::kCorruption, "the node at " + (*node)->address() +
                                                        " answers a target its proof does not hold"));
        }
        if (c->json) {
          nlohmann::json j = proto_json(r->record());
          print_json({{"record", j}, {"verified", true}, {"height", verified->block.height},
                      {"block_hash", to_hex(verified->block.block_hash)}, {"state", state}});
        } else {
          print_record(r->record());
          std::cout << "verified   proof checked here against block " << verified->block.height << " ("
                    << to_hex(verified->block.block_hash).substr(0, 16) << "…), signed by the genesis set\n";
        }
        return 0;
      }();
    });
  }

  // ---- names
  auto* names = app.add_subcommand("name", "register and manage names");
  names->require_subcommand(1);
  {
    auto c = std::make_shared<Common>();
    auto s = std::make_shared<Signing>();
    auto o = std::make_shared<RegisterOptions>();
    auto* cmd = names->add_subcommand("register", "register a name: commit, wait, reveal, wait for finality");
    cmd->add_option("NAME", o->name, "the name (lowercased for you)")->required();
    cmd->add_option("--years", o->years, "years to pay for (1-10)")->check(whole_number(1, 10));
    cmd->add_option("--target", o->target, "the DIMP ID the name resolves to");
    cmd->add_option("--record", o->records, "a text record KEY=VALUE (repeatable)");
    cmd->add_flag("--resume", o->resume, "finish a registration that was interrupted");
    cmd->add_flag("--yes,-y", s->yes, "do not ask for confirmation");
    add_common(cmd, *c);
    add_signing(cmd, *s);
    cmd->callback([c, s, o, &exit_code] { exit_code = register_name(*c, *s, *o); });
  }

  // ---- transactions
  {
    auto c = std::make_shared<Common>();
    auto s = std::make_shared<Signing>();
    auto to = std::make_shared<std::string>();
    auto amount = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("transfer", "send DIMT to an account");
    cmd->add_option("--to", *to, "the receiving account (ETH-style address)")->required();
    cmd->add_option("--amount", *amount, "DIMT, e.g. 1.5")->required();
    add_common(cmd, *c);
    add_signing(cmd, *s);
    cmd->callback([c, s, to, amount, &exit_code] {
      auto recipient = account_arg(*to, "--to");
      if (!recipient) { exit_code = fail(*c, recipient.status()); return; }
      auto value = amount_arg(*amount, "--amount");
      if (!value) { exit_code = fail(*c, value.status()); return; }
      exit_code = send(*c, *s, "transfer", [&](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        tx.mutable_transfer()->set_to(to_field(recipient->bytes()));
        tx.mutable_transfer()->set_amount(to_field(value->to_bytes()));
        return Status::ok();
      });
    });
  }
  // ---- more queries
  add_query(app, exit_code, "reverse", "an account's primary name", "ADDRESS", "ETH-style address",
            [](const Common& c, NodeClient& node, const std::string& address) {
              auto a = account_arg(address, "ADDRESS");
              if (!a) return fail(c, a.status());
              v1::ReverseRequest request;
              request.set_address(a->to_string());
              auto r = node.reverse(request);
              if (!r) return fail(c, r.status());
              if (c.json) {
                print_json(proto_json(*r));
              } else {
                std::cout << (r->found() ? r->name() : "no primary name") << "\n";
              }
              return 0;
            });
  add_query(*names, exit_code, "show", "a name's record, owner, expiry and state", "NAME", "the name",
            [](const Common& c, NodeClient& node, const std::string& name) {
              v1::ResolveRequest request;
              request.set_name(lowercase_ascii(name));
              auto r = node.resolve(request);
              if (!r) return fail(c, r.status());
              if (c.json) {
                print_json(proto_json(*r));
              } else {
                print_record(r->record());
              }
              return 0;
            });
  {
    auto c = std::make_shared<Common>();
    auto owner = std::make_shared<std::string>();
    auto* cmd = names->add_subcommand("list", "the names an account owns");
    cmd->add_option("--owner", *owner, "ETH-style address")->required();
    add_common(cmd, *c);
    cmd->callback([c, owner, &exit_code] {
      exit_code = [&] {
        auto a = account_arg(*owner, "--owner");
        if (!a) return fail(*c, a.status());
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        v1::ListByOwnerResponse all;
        v1::ListByOwnerRequest request;
        request.set_owner(a->to_string());
        do {
          auto r = (*node)->list_by_owner(request);
          if (!r) return fail(*c, r.status());
          for (const auto& n : r->names()) *all.add_names() = n;
          request.set_page_token(r->next_page_token());
          *all.mutable_at() = r->at();
        } while (!request.page_token().empty());
        if (c->json) {
          print_json(proto_json(all));
          return 0;
        }
        size_t width = 4;
        for (const auto& n : all.names()) width = std::max(width, n.name().size());
        for (const auto& n : all.names()) {
          std::cout << n.name() << std::string(width - n.name().size() + 2, ' ') << n.state()
                    << std::string(n.state().size() < 8 ? 8 - n.state().size() : 1, ' ') << "expires "
                    << when(n.expiry_s()) << "\n";
        }
        if (all.names().empty()) std::cout << "no names\n";
        return 0;
      }();
    });
  }
  auto* sps = app.add_subcommand("sp", "service providers: the directory, and registering one");
  sps->require_subcommand(1);
  {
    auto c = std::make_shared<Common>();
    auto active = std::make_shared<bool>(false);
    auto* cmd = sps->add_subcommand("list", "the SPs, with weight, stake, votes and uptime");
    cmd->add_flag("--active", *active, "only the active set");
    add_common(cmd, *c);
    cmd->callback([c, active, &exit_code] {
      exit_code = [&] {
        auto node = connect(*c);
        if (!node) return fail(*c, node.status());
        v1::ListProvidersResponse all;
        v1::ListProvidersRequest request;
        request.set_active_only(*active);
        do {
          auto r = (*node)->providers(request);
          if (!r) return fail(*c, r.status());
          for (const auto& p : r->providers()) *all.add_providers() = p;
          request.set_page_token(r->next_page_token());
        } while (!request.page_token().empty());
        if (c->json) {
          print_json(proto_json(all));
          return 0;
        }
        size_t width = 2;
        for (const auto& p : all.providers()) width = std::max(width, p.sp_id().size());
        std::cout << "SP" << std::string(width, ' ') << "ACTIVE  WEIGHT\n";
        for (const auto& p : all.providers()) {
          std::cout << p.sp_id() << std::string(width - p.sp_id().size() + 2, ' ') << (p.active() ? "yes     " : "no      ")
                    << dimt(p.weight()) << "\n";
        }
        return 0;
      }();
    });
  }
  add_query(*sps, exit_code, "show", "one SP", "ID", "the SP's DIMP ID",
            [](const Common& c, NodeClient& node, const std::string& id) {
              auto r = node.provider(id);
              if (!r) return fail(c, r.status());
              if (c.json) {
                print_json(proto_json(*r));
              } else {
                print_provider(r->provider());
              }
              return 0;
            });
  add_query(app, exit_code, "stations", "every station of every active SP", "", "",
            [](const Common& c, NodeClient& node, const std::string&) {
              auto r = node.stations(v1::ListStationsRequest());
              if (!r) return fail(c, r.status());
              if (c.json) {
                print_json(proto_json(*r));
                return 0;
              }
              for (const auto& st : r->stations()) {
                std::cout << st.id() << "  " << st.host() << ":" << st.port() << "  (" << st.provider() << ")\n";
              }
              return 0;
            });

  // ---- the other transactions
  add_tx(*names, exit_code, "renew", "pay for more years of a name", [](CLI::App* cmd) {
    auto name = std::make_shared<std::string>();
    auto years = std::make_shared<uint32_t>(1);
    cmd->add_option("NAME", *name, "the name")->required();
    cmd->add_option("--years", *years, "years to add (1-10)")->check(whole_number(1, 10));
    return [name, years] {
      return Fill([name, years](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        auto n = name_arg(*name);
        if (!n) return n.status();
        tx.mutable_name_renew()->set_name(*n);
        tx.mutable_name_renew()->set_years(*years);
        return Status::ok();
      });
    };
  });
  add_tx(*names, exit_code, "update", "replace a name's records", [](CLI::App* cmd) {
    auto name = std::make_shared<std::string>();
    auto target = std::make_shared<std::string>();
    auto records = std::make_shared<std::vector<std::string>>();
    cmd->add_option("NAME", *name, "the name")->required();
    cmd->add_option("--target", *target, "the DIMP ID the name resolves to")->required();
    cmd->add_option("--record", *records, "a text record KEY=VALUE (repeatable; the others are deleted)");
    return [name, target, records] {
      return Fill([name, target, records](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        auto n = name_arg(*name);
        if (!n) return n.status();
        tx.mutable_name_update()->set_name(*n);
        return records_arg(*target, *records, tx.mutable_name_update()->mutable_records());
      });
    };
  });
  add_tx(*names, exit_code, "transfer", "give a name to another account", [](CLI::App* cmd) {
    auto name = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the name")->required();
    cmd->add_option("--to", *to, "the new owner (ETH-style address)")->required();
    return [name, to] {
      return Fill([name, to](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        auto n = name_arg(*name);
        if (!n) return n.status();
        auto a = account_arg(*to, "--to");
        if (!a) return a.status();
        tx.mutable_name_transfer()->set_name(*n);
        tx.mutable_name_transfer()->set_new_owner(to_field(a->bytes()));
        return Status::ok();
      });
    };
  });
  add_tx(*names, exit_code, "primary", "set (or with no NAME, clear) the sender's primary name", [](CLI::App* cmd) {
    auto name = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the name");
    return [name] {
      return Fill([name](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        if (name->empty()) {
          tx.mutable_set_primary_name();
          return Status::ok();
        }
        auto n = name_arg(*name);
        if (!n) return n.status();
        tx.mutable_set_primary_name()->set_name(*n);
        return Status::ok();
      });
    };
  });
  add_tx(*names, exit_code, "commit", "send only a name's commitment (register does this for you)", [](CLI::App* cmd) {
    auto name = std::make_shared<std::string>();
    auto salt = std::make_shared<std::string>();
    cmd->add_option("NAME", *name, "the name")->required();
    cmd->add_option("--salt", *salt, "the 32-byte salt in hex, kept for the reveal")->required();
    return [name, salt] {
      return Fill([name, salt](v1::Transaction& tx, const wallet::Chain&, const EthAddress& sender) {
        auto n = name_arg(*name);
        if (!n) return n.status();
        auto s = fixed_from_hex<32>(*salt);
        if (!s) return Status(Errc::kInvalidArgument, "--salt is 64 hex digits: " + s.status().message());
        tx.mutable_name_commit()->set_commitment(to_field(name_commitment(*n, sender, *s)));
        return Status::ok();
      });
    };
  });
  add_tx(*sps, exit_code, "register", "register as a service provider, with a self stake", [](CLI::App* cmd) {
    auto id = std::make_shared<std::string>();
    auto display = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto stations = std::make_shared<std::vector<std::string>>();
    auto signing = std::make_shared<std::string>();
    auto stake = std::make_shared<std::string>();
    cmd->add_option("ID", *id, "the SP's DIMP ID")->required();
    cmd->add_option("--display-name", *display, "the name shown in the directory")->required();
    cmd->add_option("--url", *url, "a web page");
    cmd->add_option("--station", *stations, "a station ID,HOST,PORT (repeatable)");
    cmd->add_option("--signing-key", *signing, "the 33-byte compressed key (hex) that signs blocks")->required();
    cmd->add_option("--self-stake", *stake, "DIMT to stake (at least the chain's minimum)")->required();
    return [=] {
      return Fill([=](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        if (Status st = sp_id_arg(*id); !st) return st;
        auto key = from_hex(*signing);
        if (!key) return Status(Errc::kInvalidArgument, "--signing-key is hex: " + key.status().message());
        auto amount = amount_arg(*stake, "--self-stake");
        if (!amount) return amount.status();
        auto* b = tx.mutable_sp_register();
        b->set_sp_id(*id);
        b->set_display_name(*display);
        b->set_url(*url);
        if (Status st = stations_arg(*stations, b->mutable_stations()); !st) return st;
        b->set_signing_key(to_field(*key));
        b->set_self_stake(to_field(amount->to_bytes()));
        return Status::ok();
      });
    };
  });
  add_tx(*sps, exit_code, "update", "replace an SP's url, stations and signing key", [](CLI::App* cmd) {
    auto id = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto stations = std::make_shared<std::vector<std::string>>();
    auto signing = std::make_shared<std::string>();
    cmd->add_option("ID", *id, "the SP's DIMP ID")->required();
    cmd->add_option("--url", *url, "a web page");
    cmd->add_option("--station", *stations, "a station ID,HOST,PORT (repeatable)");
    cmd->add_option("--signing-key", *signing, "the 33-byte compressed key (hex) that signs blocks")->required();
    return [=] {
      return Fill([=](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        if (Status st = sp_id_arg(*id); !st) return st;
        auto key = from_hex(*signing);
        if (!key) return Status(Errc::kInvalidArgument, "--signing-key is hex: " + key.status().message());
        auto* b = tx.mutable_sp_update();
        b->set_sp_id(*id);
        b->set_url(*url);
        if (Status st = stations_arg(*stations, b->mutable_stations()); !st) return st;
        b->set_signing_key(to_field(*key));
        return Status::ok();
      });
    };
  });
  // The commands that name one SP and nothing else.
  for (const auto& [where, name, help] :
       {std::tuple{sps, "unregister", "leave the directory; the self stake unbonds"},
        std::tuple{&app, "claim", "claim an SP's rewards into its owner's balance"},
        std::tuple{&app, "unjail", "bring a jailed SP back once its jail time is over"}}) {
    const std::string command = name;
    add_tx(*where, exit_code, command, help, [command](CLI::App* cmd) {
      auto id = std::make_shared<std::string>();
      cmd->add_option("ID", *id, "the SP's DIMP ID")->required();
      return [id, command] {
        return Fill([id, command](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
          if (Status st = sp_id_arg(*id); !st) return st;
          if (command == "unregister") tx.mutable_sp_unregister()->set_sp_id(*id);
          if (command == "claim") tx.mutable_claim_rewards()->set_sp_id(*id);
          if (command == "unjail") tx.mutable_unjail()->set_sp_id(*id);
          return Status::ok();
        });
      };
    });
  }
  for (const auto& [name, help] : {std::pair{"stake", "stake DIMT, to vote with"},
                                   std::pair{"unstake", "unstake DIMT; it unbonds before it can be spent"}}) {
    const std::string command = name;
    add_tx(app, exit_code, command, help, [command](CLI::App* cmd) {
      auto amount = std::make_shared<std::string>();
      cmd->add_option("--amount", *amount, "DIMT, e.g. 1.5")->required();
      return [amount, command] {
        return Fill([amount, command](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
          auto a = amount_arg(*amount, "--amount");
          if (!a) return a.status();
          if (command == "stake") tx.mutable_stake()->set_amount(to_field(a->to_bytes()));
          if (command == "unstake") tx.mutable_unstake()->set_amount(to_field(a->to_bytes()));
          return Status::ok();
        });
      };
    });
  }
  add_tx(app, exit_code, "vote", "give your whole stake's weight to these SPs (none: withdraw)", [](CLI::App* cmd) {
    auto ids = std::make_shared<std::vector<std::string>>();
    cmd->add_option("ID", *ids, "SP DIMP IDs (up to 30)");
    return [ids] {
      return Fill([ids](v1::Transaction& tx, const wallet::Chain&, const EthAddress&) {
        auto* v = tx.mutable_vote();
        for (const auto& id : *ids) {
          if (Status st = sp_id_arg(id); !st) return st;
          v->add_sp_ids(id);
        }
        return Status::ok();
      });
    };
  });
}

}  // namespace ans::cli
