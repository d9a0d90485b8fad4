/**
 * exportOnnx in headless Chromium: the page fetches the tiny TransformerLens model, exports it (onnx-proto,
 * bundled by Vite) and runs every input on onnxruntime-web, on its wasm backend and on WebGPU over SwiftShader
 * (Debian's software Vulkan). The patterns, per-token loss and logits rows must match the goldens: within
 * 1e-4 × max(1, max |golden|) on wasm, 1e-3 on WebGPU. onnxruntime-web is served from its own package files
 * (an import map points the bundle's `onnxruntime-web/wasm` and `/webgpu` imports at them).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { readSafetensors } from "../../src/index.js";
import { expectClose } from "../helpers/compare.js";
import { describeWithFixtures, fixturePath, readFixture, readGoldens } from "../helpers/fixtures.js";
import { startServer, type Route } from "../helpers/http-server.js";
import type { ProbeInput, ProbeOutput } from "../helpers/onnx-browser-probe.js";

const chromiumPath = "/usr/bin/chromium";
const here = path.dirname(fileURLToPath(import.meta.url));
const ortDist = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));

/** The two bundles (one per onnxruntime-web flavour) and the files they load, as routes. */
async function buildRoutes(): Promise<Record<string, Route>> {
  const { build } = await import("vite");
  const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-onnx-browser-"));
  const probe = JSON.stringify(path.join(here, "..", "helpers", "onnx-browser-probe.ts"));
  const entries: Record<string, string> = {};
  for (const [name, pkg, ep] of [
    ["wasm", "onnxruntime-web/wasm", "wasm"],
    ["webgpu", "onnxruntime-web/webgpu", "webgpu"],
  ]) {
    entries[name] = path.join(dir, `${name}.ts`);
    writeFileSync(
      entries[name],
      `import * as ort from ${JSON.stringify(pkg)};
      import { runOnnxBrowserProbe } from ${probe};
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = "error";
      ort.env.wasm.wasmPaths = "/ort/";
      (globalThis as any).probe = (base: string, inputs: unknown[]) => runOnnxBrowserProbe(ort as any, base, [${JSON.stringify(ep)}], inputs as any);`,
    );
  }
  await build({
    root: dir,
    logLevel: "silent",
    configFile: false,
    build: {
      outDir: path.join(dir, "dist"),
      lib: { entry: entries, formats: ["es"], fileName: (_, name) => `${name}.mjs` },
      minify: false,
      rollupOptions: { external: ["onnxruntime-web/wasm", "onnxruntime-web/webgpu"] },
    },
    resolve: { conditions: ["browser"] },
  });
  const importMap = {
    imports: { "onnxruntime-web/wasm": "/ort/ort.wasm.min.mjs", "onnxruntime-web/webgpu": "/ort/ort.webgpu.min.mjs" },
  };
  const routes: Record<string, Route> = {
    "/": {
      contentType: "text/html",
      body: Buffer.from(
        `<!doctype html><title>onnx</title><script type="importmap">${JSON.stringify(importMap)}</script>`,
      ),
    },
    "/model/config.json": { contentType: "application/json", body: readFixture("config.json") },
    "/model/model.safetensors": { body: new Uint8Array(), file: fixturePath("model.safetensors") },
  };
  for (const f of readdirSync(path.join(dir, "dist")))
    routes[`/bundle/${f}`] = { contentType: "text/javascript", body: readFileSync(path.join(dir, "dist", f)) };
  for (const f of readdirSync(ortDist)) {
    if (!/\.(mjs|wasm)$/.test(f)) continue;
    const wasm = f.endsWith(".wasm");
    routes[`/ort/${f}`] = {
      contentType: wasm ? "application/wasm" : "text/javascript",
      body: new Uint8Array(),
      file: path.join(ortDist, f),
    };
  }
  return routes;
}

describeWithFixtures.runIf(existsSync(chromiumPath))("exportOnnx in headless Chromium (onnxruntime-web)", () => {
  const goldens = readGoldens() as unknown as { inputs: { name: string; tokens: number[]; golden_file: string }[] };
  const V = 50278;

  async function runIn(
    flavour: "wasm" | "webgpu",
    args: string[],
  ): Promise<{ adapter: string; results: ProbeOutput[] }> {
    const { chromium } = await import("playwright-core");
    const server = await startServer(await buildRoutes());
    const browser = await chromium.launch({ executablePath: chromiumPath, args });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      const inputs: ProbeInput[] = goldens.inputs.map((i) => ({
        name: i.name,
        tokens: i.tokens,
        rows: [0, Math.floor(i.tokens.length / 2), i.tokens.length - 1],
      }));
      // What WebGPU adapter the page sees (the WebGPU run must be on SwiftShader, not a silent fallback).
      const adapter = (await page.evaluate(
        `(async () => { const a = await navigator.gpu?.requestAdapter(); return a ? a.info.vendor + " " + a.info.architecture : "none"; })()`,
      )) as string;
      const results = (await page.evaluate(
        `(async () => { await import("${server.url}/bundle/${flavour}.mjs"); return globalThis.probe("${server.url}/model", ${JSON.stringify(inputs)}); })()`,
      )) as ProbeOutput[];
      return { adapter, results };
    } finally {
      await browser.close();
      await server.close();
    }
  }

  function check(results: ProbeOutput[], tol: number): void {
    expect(results.map((r) => r.name)).toEqual(goldens.inputs.map((i) => i.name));
    for (const r of results) {
      const input = goldens.inputs.find((i) => i.name === r.name)!;
      const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
      for (const l of [0, 1]) {
        const key = `blocks.${l}.attn.hook_pattern`;
        expectClose(r.patterns[l], golden.get(key)!.data as Float32Array, `${r.name} ${key}`, tol);
      }
      expectClose(r.loss, golden.get("loss")!.data as Float32Array, `${r.name} loss`, tol);
      const T = input.tokens.length;
      const rows = [0, Math.floor(T / 2), T - 1];
      if (golden.has("logits")) {
        const all = golden.get("logits")!.data as Float32Array;
        rows.forEach((p, i) =>
          expectClose(r.logitsRows[i], all.subarray(p * V, (p + 1) * V), `${r.name} logits[${p}]`, tol),
        );
      } else if (golden.has("logits_rows")) {
        const g = golden.get("logits_rows")!.data as Float32Array;
        rows.forEach((p, i) =>
          expectClose(r.logitsRows[i], g.subarray(i * V, (i + 1) * V), `${r.name} logits[${p}]`, tol),
        );
      }
    }
  }

  it("wasm: patterns, loss and logits of every input match TransformerLens within 1e-4", async () => {
    const { results } = await runIn("wasm", ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]);
    check(results, 1e-4);
  }, 300_000);

  it("WebGPU on SwiftShader (software Vulkan): the same within 1e-3", async () => {
    const args = [
      "--no-sandbox",
      "--enable-unsafe-webgpu",
      "--use-webgpu-adapter=swiftshader",
      "--disable-background-networking",
    ];
    const { adapter, results } = await runIn("webgpu", args);
    expect(adapter).toBe("google swiftshader");
    check(results, 1e-3);
  }, 600_000); // software Vulkan: about two minutes on a loaded 2-core machine
});
