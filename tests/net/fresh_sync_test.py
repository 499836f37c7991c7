"""A fresh node joins a long chain (ctest net_fresh_sync): four validators run 100 ms slots
until 500 blocks are final; then a non-validating node, peered with two of them, range-syncs
every final block (its log says "sync: ...", ans_sync_blocks_total counts them), follows the
chain from there, and has the same blocks and state roots as the validators.

    fresh_sync_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import sys

import ans_net
from ans_net import ans_node, log

CHAIN_BLOCKS = 500

args = ans_net.Args(sys.argv)
net = ans_net.Network(args, validators=4, block_interval_ms=100)
c = ans_node.Checker(net)
try:
    net.start()
    # 50 s at full speed; a busy machine misses slots, hence the margin.
    net.wait_final(CHAIN_BLOCKS, timeout_s=300)
    log("%d blocks final on the validators" % CHAIN_BLOCKS)

    fresh = net.add_observer(peers=net.nodes[:2])
    net.start([fresh])
    target = min(n.final_height() for n in net.validators)
    net.wait_final(target, nodes=[fresh], timeout_s=180)
    log("%s synced to final height %d" % (fresh.name, target))

    text = fresh.log_text()
    c.check("sync: " in text and "fetching final blocks from peers" in text,
            "the fresh node range-synced (its log has the sync: lines)")
    # Range sync is not the only way in: the engine also fetches the missing parents of a
    # gossiped block one by one, so the counter may be below the blocks synced.
    synced = int(fresh.metrics().get("ans_sync_blocks_total", 0))
    c.check(synced > 0, "range sync delivered blocks (ans_sync_blocks_total %d)" % synced)
    log("range sync delivered %d of the %d blocks" % (synced, target))
    c.check(fresh.get("/v1/info")["activeSet"] == net.nodes[0].get("/v1/info")["activeSet"],
            "the fresh node has the validators' active set")

    # It follows the chain by gossip once synced.
    net.wait_final(target + 10, timeout_s=60)

    # The same blocks and state roots on the fresh node as on a validator it did not dial,
    # and the same block and state root at the latest common final height on all five.
    common = net.check_same_final_chain(c, [fresh, net.nodes[3]])
    blocks = [n.block(common) for n in net.nodes]
    c.check(len({(b["hash"], b["stateRoot"]) for b in blocks}) == 1,
            "block %d and its state root are the same on all five: %r" %
            (common, [(b["hash"][:12], b["stateRoot"][:12]) for b in blocks]))
finally:
    net.stop_cleanly(c)
c.finish()
