// Renders every ```mermaid block of a markdown file with Mermaid itself, in
// Debian's Chromium (headless), and prints one JSON object on stdout:
//
//   node render_mermaid.mjs REPORT.md
//
// {"blocks": [{"ok", "error", "declared", "nodes", "labels"}], "pwned",
//  "requests", "console_errors"}: `declared` are the node ids the source
// declares (`n0[...]`), `nodes` the nodes of the rendered SVG, `labels`
// their text. Mermaid runs with its default `securityLevel: "strict"`, as
// GitHub's renderer does. Exit 0 whatever rendered; 1 if the browser could
// not run.
import { launch } from "./launch.mjs";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const md = readFileSync(process.argv[2], "utf8");
const blocks = [];
const re = /^```mermaid\n([\s\S]*?)^```$/gm;
for (let m; (m = re.exec(md)); ) blocks.push(m[1]);

const browser = await launch();
const out = { blocks: [], requests: [], console_errors: [] };
try {
  const page = await browser.newPage();
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith("data:") || u === "about:blank") return route.continue();
    out.requests.push(u);
    return route.abort();
  });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  await page.setContent("<!DOCTYPE html><html><body><div id=out></div></body></html>");
  await page.addScriptTag({ path: join(here, "node_modules/mermaid/dist/mermaid.min.js") });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
  for (const [i, text] of blocks.entries()) {
    const declared = Array.from(new Set(
      Array.from(text.matchAll(/^(n\d+)[\[\(\{]/gm), (m) => m[1])));
    const r = await page.evaluate(async ({ i, text }) => {
      try {
        const { svg } = await window.mermaid.render(`d${i}`, text);
        const host = document.getElementById("out");
        host.innerHTML = svg;
        const nodes = Array.from(host.querySelectorAll("g.node"));
        return { ok: true, nodes: nodes.length, labels: nodes.map((n) => n.textContent) };
      } catch (e) {
        return { ok: false, error: String(e && e.message || e) };
      }
    }, { i, text });
    out.blocks.push({ ...r, declared });
  }
  out.pwned = await page.evaluate(() => Boolean(window.__pwned) || document.documentElement.hasAttribute("data-pwned"));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
