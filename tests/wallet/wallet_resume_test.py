"""`ans name register` interrupted between its commit and its reveal, by SIGINT and by SIGKILL:
the salt is on disk, and `--resume` finishes the registration (docs/wallet.md).

    wallet_resume_test.py ANSD TXGEN SOURCE_DIR WORK_DIR ANS
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
import ans_node  # noqa: E402

ANS = sys.argv[5]
args = ans_node.Args(sys.argv[:5])
node = ans_node.Node(args, "resume")
c = ans_node.Checker(node)
home = tempfile.mkdtemp(prefix="ans-resume-home-", dir=args.work_dir)
ENV = dict(os.environ, ANS_HOME=home, ANS_KEYSTORE=os.path.join(home, "keys"), ANS_SCRYPT_N="1024",
           ANS_PASSPHRASE="pw", ANS_NODE="127.0.0.1:%d" % node.port)
TARGET = "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"


def ans(*words):
    out = subprocess.run([ANS] + list(words) + ["--json"], env=ENV, capture_output=True, text=True, timeout=180)
    c.check(out.returncode == 0, "ans %s: exit %d (%s %s)" % (" ".join(words), out.returncode, out.stdout, out.stderr))
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def interrupted(name, sig):
    pending = os.path.join(home, "pending", name + ".json")
    proc = subprocess.Popen([ANS, "name", "register", name, "--target", TARGET, "--yes"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def committed():
        try:
            with open(pending) as f:
                return json.load(f).get("commit_tx")
        except (OSError, ValueError):
            return None
    commit_tx = ans_node.wait_for(committed, 60, "the commitment of " + name, node)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    err = proc.stderr.read()
    c.check("[1/3] commitment sent" in err and "\x1b" not in err and "\r" not in err,
            "off a terminal, plain progress lines without control characters: %r" % err)
    c.check(proc.returncode != 0, "%s stopped the register flow (exit %s)" % (sig.name, proc.returncode))
    with open(pending) as f:
        saved = json.load(f)
    c.check(len(saved.get("salt", "")) == 64 and saved.get("register_tx") == "",
            "%s: the salt is on disk and no reveal was sent" % sig.name)
    c.check(oct(os.stat(pending).st_mode & 0o777) == "0o600", "the pending file is mode 0600")
    done = ans("name", "register", "--resume", name)
    c.check(done.get("status") == "final" and done.get("commit_tx") == commit_tx,
            "%s: --resume finished it with the same commitment: %r" % (sig.name, done))
    c.check(not os.path.exists(pending), "%s: the pending file is gone once final" % sig.name)
    record = ans("resolve", name, "--prove")
    c.check(record.get("verified") is True and record.get("state") == "active", "%s: the name resolves" % sig.name)


try:
    secret = os.path.join(home, "dev2.secret")
    with open(secret, "w") as f:
        f.write(hashlib.sha256(b"ans/dev/account/2").hexdigest())
    ans("key", "import", "dev", "--secret-file", secret)
    base = "resume%d" % (os.getpid() % 100000)
    interrupted(base + "a", signal.SIGINT)
    interrupted(base + "b", signal.SIGKILL)
    # Under a pseudo-terminal (script(1)) the progress line is redrawn in place.
    tty = subprocess.run(["script", "-qefc", "%s name register %s --target %s --yes" % (ANS, base + "t", TARGET),
                          "/dev/null"], env=ENV, capture_output=True, text=True, timeout=180)
    c.check(tty.returncode == 0 and "registered " + base + "t" in tty.stdout, "register under a pty: %r" % tty.stdout[-300:])
    c.check("\x1b[2K" in tty.stdout and "[3/3] waiting for finality" in tty.stdout,
            "under a pty the progress display appears: %r" % tty.stdout[-300:])
    out = subprocess.run([ANS, "name", "register", "--resume", base + "c", "--json"], env=ENV, capture_output=True,
                         text=True, timeout=60)
    c.check(out.returncode == 1 and "no registration" in out.stdout, "--resume of nothing is a clear error")
finally:
    code = node.stop()
c.check(code == 0, "ansd stopped cleanly (exit %s)" % code)
c.finish()
