// The ANS explorer: a single page over the node's /v1 HTTP routes (docs/api-http.md).
// Views are hash-routed: #/ (home), #/block/<height|hash>, #/tx/<hash>, #/name/<name>,
// #/account/<address>.
"use strict";

const RECENT_BLOCKS = 10;
const POLL_MS = 1000;
const PROVIDERS_MS = 15000;

// ---- small helpers

const $ = (id) => document.getElementById(id);

// Builds an element; children are nodes or strings (text, never HTML).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : "";
  }
}

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const num = (v) => Number(v || 0);
const short = (hex, n = 10) => (hex && hex.length > 2 * n ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex || "");
const link = (href, text, cls) => h("a", { href, class: cls }, text);
const blockLink = (ref, text) => link(`#/block/${ref}`, text ?? ref, "mono");
const txLink = (hash) => link(`#/tx/${hash}`, short(hash, 8), "mono");
const accountLink = (addr) => (addr ? link(`#/account/${addr}`, short(addr, 8), "mono") : h("span", { class: "muted" }, "—"));

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - num(ms)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(num(ms)).toLocaleDateString();
}
const dateOf = (seconds) => (num(seconds) ? new Date(num(seconds) * 1000).toLocaleString() : "—");
const dimt = (amount) => `${amount || "0"} DIMT`;

function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    dl.append(h("dt", {}, k), h("dd", {}, v));
  }
  return dl;
}

const STATE_BADGE = {
  active: "good", reserved: "info", grace: "warn", released: "bad",
  never_registered: "", invalid: "bad",
  final: "good", included: "info", pending: "warn", rejected: "bad",
};
const badge = (text, kind) => h("span", { class: `badge ${kind ?? STATE_BADGE[text] ?? ""}` }, text.replace("_", " "));

// ---- live heights and recent blocks

let info = null;
const blocks = new Map();  // height -> BlockInfo
let shownTop = -1;

function setConnected(ok) {
  $("conn-status").className = `status ${ok ? "live" : "down"}`;
  $("conn-text").textContent = ok ? "live" : "unreachable";
}

function setHeight(el, value) {
  if (el.textContent === value) return;
  el.textContent = value;
  el.classList.add("bump");
  setTimeout(() => el.classList.remove("bump"), 600);
}

