// Screenshots of built Storybook stories (and the hover benchmark's numbers) in headless Debian
// Chromium. Usage: node scripts/story-shots.mjs <storybook-static dir> <out dir> [story-id ...]
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, resolve } from "node:path";
import { chromium } from "playwright-core";

const [, , staticDir = "storybook-static", outDir = "/tmp/attnscope-shots", ...ids] = process.argv;
const root = resolve(staticDir);
const types = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  let file = join(root, decodeURIComponent(url.pathname));
  if (!file.startsWith(root)) return res.writeHead(403).end();
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
  if (!existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const defaults = [
  "attention-attentionpatterns--real-model-previous-token-head",
  "attention-attentionpatterns--real-model-induction-heads",
  "attention-attentionpatterns--long-sequence-benchmark",
];
for (const spec of ids.length ? ids : defaults) {
  // "id@dark" renders with the dark colour scheme; "id!hover=<css selector>" hovers an element first.
  const [idPart, hover] = spec.split("!hover=");
  const [id, scheme] = idPart.split("@");
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
    colorScheme: scheme === "dark" ? "dark" : "light",
  });
  page.on("console", (m) => m.type() === "info" && console.log(`[${id}] ${m.text()}`));
  page.on("pageerror", (e) => console.log(`[${id}] page error: ${e.message}`));
  await page.goto(`${base}/iframe.html?id=${id}&viewMode=story`);
  await page.waitForSelector("#storybook-root > *", { timeout: 60_000 });
  await page.waitForTimeout(800);
  if (hover) {
    await page.hover(hover);
    await page.waitForTimeout(300);
  }
  if (id.includes("benchmark")) {
    // The story's play function measures once on load (cold caches); then measure again warm.
    const done = () =>
      document.querySelector('[aria-label="Benchmark results"]')?.textContent?.includes("Head thumbnail");
    await page.waitForFunction(done, null, { timeout: 120_000 });
    console.log(
      "first run (play function, cold):\n" + (await page.locator('[aria-label="Benchmark results"]').textContent()),
    );
    await page.getByRole("button", { name: /Measure hover/ }).click();
    await page.waitForFunction(() => !document.querySelector("button[disabled]"), null, { timeout: 120_000 });
    await page.waitForFunction(done, null, { timeout: 120_000 });
    console.log("second run (warm):\n" + (await page.locator('[aria-label="Benchmark results"]').textContent()));
  }
  const file = join(outDir, `${id}${scheme ? "-" + scheme : ""}${hover ? "-hover" : ""}.png`);
  await page.locator("#storybook-root").screenshot({ path: file });
  console.log(`saved ${file}`);
  await page.close();
}
await browser.close();
server.close();
