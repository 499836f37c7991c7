"""ctest rpc_grpc_bad_requests: malformed and oversized requests to every gRPC method, each
checked for its status code, while the node goes on producing (the head advances during and
after) and serving good requests.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ans_node  # noqa: E402

args = ans_node.Args(sys.argv)
ans_node.generate_stubs(args)

import grpc  # noqa: E402
from ans.v1 import chain_pb2, rpc_pb2, rpc_pb2_grpc  # noqa: E402

node = ans_node.Node(args, "bad-requests")
c = ans_node.Checker(node)
channel = grpc.insecure_channel(node.address(), options=[("grpc.max_send_message_length", 8 << 20)])
grpc.channel_ready_future(channel).result(timeout=30)
names = rpc_pb2_grpc.NameServiceStub(channel)
directory = rpc_pb2_grpc.DirectoryServiceStub(channel)
chain = rpc_pb2_grpc.ChainServiceStub(channel)
echo = rpc_pb2_grpc.EchoServiceStub(channel)
T = 30
OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
FAILED = grpc.StatusCode.FAILED_PRECONDITION


def head():
    return chain.GetInfo(rpc_pb2.GetInfoRequest(), timeout=T).head_height


def call(method, request, timeout=T):
    """(code, details, response) of one unary call."""
    try:
        return OK, "", method(request, timeout=timeout)
    except grpc.RpcError as e:
        return e.code(), e.details() or "", None


def expect(what, method, request, code, check=None, timeout=T):
    got, details, response = call(method, request, timeout)
    c.check(got == code, "%s: %s (got %s: %s)" % (what, code.name, got.name, details))
    if got != OK and got == code and got != grpc.StatusCode.UNIMPLEMENTED:
        c.check(len(details) > 10, "%s: the message says what is wrong (%r)" % (what, details))
    if check is not None and response is not None:
        c.check(check(response), "%s: the answer (%s)" % (what, str(response)[:300]))


start_head = head()
zero_hash = "00" * 32
owner = ans_node.txgen(args, "address", 0)
huge = "a" * (2 << 20)  # over max_request_bytes (1 MiB)

# ---- NameService
expect("Resolve of a malformed name", names.Resolve, rpc_pb2.ResolveRequest(name="No Such Name!"), OK,
       lambda r: r.record.state == "invalid" and r.record.reason != "")
expect("Resolve of an empty name", names.Resolve, rpc_pb2.ResolveRequest(name=""), OK,
       lambda r: r.record.state == "invalid")
expect("Resolve of a 1000-byte name", names.Resolve, rpc_pb2.ResolveRequest(name="a" * 1000), OK,
       lambda r: r.record.state == "invalid")
expect("Resolve over max_request_bytes", names.Resolve, rpc_pb2.ResolveRequest(name=huge), EXHAUSTED)
expect("Reverse of a malformed address", names.Reverse, rpc_pb2.ReverseRequest(address="0xZZ"), INVALID)
expect("Reverse of an empty address", names.Reverse, rpc_pb2.ReverseRequest(address=""), INVALID)
expect("Reverse with a bad EIP-55 checksum", names.Reverse,
       rpc_pb2.ReverseRequest(address=owner[:2] + owner[2:].swapcase()) if owner[2:] != owner[2:].swapcase()
       else rpc_pb2.ReverseRequest(address="0x" + "g" * 40), INVALID)
expect("ListByOwner of a malformed owner", names.ListByOwner, rpc_pb2.ListByOwnerRequest(owner="nobody"), INVALID)
expect("ListByOwner with a page over the maximum", names.ListByOwner,
       rpc_pb2.ListByOwnerRequest(owner=owner, page_size=1_000_000), INVALID)
expect("ListByOwner with a garbage page token", names.ListByOwner,
       rpc_pb2.ListByOwnerRequest(owner=owner, page_token="%%garbage%%"), INVALID)
expect("CheckName of a malformed name", names.CheckName, rpc_pb2.CheckNameRequest(name="UPPER"), OK,
       lambda r: not r.valid and r.invalid_reason != "")
expect("CheckName for 11 years", names.CheckName, rpc_pb2.CheckNameRequest(name="abcdef", years=11), INVALID)
expect("CheckName for 4 billion years", names.CheckName,
       rpc_pb2.CheckNameRequest(name="abcdef", years=4_000_000_000), INVALID)
expect("Prove of a malformed name", names.Prove, rpc_pb2.ProveRequest(name="No Such Name!"), INVALID)
expect("Prove at a height never reached", names.Prove, rpc_pb2.ProveRequest(name="abcdef", height=10**12), NOT_FOUND)

# ---- DirectoryService
expect("ListProviders with a page over the maximum", directory.ListProviders,
       rpc_pb2.ListProvidersRequest(page_size=5000), INVALID)
expect("ListProviders with a garbage page token", directory.ListProviders,
       rpc_pb2.ListProvidersRequest(page_token="\x00\x01"), INVALID)
expect("GetProvider of an empty id", directory.GetProvider, rpc_pb2.GetProviderRequest(sp_id=""), INVALID)
expect("GetProvider of a malformed id", directory.GetProvider, rpc_pb2.GetProviderRequest(sp_id="not an id"), INVALID)
sp_id = directory.ListProviders(rpc_pb2.ListProvidersRequest(), timeout=T).providers[0].sp_id
expect("GetProvider of an SP that does not exist", directory.GetProvider,
       rpc_pb2.GetProviderRequest(sp_id="nobody" + sp_id[sp_id.index("@"):]), NOT_FOUND)
expect("ListStations over max_request_bytes", directory.ListStations,
       rpc_pb2.ListStationsRequest(), OK)  # no fields to get wrong

# ---- ChainService
expect("GetBlock with neither height nor hash", chain.GetBlock, rpc_pb2.GetBlockRequest(), OK,
       lambda r: r.block.height == 0)  # height 0 is set by default in proto3: the genesis block
expect("GetBlock at a height not reached", chain.GetBlock, rpc_pb2.GetBlockRequest(height=10**12), NOT_FOUND)
expect("GetBlock of a malformed hash", chain.GetBlock, rpc_pb2.GetBlockRequest(hash="xyz"), INVALID)
expect("GetBlock of a short hash", chain.GetBlock, rpc_pb2.GetBlockRequest(hash="abcd"), INVALID)
expect("GetBlock of an unknown hash", chain.GetBlock, rpc_pb2.GetBlockRequest(hash=zero_hash), NOT_FOUND)
expect("GetTransaction of a malformed hash", chain.GetTransaction, rpc_pb2.GetTransactionRequest(hash="q" * 64), INVALID)
expect("GetTransaction of an empty hash", chain.GetTransaction, rpc_pb2.GetTransactionRequest(hash=""), INVALID)
expect("GetTransaction of an unknown hash", chain.GetTransaction, rpc_pb2.GetTransactionRequest(hash=zero_hash), NOT_FOUND)
expect("GetAccount of a malformed address", chain.GetAccount, rpc_pb2.GetAccountRequest(address="0x123"), INVALID)
expect("GetState without keys", chain.GetState, rpc_pb2.GetStateRequest(), INVALID)
expect("GetState of 65 keys", chain.GetState, rpc_pb2.GetStateRequest(keys=[b"a"] * 65), INVALID)
expect("GetState of an empty key", chain.GetState, rpc_pb2.GetStateRequest(keys=[b""]), INVALID)
expect("GetState of a 257-byte key", chain.GetState, rpc_pb2.GetStateRequest(keys=[b"a" * 257]), INVALID)
expect("GetState of an unknown read_at", chain.GetState, rpc_pb2.GetStateRequest(keys=[b"a"], read_at=7), INVALID)
expect("GetState of an absent key", chain.GetState, rpc_pb2.GetStateRequest(keys=[b"\xfe\xfe"]), OK,
       lambda r: len(r.entries) == 1 and not r.entries[0].present)
expect("GetGenesis with unknown fields", chain.GetGenesis, rpc_pb2.GetGenesisRequest.FromString(b"\x0a\x01a"), OK,
       lambda r: r.genesis_json.startswith("{"))
expect("GetInfo over max_request_bytes", chain.GetInfo,
       rpc_pb2.GetInfoRequest.FromString(b"\x0a" + b"\x80\x80\x80\x01" + b"a" * (2 << 20)), EXHAUSTED)

# Transactions: none, garbage, wrong chain, bad signature, stale nonce, a huge one.
nonce = chain.GetAccount(rpc_pb2.GetAccountRequest(address=owner), timeout=T).nonce
good = ans_node.signed_tx(args, "transfer", 0, ans_node.txgen(args, "address", 1), "1", nonce)
# The malformed variants are of another transaction: a rejection is remembered by transaction
# id, which does not cover the signature.
variant = ans_node.signed_tx(args, "transfer", 0, ans_node.txgen(args, "address", 1), "3", nonce)
expect("SubmitTransaction without a transaction", chain.SubmitTransaction, rpc_pb2.SubmitTransactionRequest(), INVALID)
expect("SubmitTransaction of an empty transaction", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=chain_pb2.SignedTransaction()), INVALID)
garbage = chain_pb2.SignedTransaction()
garbage.CopyFrom(variant)
garbage.tx.sender_key = b"\x07" * 33
expect("SubmitTransaction with a key off the curve", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=garbage), INVALID)
bad_sig = chain_pb2.SignedTransaction()
bad_sig.CopyFrom(variant)
bad_sig.signature = bytes(64)
expect("SubmitTransaction with a bad signature", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=bad_sig), INVALID)
short_sig = chain_pb2.SignedTransaction()
short_sig.CopyFrom(variant)
short_sig.signature = b"\x01\x02"
expect("SubmitTransaction with a 2-byte signature", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=short_sig), INVALID)
tampered = chain_pb2.SignedTransaction()
tampered.CopyFrom(variant)
tampered.tx.nonce = nonce + 1  # signed for another nonce: the signature no longer verifies
expect("SubmitTransaction of a tampered transaction", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=tampered), INVALID)
no_fee = chain_pb2.SignedTransaction()
no_fee.CopyFrom(variant)
no_fee.tx.fee = b"\x00\x01"  # not canonical amount bytes
expect("SubmitTransaction with malformed fee bytes", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=no_fee), INVALID)
big = chain_pb2.SignedTransaction()
big.CopyFrom(variant)
big.tx.name_register.name = "a" * 20000  # over the 16 KiB transaction limit, under 1 MiB
expect("SubmitTransaction of a transaction over 16 KiB", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=big), INVALID)
expect("SubmitTransaction over max_request_bytes", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=chain_pb2.SignedTransaction(signature=b"x" * (2 << 20))), EXHAUSTED)
expect("SubmitTransaction of a valid transfer", chain.SubmitTransaction,
       rpc_pb2.SubmitTransactionRequest(transaction=good, wait=rpc_pb2.WAIT_FOR_INCLUDED), OK,
       lambda r: r.status in ("included", "final"))
stale = ans_node.signed_tx(args, "transfer", 0, ans_node.txgen(args, "address", 1), "2", nonce)
got, details, _ = call(chain.SubmitTransaction,
                       rpc_pb2.SubmitTransactionRequest(transaction=stale, wait=rpc_pb2.WAIT_FOR_INCLUDED), timeout=10)
c.check(got == FAILED, "SubmitTransaction of another transfer with a used nonce, waiting: "
        "FAILED_PRECONDITION (got %s: %s)" % (got.name, details))
future = ans_node.signed_tx(args, "transfer", 0, ans_node.txgen(args, "address", 1), "1", nonce + 1000)
got, details, _ = call(chain.SubmitTransaction,
                       rpc_pb2.SubmitTransactionRequest(transaction=future, wait=rpc_pb2.WAIT_FOR_INCLUDED),
                       timeout=1.5)
c.check(got in (grpc.StatusCode.DEADLINE_EXCEEDED, FAILED),
        "SubmitTransaction of a nonce far ahead with a 1.5 s deadline: DEADLINE_EXCEEDED or "
        "FAILED_PRECONDITION (got %s: %s)" % (got.name, details))

# ---- EchoService and raw bytes
expect("Echo of 512 KiB", echo.Echo, rpc_pb2.EchoMessage(payload=b"x" * (512 << 10)), OK,
       lambda r: len(r.payload) == 512 << 10)
expect("Echo over max_request_bytes", echo.Echo, rpc_pb2.EchoMessage(payload=b"x" * (2 << 20)), EXHAUSTED)
for method in ["/ans.v1.NameService/Resolve", "/ans.v1.ChainService/SubmitTransaction",
               "/ans.v1.DirectoryService/GetProvider"]:
    raw = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    got, details, _ = call(raw, b"\xff\xff\xff\xff\x0f")
    c.check(got in (grpc.StatusCode.INTERNAL, INVALID), "%s of bytes that are no message: refused (got %s)" % (method, got.name))
raw = channel.unary_unary("/ans.v1.NameService/NoSuchMethod", request_serializer=None, response_deserializer=None)
c.check(call(raw, b"")[0] == grpc.StatusCode.UNIMPLEMENTED, "an unknown method: UNIMPLEMENTED")
admin_on_public = rpc_pb2_grpc.AdminServiceStub(channel).GetStatus
expect("AdminService on the public listener", admin_on_public, rpc_pb2.GetStatusRequest(), grpc.StatusCode.UNIMPLEMENTED)

# ---- StreamBlocks: a height far ahead (waits, within the client's deadline), too many streams
stream = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=10**12), timeout=1.5)
try:
    next(stream)
    c.check(False, "StreamBlocks from a height far ahead sends nothing")
except grpc.RpcError as e:
    c.check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "StreamBlocks far ahead: the client's deadline ends it (%s)" % e.code())

admin = rpc_pb2_grpc.AdminServiceStub(grpc.insecure_channel(node.admin_address()))


def open_streams():
    return admin.GetStatus(rpc_pb2.GetStatusRequest(), timeout=T).open_streams


# The server notices a cancelled stream within its poll (200 ms).
ans_node.wait_for(lambda: open_streams() == 0, 30, "the stream far ahead to close on the server", node)
max_streams = 64  # ApiLimits::max_streams
opened = []
first_blocks = []
for i in range(max_streams):
    s = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=0), timeout=120)
    first_blocks.append(next(s).height)  # the stream is open on the server once a block came
    opened.append(s)
c.check(first_blocks == [0] * max_streams, "%d streams open, each from genesis" % max_streams)
c.check(open_streams() == max_streams, "GetStatus counts %d open streams" % max_streams)
extra = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=0), timeout=30)
try:
    next(extra)
    c.check(False, "stream %d is refused" % (max_streams + 1))
except grpc.RpcError as e:
    c.check(e.code() == EXHAUSTED, "stream %d: RESOURCE_EXHAUSTED (got %s: %s)" % (max_streams + 1, e.code(), e.details()))
mid_head = head()
c.check(mid_head > start_head, "the head advanced while the bad requests came (%d -> %d)" % (start_head, mid_head))
for s in opened:
    s.cancel()


def stream_opens():
    s = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=0), timeout=30)
    try:
        return next(s).height == 0
    except grpc.RpcError:
        return False
    finally:
        s.cancel()


ans_node.wait_for(stream_opens, 30, "a stream to open again after the others were cancelled", node)
c.check(True, "a stream opens again once the others are cancelled")

# ---- the node goes on
ans_node.wait_for(lambda: head() >= mid_head + 3, 60, "three more blocks after the bad requests", node)
expect("Resolve still answers", names.Resolve, rpc_pb2.ResolveRequest(name="founder"), OK,
       lambda r: r.record.state == "reserved")
c.check(node.alive(), "ansd is still running")
c.check(node.stop() == 0, "ansd stops cleanly")
c.finish()
