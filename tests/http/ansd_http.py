"""Shared by the HTTP tests: an HTTP client for the node that tests/rpc/ans_node.py starts
(ansd --dev on free ports), and a name registration through gRPC (HTTP is read-only).

    node = ans_node.Node(args, "http")
    client = HttpClient(http_port(node))
    status, headers, body = client.get("/v1/info")
"""
import http.client
import json
import os
import re
import socket
import time


def http_port(node, timeout_s=60):
    """The HTTP port ansd logged ("... explorer on http://127.0.0.1:PORT/")."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = re.search(r"explorer on http://127\.0\.0\.1:(\d+)/", node.log_text())
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    node.fail("ansd did not log its HTTP address")


class HttpClient:
    def __init__(self, port, host="127.0.0.1"):
        self.host = host
        self.port = port

    @property
    def base(self):
        return f"http://{self.host}:{self.port}/"

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
        status, _, data = self.request(method, path, body=body)
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


def register_name(args, node, name, target, key=0, years=1):
    """Commits and registers `name` (-> `target`) with dev key `key` through gRPC, waiting for
    finality. Returns (the final SubmitTransactionResponse, the owner's address)."""
    import ans_node
    import grpc
    from ans.v1 import rpc_pb2, rpc_pb2_grpc

    channel = grpc.insecure_channel(node.address())
    grpc.channel_ready_future(channel).result(timeout=30)
    chain = rpc_pb2_grpc.ChainServiceStub(channel)
    owner = ans_node.txgen(args, "address", key)
    nonce = chain.GetAccount(rpc_pb2.GetAccountRequest(address=owner), timeout=30).nonce
    salt = os.urandom(32).hex()
    commit = ans_node.signed_tx(args, "commit", name, key, salt, nonce)
    included = chain.SubmitTransaction(
        rpc_pb2.SubmitTransactionRequest(transaction=commit, wait=rpc_pb2.WAIT_FOR_INCLUDED), timeout=30)
    deadline = time.monotonic() + 60
    while chain.GetInfo(rpc_pb2.GetInfoRequest(), timeout=30).head_height < included.height + 3:
        if time.monotonic() > deadline:
            node.fail("three blocks after the commit did not come")
        time.sleep(0.2)
    register = ans_node.signed_tx(args, "register", name, key, salt, years, target, nonce + 1)
    final = chain.SubmitTransaction(
        rpc_pb2.SubmitTransactionRequest(transaction=register, wait=rpc_pb2.WAIT_FOR_FINAL), timeout=30)
    channel.close()
    return final, owner
