/**
 * The ort engine in headless Chromium: the page loads the tiny TransformerLens model with `backend: "ort"`
 * (exportOnnx's graph, onnx-proto bundled by Vite) and runs every input on onnxruntime-web, which the engine
 * picks itself: its wasm backend in a browser without a GPU, WebGPU where `navigator.gpu` gives an adapter,
 * here SwiftShader (Debian's software Vulkan). Patterns, per-token loss and logits rows must agree with the
 * kernels in Node and with the TransformerLens goldens: within 1e-4 × max(1, max |golden|) on wasm, 1e-3 on
 * WebGPU. onnxruntime-web is served from its own package files (an import map resolves the bundle's
 * `onnxruntime-web/wasm` and `/webgpu` imports; the engine sets `wasmPaths` to the same folder).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKernelsBackend, HookedTransformer, readSafetensors, type KernelsBackend } from "../../src/index.js";
import { expectClose } from "../helpers/compare.js";
import { describeWithFixtures, fixturePath, readFixture, readGoldens } from "../helpers/fixtures.js";
import { startServer, type Route } from "../helpers/http-server.js";
import type { ProbeInput, ProbeOutput } from "../helpers/onnx-browser-probe.js";

const chromiumPath = "/usr/bin/chromium";
const here = path.dirname(fileURLToPath(import.meta.url));
const ortDist = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));

/** The probe's bundle, the model files and onnxruntime-web's own files, as routes. */
async function buildRoutes(): Promise<Record<string, Route>> {
  const { build } = await import("vite");
  const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-ort-browser-"));
  const entry = path.join(dir, "entry.ts");
  const probe = JSON.stringify(path.join(here, "..", "helpers", "onnx-browser-probe.ts"));
  writeFileSync(
    entry,
    `import { runOnnxBrowserProbe } from ${probe};\n(globalThis as any).probe = runOnnxBrowserProbe;`,
  );
  await build({
    root: dir,
    logLevel: "silent",
    configFile: false,
    build: {
      outDir: path.join(dir, "dist"),
      lib: { entry, formats: ["es"], fileName: "bundle" },
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
        `<!doctype html><title>ort</title><script type="importmap">${JSON.stringify(importMap)}</script>`,
      ),
    },
    "/model/config.json": { contentType: "application/json", body: readFixture("config.json") },
    "/model/model.safetensors": { body: new Uint8Array(), file: fixturePath("model.safetensors") },
  };
  for (const f of readdirSync(path.join(dir, "dist")))
    routes[`/bundle/${f}`] = { contentType: "text/javascript", body: readFileSync(path.join(dir, "dist", f)) };
  for (const f of readdirSync(ortDist)) {
    if (!/\.(mjs|wasm)$/.test(f)) continue;
    const contentType = f.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    routes[`/ort/${f}`] = { contentType, body: new Uint8Array(), file: path.join(ortDist, f) };
  }
  return routes;
}

interface PageRun {
  adapter: string;
  status: { backend: string; warning: string | null };
  results: ProbeOutput[];
}

describeWithFixtures.runIf(existsSync(chromiumPath))("the ort engine in headless Chromium (onnxruntime-web)", () => {
  const goldens = readGoldens() as unknown as {
    inputs: { name: string; tokens: number[]; golden_file: string }[];
    config: Record<string, unknown>;
  };
  const V = 50278;
  const inputs: ProbeInput[] = goldens.inputs.map((i) => ({
    name: i.name,
    tokens: i.tokens,
    rows: [0, Math.floor(i.tokens.length / 2), i.tokens.length - 1],
  }));
  let kernels: KernelsBackend;
  let reference: HookedTransformer;

  beforeAll(async () => {
    kernels = await createKernelsBackend({ threads: 1 });
    const sd = readSafetensors(readFixture("model.safetensors"), "model.safetensors").tensors;
    reference = new HookedTransformer(goldens.config, sd, { backend: kernels });
  });
  afterAll(() => kernels?.dispose());

  async function runIn(args: string[]): Promise<PageRun> {
    const { chromium } = await import("playwright-core");
    const server = await startServer(await buildRoutes());
    const browser = await chromium.launch({ executablePath: chromiumPath, args });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      // The adapter the page sees: the WebGPU run must be on SwiftShader, the other on none.
      const adapter = (await page.evaluate(
        `(async () => { const a = await navigator.gpu?.requestAdapter(); return a ? a.info.vendor + " " + a.info.architecture : "none"; })()`,
      )) as string;
      const run = (await page.evaluate(
        `(async () => { await import("${server.url}/bundle/bundle.mjs"); return globalThis.probe("${server.url}", ${JSON.stringify(inputs)}); })()`,
      )) as Omit<PageRun, "adapter">;
      return { adapter, ...run };
    } finally {
      await browser.close();
      await server.close();
    }
  }

  async function check(results: ProbeOutput[], tol: number): Promise<void> {
    expect(results.map((r) => r.name)).toEqual(goldens.inputs.map((i) => i.name));
    for (const r of results) {
      const input = goldens.inputs.find((i) => i.name === r.name)!;
      const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
      const ref = await reference.runWithCache(input.tokens, { returnType: "both", lossPerToken: true });
      for (const l of [0, 1]) {
        const key = `blocks.${l}.attn.hook_pattern`;
        expectClose(r.patterns[l], ref.cache.get(key).data, `${r.name} ${key} vs kernels`, tol);
        expectClose(r.patterns[l], golden.get(key)!.data as Float32Array, `${r.name} ${key} vs TransformerLens`, tol);
      }
      expectClose(r.loss, ref.loss!.data, `${r.name} loss vs kernels`, tol);
      expectClose(r.loss, golden.get("loss")!.data as Float32Array, `${r.name} loss vs TransformerLens`, tol);
      const T = input.tokens.length;
      [0, Math.floor(T / 2), T - 1].forEach((p, i) =>
        expectClose(r.logitsRows[i], ref.logits!.data.subarray(p * V, (p + 1) * V), `${r.name} logits[${p}]`, tol),
      );
    }
  }

  it("wasm (no GPU): patterns, loss and logits of every input agree with the kernels within 1e-4", async () => {
    const { adapter, status, results } = await runIn([
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
    ]);
    expect(adapter).toBe("none");
    expect(status).toEqual({ backend: "ort-web wasm", warning: null });
    await check(results, 1e-4);
  }, 300_000);

  it("WebGPU on SwiftShader (software Vulkan): the same within 1e-3", async () => {
    const { adapter, status, results } = await runIn([
      "--no-sandbox",
      "--enable-unsafe-webgpu",
      "--use-webgpu-adapter=swiftshader",
      "--disable-background-networking",
    ]);
    expect(adapter).toBe("google swiftshader");
    expect(status).toEqual({ backend: "ort-web webgpu", warning: null });
    await check(results, 1e-3);
  }, 600_000); // software Vulkan: about two minutes on a loaded 2-core machine
});
