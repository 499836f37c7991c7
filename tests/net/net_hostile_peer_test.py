"""A hostile peer against a 4-validator loopback testnet (ctest net_hostile_peer).

Starts `ansd genesis testnet --sps 4` as four validators on free loopback ports, runs each
mode of ans_hostile_peer (tests/net/hostile_peer.cc) against node 0, and checks:
  - the modes that must ban get the hostile key banned ("banned peer KEY" in node 0's log),
    and kept out when it dials again;
  - the wrong chain is refused with a reason on both sides;
  - the honest network keeps finalizing during and after the attack: every node's final
    height, sampled twice a second, never stands still for more than 10 block intervals;
  - peers that claim final blocks far ahead (lying-status) on two of the four nodes at once:
    when they answer range sync with no blocks they are banned; when they leave it
    unanswered, finality stops for at most one sync request timeout, then goes on with them
    still connected;
  - node 0's resident memory after the flood stays within RSS_BOUND_MIB of before it;
  - node 0's /metrics count bans and rate-limited messages.

usage: net_hostile_peer_test.py ANSD HOSTILE_PEER WORK_DIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

BLOCK_INTERVAL_S = 1.0       # the testnet genesis' block_interval_ms
MAX_STALL_S = 10 * BLOCK_INTERVAL_S
# p2p/host.cc's kSyncRequestTimeout (10 s), then a tick and a few blocks to finality.
MAX_SILENT_LIE_STALL_S = 16
RSS_BOUND_MIB = 200          # node 0's growth over the flood, at most
BANNING_MODES = ["oversized", "tampered", "invalid-blocks", "outsider-votes", "flood"]


class Node:
    """One validator: ansd --genesis with its key, every listener on port 0 (the bound ports
    are read from its log), dialing the nodes started before it."""

    def __init__(self, ansd, work_dir, genesis, index, peers):
        self.index = index
        self.log_path = os.path.join(work_dir, "node%d.log" % index)
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [ansd, "--genesis", genesis, "--data-dir", os.path.join(work_dir, "data%d" % index),
             "--sp-key", os.path.join(work_dir, "testnet", "node%d" % index, "validator.key"),
             "--p2p-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
             "--admin-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]
            + (["--peers", ",".join(peers)] if peers else []),
            stdout=self.log, stderr=subprocess.STDOUT)
        p2p = self.wait_for_log(r"P2P on (\S+) as node ([0-9a-f]+)")
        self.p2p_address, self.node_key = p2p.group(1), p2p.group(2)
        self.http = self.wait_for_log(r"HTTP/JSON and the explorer on http://(\S+)/").group(1)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_for_log(self, pattern, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log_text())
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError("node %d exited with %d" % (self.index, self.proc.returncode))
            time.sleep(0.1)
        raise RuntimeError("node %d did not log /%s/ in %d s" % (self.index, pattern, timeout_s))

    def metrics(self):
        """The /metrics samples, name (with labels) -> value."""
        with urllib.request.urlopen("http://%s/metrics" % self.http, timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def final_height(self):
        return int(self.metrics()["ans_final_height"])

    def rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            kib = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))
        return kib / 1024.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Sampler(threading.Thread):
    """Samples every node's final height twice a second, and keeps, per node, when it last
    went up and the longest time it stood still."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.done = threading.Event()
        now = time.monotonic()
        self.last_rise = [now] * len(nodes)
        self.height = [-1] * len(nodes)
        self.longest_stall = [0.0] * len(nodes)
        self.samples = 0

    def take_longest(self):
        """Each node's longest stall since the last call (or the start)."""
        now = time.monotonic()
        out = [max(s, now - r) for s, r in zip(self.longest_stall, self.last_rise)]
        self.longest_stall = [now - r for r in self.last_rise]
        return out

    def run(self):
        while not self.done.is_set():
            for i, node in enumerate(self.nodes):
                try:
                    h = node.final_height()
                except OSError:
                    continue  # a slow answer is not a stall; the next sample tells
                now = time.monotonic()
                if h > self.height[i]:
                    self.height[i] = h
                    self.last_rise[i] = now
                self.longest_stall[i] = max(self.longest_stall[i], now - self.last_rise[i])
            self.samples += 1
            self.done.wait(0.5)

    def stop(self):
        self.done.set()
        self.join()


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL: " + what, flush=True)