async function poll() {
  try {
    info = await api("/v1/info");
    setConnected(true);
    setHeight($("head-height"), String(num(info.headHeight)));
    setHeight($("final-height"), String(num(info.finalHeight)));
    $("chain-name").textContent = info.chainName;
    renderChainFacts();
    await refreshBlocks();
  } catch (e) {
    setConnected(false);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function refreshBlocks() {
  const head = num(info.headHeight);
  const final = num(info.finalHeight);
  const low = Math.max(0, head - RECENT_BLOCKS + 1);
  const wanted = [];
  for (let height = head; height >= low; --height) {
    const known = blocks.get(height);
    // Blocks above the final one may still change (fork choice) or become final.
    if (!known || !known.final || height > final) wanted.push(height);
  }
  const got = await Promise.all(wanted.map((height) => api(`/v1/blocks/${height}`).then((r) => r.block).catch(() => null)));
  for (const b of got) if (b) blocks.set(num(b.height), b);
  for (const height of blocks.keys()) if (height < low) blocks.delete(height);
  renderBlocks(head, low);
}

function renderBlocks(head, low) {
  const body = $("blocks-body");
  const rows = [];
  for (let height = head; height >= low; --height) {
    const b = blocks.get(height);
    if (!b) continue;
    const txs = b.transactions || [];
    rows.push(h("tr", { class: height > shownTop && shownTop >= 0 ? "fresh" : "", "data-height": height },
      h("td", { class: "num" }, blockLink(height, `#${height}`)),
      h("td", {}, link(`#/block/${b.hash}`, short(b.hash), "mono"),
        txs.length ? h("ul", { class: "txlist" }, txs.map((t) => h("li", {}, txLink(t.hash), h("span", { class: "muted" }, t.type)))) : null),
      h("td", { class: "mono" }, short(b.producer, 8)),
      h("td", { class: "num" }, b.transactionCount),
      h("td", { class: "muted" }, ago(b.timestampMs)),
      h("td", {}, b.final ? badge("final") : badge("head", "info"))));
  }
  if (rows.length) body.replaceChildren(...rows);
  shownTop = Math.max(shownTop, head);
}

function renderChainFacts() {
  $("chain-facts").replaceChildren(...facts([
    ["Chain", info.chainName],
    ["Chain id", h("span", { class: "mono", title: info.chainId }, short(info.chainId, 12))],
    ["Epoch", `${num(info.epoch)} (every ${num(info.epochLength)} blocks)`],
    ["Block interval", `${num(info.blockIntervalMs) / 1000} s`],
    ["Active set", (info.activeSet || []).length ? (info.activeSet || []).map((id) => h("div", { class: "mono" }, short(id, 14))) : "—"],
    ["Mempool", `${num(info.mempoolSize)} transactions`],
    ["Minimum fee", dimt(info.minFee)],
  ]).childNodes);
}

// ---- the SP directory

async function refreshProviders() {
  try {
    const r = await api("/v1/providers");
    const list = r.providers || [];
    $("providers").replaceChildren(...(list.length ? list.map(providerCard) : [h("p", { class: "muted" }, "No service providers.")]));
  } catch (e) {
    $("providers").replaceChildren(h("p", { class: "muted" }, `Could not load providers: ${e.message}`));
  } finally {
    setTimeout(refreshProviders, PROVIDERS_MS);
  }
}

function providerCard(p) {
  const state = p.jailed ? badge("jailed", "bad") : p.retired ? badge("retired") : p.active ? badge("active", "good") : badge("standby");
  const stations = p.stations || [];
  return h("div", { class: "provider" },
    h("div", { class: "name" }, p.displayName || "(no name)", state),
    h("div", { class: "id" }, p.spId),
    p.url ? h("div", {}, h("a", { href: p.url, rel: "noopener", target: "_blank" }, p.url)) : null,
    h("div", { class: "stats" },
      h("span", {}, h("b", {}, p.weight), "weight"),
      h("span", {}, h("b", {}, num(p.producedBlocks)), "produced"),
      h("span", {}, h("b", {}, num(p.missedSlots)), "missed"),
      h("span", {}, h("b", {}, `${(Number(p.uptime) * 100).toFixed(1)}%`), "uptime")),
    h("ul", { class: "stations" }, stations.length
      ? stations.map((s) => h("li", {}, h("span", { class: "mono" }, `${s.host}:${s.port}`), " · ", h("span", { class: "mono muted" }, s.id)))
      : h("li", { class: "muted" }, "no stations")));
}

// ---- detail views

function showDetail(title, tag, ...content) {
  const detail = $("detail");
  detail.hidden = false;
  detail.replaceChildren(
    h("div", { class: "detail-head" }, h("h2", {}, title), tag, h("a", { class: "back", href: "#/" }, "← back")),
    ...content);
}

function showError(title, e) {
  const text = e.status === 404 ? "Not found." : e.message;
  showDetail(title, null, h("div", { class: "notice error" }, text));
}

async function viewBlock(ref) {
  try {
    const { block: b } = await api(`/v1/blocks/${encodeURIComponent(ref)}`);
    const txs = b.transactions || [];
    showDetail(`Block #${num(b.height)}`, b.final ? badge("final") : badge("not final", "warn"),
      facts([
        ["Hash", h("span", { class: "mono" }, b.hash)],
        ["Parent", num(b.height) > 0 ? blockLink(b.prevHash) : h("span", { class: "muted" }, "genesis")],
        ["Slot", num(b.slot)],
        ["Time", `${new Date(num(b.timestampMs)).toLocaleString()} (${ago(b.timestampMs)})`],
        ["Producer", h("span", { class: "mono" }, b.producer || "—")],
        ["State root", h("span", { class: "mono" }, b.stateRoot)],
        ["Tx root", h("span", { class: "mono" }, b.txRoot)],
      ]),
      h("h3", {}, `Transactions (${b.transactionCount})`),
      txs.length ? txTable(txs) : h("p", { class: "muted" }, "No transactions in this block."));
  } catch (e) {
    showError(`Block ${ref}`, e);
  }
}

function txTable(txs) {
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, "Hash"), h("th", {}, "Type"), h("th", {}, "Sender"), h("th", {}, "Details"), h("th", {}, "Fee"))),
    h("tbody", {}, txs.map((t) => h("tr", {},
      h("td", {}, txLink(t.hash)), h("td", {}, t.type), h("td", {}, accountLink(t.sender)),
      h("td", {}, fieldsText(t.fields)), h("td", { class: "num" }, t.fee)))));
}

function fieldsText(fields) {
  const entries = Object.entries(fields || {});
  if (!entries.length) return h("span", { class: "muted" }, "—");
  return entries.map(([k, v]) => h("div", {}, h("span", { class: "muted" }, `${k}: `), k === "name" ? link(`#/name/${encodeURIComponent(v)}`, v) : v));
}

async function viewTx(hash) {
  try {
    const r = await api(`/v1/tx/${encodeURIComponent(hash)}`);
    const t = r.transaction || {};
    const where = r.status === "included" || r.status === "final"
      ? [["Block", blockLink(num(r.height), `#${num(r.height)}`)], ["Position", r.index]] : [];
    const why = r.status === "rejected" ? [["Reason", `${r.reasonCode}: ${r.reason}`]] : [];
    showDetail("Transaction", badge(r.status),
      facts([
        ["Hash", h("span", { class: "mono" }, t.hash || hash)],
        ...where, ...why,
        ["Type", t.type],
        ["Sender", t.sender ? accountLink(t.sender) : undefined],
        ["Nonce", t.nonce !== undefined ? num(t.nonce) : undefined],
        ["Fee", t.fee !== undefined ? dimt(t.fee) : undefined],
        ["Expires at", t.expiryHeight !== undefined ? `block ${num(t.expiryHeight)}` : undefined],
      ]),
      Object.keys(t.fields || {}).length ? [h("h3", {}, "Details"), facts(Object.entries(t.fields).map(([k, v]) => [k, v]))] : []);
  } catch (e) {
    showError("Transaction", e);
  }
}

