// The kernels in headless Chromium, where relaxed SIMD validates without flags: the relaxed build with two
// threads on shared memory (a cross-origin isolated page), on the page's main thread (the host spins while
// the worker computes) and inside a module Web Worker (how the demo runs the model), against the plain-TS
// reference on the same model. Without isolation "auto" must fall back to one thread and say so.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = path.resolve(path.dirname(path.dirname(fileURLToPath(import.meta.url))), "..", "src");
const chromiumPath = "/usr/bin/chromium";
const canRunBrowser = existsSync(chromiumPath);
if (!canRunBrowser) console.warn(`browser kernels test skipped: needs ${chromiumPath} (apt-get install -y chromium)`);

const src = (p: string) => JSON.stringify(path.join(srcDir, p));

// Runs the same random model on the kernels and on plain TS: a full run, the same input again (weights kept
// packed from the second use), an appended token (incremental run) and a patterns-only run, and reports
// the largest difference relative to each tensor's scale.
const checkEntry = `
import { createKernelsBackend } from ${src("backend/kernels-backend.ts")};
import { tsBackend } from ${src("backend/ts-backend.ts")};
import { HookedTransformer } from ${src("model/hooked-transformer.ts")};
import { resolveConfig } from ${src("config.ts")};
import { SeededRandom } from ${src("util/random.ts")};

export async function check(opts) {
  const cfg = resolveConfig({ d_model: 64, d_head: 16, n_heads: 4, n_layers: 2, n_ctx: 64, d_vocab: 300, attn_only: true,
    normalization_type: null, positional_embedding_type: "shortformer", use_attn_result: true });
  const rng = new SeededRandom(5);
  const sd = new Map();
  const add = (key, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    sd.set(key, { dtype: "float32", shape, data: Float32Array.from({ length: n }, () => rng.normal() * 0.3) });
  };
  add("embed.W_E", [300, 64]); add("pos_embed.W_pos", [64, 64]);
  for (let l = 0; l < 2; l++) {
    for (const w of ["W_Q", "W_K", "W_V"]) add("blocks." + l + ".attn." + w, [4, 64, 16]);
    add("blocks." + l + ".attn.W_O", [4, 16, 64]);
    for (const b of ["b_Q", "b_K", "b_V"]) add("blocks." + l + ".attn." + b, [4, 16]);
    add("blocks." + l + ".attn.b_O", [64]);
  }
  add("unembed.W_U", [64, 300]); add("unembed.b_U", [300]);
  const be = await createKernelsBackend({ threads: opts.threads, relaxed: opts.relaxed, minSplitWork: 0 });
  const fast = new HookedTransformer(cfg, sd, { backend: be });
  const ref = new HookedTransformer(cfg, sd, { backend: tsBackend });
  const tokens = Array.from({ length: 41 }, (_, i) => (i === 0 ? 0 : (i * 37 + 11) % 300));
  let worst = 0, compared = 0;
  const compare = (a, b) => {
    let scale = 0, err = 0;
    if (a.length !== b.length) { worst = Infinity; return; }
    for (let i = 0; i < b.length; i++) {
      // Masked scores are -Infinity on both engines; anything else non-finite is a failure.
      if (!Number.isFinite(b[i])) { if (!Object.is(a[i], b[i])) worst = Infinity; continue; }
      scale = Math.max(scale, Math.abs(b[i]));
      err = Math.max(err, Math.abs(a[i] - b[i]));
    }
    worst = Math.max(worst, err / Math.max(scale, 1e-30));
    compared++;
  };
  const patternsOnly = (n) => n.endsWith("hook_pattern");
  const steps = [
    [tokens.slice(0, 40), { returnType: "both" }],
    [tokens.slice(0, 40), { returnType: "both" }],
    [tokens.slice(0, 41), { returnType: "both" }],
    [tokens.slice(0, 41).map((t, i) => (i === 30 ? 7 : t)), { returnType: "none", namesFilter: patternsOnly }],
  ];
  for (const [input, o] of steps) {
    const a = await fast.runWithCache(input, { ...o, removeBatchDim: true });
    const b = await ref.runWithCache(input, { ...o, removeBatchDim: true });
    for (const key of b.cache.keys()) compare(a.cache.get(key).data, b.cache.get(key).data);
    if (b.logits) compare(a.logits.data, b.logits.data);
    if (b.loss) compare(a.loss.data, b.loss.data);
  }
  const report = { name: be.name, threads: be.threads, relaxed: be.relaxed, isolated: globalThis.crossOriginIsolated === true,
    worst, compared };
  be.dispose();
  return report;
}
`;

