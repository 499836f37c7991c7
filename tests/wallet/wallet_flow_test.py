"""The `ans` wallet end to end against `ansd --dev` (docs/wallet.md): a key, a transfer, a name
registered by commit and reveal, resolved with --prove, renewed, updated, set primary,
reversed and transferred; an SP registered and voted for; stake, unstake and claim; bad input
that sends nothing; and --json checked field by field.

    wallet_flow_test.py ANSD TXGEN SOURCE_DIR WORK_DIR ANS
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
import ans_node  # noqa: E402

ANS = sys.argv[5]
args = ans_node.Args(sys.argv[:5])
node = ans_node.Node(args, "wallet")
c = ans_node.Checker(node)
home = tempfile.mkdtemp(prefix="ans-wallet-home-", dir=args.work_dir)
ENV = dict(os.environ, ANS_HOME=home, ANS_KEYSTORE=os.path.join(home, "keys"), ANS_SCRYPT_N="1024",
           ANS_PASSPHRASE="correct horse", ANS_NODE="127.0.0.1:%d" % node.port)


def ans(*words, env=None, expect=0, timeout=180):
    """Runs `ans WORDS --json` and returns its JSON output (checked to exit `expect`)."""
    out = subprocess.run([ANS] + list(words) + ["--json"], env=env or ENV, capture_output=True, text=True,
                         timeout=timeout)
    c.check(out.returncode == expect, "ans %s: exit %d, wanted %d (stderr: %s; stdout: %s)" % (
        " ".join(words), out.returncode, expect, out.stderr.strip()[-400:], out.stdout.strip()[-400:]))
    try:
        return json.loads(out.stdout)
    except ValueError:
        c.check(False, "ans %s: stdout is not JSON: %r" % (" ".join(words), out.stdout[:200]))
        return {}


def field(j, key, want, what):
    c.check(j.get(key) == want, "%s: %s is %r, wanted %r" % (what, key, j.get(key), want))


try:
    # ---- keys: the funded dev account 1 imported, and a new key
    secret_file = os.path.join(home, "dev1.secret")
    with open(secret_file, "w") as f:
        f.write(hashlib.sha256(b"ans/dev/account/1").hexdigest() + "\n")
    dev = ans("key", "import", "dev", "--secret-file", secret_file)
    alice = ans("key", "new", "alice")
    dev_addr, alice_addr = dev.get("address", ""), alice.get("address", "")
    c.check(dev_addr.lower() == ans_node.txgen(args, "address", 1).lower(), "key import: dev account 1's address")

    # ---- a transfer, final, and the balance it leaves
    t = ans("transfer", "--key", "dev", "--to", alice_addr, "--amount", "20000.5")
    field(t, "status", "final", "transfer")
    field(t, "sender", dev_addr, "transfer")
    field(t, "fee", "0.001", "transfer")
    c.check(len(t.get("hash", "")) == 64 and t.get("height", 0) > 0, "transfer: hash and height")
    acct = ans("account", alice_addr)
    field(acct, "balance", "20000.5", "account after transfer")
    field(acct, "nonce", "0", "account after transfer")

    # ---- register, resolve --prove, renew, update, primary, reverse, transfer the name
    name = "wallet%d" % (os.getpid() % 100000)
    reg = ans("name", "register", name.upper(), "--years", "1", "--target", "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ",
              "--record", "email=moky@example.org", "--key", "alice", "--yes")
    field(reg, "status", "final", "register")
    field(reg, "name", name, "register (lowercased)")
    field(reg, "owner", alice_addr, "register")
    c.check(not os.path.exists(os.path.join(home, "pending", name + ".json")), "register: no pending file once final")
    proved = ans("resolve", name, "--prove")
    field(proved, "verified", True, "resolve --prove")
    field(proved, "state", "active", "resolve --prove")
    field(proved.get("record", {}), "owner", alice_addr, "resolve --prove record")
    shown = ans("name", "show", name)
    expiry = int(shown.get("record", {}).get("expiryS", "0"))
    ans("name", "renew", name, "--years", "1", "--key", "alice")
    renewed = ans("name", "show", name)
    c.check(int(renewed.get("record", {}).get("expiryS", "0")) == expiry + 3600, "renew adds a dev year (3600 s)")
    ans("name", "update", name, "--target", "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj", "--key", "alice")
    updated = ans("name", "show", name)
    c.check(updated.get("record", {}).get("records", {}).get("target") == "hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
            "update replaces the target")
    ans("name", "primary", name, "--key", "alice")
    rev = ans("reverse", alice_addr)
    field(rev, "found", True, "reverse")
    field(rev, "name", name, "reverse")
    listed = ans("name", "list", "--owner", alice_addr)
    c.check([n.get("name") for n in listed.get("names", [])] == [name], "name list --owner")
    ans("name", "transfer", name, "--to", dev_addr, "--key", "alice")
    moved = ans("name", "show", name)
    field(moved.get("record", {}), "owner", dev_addr, "name transfer")

    # ---- stake, unstake and claim
    ans("stake", "--amount", "1000", "--key", "alice")
    ans("unstake", "--amount", "400", "--key", "alice")
    staked = ans("account", alice_addr)
    field(staked, "staked", "600", "after stake 1000, unstake 400")
    c.check(len(staked.get("unbonding", [])) == 1, "unstake: one unbonding entry")
    # The dev SP's owner (dev account 0) has rewards from every block it produced.
    with open(secret_file, "w") as f:
        f.write(hashlib.sha256(b"ans/dev/account/0").hexdigest() + "\n")
    ans("key", "import", "devsp", "--secret-file", secret_file)
    dev_sp = ans("info").get("activeSet", [""])[0]
    claim = ans("claim", dev_sp, "--key", "devsp")
    field(claim, "status", "final", "claim")

    # ---- an SP registered, voted for, and listed with its weight. Last: from the next epoch
    # the new SP is in the active set, and as it runs no node the dev chain stops finalizing
    # (docs/wallet.md); the vote is therefore waited for at the head, not for finality.
    sp_secret = hashlib.sha256(b"wallet-test/sp").hexdigest()
    sp_addr = ans("id", "derive", "--secret", sp_secret, "--type", "btc", "--net", "0x03").get("address", "")
    sp_id = "walletsp@" + sp_addr
    sp_key = ans("key", "show", "alice").get("public_key", "")
    ans("sp", "register", sp_id, "--display-name", "Wallet test SP", "--signing-key", sp_key,
        "--self-stake", "5000000", "--station", "gsp-s001@x77uVYBT1G48CLzW9iwe2dr5jhUNEM772G,127.0.0.1,9394",
        "--key", "dev", "--no-wait")
    ans_node.wait_for(lambda: any(p.get("spId") == sp_id for p in ans("sp", "list").get("providers", [])),
                      60, "the SP in sp list", node)
    vote = ans("vote", sp_id, "--key", "alice", "--no-wait")
    field(vote, "status", "pending", "vote --no-wait")

    def weight():
        mine = [p for p in ans("sp", "list").get("providers", []) if p.get("spId") == sp_id]
        return mine and mine[0].get("weight") == "5000600" and mine[0]
    listed_sp = ans_node.wait_for(weight, 60, "the SP's weight to count the vote", node)
    field(listed_sp, "selfStake", "5000000", "sp list")
    field(listed_sp, "votesReceived", "600", "sp list")
    field(listed_sp, "displayName", "Wallet test SP", "sp list")

    # ---- bad input: a clear message, exit 1, and nothing sent
    before = ans("account", alice_addr).get("nonce")
    for words, code in [
        (["name", "register", "a b", "--target", "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ", "--yes"], "BadName"),
        (["name", "register", "founder", "--target", "moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ", "--yes"], None),
        (["transfer", "--to", dev_addr, "--amount", "1", "--fee", "99999999"], "FailedPrecondition"),
        (["transfer", "--to", dev_addr, "--amount", "1.2.3"], None),
        (["transfer", "--to", dev_addr, "--amount", "0.0000000000000000001"], None),
        (["transfer", "--to", dev_addr, "--amount", "-1"], None),
        (["transfer", "--to", "0x1234", "--amount", "1"], None),
        (["name", "update", name, "--target", "not an id"], None),
    ]:
        j = ans(*(words + ["--key", "alice"]), expect=1)
        field(j, "ok", False, "ans " + " ".join(words))
        if code:
            c.check(code.lower() in (j.get("error", "") + j.get("message", "")).lower().replace("_", "").replace(" ", ""),
                    "ans %s: error %r names %s" % (" ".join(words), j, code))
    wrong = dict(ENV, ANS_PASSPHRASE="wrong")
    j = ans("transfer", "--to", dev_addr, "--amount", "1", "--key", "alice", env=wrong, expect=1)
    c.check("passphrase" in j.get("message", ""), "a wrong passphrase says so: %r" % j)
    far = dict(ENV, ANS_NODE="127.0.0.1:1")
    import time
    start = time.monotonic()
    j = ans("info", env=far, expect=1)
    c.check(time.monotonic() - start < 10 and "cannot reach" in j.get("message", ""), "an unreachable node: %r" % j)
    c.check(ans("account", alice_addr).get("nonce") == before, "bad input sent nothing")

    # ---- the node from the config file, and a bad config named
    no_env = {k: v for k, v in ENV.items() if k != "ANS_NODE"}
    config = os.path.join(home, "config.toml")
    with open(config, "w") as f:
        f.write('node = "127.0.0.1:%d"\n' % node.port)
    field(ans("info", env=no_env), "chainName", "ans-dev", "info with the node from config.toml")
    with open(config, "w") as f:
        f.write('node = "127.0.0.1:%d"\nnoed = "x"\n' % node.port)
    j = ans("info", env=no_env, expect=1)
    c.check("config.toml" in j.get("message", "") and "noed" in j.get("message", ""), "a bad config key is named: %r" % j)
    os.remove(config)

    # ---- two commands at once from one sender take two nonces
    start_nonce = int(ans("account", dev_addr).get("nonce", "0"))
    procs = [subprocess.Popen([ANS, "transfer", "--key", "dev", "--to", alice_addr, "--amount", "1", "--json"],
                              env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [json.loads(p.communicate(timeout=180)[0] or "{}") for p in procs]
    c.check(all(o.get("status") == "final" for o in outs), "two transfers at once are both final: %r" % outs)
    c.check(sorted(o.get("nonce") for o in outs) == [start_nonce, start_nonce + 1],
            "two transfers at once took nonces %d and %d: %r" % (start_nonce, start_nonce + 1, outs))
finally:
    code = node.stop()
c.check(code == 0, "ansd stopped cleanly (exit %s)" % code)
c.finish()
