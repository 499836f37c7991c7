"""A validator cut off and healed (ctest net_partition). Node3 runs in a network namespace of
its own, joined to the others by a veth pair; the others listen on the host end's address.
Setting the namespace end down cuts every connection to node3 (its packets fail, the others'
are dropped); setting it up heals. While cut (long enough for every peer to give up on the
connections), the other three keep finalizing and node3 finalizes nothing and loses its
peers; after the heal it connects again, catches up, and every final block is the same on
all four.

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and `ip`; without them the test says why and exits
77 (skipped). The namespace and the veth pair are removed at the end, whatever happens.

    partition_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import os
import random
import re
import signal
import subprocess
import sys
import time

import ans_net
from ans_net import ans_node, log

CUT_BLOCKS = 20
# Longer than a peer's idle timeout (20 s, p2p/host.h): the connections are given up on, and
# the heal must dial new ones, not just let TCP retransmit.
CUT_SECONDS = 25
SKIP = 77

NETNS = "ansnet%d" % os.getpid()
HOST_END, NS_END = "anh%d" % os.getpid(), "ann%d" % os.getpid()


def ip(*words, netns=None):
    command = (["ip", "netns", "exec", netns, "ip"] if netns else ["ip"]) + list(words)
    return subprocess.run(command, capture_output=True, text=True)


def remove_netns(name):
    # The namespace end of the veth pair goes with the namespace, and the host end with it.
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def remove_stale_namespaces():
    """Namespaces of earlier runs that died before their cleanup (ansnet<pid>, pid gone)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for pid in re.findall(r"^ansnet(\d+)", listing, re.M):
        if not os.path.exists("/proc/%s" % pid):
            remove_netns("ansnet" + pid)


def make_link():
    """The namespace and a veth pair with a /30 not in use on the host; the two addresses."""
    used = ip("-4", "addr").stdout
    for _ in range(100):
        prefix = "10.%d.%d" % (random.randint(100, 250), random.randint(0, 255))
        if prefix + "." not in used:
            break
    host_ip, ns_ip = prefix + ".1", prefix + ".2"
    steps = [(("netns", "add", NETNS), None),
             (("link", "add", HOST_END, "type", "veth", "peer", "name", NS_END, "netns", NETNS), None),
             (("addr", "add", host_ip + "/30", "dev", HOST_END), None),
             (("link", "set", HOST_END, "up"), None),
             (("addr", "add", ns_ip + "/30", "dev", NS_END), NETNS),
             (("link", "set", NS_END, "up"), NETNS),
             (("link", "set", "lo", "up"), NETNS)]
    for words, netns in steps:
        out = ip(*words, netns=netns)
        if out.returncode != 0:
            return None, "ip %s: %s" % (" ".join(words), out.stderr.strip())
    return (host_ip, ns_ip), None


def set_cut(cut):
    out = ip("link", "set", NS_END, "down" if cut else "up", netns=NETNS)
    if out.returncode != 0:
        net.fail("cannot %s the link: %s" % ("cut" if cut else "heal", out.stderr.strip()))


# A SIGTERM (ctest's timeout) unwinds through the finally below like a failure.
signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL: terminated"))
args = ans_net.Args(sys.argv)
if os.geteuid() != 0:
    print("SKIP: the partition needs root for a network namespace (running as uid %d)" % os.geteuid())
    sys.exit(SKIP)
remove_stale_namespaces()
try:
    addresses, why = make_link()
    if addresses is None:
        print("SKIP: cannot make a network namespace with a veth pair here: " + why)
        sys.exit(SKIP)
    host_ip, ns_ip = addresses

    net = ans_net.Network(args, validators=4, block_interval_ms=250)
    c = ans_node.Checker(net)
    cut_node = net.nodes[3]
    others = net.nodes[:3]
    for node in others:
        node.p2p_host = host_ip
    cut_node.p2p_host = cut_node.rpc_host = ns_ip
    cut_node.netns = NETNS
    try:
        net.start()
        net.wait_final(5, timeout_s=60)
        log("four validators finalizing; %s in namespace %s at %s" % (cut_node.name, NETNS, ns_ip))

        set_cut(True)
        # Votes already on their way may still make one more block final on the cut node.
        time.sleep(8 * net.interval_s)
        cut_final = cut_node.log_final_height()
        start = max(n.final_height() for n in others)
        log("cut at final height %d (%s: %d)" % (start, cut_node.name, cut_final))
        cut_at = time.monotonic()
        net.wait_final(start + CUT_BLOCKS, nodes=others, timeout_s=120)
        ans_node.wait_for(lambda: "0 peers" in cut_node.log_text(), 60, "the cut node to lose its peers", net)
        time.sleep(max(0.0, cut_at + CUT_SECONDS - time.monotonic()))
        c.check(cut_node.alive(), "the cut node is still running")
        c.check(cut_node.log_final_height() == cut_final, "the cut node finalized nothing while cut (final %d, was %d)" %
                (cut_node.log_final_height(), cut_final))
        log("while cut (%.0f s) the three finalized %d blocks and more; %s lost its peers and stayed at %d" %
            (time.monotonic() - cut_at, CUT_BLOCKS, cut_node.name, cut_final))

        heal_log = len(cut_node.log_text())
        set_cut(False)
        target = max(n.final_height() for n in others)
        # Both sides dial again with a backoff of up to 30 s, hence the margin.
        net.wait_final(target, nodes=[cut_node], timeout_s=150)
        log("healed: %s caught up to final height %d" % (cut_node.name, target))
        c.check("connected" in cut_node.log_text()[heal_log:], "the cut node connected to peers again after the heal")
        net.wait_final(target + 3, timeout_s=60)

        net.check_same_final_chain(c)
    finally:
        net.stop_cleanly(c)
finally:
    remove_netns(NETNS)
c.finish()