async function viewAccount(address) {
  try {
    const a = await api(`/v1/accounts/${encodeURIComponent(address)}`);
    let name = null;
    try {
      const rev = await api(`/v1/reverse/${encodeURIComponent(address)}`);
      if (rev.found) name = link(`#/name/${encodeURIComponent(rev.name)}`, rev.name);
    } catch (_) { /* no reverse name */ }
    showDetail("Account", null,
      facts([
        ["Address", h("span", { class: "mono" }, a.address)],
        ["Name", name || h("span", { class: "muted" }, "—")],
        ["Balance", dimt(a.balance)],
        ["Next nonce", num(a.nonce)],
        ["Staked", dimt(a.staked)],
        ["Votes", (a.votes || []).length ? a.votes.join(", ") : "—"],
        ["Unclaimed rewards", dimt(a.rewards)],
        ["Read at", blockLink(num(a.at && a.at.height), `#${num(a.at && a.at.height)}`)],
      ]));
  } catch (e) {
    showError("Account", e);
  }
}

async function viewName(name) {
  try {
    const { record: r, at } = await api(`/v1/names/${encodeURIComponent(name)}`);
    const tag = badge(r.state);
    tag.id = "name-state";
    if (r.state === "invalid") {
      showDetail(name, tag, h("div", { class: "notice error", id: "lookup-result", "data-state": r.state },
        `Not a valid name: ${r.reason}`));
      return;
    }
    if (r.state === "never_registered" || r.state === "released") {
      let price = h("p", { class: "muted" }, "Price unavailable.");
      try {
        const c = await api(`/v1/names/${encodeURIComponent(name)}/check?years=1`);
        price = c.available
          ? h("div", {}, h("div", { class: "price", id: "name-price" }, dimt(c.total)),
              h("div", { class: "muted" }, `for ${c.years} year${c.years === 1 ? "" : "s"}: ${dimt(c.yearlyFee)} a year` +
                (c.premium && c.premium !== "0" ? ` + ${dimt(c.premium)} release premium` : "")))
          : h("p", {}, `Not available: ${c.unavailableReason}`);
      } catch (e) {
        price = h("p", { class: "muted" }, `Price unavailable: ${e.message}`);
      }
      showDetail(name, tag, h("div", { class: "notice free", id: "lookup-result", "data-state": r.state },
        h("p", {}, h("strong", {}, `“${name}” is not registered.`), " It can be registered through commit and reveal."),
        price));
      return;
    }
    const rec = r.records || {};
    const texts = (rec.text || []).map((t) => [t.key, t.value]);
    showDetail(name, tag, h("div", { id: "lookup-result", "data-state": r.state },
      facts([
        ["Resolves to", h("span", { class: "mono", id: "name-target" }, rec.target || "—")],
        ["Owner", r.owner ? accountLink(r.owner) : h("span", { class: "muted" }, r.state === "reserved" ? "reserved at genesis" : "—")],
        ["Expires", r.state === "reserved" ? "never" : dateOf(r.expiryS)],
        ["Grace ends", r.state === "reserved" ? undefined : dateOf(r.graceEndsS)],
        ["Registered at", num(r.registeredHeight) ? blockLink(num(r.registeredHeight), `#${num(r.registeredHeight)}`) : undefined],
        ["BTC address", rec.btc ? h("span", { class: "mono" }, rec.btc) : undefined],
        ["ETH address", rec.eth ? h("span", { class: "mono" }, rec.eth) : undefined],
        ...texts,
        ["Read at", at ? blockLink(num(at.height), `#${num(at.height)}`) : undefined],
      ])));
  } catch (e) {
    showError(name, e);
  }
}

// ---- routing and the search box

function route() {
  const [, kind, ...rest] = location.hash.replace(/^#/, "").split("/");
  const arg = decodeURIComponent(rest.join("/"));
  const home = $("home");
  if (!kind || !arg) {
    $("detail").hidden = true;
    home.hidden = false;
    return;
  }
  home.hidden = false;
  const views = { block: viewBlock, tx: viewTx, name: viewName, account: viewAccount };
  (views[kind] || (() => showError("Not found", new Error(`No view ${kind}.`))))(arg);
  window.scrollTo({ top: 0 });
}

async function search(text) {
  const q = text.trim();
  if (!q) return;
  let target;
  if (/^\d+$/.test(q)) target = `#/block/${q}`;
  else if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) {
    const hex = q.replace(/^0x/, "").toLowerCase();
    target = await api(`/v1/tx/${hex}`).then(() => `#/tx/${hex}`, () => `#/block/${hex}`);
  } else if (/^0x[0-9a-fA-F]{40}$/.test(q)) target = `#/account/${q}`;
  else target = `#/name/${encodeURIComponent(q.toLowerCase())}`;
  if (location.hash === target) route();
  else location.hash = target;
}

$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  search($("search-input").value);
});
window.addEventListener("hashchange", route);
route();
poll();
refreshProviders();
