#include "wallet/keystore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "ledger/testing/temp_dir.h"
#include "wallet/key_file.h"

namespace ans::wallet {
namespace {

using nlohmann::json;

const std::string kPass = "correct horse battery staple";

PrivateKey key_of(uint8_t last) {
  FixedBytes<32> secret{};
  secret[31] = last;
  return PrivateKey::from_bytes(secret).value();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("ANS_SCRYPT_N", "1024", 1);
    ks_ = std::make_unique<Keystore>(Keystore::open(dir_.sub("keys")).value());
  }
  void TearDown() override { ::unsetenv("ANS_SCRYPT_N"); }

  std::string file(const std::string& name) const { return dir_.sub("keys") + "/" + name; }

  // Rewrites one key file through `edit`.
  void edit_file(const std::string& name, const std::function<void(json&)>& edit) {
    json j = json::parse(read_text(file(name + ".json")));
    edit(j);
    write_text(file(name + ".json"), j.dump());
  }

  testing::TempDir dir_{"ans-keystore"};
  std::unique_ptr<Keystore> ks_;
};

TEST_F(KeystoreTest, CreateThenUnlockGivesTheKeyBack) {
  PrivateKey key = PrivateKey::generate();
  auto created = ks_->create("main", key, kPass);
  ASSERT_TRUE(created) << created.status().to_string();
  EXPECT_EQ(created->name, "main");
  EXPECT_EQ(created->address, EthAddress::from_public_key(key.public_key()));
  EXPECT_EQ(created->public_key, key.public_key());

  auto unlocked = ks_->unlock("main", kPass);
  ASSERT_TRUE(unlocked) << unlocked.status().to_string();
  EXPECT_EQ(unlocked->secret(), key.secret());
  // The secret is nowhere in the file in clear.
  EXPECT_EQ(read_text(file("main.json")).find(to_hex(key.secret())), std::string::npos);
}

TEST_F(KeystoreTest, FileRecordsTheFormatAndTheScryptCostUsed) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  json j = json::parse(read_text(file("main.json")));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["name"], "main");
  EXPECT_EQ(j["address"], "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  EXPECT_EQ(j["public_key"], "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(j["kdf"]["name"], "scrypt");
  EXPECT_EQ(j["kdf"]["n"], 1024);
  EXPECT_EQ(j["kdf"]["r"], 8);
  EXPECT_EQ(j["kdf"]["p"], 1);
  EXPECT_EQ(j["kdf"]["salt"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["cipher"]["name"], "aes-256-gcm");
  EXPECT_EQ(j["cipher"]["iv"].get<std::string>().size(), 24u);
  EXPECT_EQ(j["cipher"]["tag"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["ciphertext"].get<std::string>().size(), 64u);
}

TEST_F(KeystoreTest, WrongPassphraseIsAClearError) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  auto unlocked = ks_->unlock("main", "not it");
  ASSERT_FALSE(unlocked);
  EXPECT_EQ(unlocked.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(unlocked.status().message(), "wrong passphrase for key 'main'");
}

// Each header field is bound to the ciphertext: changing it fails like a wrong passphrase.
TEST_F(KeystoreTest, ChangedHeaderIsDetected) {
  const PublicKey other = key_of(2).public_key();
  const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
      {"kdf n", [](json& j) { j["kdf"]["n"] = 2048; }},
      {"kdf r", [](json& j) { j["kdf"]["r"] = 4; }},
      {"kdf salt", [](json& j) { j["kdf"]["salt"] = std::string(64, '0'); }},
      {"another key's public key and address",
       [&other](json& j) {
         j["public_key"] = to_hex(other.compressed());
         j["address"] = EthAddress::from_public_key(other).to_string();
       }},
  };
  for (const auto& [what, edit] : edits) {
    SCOPED_TRACE(what);
    ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
    edit_file("main", edit);
    auto unlocked = ks_->unlock("main", kPass);
    ASSERT_FALSE(unlocked);
    EXPECT_EQ(unlocked.status().code(), Errc::kInvalidArgument);
    EXPECT_EQ(unlocked.status().message(), "wrong passphrase for key 'main'");
    std::filesystem::remove(file("main.json"));
  }
}

TEST_F(KeystoreTest, AddressThatIsNotThePublicKeysIsCorruption) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  edit_file("main", [](json& j) {
    j["address"] = EthAddress::from_public_key(key_of(2).public_key()).to_string();
  });
  auto info = ks_->info("main");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.status().code(), Errc::kCorruption);
  EXPECT_NE(info.status().message().find(file("main.json")), std::string::npos);
}

