"""Shared by the Python gRPC tests: generates the stubs from the repo's .proto files, starts
`ansd --dev` on free ports in a temporary data directory, and signs transactions with
ans_test_txgen.

Every test script takes: ANSD TXGEN SOURCE_DIR WORK_DIR.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


class Args:
    def __init__(self, argv):
        if len(argv) != 5:
            sys.exit("usage: %s ANSD TXGEN SOURCE_DIR WORK_DIR" % argv[0])
        self.ansd, self.txgen, self.source_dir, self.work_dir = argv[1:5]
        os.makedirs(self.work_dir, exist_ok=True)


def generate_stubs(args):
    """Generates Python stubs of ans/v1/*.proto and of grpc.health.v1 and
    grpc.reflection.v1alpha into WORK_DIR/py, and puts them on the path."""
    out = os.path.join(args.work_dir, "py")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    from grpc_tools import protoc  # Debian: python3-grpc-tools

    include_dirs = [os.path.join(args.source_dir, "proto"),
                    os.path.join(args.source_dir, "tests", "rpc", "proto")]
    protos = ["ans/v1/chain.proto", "ans/v1/state.proto", "ans/v1/rpc.proto",
              "std_grpc/health/v1/health.proto",
              "std_grpc/reflection/v1alpha/reflection.proto"]
    command = ["grpc_tools.protoc"] + ["-I" + d for d in include_dirs] + [
        "--python_out=" + out, "--grpc_python_out=" + out] + protos
    if protoc.main(command) != 0:
        sys.exit("protoc failed: %s" % " ".join(command))
    sys.path.insert(0, out)


class Node:
    """ansd --dev with gRPC, admin gRPC and HTTP on free ports (port 0; the bound ports are
    read from its log)."""

    def __init__(self, args, name, extra=()):
        self.args = args
        self.data_dir = tempfile.mkdtemp(prefix="ans-%s-" % name, dir=args.work_dir)
        self.log_path = os.path.join(args.work_dir, "%s-ansd.log" % name)
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [args.ansd, "--dev", "--data-dir", self.data_dir,
             "--grpc-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0",
             "--http-listen", "127.0.0.1:0", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.port, self.admin_port = self._read_ports()

    def _read_ports(self):
        pattern = re.compile(r"gRPC on \S+:(\d+) \(AdminService on \S+:(\d+)\)")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = pattern.search(f.read())
            if m:
                return int(m.group(1)), int(m.group(2))
            if self.proc.poll() is not None:
                self.fail("ansd exited with %d before it listened" % self.proc.returncode)
            time.sleep(0.1)
        self.fail("ansd did not log its gRPC ports within 60 s")

    def address(self):
        return "127.0.0.1:%d" % self.port

    def admin_address(self):
        return "127.0.0.1:%d" % self.admin_port

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def fail(self, message):
        print("---- ansd log (%s)" % self.log_path)
        print(self.log_text()[-6000:])
        self.stop()
        sys.exit("FAIL: " + message)

    def stop(self):
        """SIGTERM, and the exit code (0 for a clean stop)."""
        return stop_process(self.proc)


def stop_process(proc, timeout_s=60):
    """SIGTERM to a running ansd, and its exit code; -9 when it had to be killed after
    timeout_s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return -9
    return proc.returncode


def txgen(args, *words):
    """Runs ans_test_txgen; its one output line (hex of a signed transaction, or an
    address)."""
    out = subprocess.run([args.txgen] + [str(w) for w in words], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def signed_tx(args, *words):
    from ans.v1 import chain_pb2
    stx = chain_pb2.SignedTransaction()
    stx.ParseFromString(bytes.fromhex(txgen(args, *words)))
    return stx


def wait_for(predicate, timeout_s, what, node=None):
    """Polls `predicate` until it returns a true value (returned), or fails after
    timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    message = "timed out after %d s waiting for %s" % (timeout_s, what)
    if node is not None:
        node.fail(message)
    sys.exit("FAIL: " + message)


class Checker:
    """Counts failed checks instead of stopping at the first, and says which."""

    def __init__(self, node):
        self.node = node
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL: " + what)

    def finish(self):
        if self.failures:
            self.node.fail("%d check(s) failed: %s" % (len(self.failures), "; ".join(self.failures)))
        print("%d checks passed" % self.passed)
