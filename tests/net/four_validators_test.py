"""Four validators on loopback (ctest net_four_validators): a name registered through one node
with the `ans` wallet (commit, then reveal, over gRPC) becomes final and resolves the same on
all four; their heights agree within two blocks while running, and every final block is the
same on all four.

    four_validators_test.py ANSD ANS TXGEN SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time

import ans_net
from ans_net import ans_node, log

args = ans_net.Args(sys.argv)
net = ans_net.Network(args, validators=4, block_interval_ms=250)
c = ans_node.Checker(net)
try:
    net.start()
    net.wait_final(2, timeout_s=60)
    log("blocks are final on all four")

    # ---- a name through node0's gRPC, paid by node0's SP owner account
    home = os.path.join(args.work_dir, "wallet")
    shutil.rmtree(home, ignore_errors=True)
    env = dict(os.environ, ANS_HOME=home, ANS_SCRYPT_N="1024", ANS_PASSPHRASE="net test")
    node0 = net.nodes[0]

    def ans(*words):
        out = subprocess.run([args.ans, *words, "--json"], env=env, capture_output=True, text=True, timeout=180)
        if out.returncode != 0:
            net.fail("ans %s: exit %d: %s %s" % (" ".join(words), out.returncode, out.stdout, out.stderr))
        return json.loads(out.stdout)

    owner = ans("key", "import", "owner0", "--secret-file", node0.owner_key)["address"]
    name = "net%d" % (os.getpid() % 100000)
    reg = ans("name", "register", name, "--target", ans_net.TARGET, "--node", node0.grpc_address(), "--yes")
    c.check(reg.get("status") == "final", "register through node0 is final: %r" % reg)
    log("%s registered through node0, final at height %s" % (name, reg.get("height")))

    # ---- the same record, read from the final state, on every node
    net.wait_final(int(reg.get("height", 0)), timeout_s=60)
    records = []
    for node in net.nodes:
        answer = node.get("/v1/names/%s?read_at=final" % name)
        record = answer and answer["record"]
        records.append(record)
        c.check(record and record["state"] == "active" and record["owner"] == owner and
                record["records"]["target"] == ans_net.TARGET,
                "%s resolves %s to an active record owned by %s: %r" % (node.name, name, owner, record))
    c.check(all(r == records[0] for r in records), "the record is the same on all four: %r" % records)

    # ---- heights agree while running (each sample reads the four one after another)
    for _ in range(8):
        heights = [node.heights() for node in net.nodes]
        for what, values in (("head", [h for h, _ in heights]), ("final", [f for _, f in heights])):
            c.check(max(values) - min(values) <= 2, "%s heights within two blocks: %r" % (what, values))
        time.sleep(net.interval_s)
    log("heights agree: %r" % heights)

    # ---- every final block, 1 up to the lowest final height, is the same on all four
    net.check_same_final_chain(c)
finally:
    net.stop_cleanly(c)
c.finish()
