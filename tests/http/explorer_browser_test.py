"""Starts ansd --dev, registers a name, and runs explorer_browser_test.cjs against the page.

    explorer_browser_test.py ANSD TXGEN SOURCE_DIR WORK_DIR PLAYWRIGHT_CORE_DIR CHROMIUM
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "rpc"))
import ans_node  # noqa: E402
from ansd_http import HttpClient, http_port, register_name  # noqa: E402

playwright, chromium = sys.argv[5:7]
args = ans_node.Args(sys.argv[:5])
ans_node.generate_stubs(args)
node = ans_node.Node(args, "explorer")
try:
    client = HttpClient(http_port(node))
    name = "explorer%d" % (os.getpid() % 100000)
    final, _ = register_name(args, node, name, "moky@anywhere")
    if final.status != "final":
        node.fail("the registration is not final: %s" % final.status)
    code = subprocess.call(["node", os.path.join(here, "explorer_browser_test.cjs"), playwright, chromium,
                            client.base, os.path.join(args.work_dir, "explorer.png"), name, "moky@anywhere"])
finally:
    node.stop()
sys.exit(code)