def hostile_start(tool, genesis, node, mode, *extra):
    return subprocess.Popen([tool, "--genesis", genesis, "--target", node.p2p_address, "--mode", mode, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def hostile_result(proc, mode):
    """The JSON line of a hostile peer started by hostile_start, once it is done."""
    stdout, stderr = proc.communicate(timeout=180)
    if proc.returncode != 0 or not stdout.strip():
        raise RuntimeError("ans_hostile_peer --mode %s exited %d: %s %s" % (mode, proc.returncode, stdout, stderr))
    result = json.loads(stdout.strip().splitlines()[-1])
    print("%-15s %s" % (mode, json.dumps(result)), flush=True)
    return result


def hostile(tool, genesis, node, mode, *extra):
    return hostile_result(hostile_start(tool, genesis, node, mode, *extra), mode)


def lying_pair(tool, genesis, nodes, *extra):
    """lying-status against nodes 0 and 1 at once: their results."""
    procs = [hostile_start(tool, genesis, nodes[i], "lying-status", *extra) for i in (0, 1)]
    return [hostile_result(p, "lying-status") for p in procs]


def check_stalls(checks, stalls, bound, phase):
    print("%s: longest final-height stalls (s): %s" % (phase, ["%.1f" % s for s in stalls]), flush=True)
    for i, stall in enumerate(stalls):
        checks.check(stall < bound, "%s: node %d's final height stood still %.1f s (bound %.0f s)" %
                     (phase, i, stall, bound))


def ban_lines(node, node_key):
    """Node's log lines that ban the peer of `node_key` (logged by its first 8 bytes)."""
    short = node_key[:16]
    return [l for l in node.log_text().splitlines() if "p2p: banned peer %s (" % short in l]


def main():
    # ctest's timeout (and Ctrl-C) end the test through the finally below, which stops the nodes.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit("FAIL: stopped by a signal"))
    if len(sys.argv) != 4:
        sys.exit("usage: %s ANSD HOSTILE_PEER WORK_DIR" % sys.argv[0])
    ansd, tool, work_dir = sys.argv[1:4]
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)
    subprocess.run([ansd, "genesis", "testnet", "--sps", "4", "--out", os.path.join(work_dir, "testnet")],
                   check=True, capture_output=True)
    genesis = os.path.join(work_dir, "testnet", "genesis.json")
    nodes = []
    checks = Checks()
    try:
        for i in range(4):
            nodes.append(Node(ansd, work_dir, genesis, i, [n.p2p_address for n in nodes]))
        # The network is up once every node has a final block.
        deadline = time.monotonic() + 90
        while min(n.final_height() for n in nodes) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("the testnet did not finalize within 90 s")
            time.sleep(0.5)
        target = nodes[0]
        sampler = Sampler(nodes)
        sampler.start()

        # Before a handshake: closed, nobody to ban.
        r = hostile(tool, genesis, target, "garbage")
        checks.check(r["closed"], "garbage: the node closes the connection")

        r = hostile(tool, genesis, target, "wrong-chain")
        checks.check("chain id" in r["reject_reason"],
                     "wrong-chain: the Reject names the chain id (got %r)" % r["reject_reason"])
        checks.check("refused: chain id" in target.log_text(),
                     "wrong-chain: node 0 logs 'refused: chain id ...'")

        results = {}
        for mode in BANNING_MODES:
            if mode == "flood":
                rss_before = target.rss_mib()
            results[mode] = r = hostile(tool, genesis, target, mode, "--rejoin")
            if mode == "flood":
                time.sleep(2)  # what the flood left queued is freed
                rss_after = target.rss_mib()
            checks.check(r["closed"], "%s: the node closes the connection" % mode)
            lines = ban_lines(target, r["node_key"])
            checks.check(len(lines) >= 1, "%s: node 0 bans the hostile key %s" % (mode, r["node_key"][:16]))
            checks.check(len(lines) <= 1, "%s: node 0 bans the hostile key once, not %d times: %s" %
                         (mode, len(lines), lines))
            for l in lines:
                print("    node 0: " + l.split("] ", 1)[-1])
            checks.check("banned for" in r.get("rejoin", {}).get("goodbye", ""),
                         "%s: the banned key is refused when it dials again (got %r)" % (mode, r.get("rejoin")))
        checks.check(results["invalid-blocks"]["sent"] <= 8,
                     "invalid-blocks: banned after a few blocks (sent %d)" % results["invalid-blocks"]["sent"])
        checks.check(results["outsider-votes"]["sent"] <= 8,
                     "outsider-votes: banned after a few votes (sent %d)" % results["outsider-votes"]["sent"])
        checks.check(any("over its rate limit" in l for l in ban_lines(target, results["flood"]["node_key"])),
                     "flood: the ban's reason is the rate limit")
        print("node 0 VmRSS: %.1f MiB before the flood, %.1f MiB after (bound: +%d MiB)" %
              (rss_before, rss_after, RSS_BOUND_MIB))
        checks.check(rss_after - rss_before < RSS_BOUND_MIB,
                     "flood: node 0's RSS grew %.1f MiB, bound %d" % (rss_after - rss_before, RSS_BOUND_MIB))

        check_stalls(checks, sampler.take_longest(), MAX_STALL_S, "modes")

        # Claims of final blocks far ahead, on two of the four validators at once: enough, if
        # they held both in range sync, to stop the network's finality.
        for i, r in enumerate(lying_pair(tool, genesis, nodes, "--seconds", "20")):
            checks.check(r["closed"] and r.get("answered_empty", 0) > 0,
                         "lying-status (empty answers) at node %d: closed after answering" % i)
            checks.check(any("which its status called final" in l for l in ban_lines(nodes[i], r["node_key"])),
                         "lying-status (empty answers): node %d bans the liar" % i)
        check_stalls(checks, sampler.take_longest(), MAX_STALL_S, "lying-status")
        before = [n.final_height() for n in nodes]
        for i, r in enumerate(lying_pair(tool, genesis, nodes, "--seconds", "25", "--silent")):
            checks.check(r.get("sync_requests", 0) > 0, "lying-status --silent: node %d asked the liar" % i)
        during = [n.final_height() for n in nodes]
        check_stalls(checks, sampler.take_longest(), MAX_SILENT_LIE_STALL_S, "lying-status --silent")
        for i in range(4):
            checks.check(during[i] >= before[i] + 5, "node %d finalizes while silent liars stay connected (%d -> %d)" %
                         (i, before[i], during[i]))

        # After the attack: every node still finalizes.
        heights = [n.final_height() for n in nodes]
        time.sleep(8 * BLOCK_INTERVAL_S)
        after = [n.final_height() for n in nodes]
        stalls = sampler.take_longest()
        sampler.stop()
        print("final heights after the attack: %s, 8 s later %s (%d samples)" % (heights, after, sampler.samples))
        check_stalls(checks, stalls, MAX_STALL_S, "after")
        for i in range(4):
            checks.check(after[i] >= heights[i] + 3, "node %d finalizes after the attack (%d -> %d)" %
                         (i, heights[i], after[i]))

        m = target.metrics()
        print("node 0 /metrics: ans_p2p_bans_total %d, ans_p2p_rate_limited_total %d" %
              (m.get("ans_p2p_bans_total", 0), m.get("ans_p2p_rate_limited_total", 0)))
        checks.check(m.get("ans_p2p_bans_total", 0) > 0, "node 0 counts its bans in /metrics")
        checks.check(m.get("ans_p2p_rate_limited_total", 0) > 0, "node 0 counts rate-limited messages in /metrics")
        for n in nodes:
            checks.check(n.proc.poll() is None, "node %d is still running" % n.index)
    finally:
        for n in nodes:
            n.stop()
    if checks.failures:
        for n in nodes:
            print("---- node %d log tail (%s)" % (n.index, n.log_path))
            print("\n".join(n.log_text().splitlines()[-15:]))
        sys.exit("FAIL: %d check(s) failed: %s" % (len(checks.failures), "; ".join(checks.failures)))
    print("%d checks passed" % checks.passed)


if __name__ == "__main__":
    main()
