"""ctest rpc_grpc_concurrency: 64 concurrent callers resolve while a background submitter
sends transfers that fill blocks. Block production keeps its slots: the dev SP misses no slot
during the load, and the final blocks made during it have consecutive slots.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ans_node  # noqa: E402

args = ans_node.Args(sys.argv)
ans_node.generate_stubs(args)

import grpc  # noqa: E402
from ans.v1 import rpc_pb2, rpc_pb2_grpc  # noqa: E402

CALLERS = 64
LOAD_S = 12
T = 30

node = ans_node.Node(args, "concurrency")
c = ans_node.Checker(node)
channel = grpc.insecure_channel(node.address())
grpc.channel_ready_future(channel).result(timeout=30)
chain = rpc_pb2_grpc.ChainServiceStub(channel)
directory = rpc_pb2_grpc.DirectoryServiceStub(channel)


def info():
    return chain.GetInfo(rpc_pb2.GetInfoRequest(), timeout=T)


def provider():
    sp_id = info().active_set[0]
    return directory.GetProvider(rpc_pb2.GetProviderRequest(sp_id=sp_id), timeout=T).provider


# Signed before the load so that the submitter only submits: 300 transfers from dev account 1.
sender = ans_node.txgen(args, "address", 1)
to = ans_node.txgen(args, "address", 2)
nonce = chain.GetAccount(rpc_pb2.GetAccountRequest(address=sender), timeout=T).nonce
transfers = [ans_node.signed_tx(args, "transfer", 1, to, "1", nonce + i) for i in range(300)]

ans_node.wait_for(lambda: info().final_height >= 2, 60, "the first final blocks", node)
before = provider()
start = info()
stop = threading.Event()
resolves = [0] * CALLERS
errors = []
submitted = [0]


def caller(i):
    # One channel per caller: 64 connections, as 64 separate clients would open.
    ch = grpc.insecure_channel(node.address())
    names = rpc_pb2_grpc.NameServiceStub(ch)
    wanted = ["founder", "abc%d" % i, "No Such Name!"]
    n = 0
    while not stop.is_set():
        try:
            r = names.Resolve(rpc_pb2.ResolveRequest(name=wanted[n % 3]), timeout=T)
            expected = ["reserved", "never_registered", "invalid"][n % 3]
            if r.record.state != expected:
                errors.append("caller %d: %s is %s, not %s" % (i, wanted[n % 3], r.record.state, expected))
            resolves[i] += 1
        except grpc.RpcError as e:
            errors.append("caller %d: %s %s" % (i, e.code(), e.details()))
        n += 1
    ch.close()


def submitter():
    ch = grpc.insecure_channel(node.address())
    stub = rpc_pb2_grpc.ChainServiceStub(ch)
    for stx in transfers:
        if stop.is_set():
            break
        try:
            stub.SubmitTransaction(rpc_pb2.SubmitTransactionRequest(transaction=stx), timeout=T)
            submitted[0] += 1
        except grpc.RpcError as e:
            errors.append("submit: %s %s" % (e.code(), e.details()))
        time.sleep(0.02)
    ch.close()


threads = [threading.Thread(target=caller, args=(i,)) for i in range(CALLERS)]
threads.append(threading.Thread(target=submitter))
for t in threads:
    t.start()
time.sleep(LOAD_S)
stop.set()
for t in threads:
    t.join()
end = info()
after = provider()

total = sum(resolves)
print("resolves: %d in %d s by %d callers (%.0f/s); transfers submitted: %d; heights %d -> %d"
      % (total, LOAD_S, CALLERS, total / LOAD_S, submitted[0], start.head_height, end.head_height))
c.check(not errors, "no call failed (%d errors, first: %s)" % (len(errors), errors[:3]))
c.check(all(n > 0 for n in resolves), "every caller had answers (fewest: %d)" % min(resolves))
c.check(submitted[0] >= 100, "the submitter sent at least 100 transfers (%d)" % submitted[0])
c.check(after.missed_slots == before.missed_slots,
        "the dev SP missed no slot under load (missed_slots %d -> %d)" % (before.missed_slots, after.missed_slots))
c.check(end.head_height - start.head_height >= LOAD_S,
        "blocks went on: %d in %d s of 500 ms slots" % (end.head_height - start.head_height, LOAD_S))

# The final blocks made during the load: consecutive slots, and they carry the transfers.
ans_node.wait_for(lambda: info().final_height >= end.head_height, 60, "the load's blocks to be final", node)
blocks = []
stream = chain.StreamBlocks(rpc_pb2.StreamBlocksRequest(from_height=start.head_height), timeout=60)
for block in stream:
    blocks.append(block)
    if block.height >= end.head_height:
        break
stream.cancel()
gaps = [(a.height, a.slot, b.slot) for a, b in zip(blocks, blocks[1:]) if b.slot != a.slot + 1]
c.check(not gaps, "the load's blocks have consecutive slots (gaps at %s)" % gaps[:5])
carried = sum(1 for b in blocks for t in b.transactions if t.type == "transfer")
c.check(carried >= 100, "the load's blocks carry the transfers (%d)" % carried)
account = chain.GetAccount(rpc_pb2.GetAccountRequest(address=sender), timeout=T)
c.check(account.nonce == nonce + submitted[0], "every submitted transfer was applied (nonce %d -> %d, %d sent)"
        % (nonce, account.nonce, submitted[0]))
c.check(node.alive(), "ansd is still running")
c.check(node.stop() == 0, "ansd stops cleanly")
c.finish()