TEST_F(KeystoreTest, ChangedCiphertextIvOrTagIsDetected) {
  for (const char* field : {"ciphertext", "iv", "tag"}) {
    SCOPED_TRACE(field);
    ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
    edit_file("main", [field](json& j) {
      json& at = std::string(field) == "ciphertext" ? j["ciphertext"] : j["cipher"][field];
      std::string hex = at.get<std::string>();
      hex[0] = hex[0] == '0' ? '1' : '0';
      at = hex;
    });
    auto unlocked = ks_->unlock("main", kPass);
    ASSERT_FALSE(unlocked);
    EXPECT_EQ(unlocked.status().message(), "wrong passphrase for key 'main'");
    std::filesystem::remove(file("main.json"));
  }
}

TEST_F(KeystoreTest, FilesAreMode0600AndTheDirectory0700) {
  const mode_t old_umask = ::umask(0);  // the modes must not depend on the umask
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  ::umask(old_umask);
  EXPECT_EQ(mode_of(file("main.json")), 0600u);
  EXPECT_EQ(mode_of(file("default")), 0600u);
  EXPECT_EQ(mode_of(dir_.sub("keys")), 0700u);
}

TEST_F(KeystoreTest, OpenCreatesMissingParentsPrivate) {
  const std::string nested = dir_.sub("a/b/keys");
  auto ks = Keystore::open(nested);
  ASSERT_TRUE(ks) << ks.status().to_string();
  EXPECT_EQ(ks->dir(), nested);
  EXPECT_EQ(mode_of(dir_.sub("a")), 0700u);
  EXPECT_EQ(mode_of(nested), 0700u);
}

TEST_F(KeystoreTest, FirstKeyIsTheDefaultUntilAnotherIsChosen) {
  auto info = ks_->info("");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.status().code(), Errc::kNotFound);

  auto first = ks_->create("main", key_of(1), kPass);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->is_default);
  auto second = ks_->create("spare", key_of(2), kPass);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->is_default);
  EXPECT_EQ(ks_->info("")->name, "main");
  EXPECT_EQ(read_text(file("default")), "main\n");

  ASSERT_TRUE(ks_->set_default("spare"));
  EXPECT_EQ(ks_->info("")->name, "spare");
  EXPECT_TRUE(ks_->info("spare")->is_default);
  EXPECT_FALSE(ks_->info("main")->is_default);
  EXPECT_EQ(ks_->unlock("", kPass)->secret(), key_of(2).secret());

  Status missing = ks_->set_default("nope");
  EXPECT_EQ(missing.code(), Errc::kNotFound);
  EXPECT_EQ(ks_->info("")->name, "spare");
}

TEST_F(KeystoreTest, ListGivesEveryKeyByName) {
  ASSERT_TRUE(ks_->create("zeta", key_of(1), kPass));
  ASSERT_TRUE(ks_->create("alpha", key_of(2), kPass));
  auto keys = ks_->list();
  ASSERT_TRUE(keys) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].name, "alpha");
  EXPECT_FALSE((*keys)[0].is_default);
  EXPECT_EQ((*keys)[0].address, EthAddress::from_public_key(key_of(2).public_key()));
  EXPECT_EQ((*keys)[1].name, "zeta");
  EXPECT_TRUE((*keys)[1].is_default);
}

TEST_F(KeystoreTest, ExistingNameIsRefusedAndItsFileKept) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  const std::string before = read_text(file("main.json"));
  auto again = ks_->create("main", key_of(2), kPass);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), Errc::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);
  EXPECT_EQ(read_text(file("main.json")), before);
  EXPECT_EQ(ks_->check_new_name("main").code(), Errc::kFailedPrecondition);
  EXPECT_TRUE(ks_->check_new_name("other"));
}

