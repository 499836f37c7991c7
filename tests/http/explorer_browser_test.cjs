// Drives the explorer page in headless Chromium (see explorer_browser_test.sh).
//   node explorer_browser_test.cjs PLAYWRIGHT_CORE_DIR CHROMIUM URL SCREENSHOT NAME TARGET
// NAME is a registered name that resolves to TARGET.
"use strict";
const [playwrightDir, chromium, url, screenshot, registered, target] = process.argv.slice(2);
const { chromium: browserType } = require(playwrightDir);

const TIMEOUT = 60000;
let failures = 0;
function check(cond, what) {
  console.log(`${cond ? "ok  " : "FAIL"} ${what}`);
  if (!cond) failures++;
}

async function lookup(page, text) {
  await page.fill("#search-input", text);
  await page.click("#search button");
}

(async () => {
  const browser = await browserType.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url);
    await page.waitForLoadState("load");
    check((await page.title()) === "ANS Explorer", "the page loads");

    const height = async () => Number(await page.textContent("#head-height"));
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById("head-height").textContent));
    const first = await height();
    await page.waitForFunction((h) => Number(document.getElementById("head-height").textContent) >= h + 2, first);
    const later = await height();
    check(later >= first + 2, `the head advances live (${first} -> ${later})`);
    const final = Number(await page.textContent("#final-height"));
    check(final > 0 && final <= later, `the final height shows (${final})`);

    await page.waitForSelector("#blocks-body tr[data-height]");
    const rows = await page.$$eval("#blocks-body tr[data-height]", (trs) => trs.length);
    check(rows >= 3, `recent blocks listed (${rows})`);
    await page.waitForSelector("#providers .provider");
    const sp = await page.textContent("#providers .provider");
    check(sp.includes("ANS dev SP") && sp.includes("127.0.0.1:9394"), "the SP directory with its station");

    await lookup(page, "zz-free-name");
    await page.waitForSelector('#lookup-result[data-state="never_registered"]');
    const free = await page.textContent("#lookup-result");
    check(free.includes("not registered"), "a free name: not registered");
    check(/\d+(\.\d+)? DIMT/.test(await page.textContent("#name-price")), "a free name: its price");

    await lookup(page, "founder");
    await page.waitForSelector('#lookup-result[data-state="reserved"]');
    check((await page.textContent("#name-target")) === "moky@anywhere", "founder: its record");
    check((await page.textContent("#name-state")).includes("reserved"), "founder: its lifecycle state");

    await lookup(page, registered);
    await page.waitForSelector('#lookup-result[data-state="active"]');
    check((await page.textContent("#name-target")) === target, `${registered}: its record`);
    check((await page.textContent("#lookup-result")).includes("0x"), `${registered}: its owner`);
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-name.png"), fullPage: true });

    await page.goto(url + "#/");
    await page.waitForSelector("#blocks-body tr[data-height] a");
    await page.click("#blocks-body tr[data-height] td a");
    await page.waitForSelector("#detail:not([hidden]) .detail-head h2");
    const title = await page.textContent("#detail .detail-head h2");
    check(/^Block #\d+$/.test(title), `a clicked block opens its page (${title})`);
    check(page.url().includes("#/block/"), "hash-routed block view");

    await page.goto(url + "#/");
    await page.waitForSelector("#blocks-body tr[data-height]");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  } catch (e) {
    check(false, `the page works: ${e.message}`);
  } finally {
    await browser.close();
  }
  console.log(failures ? `explorer: ${failures} failed` : "explorer: all passed");
  process.exit(failures ? 1 : 0);
})();
