#include "wallet/key_file.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <bit>
#include <cstdlib>
#include <memory>

namespace ans::wallet {
namespace {

using nlohmann::json;

constexpr uint32_t kMaxScryptR = 32;
constexpr uint32_t kMaxScryptP = 16;
// The most memory a key file may make scrypt take (128 * r * N bytes): a file is input, and
// one with N = 2^40 must be refused, not allocated.
constexpr uint64_t kMaxScryptMemory = uint64_t{1} << 30;

bool is_power_of_two_in(uint64_t n, uint64_t lo, uint64_t hi) {
  return std::has_single_bit(n) && n >= lo && n <= hi;
}

// Overwritten on destruction: holds a derived key or a decrypted secret.
template <size_t N>
struct Wiped {
  FixedBytes<N> bytes{};
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

Status check_scrypt(const ScryptParams& kdf) {
  if (!is_power_of_two_in(kdf.n, kMinScryptN, kMaxScryptN) || kdf.r < 1 || kdf.r > kMaxScryptR ||
      kdf.p < 1 || kdf.p > kMaxScryptP || 128 * uint64_t{kdf.r} * kdf.n > kMaxScryptMemory) {
    return Status(Errc::kInvalidArgument,
                  "scrypt parameters out of range: n=" + std::to_string(kdf.n) +
                      " r=" + std::to_string(kdf.r) + " p=" + std::to_string(kdf.p));
  }
  return Status::ok();
}

Status derive_key(std::string_view passphrase, const ScryptParams& kdf, FixedBytes<32>& out) {
  ANS_RETURN_IF_ERROR(check_scrypt(kdf));
  // What OpenSSL allocates: 128 * r * (N + p + 2) bytes.
  const uint64_t memory = 128 * uint64_t{kdf.r} * (kdf.n + kdf.p + 2);
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), kdf.salt.data(), kdf.salt.size(), kdf.n,
                     kdf.r, kdf.p, memory, out.data(), out.size()) != 1) {
    return Status(Errc::kResourceExhausted,
                  "scrypt failed (it needs " + std::to_string(memory >> 20) + " MiB of memory)");
  }
  return Status::ok();
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Status crypto_error(const char* what) {
  return Status(Errc::kResourceExhausted, std::string("AES-256-GCM: ") + what + " failed");
}

// The header fields as compact JSON with sorted keys (docs/wallet.md): the GCM additional
// data. Built from the decoded values, so it is the same bytes however the file was spaced.
std::string additional_data(const KeyFile& f) {
  json header = {
      {"version", kKeyFileVersion},
      {"name", f.name},
      {"address", f.address.to_string()},
      {"public_key", to_hex(f.public_key.compressed())},
      {"kdf", {{"name", "scrypt"}, {"n", f.kdf.n}, {"r", f.kdf.r}, {"p", f.kdf.p},
               {"salt", to_hex(f.kdf.salt)}}},
  };
  return header.dump();
}

// A field of `object`, or why there is none.
Result<const json*> field(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) {
    return Status(Errc::kCorruption, where + ": not a key file: no \"" + key + "\" field");
  }
  return &*it;
}

Result<std::string> string_field(const json& object, const char* key, const std::string& where) {
  auto f = field(object, key, where);
  if (!f) return f.status();
  if (!(*f)->is_string()) {
    return Status(Errc::kCorruption, where + ": not a key file: \"" + key + "\" is not a string");
  }
  return (*f)->get<std::string>();
}

Result<uint64_t> number_field(const json& object, const char* key, const std::string& where) {
  auto f = field(object, key, where);
  if (!f) return f.status();
  if (!(*f)->is_number_unsigned()) {
    return Status(Errc::kCorruption,
                  where + ": not a key file: \"" + key + "\" is not a whole number");
  }
  return (*f)->get<uint64_t>();
}

template <size_t N>
Status hex_field(const json& object, const char* key, const std::string& where,
                 FixedBytes<N>& out) {
  auto text = string_field(object, key, where);
  if (!text) return text.status();
  auto bytes = fixed_from_hex<N>(*text);
  if (!bytes) {
    return Status(Errc::kCorruption,
                  where + ": not a key file: \"" + key + "\": " + bytes.status().to_string());
  }
  out = *bytes;
  return Status::ok();
}

Result<const json*> object_field(const json& object, const char* key, const std::string& where) {
  auto f = field(object, key, where);
  if (!f) return f.status();
  if (!(*f)->is_object()) {
    return Status(Errc::kCorruption, where + ": not a key file: \"" + key + "\" is not an object");
  }
  return *f;
}

Status expect_name(const json& object, const char* expected, const std::string& where) {
  auto name = string_field(object, "name", where);
  if (!name) return name.status();
  if (*name != expected) {
    return Status(Errc::kUnimplemented, where + ": uses \"" + *name + "\" where version " +
                                            std::to_string(kKeyFileVersion) + " has \"" +
                                            expected + "\"");
  }
  return Status::ok();
}

Status decode_kdf(const json& top, const std::string& where, ScryptParams& kdf) {
  auto obj = object_field(top, "kdf", where);
  if (!obj) return obj.status();
  const json& k = **obj;
  ANS_RETURN_IF_ERROR(expect_name(k, "scrypt", where));
  auto n = number_field(k, "n", where);
  if (!n) return n.status();
  auto r = number_field(k, "r", where);
  if (!r) return r.status();
  auto p = number_field(k, "p", where);
  if (!p) return p.status();
  kdf.n = *n;
  // Out of range is 0, which check_scrypt refuses.
  kdf.r = *r <= kMaxScryptR ? static_cast<uint32_t>(*r) : 0;
  kdf.p = *p <= kMaxScryptP ? static_cast<uint32_t>(*p) : 0;
  Status range = check_scrypt(kdf);
  if (!range) return Status(Errc::kCorruption, where + ": " + range.message());
  return hex_field(k, "salt", where, kdf.salt);
}