TEST_F(KeystoreTest, BadNamesAreRefused) {
  for (const std::string& name : std::vector<std::string>{
           "", "Main", "a b", "../x", "x.json", "a/b", "ключ", std::string(33, 'a')}) {
    SCOPED_TRACE(name);
    auto created = ks_->create(name, key_of(1), kPass);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.status().code(), Errc::kInvalidArgument);
    EXPECT_NE(created.status().message().find("bad key name"), std::string::npos);
  }
  EXPECT_EQ(ks_->info("Main").status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(ks_->unlock("../main", kPass).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(ks_->set_default("a b").code(), Errc::kInvalidArgument);
  for (const std::string& name :
       std::vector<std::string>{"a", "key_1-x", "default", std::string(32, 'z')}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(validate_key_name(name));
  }
}

TEST_F(KeystoreTest, MissingKeyIsNotFound) {
  auto info = ks_->info("ghost");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.status().code(), Errc::kNotFound);
  EXPECT_NE(info.status().message().find("no key named 'ghost'"), std::string::npos);
  EXPECT_EQ(ks_->unlock("ghost", kPass).status().code(), Errc::kNotFound);
}

TEST_F(KeystoreTest, UnknownVersionIsATypedErrorNamingTheFile) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  edit_file("main", [](json& j) { j["version"] = 2; });
  for (const Status& st : {ks_->info("main").status(), ks_->list().status(),
                           ks_->unlock("main", kPass).status()}) {
    EXPECT_EQ(st.code(), Errc::kUnimplemented);
    EXPECT_NE(st.message().find(file("main.json")), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("version 2"), std::string::npos) << st.message();
  }
}

TEST_F(KeystoreTest, MalformedFilesAreCorruptionNamingTheFile) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  const std::string good = read_text(file("main.json"));
  const std::vector<std::function<void(json&)>> edits = {
      [](json& j) { j.erase("ciphertext"); },
      [](json& j) { j["public_key"] = "02zz"; },
      [](json& j) { j["kdf"]["n"] = 1000; },          // not a power of two
      [](json& j) { j["kdf"]["n"] = 1ull << 40; },    // would take 128 TiB
      [](json& j) { j["kdf"]["p"] = -1; },
      [](json& j) { j["cipher"]["iv"] = "00"; },
      [](json& j) { j["name"] = "other"; },           // not the file's name
  };
  for (const std::string& text : {std::string(""), std::string("not json"), std::string("[]"),
                                  std::string(R"({"version":"1"})")}) {
    SCOPED_TRACE(text);
    write_text(file("main.json"), text);
    Status st = ks_->info("main").status();
    EXPECT_EQ(st.code(), Errc::kCorruption);
    EXPECT_NE(st.message().find(file("main.json")), std::string::npos) << st.message();
    EXPECT_EQ(ks_->list().status().code(), Errc::kCorruption);
  }
  for (size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE(i);
    write_text(file("main.json"), good);
    edit_file("main", edits[i]);
    Status st = ks_->info("main").status();
    EXPECT_EQ(st.code(), Errc::kCorruption) << st.to_string();
    EXPECT_NE(st.message().find(file("main.json")), std::string::npos) << st.message();
  }
}

TEST_F(KeystoreTest, UnknownKdfOrCipherIsUnimplemented) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  edit_file("main", [](json& j) { j["kdf"]["name"] = "argon2id"; });
  EXPECT_EQ(ks_->info("main").status().code(), Errc::kUnimplemented);
}

// What an interrupted write leaves is a temporary file beside the old one: the old file is
// whole, and the keystore takes no notice of the rest.
TEST_F(KeystoreTest, LeftoverTemporaryFilesAreIgnored) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  const std::string before = read_text(file("main.json"));
  write_text(file(".main.json.tmp-a1b2c3"), R"({"version":1,"name":"mai)");
  write_text(file(".default.tmp-d4e5f6"), "spa");
  write_text(file("notes.txt"), "not a key");
  auto keys = ks_->list();
  ASSERT_TRUE(keys) << keys.status().to_string();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].name, "main");
  EXPECT_TRUE((*keys)[0].is_default);
  EXPECT_EQ(read_text(file("main.json")), before);
  EXPECT_EQ(ks_->unlock("main", kPass)->secret(), key_of(1).secret());
  // New writes go through temporary files of their own.
  ASSERT_TRUE(ks_->create("spare", key_of(2), kPass));
  EXPECT_EQ(ks_->list()->size(), 2u);
}

