// A connection's first frame from a peer (p2p/wire.h decode_handshake, p2p/handshake.h): it
// decodes within the size limit or not at all; a Hello is accepted or refused with a reason;
// one accepted goes through the key agreement to a session bound to its node key, or a typed
// error; and no Auth made of the input's own bytes proves that key.
//
// With ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets it), the target first writes genuine
// seeds there: a Hello of the fixture's chain, one of another chain, and a Reject.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_seeds.h"
#include "p2p/handshake.h"
#include "p2p/wire.h"

namespace {

using ans::Errc;

ans::p2p::LocalIdentity identity(const std::string& chain) {
  ans::p2p::LocalIdentity me;
  me.chain_id = ans::sha256(ans::as_bytes(chain));
  me.chain_name = chain;
  me.listen_port = 7000;
  me.agent = "fuzz";
  return me;
}

// This node's side: one identity and one handshake begun, shared by every input.
struct Fixture {
  ans::p2p::LocalIdentity me = identity("ans p2p fuzz chain");
  ans::p2p::HandshakeStart mine = ans::p2p::begin_handshake(me);
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = fuzz_seed_dir();
  if (dir == nullptr) return 0;
  write_fuzz_seed(dir, "hello", ans::p2p::begin_handshake(identity("ans p2p fuzz chain")).hello_bytes);
  write_fuzz_seed(dir, "hello-other-chain", ans::p2p::begin_handshake(identity("another")).hello_bytes);
  ans::v1::p2p::Handshake reject;
  reject.mutable_reject()->set_reason("chain id 0011223344556677 (another), this node's is ...");
  write_fuzz_seed(dir, "reject", reject.SerializeAsString());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = fixture();
  const std::string theirs(reinterpret_cast<const char*>(data), size);
  auto frame = ans::p2p::decode_handshake(theirs);
  if (!frame) {
    FUZZ_CHECK(frame.status().code() == (size > ans::p2p::kMaxHandshakeFrameBytes ? Errc::kTooLarge
                                                                                   : Errc::kInvalidArgument));
    return 0;
  }
  FUZZ_CHECK(size <= ans::p2p::kMaxHandshakeFrameBytes);
  FUZZ_CHECK(frame->has_hello() || frame->has_reject());
  if (!frame->has_hello()) return 0;
  const ans::v1::p2p::Hello& hello = frame->hello();

  // Refused with a reason both sides can log, or accepted with every size right.
  ans::Status accepted = ans::p2p::check_hello(f.me, hello);
  if (!accepted) {
    FUZZ_CHECK(!accepted.message().empty());
    FUZZ_CHECK(accepted.code() == Errc::kFailedPrecondition || accepted.code() == Errc::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(hello.chain_id() == std::string(f.me.chain_id.begin(), f.me.chain_id.end()));
  FUZZ_CHECK(hello.node_key().size() == 33 && hello.ephemeral_key().size() == 32 && hello.nonce().size() == 32);

  // The agreement: a session whose peer is the Hello's node key, or kBadSignature.
  auto session = ans::p2p::agree(f.mine, f.mine.hello_bytes, theirs, hello, /*initiator=*/false);
  if (!session) {
    FUZZ_CHECK(session.status().code() == Errc::kBadSignature);
    return 0;
  }
  const ans::CompressedPubKey peer = session->peer_key.compressed();
  FUZZ_CHECK(std::string(peer.begin(), peer.end()) == hello.node_key());
  // No signature the input holds proves the key: the auth covers this side's fresh nonce.
  ans::v1::p2p::Auth forged;
  forged.set_signature(hello.nonce() + hello.ephemeral_key());
  FUZZ_CHECK(!ans::p2p::check_auth(f.me.chain_id, *session, false, f.mine.nonce, forged));
  return 0;
}
