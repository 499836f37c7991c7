"""Starts `ansd --dev` on free ports in a temporary data dir, for the HTTP tests.

    with DevNode(ansd_path) as node:
        status, headers, body = node.get("/v1/info")
"""
import http.client
import json
import os
import re
import socket
import subprocess
import tempfile
import time


class DevNode:
    def __init__(self, ansd, startup_s=60):
        self.ansd = ansd
        self.startup_s = startup_s
        self.proc = None
        self.host = "127.0.0.1"
        self.port = None

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="ans-http-")
        self.log_path = os.path.join(self.dir.name, "ansd.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [self.ansd, "--dev", "--data-dir", os.path.join(self.dir.name, "data"),
             "--http-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ansd exited at start:\n" + self.log_text())
            m = re.search(r"explorer on http://127\.0\.0\.1:(\d+)/", self.log_text())
            if m:
                self.port = int(m.group(1))
                return self
            time.sleep(0.1)
        raise RuntimeError("ansd did not say its HTTP address:\n" + self.log_text())

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.dir.cleanup()

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def json(self, path, method="GET", body=None, want=200):
        status, headers, data = self.request(method, path, body=body)
        if status != want:
            raise AssertionError(f"{method} {path}: status {status}, wanted {want}: {data[:300]!r}")
        return json.loads(data)

    def raw(self, data, read_timeout=10):
        """Sends raw bytes on a new connection; returns what the server sent until it closed."""
        with socket.create_connection((self.host, self.port), timeout=read_timeout) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            return out

    def head_height(self):
        return int(self.json("/v1/info")["headHeight"])
