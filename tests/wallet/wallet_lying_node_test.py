"""`ans resolve --prove` against a lying node: a gRPC proxy in front of `ansd --dev` passes every
call through, but changes the proof bundle's value, or its QC, or the record it reports. The
wallet refuses each with a clear message and exit 1; through an honest proxy it verifies.

    wallet_lying_node_test.py ANSD TXGEN SOURCE_DIR WORK_DIR ANS
"""
import json
import os
import subprocess
import sys
from concurrent import futures

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
import ans_node  # noqa: E402

ANS = sys.argv[5]
args = ans_node.Args(sys.argv[:5])
ans_node.generate_stubs(args)
import grpc  # noqa: E402
from ans.v1 import rpc_pb2  # noqa: E402

node = ans_node.Node(args, "lying")
c = ans_node.Checker(node)
upstream = grpc.insecure_channel("127.0.0.1:%d" % node.port)
lie = {"mode": "none"}


def tamper(raw):
    r = rpc_pb2.ProveResponse.FromString(raw)
    mode = lie["mode"]
    if mode == "value":
        # The proof of another state: flip a byte inside the encoded state proof.
        p = bytearray(r.bundle.state_proof)
        p[len(p) // 2] ^= 0x01
        r.bundle.state_proof = bytes(p)
    elif mode == "qc":
        sig = bytearray(r.bundle.qc.signatures[0])
        sig[0] ^= 0x01
        r.bundle.qc.signatures[0] = bytes(sig)
    elif mode == "record":
        r.record.state = "never_registered"
    return r.SerializeToString()


class Proxy(grpc.GenericRpcHandler):
    def service(self, details):
        method = details.method
        if method.endswith("/StreamBlocks"):
            return None

        def forward(request, context):
            try:
                raw = upstream.unary_unary(method)(request, timeout=30)
            except grpc.RpcError as e:
                context.abort(e.code(), e.details())
            return tamper(raw) if method == "/ans.v1.NameService/Prove" else raw
        return grpc.unary_unary_rpc_method_handler(forward)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((Proxy(),))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
ENV = dict(os.environ, ANS_NODE="127.0.0.1:%d" % port, ANS_HOME=os.path.join(args.work_dir, "home"))


def resolve(expect):
    out = subprocess.run([ANS, "resolve", "founder", "--prove", "--json"], env=ENV, capture_output=True, text=True,
                         timeout=60)
    c.check(out.returncode == expect, "resolve --prove (lie: %s): exit %d, wanted %d (%s)" % (
        lie["mode"], out.returncode, expect, out.stdout.strip()))
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def final_height():
    out = subprocess.run([ANS, "info", "--json"], env=ENV, capture_output=True, text=True, timeout=60)
    return int(json.loads(out.stdout or "{}").get("finalHeight", "0") or 0)


try:
    # A proof needs a final block with a QC: the second block's QC makes the first one final.
    ans_node.wait_for(lambda: final_height() >= 2, 60, "a final block", node)
    honest = resolve(0)
    c.check(honest.get("verified") is True and honest.get("state") == "reserved", "honest proxy: verified %r" % honest)
    for mode, words in [("value", "does not verify"), ("qc", "does not verify"), ("record", "its own proof says")]:
        lie["mode"] = mode
        j = resolve(1)
        c.check(j.get("ok") is False and words in j.get("message", ""),
                "lie %s: refused with a clear message: %r" % (mode, j))
    lie["mode"] = "none"
    out = subprocess.run([ANS, "resolve", "founder", "--prove"], env=ENV, capture_output=True, text=True, timeout=60)
    c.check(out.returncode == 0 and "verified" in out.stdout, "plain output says verified: %r" % out.stdout)
finally:
    server.stop(0)
    code = node.stop()
c.check(code == 0, "ansd stopped cleanly (exit %s)" % code)
c.finish()
