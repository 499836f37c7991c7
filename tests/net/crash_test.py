"""A validator crashes and comes back (ctest net_crash): one of four is SIGKILLed; the other
three keep finalizing for 20 blocks and more (finality never stalls for more than ten slots);
restarted on the same data directory it catches up, and every final block is the same on
all four.

    crash_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import re
import sys
import time

import ans_net
from ans_net import ans_node, log

OUTAGE_BLOCKS = 20
MAX_STALL_SLOTS = 10

args = ans_net.Args(sys.argv)
net = ans_net.Network(args, validators=4, block_interval_ms=250)
c = ans_node.Checker(net)
victim = net.nodes[2]
others = [n for n in net.nodes if n is not victim]
try:
    net.start()
    net.wait_final(5, timeout_s=60)
    victim.kill()
    crashed_at = max(n.final_height() for n in others)
    log("%s SIGKILLed at final height %d" % (victim.name, crashed_at))

    # ---- the other three: sampled each slot; the longest time each went without a new
    # final block
    last = {n.name: (n.final_height(), time.monotonic()) for n in others}
    stall = {n.name: 0.0 for n in others}
    deadline = time.monotonic() + 120
    while min(h for h, _ in last.values()) < crashed_at + OUTAGE_BLOCKS:
        if time.monotonic() > deadline:
            net.fail("the three did not finalize %d blocks in 120 s: %r" % (OUTAGE_BLOCKS, last))
        time.sleep(net.interval_s)
        for n in others:
            height, since = last[n.name]
            now = time.monotonic()
            current = n.final_height()
            if current > height:
                last[n.name] = (current, now)
            stall[n.name] = max(stall[n.name], now - since)
    limit = MAX_STALL_SLOTS * net.interval_s
    for name, longest in stall.items():
        c.check(longest <= limit, "%s: finality stalled %.1f s with 3 of 4 up (at most %.1f s)" % (name, longest, limit))
    log("3 of 4 finalized %d blocks; longest stall %.1f s" % (OUTAGE_BLOCKS, max(stall.values())))

    # ---- back on the same data: it continues its chain and catches up
    victim.start()
    opening = re.search(r"state at opening: head (\d+)", victim.log_text())
    c.check(opening and int(opening.group(1)) > 0, "the restarted node opened its old chain: %r" %
            (opening and opening.group(0)))
    target = max(n.final_height() for n in others)
    net.wait_final(target, nodes=[victim], timeout_s=120)
    log("%s caught up to final height %d" % (victim.name, target))
    net.wait_final(target + 3, timeout_s=60)  # and finalizes with the others again

    net.check_same_final_chain(c)
finally:
    net.stop_cleanly(c)
c.finish()
