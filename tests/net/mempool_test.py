"""The mempool's limits through real RPC, on four validators (ctest net_mempool;
consensus/mempool.h has the rules):
  - a spammer with one funded account sends a burst of consecutive nonces: past the
    per-sender cap some are refused with RESOURCE_EXHAUSTED (try later), and another
    sender's transactions sent meanwhile are all admitted and become final;
  - a nonce gap is held: nonce n+1 sent first stays pending, not included, until nonce n
    comes; then both become final;
  - a higher fee replaces a pending transaction of the same nonce (the replacement becomes
    final, the original does not), and one without the fee bump is refused.
Transactions are signed by ans_test_txgen with the SP owners' keys and sent over gRPC to
node0; their fate is read over HTTP.

    mempool_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import subprocess
import sys
import time

import ans_net
from ans_net import ans_node, log

BURST = 200          # well past the per-sender cap (64)
WAVE = 8
TO = "0x000000000000000000000000000000000000dead"

args = ans_net.Args(sys.argv)
ans_node.generate_stubs(args)
import grpc  # noqa: E402
from ans.v1 import chain_pb2, rpc_pb2, rpc_pb2_grpc  # noqa: E402

# Slots long enough that the burst reaches the cap between two blocks even on a slow machine
# (each block takes every pending transaction of the spammer that it can).
net = ans_net.Network(args, validators=4, block_interval_ms=500)
c = ans_node.Checker(net)


def sign(node, *words, fee=None):
    """Transactions from `node`'s SP owner account, one per line of ans_test_txgen."""
    options = ["--genesis", net.genesis] + (["--fee", fee] if fee else [])
    out = subprocess.run([args.txgen, *options, *words[:1], "file:" + node.owner_key, *map(str, words[1:])],
                         check=True, capture_output=True, text=True).stdout.split()
    txs = []
    for line in out:
        stx = chain_pb2.SignedTransaction()
        stx.ParseFromString(bytes.fromhex(line))
        txs.append(stx)
    return txs


def tx_id(stx):
    return subprocess.run([args.txgen, "id", stx.SerializeToString().hex()], check=True, capture_output=True,
                          text=True).stdout.strip()


def address(node):
    return subprocess.run([args.txgen, "address", "file:" + node.owner_key], check=True, capture_output=True,
                          text=True).stdout.strip()


def nonce(node, read_at=""):
    return int(net.nodes[0].get("/v1/accounts/%s%s" % (address(node), read_at))["nonce"])


def status(stx):
    """pending | included | final | rejected, or None when node0 never heard of it."""
    answer = net.nodes[0].get("/v1/tx/" + tx_id(stx))
    return answer and answer["status"]


def send(stx):
    """None when admitted, else the gRPC status code of the refusal."""
    try:
        chain.SubmitTransaction(rpc_pb2.SubmitTransactionRequest(transaction=stx), timeout=60)
        return None
    except grpc.RpcError as e:
        return e.code()


def wait_final(txs, what):
    ans_node.wait_for(lambda: all(status(t) == "final" for t in txs), 60, what, net)


try:
    net.start()
    net.wait_final(2, timeout_s=60)
    chain = rpc_pb2_grpc.ChainServiceStub(grpc.insecure_channel(net.nodes[0].grpc_address()))
    spammer, bystander, gapper, replacer = (n for n in net.validators)

    # ---- a burst from one sender in nonce order, as fast as it goes: in waves of WAVE at
    # once, so that no nonce arrives more than the pool's gap limit (16) ahead of one still
    # unsent; then another sender, while the spammer's transactions wait
    first = nonce(spammer)
    burst = sign(spammer, "transfer", TO, "1", first, BURST)
    outcomes = []
    burst_started = time.monotonic()
    for start in range(0, BURST, WAVE):
        calls = [chain.SubmitTransaction.future(rpc_pb2.SubmitTransactionRequest(transaction=t), timeout=60)
                 for t in burst[start:start + WAVE]]
        for call in calls:
            try:
                call.result()
                outcomes.append(None)
            except grpc.RpcError as e:
                outcomes.append(e.code())
    burst_s = time.monotonic() - burst_started
    others = sign(bystander, "transfer", TO, "1", nonce(bystander), 5)
    refused_others = [code for code in map(send, others) if code is not None]
    codes = {str(code) for code in outcomes if code is not None}
    admitted = outcomes.count(None)
    log("burst of %d in %.2f s: %d admitted, %d refused as RESOURCE_EXHAUSTED, refusals %r" %
        (BURST, burst_s, admitted, outcomes.count(grpc.StatusCode.RESOURCE_EXHAUSTED), codes))
    c.check(outcomes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) > 0,
            "past the per-sender cap the spammer is refused with RESOURCE_EXHAUSTED (refusals: %r)" % codes)
    c.check(codes <= {str(grpc.StatusCode.RESOURCE_EXHAUSTED), str(grpc.StatusCode.FAILED_PRECONDITION)},
            "a refusal is RESOURCE_EXHAUSTED (sender full) or FAILED_PRECONDITION (too far ahead): %r" % codes)
    c.check(not refused_others, "the other sender's transactions are all admitted: refused %r" % refused_others)
    wait_final(others, "the other sender's transactions to become final")
    # The burst's admitted prefix (nonces first, first+1, ... without a refusal) goes through.
    prefix = next((i for i, code in enumerate(outcomes) if code is not None), BURST)
    ans_node.wait_for(lambda: nonce(spammer, "?read_at=final") >= first + prefix, 60,
                      "the spammer's %d admitted transactions to become final" % prefix, net)
    log("the other sender's 5 are final; so are the spammer's first %d" % prefix)

    # ---- a nonce gap is held, then filled
    n = nonce(gapper)
    ahead, = sign(gapper, "transfer", TO, "1", n + 1)
    gap_fill, = sign(gapper, "transfer", TO, "1", n)
    c.check(send(ahead) is None, "nonce n+1 before nonce n is admitted (held)")
    net.wait_final(net.nodes[0].final_height() + 8, timeout_s=60)
    c.check(status(ahead) == "pending", "nonce n+1 waits for n: status %r after 8 blocks" % status(ahead))
    c.check(nonce(gapper) == n, "nothing of the gapped sender was included")
    c.check(send(gap_fill) is None, "nonce n is admitted")
    wait_final([gap_fill, ahead], "nonces n and n+1 to become final once the gap is filled")
    log("a gap held for 8 blocks, then filled: both final")

    # ---- a replacement (behind a gap, so that no block takes the original first)
    n = nonce(replacer)
    original, = sign(replacer, "transfer", TO, "1", n + 1)
    replacement, = sign(replacer, "transfer", TO, "2", n + 1, fee="0.002")
    no_bump, = sign(replacer, "transfer", TO, "3", n + 1, fee="0.002")
    before, = sign(replacer, "transfer", TO, "1", n)
    c.check(send(original) is None, "the original is admitted")
    c.check(send(replacement) is None, "a higher fee for the same nonce is admitted")
    refused = send(no_bump)
    c.check(refused is not None, "the same fee again, another body, is refused (no fee bump): %r" % refused)
    c.check(send(before) is None, "the nonce before is admitted")
    wait_final([before, replacement], "the replacement to become final")
    c.check(status(original) != "final", "the replaced transaction is not final: %r" % status(original))
    c.check(nonce(replacer, "?read_at=final") == n + 2, "the replacer's nonce moved by two")
    log("the higher fee replaced the original (now %r)" % status(original))
finally:
    net.stop_cleanly(c)
c.finish()
