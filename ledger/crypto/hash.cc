#include "ledger/crypto/hash.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace ans {
namespace {

// Fetched once for the life of the process: an implicit fetch would look the algorithm up in
// OpenSSL's providers on every call, which costs more than hashing a short message.
// A missing digest means a broken OpenSSL install, which no caller can recover from.
const EVP_MD* fetch_or_die(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) {
    std::fprintf(stderr, "fatal: OpenSSL has no %s digest\n", name);
    std::abort();
  }
  return md;
}

const EVP_MD* ripemd160_md() {
  static const EVP_MD* md = fetch_or_die("RIPEMD160");
  return md;
}

// One reusable context per thread per digest avoids an allocation per hash.
template <size_t N>
FixedBytes<N> digest(const EVP_MD* md, ByteView data) {
  thread_local struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  } holder;
  FixedBytes<N> out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(holder.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(holder.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(holder.ctx, out.data(), &len) != 1 || len != N) {
    std::fprintf(stderr, "fatal: OpenSSL digest failed\n");
    std::abort();
  }
  return out;
}

}  // namespace

Hash256 sha256d(ByteView data) {
  Hash256 once = sha256(data);
  return sha256(once);
}

Hash160 ripemd160(ByteView data) { return digest<20>(ripemd160_md(), data); }

Hash160 hash160(ByteView data) {
  Hash256 inner = sha256(data);
  return ripemd160(inner);
}

Hash256 tagged_hash(std::string_view tag, std::initializer_list<ByteView> parts) {
  // SHA256(tag) || SHA256(tag) is exactly one block: its state is kept per tag (per thread,
  // for the few tags the chain uses), so each hash starts after it.
  constexpr size_t kMaxTags = 32;
  thread_local std::vector<std::pair<std::string, Sha256>> after_tag;
  const Sha256* start = nullptr;
  for (const auto& [t, h] : after_tag) {
    if (t == tag) {
      start = &h;
      break;
    }
  }
  Sha256 h;
  if (start != nullptr) {
    h = *start;
  } else {
    const Hash256 tag_hash = sha256(as_bytes(tag));
    h.update(tag_hash).update(tag_hash);
    if (after_tag.size() < kMaxTags) after_tag.emplace_back(std::string(tag), h);
  }
  for (ByteView part : parts) h.update(part);
  return h.finish();
}

}  // namespace ans
