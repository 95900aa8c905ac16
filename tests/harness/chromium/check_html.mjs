// Opens an ibaudit HTML report in Debian's Chromium (headless) and reports
// what a reader's browser would do with it, as one JSON object on stdout:
//
//   node check_html.mjs PAGE.html SCREENSHOT_DIR [--filter TEXT]... [--click-first-mark]
//
// - console errors and uncaught exceptions;
// - every request other than the page itself (each is also aborted): a
//   self-contained page makes none;
// - Content-Security-Policy violations;
// - whether a hostile string's script ran (`window.__pwned`, or
//   `data-pwned` on the root element);
// - for each --filter: the rows visible after typing it into `#q`;
// - every drawing (`svg.vpc-diagram`) and the fingerprints marked in it;
// - the page's text, and how long it took to load (`load` event, ms).
//
// Exit 0 whatever the page did (the test judges); 1 if the browser could
// not run.
import { launch } from "./launch.mjs";
import { mkdirSync } from "node:fs";
import { resolve, join } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error("usage: check_html.mjs PAGE.html SCREENSHOT_DIR [--filter TEXT]... [--click-first-mark]");
  process.exit(1);
}
const page_path = resolve(args[0]);
const shots = resolve(args[1]);
const filters = [];
let clickFirstMark = false;
for (let i = 2; i < args.length; i++) {
  if (args[i] === "--filter") filters.push(args[++i]);
  else if (args[i] === "--click-first-mark") clickFirstMark = true;
}
mkdirSync(shots, { recursive: true });
const url = pathToFileURL(page_path).href;

const out = { console_errors: [], page_errors: [], requests: [], csp_violations: [], filters: {} };
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    out.requests.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const start = Date.now();
  await page.goto(url, { waitUntil: "load" });
  out.load_ms = Date.now() - start;
  await page.waitForTimeout(300);
  // The page as it opens, before any filter or click narrows it.
  out.text_loaded = await page.evaluate(() => document.body.innerText);
  out.data_findings = await page.evaluate(
    () => JSON.parse(document.getElementById("report-data").textContent).findings.length);
  const visibleRows = () => page.evaluate(() =>
    Array.from(document.querySelectorAll("#findings tbody tr"))
      .filter((tr) => !tr.hidden && tr.offsetParent !== null)
      .map((tr) => ({
        rule: tr.getAttribute("data-rule"),
        fingerprint: tr.getAttribute("data-fingerprint"),
        text: tr.textContent,
      })));
  out.rows = await visibleRows();
  out.status = await page.textContent("#status");
  out.diagrams = await page.evaluate(() =>
    Array.from(document.querySelectorAll("svg.vpc-diagram")).map((svg) => ({
      vpc: svg.getAttribute("data-vpc"),
      account: svg.getAttribute("data-account"),
      region: svg.getAttribute("data-region"),
      findings: Array.from(svg.querySelectorAll("[data-finding]"))
        .flatMap((e) => e.getAttribute("data-finding").split(" ")),
      elements: svg.querySelectorAll(".el").length,
    })));
  await page.screenshot({ path: join(shots, "summary.png") });
  // The drawing with the most marked elements.
  const drawings = await page.$$("details.vpc[open] svg.vpc-diagram");
  let best = null, most = -1;
  for (const d of drawings) {
    const n = await d.evaluate((svg) => svg.querySelectorAll("[data-finding]").length);
    if (n > most) { best = d; most = n; }
  }
  if (best) await best.screenshot({ path: join(shots, "diagram.png") });
  let shot = false;
  for (const f of filters) {
    await page.fill("#q", f);
    await page.waitForTimeout(100);
    out.filters[f] = await visibleRows();
    if (!shot) {
      await page.locator("#findings").screenshot({ path: join(shots, "filtered.png") });
      shot = true;
    }
    await page.fill("#q", "");
  }
  if (clickFirstMark) {
    // A marked element links to its finding: clicking it shows that row.
    const mark = await page.$("details.vpc[open] svg.vpc-diagram [data-finding] a");
    if (mark) {
      const fp = await mark.evaluate((a) => a.closest("[data-finding]").getAttribute("data-finding").split(" ")[0]);
      await mark.click();
      await page.waitForTimeout(200);
      out.clicked = { fingerprint: fp, rows: await visibleRows() };
    }
  }
  // A row's rule id opens that rule's page, embedded further down.
  const ruleLink = await page.$("#findings tbody tr a.rule-link");
  if (ruleLink) {
    const rule = await ruleLink.textContent();
    await ruleLink.click();
    await page.waitForTimeout(100);
    out.rule_page = {
      rule,
      open: await page.evaluate((r) => Boolean(document.getElementById(`rule-${r}`)?.open), rule),
      text: await page.evaluate((r) => document.getElementById(`rule-${r}`)?.innerText ?? "", rule),
    };
  }
  out.csp_violations = await page.evaluate(() => window.__csp);
  out.pwned = await page.evaluate(() => Boolean(window.__pwned) || document.documentElement.hasAttribute("data-pwned"));
  out.text = await page.evaluate(() => document.body.innerText);
  out.screenshots = shots;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
