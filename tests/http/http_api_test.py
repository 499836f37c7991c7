#!/usr/bin/env python3
"""ctest http_api: the HTTP/JSON API of `ansd --dev` end to end (docs/api-http.md): every
route's shape, the DIMP shapes field by field (a registered name, a reserved name with a
record, a free name), and bad requests to every route, with the node serving and producing
throughout. A name is registered first through gRPC (ans_test_txgen signs it).

    http_api_test.py ANSD TXGEN SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "rpc"))
import ans_node  # noqa: E402
from ansd_http import HttpClient, http_port, register_name  # noqa: E402

REGISTERED = "httpname%d" % (os.getpid() % 100000)
TARGET = "moky@anywhere"

checks = 0
failures = []


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def has(obj, fields, where):
    for f in fields:
        check(f in obj, f"{where}: field {f!r} present (got {sorted(obj)})")


def error_body(node, method, path, want, body=None, code=None, names=None):
    status, headers, data = node.request(method, path, body=body)
    check(status == want, f"{method} {path[:80]}: status {status}, wanted {want}: {data[:200]!r}")
    try:
        err = json.loads(data)["error"]
    except Exception:
        check(False, f"{method} {path[:80]}: an error body, got {data[:200]!r}")
        return
    check(err.get("http_status") == want, f"{method} {path[:80]}: error.http_status {err.get('http_status')}")
    check(isinstance(err.get("message"), str) and err["message"], f"{method} {path[:80]}: error.message")
    if code:
        check(err.get("code") == code, f"{method} {path[:80]}: error.code {err.get('code')}, wanted {code}")
    if names:
        check(names in err.get("message", ""), f"{method} {path[:80]}: message names {names}: {err.get('message')}")
    check(headers.get("content-type") == "application/json", f"{path[:80]}: JSON content type")


def wait_for_height(node, height, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if node.head_height() >= height:
            return True
        time.sleep(0.2)
    return False


def routes(node):
    info = node.json("/v1/info")
    has(info, ["chainId", "chainName", "genesisHash", "headHeight", "headHash", "headSlot", "finalHeight",
               "finalHash", "epoch", "epochLength", "blockIntervalMs", "activeSet", "minFee", "genesisTimeMs",
               "mempoolSize"], "/v1/info")
    check(len(info["chainId"]) == 64 and info["chainId"] == info["genesisHash"], "chain id is the genesis hash, hex")
    check(wait_for_height(node, 3), "the head reaches 3")

    status, headers, _ = node.get("/v1/info")
    check(headers.get("access-control-allow-origin") == "*", "CORS header on /v1")
    check(headers.get("content-type") == "application/json", "JSON content type")

    founder = node.json("/v1/names/founder")
    has(founder, ["record", "at"], "/v1/names/founder")
    rec = founder["record"]
    has(rec, ["name", "state", "reason", "owner", "expiryS", "graceEndsS", "records", "registeredHeight"], "NameRecord")
    check(rec["state"] == "reserved" and rec["records"]["target"] == "moky@anywhere", f"founder's record: {rec}")
    has(founder["at"], ["height", "blockHash", "stateRoot", "timeMs"], "StateAt")
    free = node.json("/v1/names/zz-free-name")["record"]
    check(free["state"] == "never_registered", f"a free name is never_registered: {free}")
    invalid = node.json("/v1/names/Not_Valid")["record"]
    check(invalid["state"] == "invalid" and invalid["reason"], f"an invalid name says why: {invalid}")
    final = node.json("/v1/names/founder?read_at=final")
    check(int(final["at"]["height"]) <= int(node.json("/v1/info")["headHeight"]), "read_at=final")

    proof = node.json("/v1/names/founder/proof")
    has(proof, ["bundle", "record", "at"], "/v1/names/{name}/proof")
    absent = node.json("/v1/names/zz-free-name/proof")
    check(absent["record"]["state"] == "never_registered", "an absence proof's record")

    chk = node.json("/v1/names/zz-free-name/check?years=2")
    has(chk, ["name", "valid", "invalidReason", "available", "state", "unavailableReason", "years", "yearlyFee",
              "premium", "total", "at"], "/v1/names/{name}/check")
    check(chk["available"] and chk["years"] == 2, f"check: {chk}")
    check(all(isinstance(chk[k], str) for k in ("yearlyFee", "premium", "total")), "amounts are decimal strings")

    providers = node.json("/v1/providers")
    has(providers, ["providers", "nextPageToken", "at"], "/v1/providers")
    check(len(providers["providers"]) >= 1, "at least one provider")
    sp = providers["providers"][0]
    has(sp, ["spId", "owner", "displayName", "url", "stations", "signingKey", "selfStake", "votesReceived", "weight",
             "active", "jailed", "jailedUntilS", "retired", "unbondingUntilS", "producedBlocks", "missedSlots",
             "uptime", "unclaimedRewards", "registeredHeight"], "ProviderInfo")
    active = node.json("/v1/providers?active=true&page_size=1")
    check(all(p["active"] for p in active["providers"]) and len(active["providers"]) == 1, "active=true&page_size=1")
    one = node.json("/v1/providers/" + sp["spId"])
    check(one["provider"]["spId"] == sp["spId"], "/v1/providers/{id}")

    stations = node.json("/v1/stations")
    has(stations, ["stations", "at"], "/v1/stations")
    check(len(stations["stations"]) >= 1, "the dev SP's station")
    has(stations["stations"][0], ["id", "host", "port", "provider"], "StationInfo")

    block = node.json("/v1/blocks/1")["block"]
    has(block, ["height", "hash", "prevHash", "slot", "timestampMs", "producer", "stateRoot", "txRoot", "final",
                "transactionCount", "transactions", "raw"], "BlockInfo")
    check(block["height"] == "1", "block 1 by height")
    by_hash = node.json("/v1/blocks/" + block["hash"])["block"]
    check(by_hash["height"] == "1" and by_hash["hash"] == block["hash"], "block 1 by hash")
    raw = node.json("/v1/blocks/1?include_raw=true")["block"]
    check(len(raw["raw"]) > 0, "include_raw gives the serialized block (base64)")
    error_body(node, "GET", "/v1/blocks/99999999", 404, code="NOT_FOUND")

    error_body(node, "GET", "/v1/tx/" + "ab" * 32, 404, code="NOT_FOUND")

    owner = sp["owner"]
    account = node.json("/v1/accounts/" + owner)
    has(account, ["address", "balance", "nonce", "staked", "votes", "unbonding", "rewards", "at"], "/v1/accounts")
    check(account["address"].lower() == owner.lower(), "the account's address")
    check(node.json(f"/v1/accounts/{owner}?read_at=final")["address"].lower() == owner.lower(), "account read_at=final")
    reverse = node.json("/v1/reverse/" + owner)
    has(reverse, ["found", "name", "at"], "/v1/reverse")
    names = node.json(f"/v1/owners/{owner}/names?page_size=5")
    has(names, ["names", "nextPageToken", "at"], "/v1/owners/{address}/names")

    metrics_status, metrics_headers, metrics = node.get("/metrics")
    check(metrics_status == 200, "/metrics")
    check(metrics_headers.get("content-type", "").startswith("text/plain; version=0.0.4"), "metrics content type")
    text = metrics.decode()
    for family in ["ans_head_height", "ans_final_height", "ans_finality_lag_slots", "ans_blocks_produced_total",
                   "ans_blocks_missed_total", "ans_producer_blocks_total",
                   "ans_mempool_transactions", "ans_transactions_included_total", "ans_rpc_open_streams",
                   "ans_p2p_peers", "ans_rpc_calls_total", "ans_rpc_latency_seconds"]:
        check(f"# TYPE {family} " in text, f"/metrics has {family}")
    check('ans_producer_blocks_total{sp="' in text and 'outcome="missed"}' in text,
          "/metrics has the dev SP's produced and missed slots")
    check('ans_rpc_calls_total{transport="http",method="/v1/names/{name}",code="200"}' in text,
          "HTTP calls are counted by route pattern")

    for path, ctype in [("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")]:
        status, headers, data = node.get(path)
        check(status == 200 and headers.get("content-type", "").startswith(ctype) and data, f"explorer {path}")
        check("etag" in headers and "cache-control" in headers, f"explorer {path}: cache headers")
        status, _, _ = node.request("GET", path, headers={"If-None-Match": headers.get("etag", "")})
        check(status == 304, f"explorer {path}: 304 for its ETag")
    status, headers, data = node.request("HEAD", "/v1/info")
    check(status == 200 and data == b"" and int(headers.get("content-length", "0")) > 0, "HEAD /v1/info")


def dimp_shapes(node):
    # A reserved name with a genesis record, a free name, and a full ID (which resolves to itself).
    command = {"type": 136, "sn": 42, "command": "ans", "names": f"{REGISTERED} founder zz-free-name moky@anywhere"}
    answer = node.json("/v1/ans", method="POST", body=json.dumps(command))
    check(answer.get("command") == "ans", f"POST /v1/ans command: {answer}")
    check(answer.get("type") == 136, "type 0x88")
    check(answer.get("sn") == 42, "the query's sn comes back")
    check(answer.get("names") == command["names"], "names is the one string asked")
    check(answer.get("records") == {REGISTERED: TARGET, "founder": "moky@anywhere", "moky@anywhere": "moky@anywhere"},
          f"records field by field: {answer.get('records')}")
    check(answer.get("missed") == ["zz-free-name"], f"missed: {answer.get('missed')}")
    get = node.json(f"/v1/ans?names={REGISTERED}+founder+zz-free-name+moky%40anywhere")
    check(get.get("records") == answer["records"] and get.get("missed") == answer["missed"], "GET /v1/ans same answer")
    allfound = node.json("/v1/ans?names=founder")
    check("missed" not in allfound, "no `missed` when every name resolves")
    error_body(node, "GET", "/v1/ans?names=", 400, code="INVALID_ARGUMENT")
    error_body(node, "POST", "/v1/ans", 400, body=json.dumps({"command": "ans", "names": ""}))
    error_body(node, "GET", "/v1/ans?names=" + "+".join(f"n{i}" for i in range(100)), 400)

    directory = node.json("/v1/stations.json")
    has(directory, ["name", "providers", "stations"], "/v1/stations.json")
    check(len(directory["stations"]) >= 1, "the directory lists stations")
    for st in directory["stations"]:
        # What a DIMP station reads of a neighbour: did (then ID), host, port, and the provider.
        has(st, ["did", "ID", "host", "port", "provider"], "station")
        check(st["did"] == st["ID"] and "@" in st["ID"], f"station did == ID, a DIMP ID: {st}")
        check(isinstance(st["host"], str) and st["host"], "station host")
        check(isinstance(st["port"], int) and 0 < st["port"] < 65536, "station port a number")
    for p in directory["providers"]:
        has(p, ["ID", "did"], "provider row")
    sp_id = directory["providers"][0]["ID"]
    one = node.json(f"/v1/providers/{sp_id}/stations.json")
    has(one, ["ID", "did", "name", "stations"], "/v1/providers/{id}/stations.json")
    check(one["stations"] == [s for s in directory["stations"] if s["provider"] == sp_id], "one SP's stations")
    error_body(node, "GET", "/v1/providers/nobody@anywhere/stations.json", 404, code="NOT_FOUND")


def bad_requests(node):
    bad_addr = "0x1234"
    cases = [
        ("/v1/info?x=1", 400, "'x'"),
        ("/v1/names/%zz", 400, None),
        ("/v1/names/founder?read_at=soon", 400, "'read_at'"),
        ("/v1/names/founder/proof?height=abc", 400, "'height'"),
        ("/v1/names/founder/proof?height=999999999", 404, None),
        ("/v1/names/founder/check?years=abc", 400, "'years'"),
        ("/v1/names/founder/check?years=1000", 400, "years"),
        ("/v1/names/founder/check?years=-2", 400, "'years'"),
        ("/v1/names/" + "a" * 300, 200, None),  # a name too long is answered as invalid, with why
        (f"/v1/reverse/{bad_addr}", 400, None),
        ("/v1/reverse/not-an-address", 400, None),
        (f"/v1/owners/{bad_addr}/names", 400, None),
        ("/v1/owners/0xC22572274e285d87915964380dAb39039021Ae70/names?page_size=x", 400, "'page_size'"),
        ("/v1/owners/0xC22572274e285d87915964380dAb39039021Ae70/names?page_size=100000", 400, "page_size"),
        ("/v1/owners/0xC22572274e285d87915964380dAb39039021Ae70/names?page_token=%ff%fe", 400, "page_token"),
        ("/v1/providers?active=perhaps", 400, "'active'"),
        ("/v1/providers?page_size=100000", 400, "page_size"),
        ("/v1/providers?page_token=garbage!", 400, "page_token"),
        ("/v1/providers/nobody@anywhere", 404, None),
        ("/v1/stations?all=1", 400, "'all'"),
        ("/v1/blocks/abc", 400, "height"),
        ("/v1/blocks/-1", 400, "height"),
        ("/v1/blocks/" + "zz" * 32, 400, None),
        ("/v1/blocks/99999999999999999999999", 400, "'height'"),
        ("/v1/tx/abc", 400, None),
        ("/v1/tx/" + "g" * 64, 400, None),
        (f"/v1/accounts/{bad_addr}", 400, None),
        ("/v1/accounts/0xC22572274e285d87915964380dAb39039021Ae71", 400, None),  # EIP-55 checksum
        ("/v1/nothing", 404, None),
        ("/v1/info/", 404, None),
        ("/metrics?x=1", 400, "'x'"),
    ]
    for path, want, names in cases:
        if want == 200:
            status, _, data = node.get(path)
            check(status == 200 and json.loads(data)["record"]["state"] == "invalid", f"{path[:60]}: invalid name")
            continue
        error_body(node, "GET", path, want, names=names)
    for method in ["POST", "PUT", "DELETE", "PATCH"]:
        for path in ["/v1/info", "/v1/names/founder", "/v1/blocks/1", "/metrics", "/"]:
            status, headers, _ = node.request(method, path, body=b"{}")
            check(status == 405 and headers.get("allow") == "GET, HEAD", f"{method} {path}: 405 with Allow")
    status, headers, _ = node.request("PUT", "/v1/ans", body=b"{}")
    check(status == 405 and headers.get("allow") == "GET, HEAD, POST", "PUT /v1/ans: 405")
    error_body(node, "POST", "/v1/ans", 400, body=b"{not json")
    error_body(node, "POST", "/v1/ans", 400, body=b'{"command":"ans","names":["a"]}')

    # Oversized headers and body, a bad request line, garbage: answered, then the connection closes.
    big = node.raw(b"GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70000 + b"\r\n\r\n")
    check(big.startswith(b"HTTP/1.1 413"), f"oversized headers: 413 ({big[:40]!r})")
    body = b'{"names": "' + b"a " * 40000 + b'"}'
    status, _, _ = node.request("POST", "/v1/ans", body=body, headers={"Content-Type": "application/json"})
    check(status == 413, f"oversized body: 413, got {status}")
    for garbage in [b"\x00\x01\x02\x03\xff\xfe\r\n\r\n", b"HELLO\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/7.0\r\n\r\n",
                    b"GET /v1/info HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1"]:
        answer = node.raw(garbage)
        check(answer.startswith(b"HTTP/1.1 400"), f"garbage {garbage[:12]!r}: 400, got {answer[:40]!r}")
    # Half a request, then the client goes away.
    node.raw(b"GET /v1/in")


def registered(node, final, owner):
    """The name registered through gRPC, read over HTTP."""
    rec = node.json(f"/v1/names/{REGISTERED}")["record"]
    check(rec["state"] == "active" and rec["owner"].lower() == owner.lower(), f"the registered name: {rec}")
    check(rec["records"]["target"] == TARGET and int(rec["expiryS"]) > 0, "its record and expiry")
    check(int(rec["registeredHeight"]) == final.height, "registeredHeight is the block's")
    tx = node.json(f"/v1/tx/{final.hash}")
    check(tx["status"] == "final" and int(tx["height"]) == final.height, f"/v1/tx: final in its block: {tx}")
    check(tx["transaction"]["type"] == "name_register" and tx["transaction"]["fields"].get("name") == REGISTERED,
          "/v1/tx: the name_register")
    block = node.json(f"/v1/blocks/{final.height}")["block"]
    check(final.hash in [t["hash"] for t in block["transactions"]], "the block lists the transaction")
    owned = node.json(f"/v1/owners/{owner}/names")
    check(REGISTERED in [n["name"] for n in owned["names"]], "/v1/owners/{address}/names lists it")
    taken = node.json(f"/v1/names/{REGISTERED}/check")
    check(not taken["available"] and taken["state"] == "active", "check: a registered name is not available")
    proof = node.json(f"/v1/names/{REGISTERED}/proof")
    check(proof["record"]["state"] == "active", "its proof's record")


def main():
    args = ans_node.Args(sys.argv)
    ans_node.generate_stubs(args)
    # At debug level, so that the access log can be checked.
    node = ans_node.Node(args, "http-api", extra=["--log-level", "debug"])
    client = HttpClient(http_port(node))
    try:
        final, owner = register_name(args, node, REGISTERED, TARGET)
        check(final.status == "final", "the registration is final")
        registered(client, final, owner)
        routes(client)
        dimp_shapes(client)
        before = client.head_height()
        bad_requests(client)
        # Still serving, and still producing blocks.
        check(wait_for_height(client, before + 2), "the node kept producing blocks")
        check(client.json("/v1/names/founder")["record"]["state"] == "reserved", "the node still answers")
        check(node.alive(), "ansd still runs")
        check(re.search(r"\[debug\] http GET /v1/names/founder 200 \d+B \d+us", node.log_text()) is not None,
              "an access log line per HTTP request at debug level")
    finally:
        code = node.stop()
    check(code == 0, f"ansd stopped cleanly (exit {code})")
    print(f"http_api: {checks} checks, {len(failures)} failed")
    if failures:
        print("---- ansd log")
        print(node.log_text()[-4000:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
