// The no-build pages in Debian's Chromium: examples/plain.html served over HTTP and opened from
// file://, and a page written by toStandaloneHtml. Each must draw its heatmap with no console
// errors. Runs on the built bundle (dist/cdn), so `npm run build` comes first.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toStandaloneHtml } from "../dist/standalone.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const shared = path.resolve(repo, "..", "shared");
const fixture = path.join(shared, "fixtures", "attn_only_2L_half", "repeated_tokens_seq50.attn.json");
const bundle = path.join(repo, "packages", "react", "dist", "cdn", "attnscope.iife.js");
const haveFixture = existsSync(fixture);

let browser: Browser;
let server: Server;
let origin: string;
let tmp: string;
// The data the pages show: the real-model fixture when it is next to the repository, else a small synthetic one.
let dataFile: string;
let data: { str_tokens: string[]; attention: Record<string, number[][][]> };

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
};

/** Serves the repository, ../shared/ (read only) and the test's temporary files; nothing else. */
function serve(): Promise<string> {
  server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const roots: [string, string][] = [
      ["/shared/", shared],
      ["/test-data/", tmp],
      ["/", repo],
    ];
    const [prefix, root] = roots.find(([p]) => url.startsWith(p))!;
    const file = path.resolve(root, "." + url.slice(prefix.length - 1));
    if (!file.startsWith(root + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" })
      .end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)),
  );
}

function synthetic() {
  const T = 21;
  const str_tokens = ["<|endoftext|>", ...Array.from({ length: T - 1 }, (_, i) => ` w${i % 10}`)];
  const head = (f: (q: number) => number) =>
    Array.from({ length: T }, (_, q) => Array.from({ length: T }, (_, k) => (k === f(q) ? 1 : 0)));
  return {
    str_tokens,
    attention: {
      "0": [head((q) => Math.max(0, q - 1)), head(() => 0)],
      "1": [head((q) => (q > 10 ? q - 9 : 0)), head((q) => q)],
    },
  };
}

/** Opens `url`, collects console errors and page errors, waits for the heatmap and counts its distinct colours. */
async function open(url: string, before?: (page: Page) => Promise<void>) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await before?.(page);
  const heatmap = page.locator('[role="img"][aria-label^="Attention pattern of head"] canvas').first();
  await heatmap.waitFor({ timeout: 20_000 });
  const colours = await heatmap.evaluate(async (c: HTMLCanvasElement) => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
    return seen.size;
  });
  const label = await page
    .locator('[role="img"][aria-label^="Attention pattern of head"]')
    .first()
    .getAttribute("aria-label");
  const status = await page.evaluate(() => document.getElementById("status")?.textContent ?? null);
  await page.close();
  return { errors, colours, label, status };
}

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "npm run build" in packages/react first`);
  tmp = mkdtempSync(path.join(tmpdir(), "attnscope-pages-"));
  data = haveFixture ? JSON.parse(readFileSync(fixture, "utf8")) : synthetic();
  dataFile = haveFixture ? fixture : path.join(tmp, "synthetic.attn.json");
  if (!haveFixture) writeFileSync(dataFile, JSON.stringify(data));
  origin = await serve();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--allow-file-access-from-files"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const heads = () => Object.keys(data.attention).length * data.attention["0"]!.length;

describe("examples/plain.html", () => {
  it("renders the attention fixture when served over HTTP", async () => {
    const query = haveFixture ? "" : "?data=/test-data/synthetic.attn.json";
    const r = await open(`${origin}/examples/plain.html${query}`);
    expect(r.errors).toEqual([]);
    expect(r.status).toMatch(/^Showing /);
    // Head 1.4 is the one the page opens on (the first of two induction heads).
    expect(r.label).toBe(
      `Attention pattern of head 1.${heads() > 4 ? 4 : 0}, ${data.str_tokens.length} destination × ${data.str_tokens.length} source tokens`,
    );
    expect(r.colours).toBeGreaterThan(8);
  }, 60_000);

  it("renders from file:// with the data given as a script beside a copy of the data", async () => {
    const script = path.join(tmp, "data.js");
    writeFileSync(script, `window.attnscopeData = ${JSON.stringify(data)};\n`);
    const page = pathToFileURL(path.join(repo, "examples", "plain.html")).href;
    const r = await open(`${page}?datascript=${encodeURIComponent(pathToFileURL(script).href)}`);
    expect(r.errors).toEqual([]);
    expect(r.colours).toBeGreaterThan(8);
  }, 60_000);

  it("from file:// with no data asks for a file, and draws the one chosen", async () => {
    const page = pathToFileURL(path.join(repo, "examples", "plain.html")).href;
    const r = await open(page, async (p) => {
      await p.locator("#picker").waitFor({ state: "visible" });
      await p.locator("#file").setInputFiles(dataFile);
    });
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(`Showing ${path.basename(dataFile)}.`);
    expect(r.colours).toBeGreaterThan(8);
  }, 60_000);
});

describe("the ES module bundle", () => {
  it("renders any component by name from a module script and names the components it knows", async () => {
    writeFileSync(
      path.join(tmp, "esm.html"),
      `<!doctype html><link rel="icon" href="data:,"><div id="v"></div><p id="status"></p><script type="module">
import { render, componentNames } from "/packages/react/dist/cdn/attnscope.mjs";
const data = await (await fetch("/test-data/data.json")).json();
render("v", "AttentionPatterns", { tokens: data.str_tokens, attention: data.attention["0"] });
try { render("v", "Nope", {}); } catch (e) { document.getElementById("status").textContent = e.message + " | " + componentNames.length; }
</script>`,
    );
    writeFileSync(path.join(tmp, "data.json"), JSON.stringify(data));
    const r = await open(`${origin}/test-data/esm.html`);
    expect(r.errors).toEqual([]);
    expect(r.colours).toBeGreaterThan(8);
    expect(r.status).toMatch(
      /^attnscope\.render: unknown component "Nope"; use one of AttentionHeads, AttentionPattern, AttentionPatterns, .*TopkTokens \| 13$/,
    );
  }, 60_000);
});

describe("toStandaloneHtml", () => {
  it("writes one offline page (bundle and data inlined) that draws from file://", async () => {
    const tokens = data.str_tokens;
    const html = toStandaloneHtml("AttentionPatterns", {
      tokens,
      attention: data.attention["0"],
      title: "</script><b>standalone</b>",
    });
    expect(/<script[^>]+src=/.test(html)).toBe(false);
    // The hostile title stays data: the only </script> tags close the page's own three scripts.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const file = path.join(tmp, "standalone.html");
    writeFileSync(file, html);
    const r = await open(pathToFileURL(file).href);
    expect(r.errors).toEqual([]);
    expect(r.colours).toBeGreaterThan(8);
    console.log(
      `standalone page: ${(html.length / 1024).toFixed(0)} KiB for ${tokens.length} tokens × ${data.attention["0"]!.length} heads`,
    );
  }, 60_000);
});
