"""scripts/testnet.sh end to end (ctest net_testnet_script): `up 4` on free ports starts four
validators that finalize and can be reached as it prints; `status`, `join`, `stop I`,
`start I` and `down` do what they say; a second `up` continues the same chain.

    testnet_script_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import json
import random
import os
import re
import shutil
import subprocess
import sys
import urllib.request

import ans_net
from ans_net import ans_node, log

args = ans_net.Args(sys.argv)
script = os.path.join(args.source_dir, "scripts", "testnet.sh")
work = os.path.join(args.work_dir, "testnet")
shutil.rmtree(work, ignore_errors=True)
env = dict(os.environ, ANSD=args.ansd)


class Script:
    """Checks by Checker; fail() says what the script printed last and stops the network."""

    last = ""

    def fail(self, message):
        print(self.last)
        testnet("down")
        sys.exit("FAIL: " + message)


runner = Script()
c = ans_node.Checker(runner)


def testnet(*words, expect=0):
    out = subprocess.run([script, *words, "--dir", work], env=env, capture_output=True, text=True, timeout=300)
    runner.last = "$ testnet.sh %s\n%s%s" % (" ".join(words), out.stdout, out.stderr)
    if expect is not None:
        c.check(out.returncode == expect, "testnet.sh %s exits %d (got %d): %s" % (
            " ".join(words), expect, out.returncode, (out.stdout + out.stderr)[-600:]))
    return out.stdout + out.stderr


def free_base(nodes):
    """A base port with P + 10*i + 0..3 free for i < nodes."""
    for _ in range(100):
        base = random.randrange(ans_net.PORT_RANGE[0], ans_net.PORT_RANGE[1] - 10 * nodes, 10)
        if all(ans_net.port_is_free(base + 10 * i + k) for i in range(nodes) for k in range(4)):
            return base
    sys.exit("FAIL: no free base port")


def status_rows():
    rows = {}
    for line in testnet("status", expect=None).splitlines()[1:]:
        words = line.split()
        rows[words[0]] = words[1:]
    return rows


def final_of(http_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/v1/info" % http_port, timeout=10) as r:
        return int(json.loads(r.read())["finalHeight"])


try:
    # Another test may take a port between the check and the start: then again elsewhere.
    for attempt in range(3):
        base = free_base(5)
        # The genesis is written by the first attempt; later ones reuse it.
        timing = ["--block-interval-ms", "250"] if attempt == 0 else []
        out = testnet("up", "4", "--base-port", str(base), *timing, expect=None)
        if "in use" not in out:
            break
        testnet("down", expect=None)
    c.check("testnet.sh: 4 validators finalizing" in out, "up starts four validators: %s" % out[-600:])
    for i in range(4):
        c.check("gRPC      127.0.0.1:%d" % (base + 10 * i + 1) in out, "up prints node%d's gRPC address" % i)
        c.check("http://127.0.0.1:%d/" % (base + 10 * i + 2) in out, "up prints node%d's explorer URL" % i)
    example = re.search(r"e\.g\. \S+ info --node 127\.0\.0\.1:%d\n" % (base + 11), out)
    c.check(example is not None, "up prints an example ans command for node1")
    info = json.loads(subprocess.run([args.ans, "info", "--node", "127.0.0.1:%d" % (base + 11), "--json"],
                                     capture_output=True, text=True, timeout=60).stdout or "{}")
    c.check(info.get("chainName") == "ans-testnet" and info.get("blockIntervalMs") == "250",
            "ans info against node1: %r" % info)
    log("up: four validators on base port %d" % base)

    rows = status_rows()
    c.check([r[0] for r in rows.values()] == ["validator"] * 4, "status lists four validators: %r" % rows)

    out = testnet("join", "--peers", "0")
    c.check("node4 (observer" in out, "join starts node4 as an observer")
    c.check(status_rows().get("node4", [""])[0] == "observer", "status lists the observer")

    testnet("stop", "2")
    c.check(status_rows().get("node2", ["", ""])[1] == "stopped", "status shows node2 stopped")
    testnet("status", expect=1)
    testnet("start", "2")
    testnet("status", expect=0)
    out = testnet("up", "4", expect=1)
    c.check("already running" in out, "up refuses while the nodes run: %r" % out[-200:])
    log("status, join, stop 2, start 2: as expected")

    before = final_of(base + 2)
    out = testnet("down")
    c.check("stopped 5 node(s)" in out, "down stops all five: %r" % out)
    for i in range(5):
        with open(os.path.join(work, "node%d" % i, "ansd.log")) as f:
            c.check("state at stopping" in f.read(), "node%d stopped cleanly" % i)
    c.check(not status_rows() or all(r[1] == "stopped" for r in status_rows().values()), "nothing runs after down")

    out = testnet("up", "4")
    c.check("continuing the chain" in out, "a second up continues the chain")
    c.check(final_of(base + 2) > before, "the chain goes on from where it stopped")
    log("down, then up again: the same chain goes on")
finally:
    testnet("down", expect=None)
c.finish()
