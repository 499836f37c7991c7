"""ctest rpc_python_client: a client outside C++ drives `ansd --dev` end to end through the
repo's .proto files (Python, Debian's python3-grpcio and python3-grpc-tools).

It submits a NameCommit that ans_test_txgen signed, waits three blocks, submits the
NameRegister waiting for finality, then resolves and checks the name, lists providers, reads
the chain, the account and the transaction, and streams final blocks from 0 (and again from a
middle height, as after a reconnect) with no gap or repeat. Health and reflection are
reachable; the admin service is on its own listener only.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ans_node  # noqa: E402

args = ans_node.Args(sys.argv)
ans_node.generate_stubs(args)

import grpc  # noqa: E402
from ans.v1 import rpc_pb2, rpc_pb2_grpc  # noqa: E402
from std_grpc.health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from std_grpc.reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402

node = ans_node.Node(args, "python-client")
c = ans_node.Checker(node)
channel = grpc.insecure_channel(node.address())
grpc.channel_ready_future(channel).result(timeout=30)
names = rpc_pb2_grpc.NameServiceStub(channel)
directory = rpc_pb2_grpc.DirectoryServiceStub(channel)
chain = rpc_pb2_grpc.ChainServiceStub(channel)
T = 30  # seconds: every unary call's deadline

# ---- health and reflection
health = health_pb2_grpc.HealthStub(channel)
for service in ["", "ans.v1.NameService", "ans.v1.ChainService", "ans.v1.DirectoryService"]:
    status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=T).status
    c.check(status == health_pb2.HealthCheckResponse.SERVING, "health of '%s' is SERVING" % service)
reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
answers = list(reflection.ServerReflectionInfo(
    iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=T))
listed = {s.name for s in answers[0].list_services_response.service}
for service in ["ans.v1.NameService", "ans.v1.DirectoryService", "ans.v1.ChainService",
                "ans.v1.EchoService", "grpc.health.v1.Health"]:
    c.check(service in listed, "reflection lists %s (got %s)" % (service, sorted(listed)))
c.check("ans.v1.AdminService" not in listed, "the public listener does not serve AdminService")
answers = list(reflection.ServerReflectionInfo(
    iter([reflection_pb2.ServerReflectionRequest(file_containing_symbol="ans.v1.NameService")]),
    timeout=T))
c.check(len(answers[0].file_descriptor_response.file_descriptor_proto) >= 1,
        "reflection serves the descriptor of ans.v1.NameService")

# ---- admin: its own listener
admin_channel = grpc.insecure_channel(node.admin_address())
status = rpc_pb2_grpc.AdminServiceStub(admin_channel).GetStatus(rpc_pb2.GetStatusRequest(), timeout=T)
c.check(status.producer != "" and status.node_fault == "", "admin GetStatus: a producer, no fault")
try:
    rpc_pb2_grpc.AdminServiceStub(channel).GetStatus(rpc_pb2.GetStatusRequest(), timeout=T)
    c.check(False, "AdminService on the public listener is refused")
except grpc.RpcError as e:
    c.check(e.code() == grpc.StatusCode.UNIMPLEMENTED,
            "AdminService on the public listener: UNIMPLEMENTED (got %s)" % e.code())

# ---- chain info
info = chain.GetInfo(rpc_pb2.GetInfoRequest(), timeout=T)
c.check(info.chain_name == "ans-dev", "GetInfo chain_name ans-dev (got %r)" % info.chain_name)
c.check(len(info.chain_id) == 64 and len(info.genesis_hash) == 64, "GetInfo: hex chain id and genesis hash")
c.check(len(info.active_set) == 1, "GetInfo: one SP in the dev active set")
c.check(info.block_interval_ms == 500, "GetInfo: 500 ms blocks")

# ---- the account
owner = ans_node.txgen(args, "address", 0)
account = chain.GetAccount(rpc_pb2.GetAccountRequest(address=owner), timeout=T)
c.check(account.address.lower() == owner.lower(), "GetAccount answers for the address asked")
c.check(account.balance != "" and account.balance != "0", "GetAccount: dev account 0 is funded")
nonce = account.nonce

# ---- the genesis, checked against the chain id; raw state at one view
genesis = chain.GetGenesis(rpc_pb2.GetGenesisRequest(), timeout=T)
tag = hashlib.sha256(b"ANS/v1/chain-id").digest()
c.check(genesis.chain_id == info.chain_id, "GetGenesis: the chain id of GetInfo")
c.check(hashlib.sha256(tag + tag + genesis.genesis_json.encode()).hexdigest() == info.chain_id,
        "GetGenesis: the chain id is the tagged hash of the genesis JSON")
c.check(json.loads(genesis.genesis_json)["chain_name"] == "ans-dev", "GetGenesis: the dev genesis")
state = chain.GetState(rpc_pb2.GetStateRequest(keys=[b"A" + bytes.fromhex(owner[2:]), b"A" + bytes(20)]), timeout=T)
c.check(len(state.entries) == 2 and state.entries[0].present and not state.entries[1].present,
        "GetState: dev account 0 is present, the zero address absent")
c.check(state.entries[0].key == b"A" + bytes.fromhex(owner[2:]) and state.at.height > 0, "GetState: keys and view")

# ---- commit, three blocks, register
name = "pyclient%d" % (os.getpid() % 100000)
salt = os.urandom(32).hex()
target = "moky@anywhere"
commit = ans_node.signed_tx(args, "commit", name, 0, salt, nonce)
submitted = chain.SubmitTransaction(
    rpc_pb2.SubmitTransactionRequest(transaction=commit, wait=rpc_pb2.WAIT_FOR_INCLUDED), timeout=T)
c.check(submitted.status in ("included", "final"), "the commit is included (got %s)" % submitted.status)
commit_height = submitted.height
commit_hash = submitted.hash
ans_node.wait_for(
    lambda: chain.GetInfo(rpc_pb2.GetInfoRequest(), timeout=T).head_height >= commit_height + 3,
    60, "three blocks after the commit", node)

register = ans_node.signed_tx(args, "register", name, 0, salt, 1, target, nonce + 1)
registered = chain.SubmitTransaction(
    rpc_pb2.SubmitTransactionRequest(transaction=register, wait=rpc_pb2.WAIT_FOR_FINAL), timeout=T)
c.check(registered.status == "final", "the registration is final (got %s)" % registered.status)
c.check(registered.height >= commit_height + 3, "the registration is 3+ blocks after the commit")
c.check(registered.hash == ans_node.txgen(args, "id", register.SerializeToString().hex()),
        "SubmitTransaction's hash is the transaction id")

# ---- the name
resolved = names.Resolve(rpc_pb2.ResolveRequest(name=name), timeout=T).record
c.check(resolved.state == "active", "Resolve: active (got %r)" % resolved.state)
c.check(resolved.owner.lower() == owner.lower(), "Resolve: owner is dev account 0")
c.check(resolved.records.target == target, "Resolve: target %s (got %r)" % (target, resolved.records.target))
c.check(resolved.expiry_s > 0 and resolved.grace_ends_s > resolved.expiry_s, "Resolve: expiry and grace")
c.check(resolved.registered_height == registered.height, "Resolve: registered_height is the block's")
final_resolved = names.Resolve(rpc_pb2.ResolveRequest(name=name, read_at=rpc_pb2.READ_AT_FINAL), timeout=T)
c.check(final_resolved.record.state == "active", "Resolve at the final block: active")
c.check(final_resolved.at.height >= registered.height, "Resolve at final reads a block at or above the registration")

checked = names.CheckName(rpc_pb2.CheckNameRequest(name=name, years=2), timeout=T)
c.check(checked.valid and not checked.available, "CheckName: valid and not available")
c.check(checked.unavailable_reason != "", "CheckName: says why it is not available")
c.check(checked.years == 2 and checked.yearly_fee != "" and checked.total != "", "CheckName: a price for 2 years")
free = names.CheckName(rpc_pb2.CheckNameRequest(name=name + "free"), timeout=T)
c.check(free.valid and free.available and free.state == "never_registered",
        "CheckName of a free name: available, never registered")
c.check(free.years == 1 and free.total == free.yearly_fee, "CheckName: years 0 means 1 and total = fee")
bad = names.CheckName(rpc_pb2.CheckNameRequest(name="Not A Name!"), timeout=T)
c.check(not bad.valid and bad.invalid_reason != "", "CheckName of a bad name: invalid, with the reason")

by_owner = names.ListByOwner(rpc_pb2.ListByOwnerRequest(owner=owner), timeout=T)
c.check(name in [r.name for r in by_owner.names], "ListByOwner lists the name")

# ---- the directory
providers = directory.ListProviders(rpc_pb2.ListProvidersRequest(), timeout=T).providers
c.check(len(providers) == 1, "ListProviders: the dev SP")
if providers:
    sp = providers[0]
    c.check(sp.active and len(sp.stations) == 1 and sp.stations[0].port == 9394,
            "the dev SP is active with its station on port 9394")
    c.check(sp.produced_blocks > 0 and sp.weight != "", "the dev SP has produced blocks and has a weight")
    one = directory.GetProvider(rpc_pb2.GetProviderRequest(sp_id=sp.sp_id), timeout=T).provider
    c.check(one.sp_id == sp.sp_id and one.owner == sp.owner, "GetProvider answers for the SP asked")
    stations = directory.ListStations(rpc_pb2.ListStationsRequest(), timeout=T).stations
    c.check([s.provider for s in stations] == [sp.sp_id], "ListStations: the dev SP's station")

# ---- account and transactions after
account = chain.GetAccount(rpc_pb2.GetAccountRequest(address=owner), timeout=T)
c.check(account.nonce == nonce + 2, "GetAccount: the nonce counts both transactions")
tx = chain.GetTransaction(rpc_pb2.GetTransactionRequest(hash=registered.hash), timeout=T)
c.check(tx.status == "final" and tx.height == registered.height, "GetTransaction: final, in its block")
c.check(tx.transaction.type == "name_register" and tx.transaction.fields.get("name") == name,
        "GetTransaction: a name_register of the name (got %s %s)" % (tx.transaction.type, dict(tx.transaction.fields)))
tx = chain.GetTransaction(rpc_pb2.GetTransactionRequest(hash=commit_hash), timeout=T)
c.check(tx.status == "final" and tx.height == commit_height, "GetTransaction of the commit: final")

by_height = chain.GetBlock(rpc_pb2.GetBlockRequest(height=registered.height), timeout=T).block
by_hash = chain.GetBlock(rpc_pb2.GetBlockRequest(hash=registered.block_hash, include_raw=True), timeout=T).block
c.check(by_height.hash == registered.block_hash and by_hash.height == registered.height,
        "GetBlock by height and by hash agree")
c.check(len(by_hash.raw) > 0 and len(by_height.raw) == 0, "GetBlock: raw only when asked")


# ---- StreamBlocks: from 0, then from a middle height as after a reconnect
def stream(from_height, until_height):
    blocks = []
    call = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=from_height), timeout=120)
    for block in call:
        blocks.append(block)
        if block.height >= until_height:
            break
    call.cancel()
    return blocks


first = stream(0, registered.height + 2)
heights = [b.height for b in first]
c.check(heights == list(range(0, registered.height + 3)), "StreamBlocks from 0: every height once, in order")
c.check(all(b.final for b in first), "StreamBlocks: final blocks only")
c.check(all(first[i].prev_hash == first[i - 1].hash for i in range(1, len(first))),
        "StreamBlocks: each block's prev_hash is the one before it")
seen = [b for b in first if any(t.hash == registered.hash for t in b.transactions)]
c.check(len(seen) == 1 and seen[0].height == registered.height,
        "StreamBlocks shows the registration once, in its final block")
middle = registered.height // 2
second = stream(middle, registered.height + 2)
c.check([b.height for b in second] == list(range(middle, registered.height + 3)),
        "StreamBlocks from a middle height: no gap, no repeat")
c.check([b.hash for b in second] == [b.hash for b in first[middle:]], "the reconnect sees the same blocks")

c.check(node.alive(), "ansd is still running")
code = node.stop()
c.check(code == 0, "ansd stops cleanly on SIGTERM (exit %s)" % code)
c.finish()