const workerEntry = `
import { check } from "./check.ts";
self.onmessage = async (e) => {
  try { self.postMessage(await check(e.data)); } catch (err) { self.postMessage({ error: String(err && err.stack || err) }); }
};
`;

interface Report {
  error?: string;
  name: string;
  threads: number;
  relaxed: boolean;
  isolated: boolean;
  worst: number;
  compared: number;
}

describe.runIf(canRunBrowser)("kernels in headless Chromium", () => {
  it("relaxed SIMD on two threads matches plain TS on the page and in a worker; without isolation one thread", async () => {
    const { build } = await import("vite");
    const { chromium } = await import("playwright-core");
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-kernels-browser-"));
    writeFileSync(path.join(dir, "check.ts"), checkEntry);
    writeFileSync(path.join(dir, "worker.ts"), workerEntry);
    await build({
      root: dir,
      logLevel: "silent",
      configFile: false,
      build: {
        outDir: path.join(dir, "dist"),
        minify: false,
        lib: { entry: { check: path.join(dir, "check.ts"), worker: path.join(dir, "worker.ts") }, formats: ["es"] },
      },
      resolve: { conditions: ["browser"] },
    });
    const files = new Map<string, Buffer>();
    const distDir = path.join(dir, "dist");
    for (const f of (await import("node:fs")).readdirSync(distDir))
      files.set(`/${f}`, readFileSync(path.join(distDir, f)));
    const checkFile = [...files.keys()].find((f) => /^\/check\.m?js$/.test(f));
    const workerFile = [...files.keys()].find((f) => /^\/worker\.m?js$/.test(f));
    expect(checkFile && workerFile, `bundles: ${[...files.keys()].join(", ")}`).toBeTruthy();
    // Isolation headers on every response make SharedArrayBuffer available (crossOriginIsolated).
    const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const headers = url.searchParams.has("plain") ? {} : isolation;
      if (url.pathname === "/") {
        return void res
          .writeHead(200, { "content-type": "text/html", ...headers })
          .end(
            `<!doctype html><title>kernels</title><script type="module">import { check } from "${checkFile}"; window.check = check;</script>`,
          );
      }
      const body = files.get(url.pathname);
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "text/javascript", ...headers }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const open = async (query: string) => {
        const page = await browser.newPage();
        await page.goto(`${base}/${query}`);
        await page.waitForFunction("typeof window.check === 'function'");
        return page;
      };
      // Evaluated as strings: vitest rewrites functions passed to evaluate.
      const onPage = (page: import("playwright-core").Page, opts: object) =>
        page.evaluate(
          `window.check(${JSON.stringify(opts)}).catch((e) => ({ error: String(e && e.stack || e) }))`,
        ) as Promise<Report>;
      const inWorker = (page: import("playwright-core").Page, opts: object) =>
        page.evaluate(`new Promise((resolve) => {
        const w = new Worker(${JSON.stringify(`${base}${workerFile}`)}, { type: "module" });
        w.onmessage = (e) => { resolve(e.data); w.terminate(); };
        w.onerror = (e) => resolve({ error: e.message });
        w.postMessage(${JSON.stringify(opts)});
      })`) as Promise<Report>;

      const isolated = await open("");
      for (const where of [onPage, inWorker]) {
        const r = await where(isolated, { threads: 2, relaxed: true });
        expect(r.error).toBeUndefined();
        expect(r).toMatchObject({ name: "kernels-relaxed-simd x2", threads: 2, relaxed: true, isolated: true });
        expect(r.compared).toBeGreaterThan(40);
        expect(r.worst).toBeLessThan(1e-5);
      }
      // "auto" picks the relaxed build and both cores where the page allows it.
      const auto = await inWorker(isolated, {});
      expect(auto.error).toBeUndefined();
      expect(auto.relaxed).toBe(true);
      expect(auto.worst).toBeLessThan(1e-5);

      const plain = await open("?plain");
      const single = await onPage(plain, {});
      expect(single.error).toBeUndefined();
      expect(single).toMatchObject({ name: "kernels-relaxed-simd", threads: 1, isolated: false });
      expect(single.worst).toBeLessThan(1e-5);
      // Asking for two threads where memory cannot be shared is an error that says why.
      const refused = await onPage(plain, { threads: 2 });
      expect(refused.error).toMatch(/threads > 1 needs SharedArrayBuffer/);
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);
});
