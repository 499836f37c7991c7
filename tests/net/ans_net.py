"""Shared by the multi-node tests (tests/net/*_test.py): a testnet from `ansd genesis testnet`,
its validators (and any observers) as ansd processes on free loopback ports, each with its
own data directory and log in WORK_DIR/net/node<i>/, read over HTTP/JSON.

Every test script takes: ANSD ANS TXGEN SOURCE_DIR WORK_DIR. The nodes die with the test
process (PR_SET_PDEATHSIG), so a killed test leaves none running.
"""
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
import ans_node  # noqa: E402  (generate_stubs, wait_for, Checker)

TARGET = "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"  # a DIMP ID for name records
# Ports are taken below the kernel's ephemeral range (32768 and up), so that no outgoing
# connection holds one between the check and ansd's bind.
PORT_RANGE = (20000, 32000)
_taken_ports = set()


class Args:
    def __init__(self, argv):
        if len(argv) != 6:
            sys.exit("usage: %s ANSD ANS TXGEN SOURCE_DIR WORK_DIR" % argv[0])
        self.ansd, self.ans, self.txgen, self.source_dir, self.work_dir = argv[1:6]
        os.makedirs(self.work_dir, exist_ok=True)


def log(message):
    """A progress line with the time since the test started."""
    print("[%6.1f s] %s" % (time.monotonic() - _started, message), flush=True)


_started = time.monotonic()


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port():
    """A port nothing listens on now, and that this process has not handed out before."""
    for _ in range(1000):
        port = random.randint(*PORT_RANGE)
        if port not in _taken_ports and port_is_free(port):
            _taken_ports.add(port)
            return port
    sys.exit("FAIL: no free port found")


