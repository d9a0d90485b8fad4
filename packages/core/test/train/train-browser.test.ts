// Training runs in browsers: bundle the trainer with Vite and run it in a module Web Worker in headless
// Chromium, with progress events posted to the page, a stop request from the page, and a snapshot posted back.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = path.resolve(path.dirname(path.dirname(fileURLToPath(import.meta.url))), "..", "src");
const chromiumPath = "/usr/bin/chromium";
const canRunBrowser = existsSync(chromiumPath);
if (!canRunBrowser) console.warn(`browser training test skipped: needs ${chromiumPath} (apt-get install -y chromium)`);

const workerEntry = `
import { createTrainer } from ${JSON.stringify(path.join(srcDir, "train", "index.ts"))};
let ctrl: AbortController | null = null;
self.onmessage = async (e: MessageEvent) => {
  if (e.data.type === "stop") { ctrl?.abort(); return; }
  ctrl = new AbortController();
  const corpus = Array.from({ length: 2000 }, (_, i) => [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8][i % 12] + (i % 36 < 12 ? 0 : 7));
  const trainer = createTrainer({
    config: { d_model: 16, d_head: 4, n_heads: 4, n_layers: 2, n_ctx: 40, d_vocab: 20, attn_only: true, normalization_type: null, positional_embedding_type: "shortformer" },
    corpus, bosTokenId: 19, steps: e.data.steps, batchSize: 4, seqLen: 24, lr: 1e-2, warmup: 5, seed: 3, evalEvery: 10,
    probe: { half: 8, batch: 2 },
  });
  const result = await trainer.run({ signal: ctrl.signal, onProgress: (p) => (self as any).postMessage({ type: "progress", p }) });
  (self as any).postMessage({ type: "done", result, losses: trainer.losses, snapshot: trainer.snapshot() });
};
`;

describe.runIf(canRunBrowser)("training in a Web Worker in headless Chromium", () => {
  it("posts progress, lowers the loss, stops on request and posts a snapshot", async () => {
    const { build } = await import("vite");
    const { chromium } = await import("playwright-core");
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-train-browser-"));
    const entry = path.join(dir, "worker.ts");
    writeFileSync(entry, workerEntry);
    await build({
      root: dir,
      logLevel: "silent",
      configFile: false,
      build: { outDir: path.join(dir, "dist"), lib: { entry, formats: ["es"], fileName: "worker" }, minify: false },
      resolve: { conditions: ["browser"] },
    });
    const bundle = readFileSync(path.join(dir, "dist", "worker.mjs"));
    expect(bundle.toString()).not.toMatch(/from\s*["']node:/);
    const server = http.createServer((req, res) => {
      if (req.url === "/")
        return void res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>train</title>");
      if (req.url === "/worker.mjs") return void res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      // Evaluated as a string: vitest rewrites functions passed to evaluate. `stopAt` asks the worker to stop
      // once a progress event at or after that step has arrived.
      const runInWorker = (steps: number, stopAt: number) =>
        page.evaluate(`new Promise((resolve) => {
        const worker = new Worker(${JSON.stringify(`${base}/worker.mjs`)}, { type: "module" });
        const progress = [];
        worker.onmessage = (e) => {
          if (e.data.type === "progress") {
            progress.push(e.data.p);
            if (e.data.p.step >= ${stopAt}) worker.postMessage({ type: "stop" });
          } else {
            resolve({ progress, done: { result: e.data.result, losses: e.data.losses, snapshotStep: e.data.snapshot.step,
              snapshotIsFloat32: e.data.snapshot.params["embed.W_E"] instanceof Float32Array } });
            worker.terminate();
          }
        };
        worker.onerror = (e) => resolve({ error: e.message });
        worker.postMessage({ type: "start", steps: ${steps} });
      })`) as Promise<{
          error?: string;
          progress: {
            step: number;
            loss: number | null;
            inductionScores: number[][];
            prevTokenScores: number[][];
            elapsedMs: number;
          }[];
          done: {
            result: { step: number; aborted: boolean };
            losses: number[];
            snapshotStep: number;
            snapshotIsFloat32: boolean;
          };
        }>;

      const full = await runInWorker(60, Infinity);
      expect(full.error).toBeUndefined();
      expect(full.progress.map((p) => p.step)).toEqual([0, 10, 20, 30, 40, 50, 60]);
      expect(full.progress[3].inductionScores).toHaveLength(2);
      expect(full.progress[3].prevTokenScores[0]).toHaveLength(4);
      expect(full.progress.at(-1)!.elapsedMs).toBeGreaterThan(0);
      expect(full.done.result).toEqual({ step: 60, aborted: false });
      const first = full.done.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
      const last = full.done.losses.slice(-5).reduce((a, b) => a + b) / 5;
      expect(last).toBeLessThan(first - 1);
      expect(full.progress.at(-1)!.loss!).toBeLessThan(full.progress[1].loss!);

      const stopped = await runInWorker(1000, 20);
      expect(stopped.done.result.aborted).toBe(true);
      expect(stopped.done.result.step).toBeGreaterThanOrEqual(20);
      expect(stopped.done.result.step).toBeLessThan(1000);
      expect(stopped.done.snapshotStep).toBe(stopped.done.result.step);
      expect(stopped.done.snapshotIsFloat32).toBe(true);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