TEST_F(KeystoreTest, DamagedDefaultFileIsCorruption) {
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  write_text(file("default"), "../etc\n");
  EXPECT_EQ(ks_->info("").status().code(), Errc::kCorruption);
}

TEST_F(KeystoreTest, ScryptCostComesFromTheEnvironment) {
  ::setenv("ANS_SCRYPT_N", "2048", 1);
  ASSERT_TRUE(ks_->create("main", key_of(1), kPass));
  EXPECT_EQ(json::parse(read_text(file("main.json")))["kdf"]["n"], 2048);
  EXPECT_TRUE(ks_->unlock("main", kPass));
  for (const char* bad : {"1000", "512", "abc", "", "-1024", "1024x", "2097152"}) {
    SCOPED_TRACE(bad);
    ::setenv("ANS_SCRYPT_N", bad, 1);
    auto created = ks_->create("spare", key_of(2), kPass);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.status().code(), Errc::kInvalidArgument);
    EXPECT_NE(created.status().message().find("ANS_SCRYPT_N"), std::string::npos);
  }
  ::unsetenv("ANS_SCRYPT_N");
  EXPECT_EQ(scrypt_n_for_new_keys().value(), kDefaultScryptN);
}

TEST(KeystoreDir, DefaultDirIsUnderAnsHomeElseHome) {
  const char* home = std::getenv("HOME");
  const std::string saved_home = home ? home : "";
  ::setenv("ANS_HOME", "/srv/ans", 1);
  EXPECT_EQ(Keystore::default_dir(), "/srv/ans/keys");
  ::unsetenv("ANS_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(Keystore::default_dir(), "/home/someone/.ans/keys");
  if (home) ::setenv("HOME", saved_home.c_str(), 1);
}

class PassphraseTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("ANS_PASSPHRASE"); }
  void TearDown() override { ::unsetenv("ANS_PASSPHRASE"); }
  testing::TempDir dir_{"ans-passphrase"};
};

TEST_F(PassphraseTest, FileGivesItsFirstLine) {
  write_text(dir_.sub("p"), "secret words\nsecond line\n");
  EXPECT_EQ(read_passphrase(dir_.sub("p"), "", true).value(), "secret words");
  write_text(dir_.sub("crlf"), "dos\r\n");
  EXPECT_EQ(read_passphrase(dir_.sub("crlf"), "", false).value(), "dos");
  write_text(dir_.sub("bare"), "no newline");
  EXPECT_EQ(read_passphrase(dir_.sub("bare"), "", false).value(), "no newline");
}

TEST_F(PassphraseTest, FileComesBeforeTheEnvironment) {
  ::setenv("ANS_PASSPHRASE", "from env", 1);
  write_text(dir_.sub("p"), "from file\n");
  EXPECT_EQ(read_passphrase(dir_.sub("p"), "", false).value(), "from file");
  EXPECT_EQ(read_passphrase("", "", true).value(), "from env");
}

TEST_F(PassphraseTest, EmptyOrMissingIsAnError) {
  write_text(dir_.sub("empty"), "\nsecond\n");
  auto empty = read_passphrase(dir_.sub("empty"), "", false);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("empty passphrase"), std::string::npos);

  auto missing = read_passphrase(dir_.sub("absent"), "", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), Errc::kNotFound);
  EXPECT_NE(missing.status().message().find(dir_.sub("absent")), std::string::npos);

  ::setenv("ANS_PASSPHRASE", "", 1);
  EXPECT_EQ(read_passphrase("", "", false).status().code(), Errc::kInvalidArgument);
}

TEST(Wipe, EmptiesTheString) {
  std::string s = "secret";
  wipe(s);
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace ans::wallet