Status decode_cipher(const json& top, const std::string& where, KeyFile& f) {
  auto obj = object_field(top, "cipher", where);
  if (!obj) return obj.status();
  const json& c = **obj;
  ANS_RETURN_IF_ERROR(expect_name(c, "aes-256-gcm", where));
  ANS_RETURN_IF_ERROR(hex_field(c, "iv", where, f.iv));
  ANS_RETURN_IF_ERROR(hex_field(c, "tag", where, f.tag));
  return hex_field(top, "ciphertext", where, f.ciphertext);
}

}  // namespace

Result<uint64_t> scrypt_n_for_new_keys() {
  const char* text = std::getenv("ANS_SCRYPT_N");
  if (text == nullptr) return kDefaultScryptN;
  const std::string s(text);
  char* end = nullptr;
  const unsigned long long n = std::strtoull(s.c_str(), &end, 10);
  const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || *end != '\0' || !is_power_of_two_in(n, kMinScryptN, kMaxScryptN)) {
    return Status(Errc::kInvalidArgument,
                  "ANS_SCRYPT_N='" + s + "' is not a power of two from " +
                      std::to_string(kMinScryptN) + " to " + std::to_string(kMaxScryptN));
  }
  return uint64_t{n};
}

Result<KeyFile> seal_key(const std::string& name, const PrivateKey& key, std::string_view passphrase,
                         uint64_t n) {
  KeyFile f;
  f.name = name;
  f.public_key = key.public_key();
  f.address = EthAddress::from_public_key(f.public_key);
  f.kdf.n = n;
  os_random(f.kdf.salt);
  os_random(f.iv);
  Wiped<32> aes_key;
  ANS_RETURN_IF_ERROR(derive_key(passphrase, f.kdf, aes_key.bytes));

  const std::string aad = additional_data(f);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, aes_key.bytes.data(),
                                 f.iv.data()) != 1) {
    return crypto_error("init");
  }
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, as_bytes(aad).data(),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), f.ciphertext.data(), &len, key.secret().data(),
                        static_cast<int>(key.secret().size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), f.ciphertext.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(f.tag.size()),
                          f.tag.data()) != 1) {
    return crypto_error("encrypt");
  }
  return f;
}

Result<PrivateKey> open_key(const KeyFile& f, std::string_view passphrase) {
  Wiped<32> aes_key;
  ANS_RETURN_IF_ERROR(derive_key(passphrase, f.kdf, aes_key.bytes));

  const std::string aad = additional_data(f);
  Wiped<32> secret;
  FixedBytes<16> tag = f.tag;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, aes_key.bytes.data(),
                                 f.iv.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, as_bytes(aad).data(),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), secret.bytes.data(), &len, f.ciphertext.data(),
                        static_cast<int>(f.ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return crypto_error("decrypt");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), secret.bytes.data() + len, &len) != 1) {
    return Status(Errc::kInvalidArgument, "wrong passphrase for key '" + f.name + "'");
  }
  auto key = PrivateKey::from_bytes(secret.bytes);
  if (!key || key->public_key() != f.public_key) {
    return Status(Errc::kCorruption, "damaged key file for key '" + f.name +
                                         "': its secret is not the key of its public key");
  }
  return key;
}

std::string encode_key_file(const KeyFile& f) {
  json out = json::parse(additional_data(f));
  out["cipher"] = {{"name", "aes-256-gcm"}, {"iv", to_hex(f.iv)}, {"tag", to_hex(f.tag)}};
  out["ciphertext"] = to_hex(f.ciphertext);
  return out.dump(2) + "\n";
}

Result<KeyFile> decode_key_file(std::string_view text, const std::string& where) {
  const json top = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (top.is_discarded() || !top.is_object()) {
    return Status(Errc::kCorruption, where + ": not a key file: not a JSON object");
  }
  auto version = number_field(top, "version", where);
  if (!version) return version.status();
  if (*version != kKeyFileVersion) {
    return Status(Errc::kUnimplemented,
                  where + ": key file version " + std::to_string(*version) +
                      " is not supported (this ans reads version " +
                      std::to_string(kKeyFileVersion) + ")");
  }
  KeyFile f;
  auto name = string_field(top, "name", where);
  if (!name) return name.status();
  f.name = *name;

  auto address_text = string_field(top, "address", where);
  if (!address_text) return address_text.status();
  auto address = EthAddress::parse(*address_text);
  if (!address) {
    return Status(Errc::kCorruption,
                  where + ": not a key file: \"address\": " + address.status().to_string());
  }
  f.address = *address;

  FixedBytes<33> pub_bytes{};
  ANS_RETURN_IF_ERROR(hex_field(top, "public_key", where, pub_bytes));
  auto pub = PublicKey::parse(pub_bytes);
  if (!pub) {
    return Status(Errc::kCorruption,
                  where + ": not a key file: \"public_key\": " + pub.status().to_string());
  }
  f.public_key = *pub;
  if (EthAddress::from_public_key(f.public_key) != f.address) {
    return Status(Errc::kCorruption,
                  where + ": damaged key file: the address is not the public key's");
  }
  ANS_RETURN_IF_ERROR(decode_kdf(top, where, f.kdf));
  ANS_RETURN_IF_ERROR(decode_cipher(top, where, f));
  return f;
}

}  // namespace ans::wallet