def _die_with_parent():
    # Runs in the child before exec: SIGKILL when the test process goes.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Node:
    """One ansd of the network. A validator when it has keys (node<i>/validator.key, as the
    generator wrote them), else an observer."""

    def __init__(self, net, index, validator):
        self.net, self.index = net, index
        self.name = "node%d" % index
        self.dir = os.path.join(net.dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "ansd.log")
        self.sp_key = os.path.join(self.dir, "validator.key") if validator else None
        self.owner_key = os.path.join(self.dir, "owner.key") if validator else None
        self.p2p_port, self.grpc_port, self.http_port, self.admin_port = (free_port() for _ in range(4))
        # Where it listens; the partition test moves a node into a network namespace.
        self.p2p_host = self.rpc_host = "127.0.0.1"
        self.netns = None
        self.peers = []
        self.proc = None
        self.started = False  # it has run once: its ports are known to its peers
        self.log_offset = 0  # where the current run's lines start in the log

    def p2p_address(self):
        return "%s:%d" % (self.p2p_host, self.p2p_port)

    def grpc_address(self):
        return "%s:%d" % (self.rpc_host, self.grpc_port)

    def command(self):
        command = [self.net.args.ansd, "--genesis", self.net.genesis, "--data-dir", self.data_dir,
                   "--p2p-listen", self.p2p_address(), "--grpc-listen", self.grpc_address(),
                   "--http-listen", "%s:%d" % (self.rpc_host, self.http_port),
                   "--admin-listen", "127.0.0.1:%d" % self.admin_port]
        if self.peers:
            command += ["--peers", ",".join(p.p2p_address() for p in self.peers)]
        if self.sp_key:
            command += ["--sp-key", self.sp_key]
        if self.netns:
            command = ["ip", "netns", "exec", self.netns] + command
        return command

    def start(self):
        """Starts it (again, on the same data) and waits until it serves HTTP. At its first
        start, a port another process took since free_port() is replaced and it tries again
        (the nodes started before it dial the old P2P address in vain; it dials them)."""
        if self.alive():
            self.net.fail("%s is already running" % self.name)
        for _ in range(5):
            self.log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            with open(self.log_path, "a") as out:
                self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            ans_node.wait_for(lambda: not self.alive() or "HTTP/JSON and the explorer on" in self.log_text(),
                              60, "%s to serve HTTP" % self.name, self.net)
            if self.alive():
                self.started = True
                return
            if self.started or "Address already in use" not in self.log_text():
                break
            self.p2p_port, self.grpc_port, self.http_port, self.admin_port = (free_port() for _ in range(4))
            log("%s: a port was taken; trying other ports" % self.name)
        self.net.fail("%s exited with %d at start" % (self.name, self.proc.returncode))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: a crash."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        """SIGTERM, and the exit code (0 for a clean stop, -9 if it had to be killed; None if
        it never ran)."""
        return None if self.proc is None else ans_node.stop_process(self.proc)

    # ---- reading it
    def log_text(self, whole=False):
        with open(self.log_path, errors="replace") as f:
            if not whole:
                f.seek(self.log_offset)
            return f.read()

    def log_final_height(self):
        """The last final height the current run logged: readable even when it cannot be
        reached."""
        heights = re.findall(r"final block (\d+) ", self.log_text())
        return int(heights[-1]) if heights else 0

    def get(self, path, timeout=10):
        """The JSON answer of GET path; None for a 404."""
        url = "http://%s:%d%s" % (self.rpc_host, self.http_port, path)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def metrics(self):
        """/metrics as {name: value}, labelled series summed."""
        url = "http://%s:%d/metrics" % (self.rpc_host, self.http_port)
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                name = key.split("{", 1)[0]
                values[name] = values.get(name, 0) + float(value)
        return values

    def heights(self):
        """(head, final) from /v1/info."""
        info = self.get("/v1/info")
        return int(info["headHeight"]), int(info["finalHeight"])

    def final_height(self):
        return self.heights()[1]

    def block(self, height):
        answer = self.get("/v1/blocks/%d" % height)
        return answer and answer["block"]


class Network:
    """N validators of a fresh testnet, each dialing all the others, and observers added
    with add_observer. Nothing runs until start()."""

    def __init__(self, args, validators=4, block_interval_ms=250):
        self.args = args
        self.interval_s = block_interval_ms / 1000.0
        self.dir = os.path.join(args.work_dir, "net")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.genesis = os.path.join(self.dir, "genesis.json")
        subprocess.run([args.ansd, "genesis", "testnet", "--sps", str(validators), "--out", self.dir,
                        "--block-interval-ms", str(block_interval_ms)],
                       check=True, stdout=subprocess.DEVNULL)
        self.nodes = [Node(self, i, validator=True) for i in range(validators)]
        for node in self.nodes:
            node.peers = [p for p in self.nodes if p is not node]
        self.validators = list(self.nodes)

    def add_observer(self, peers):
        node = Node(self, len(self.nodes), validator=False)
        node.peers = list(peers)
        self.nodes.append(node)
        return node

    def start(self, nodes=None):
        for node in nodes or self.nodes:
            node.start()
        log("started %s" % ", ".join(n.name for n in nodes or self.nodes))

    def wait_final(self, height, nodes=None, timeout_s=120):
        """Until every node (default: every running one) has a final height >= height."""
        nodes = nodes or [n for n in self.nodes if n.alive()]

        def reached():
            for node in nodes:
                if not node.alive():
                    self.fail("%s exited with %s" % (node.name, node.proc.returncode))
                try:
                    if node.final_height() < height:
                        return False
                except OSError:  # not reachable yet (a link just healed)
                    return False
            return True
        ans_node.wait_for(reached, timeout_s, "final height %d on %s" % (height, ", ".join(n.name for n in nodes)),
                          self)

    def check_same_final_chain(self, checker, nodes=None):
        """Checks that every final block, 1 up to the lowest final height of `nodes` (default
        all), is the same (hash and state root) on each of them; returns that height."""
        nodes = nodes or self.nodes
        common = min(n.final_height() for n in nodes)
        differing = []
        for height in range(1, common + 1):
            seen = []
            for node in nodes:
                b = node.block(height)
                seen.append((b["hash"], b["stateRoot"], b["final"]) if b else None)
            if len(set(seen)) != 1 or seen[0] is None or not seen[0][2]:
                differing.append((height, seen))
        names = ", ".join(n.name for n in nodes)
        checker.check(not differing, "final blocks 1..%d are the same on %s; differing: %r" %
                      (common, names, differing[:3]))
        log("final blocks 1..%d are the same on %s" % (common, names))
        return common

    def dump_logs(self, lines=40):
        for node in self.nodes:
            if os.path.exists(node.log_path):
                print("---- %s (%s), last %d lines" % (node.name, node.log_path, lines))
                print("\n".join(node.log_text(whole=True).splitlines()[-lines:]))

    def fail(self, message):
        print("FAIL: " + message, flush=True)
        self.dump_logs()
        self.stop()
        sys.exit("FAIL: " + message)

    def stop(self):
        """Stops every node: {name: exit code} of those that ran."""
        return {n.name: n.stop() for n in self.nodes if n.proc is not None}

    def stop_cleanly(self, checker):
        """Stops every node and checks each stopped cleanly (exit 0)."""
        for name, code in self.stop().items():
            checker.check(code == 0, "%s stopped cleanly (exit %s)" % (name, code))

