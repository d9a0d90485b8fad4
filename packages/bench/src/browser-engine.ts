/**
 * The `ort-webgpu` engine: onnxruntime-web's WebGPU provider in headless Chromium on SwiftShader (Debian's
 * software Vulkan, so this is WebGPU computed on the CPU, not a GPU). The page (browser-page.ts, bundled
 * here with Vite) builds the same model and times each run in the page; this side serves the bundle and
 * onnxruntime-web's own files on 127.0.0.1 and drives the page. Peak RSS is this Node process's only.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Engine } from "./engines.js";

export const CHROMIUM = "/usr/bin/chromium";
const WEBGPU_ARGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--disable-background-networking",
];

async function bundlePage(): Promise<string> {
  const { build } = await import("vite");
  const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-bench-webgpu-"));
  await build({
    root: dir,
    logLevel: "silent",
    configFile: false,
    build: {
      outDir: dir,
      lib: { entry: fileURLToPath(new URL("./browser-page.js", import.meta.url)), formats: ["es"], fileName: "page" },
      minify: false,
      rollupOptions: { external: ["onnxruntime-web/wasm", "onnxruntime-web/webgpu"] },
    },
    resolve: { conditions: ["browser"] },
  });
  return dir;
}

/** A static server: the page (with an import map for onnxruntime-web), the bundle, onnxruntime-web's files. */
function serve(bundleDir: string, ortDir: string): Promise<http.Server> {
  const importMap = {
    imports: { "onnxruntime-web/wasm": "/ort/ort.wasm.min.mjs", "onnxruntime-web/webgpu": "/ort/ort.webgpu.min.mjs" },
  };
  const html = `<!doctype html><title>bench</title><script type="importmap">${JSON.stringify(importMap)}</script>`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(html);
    const [, dir, name] = /^\/(bundle|ort)\/([\w.-]+)$/.exec(url.pathname) ?? [];
    const file = dir ? path.join(dir === "ort" ? ortDir : bundleDir, name) : "";
    if (!file || !existsSync(file)) return void res.writeHead(404).end();
    const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    res.writeHead(200, { "content-type": type, "content-length": String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export async function webgpuEngine(): Promise<Engine> {
  if (!existsSync(CHROMIUM)) throw new Error(`ort-webgpu needs Chromium at ${CHROMIUM}`);
  const ortDir = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
  const bundleDir = await bundlePage();
  const server = await serve(bundleDir, ortDir);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
  const close = async () => {
    await browser.close();
    await new Promise((r) => server.close(r));
    rmSync(bundleDir, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const status = (await page.evaluate(
      `(async () => { await import("${base}/bundle/page.mjs"); return globalThis.benchPage.setup("${base}/ort/"); })()`,
    )) as { name: string; warning: string | null };
    if (!status.name.includes("webgpu")) {
      throw new Error(`Chromium gave no WebGPU adapter on SwiftShader (the ort engine chose ${status.name})`);
    }
    const call = (fn: string, ...args: unknown[]) =>
      page.evaluate(`globalThis.benchPage.${fn}(${args.map((a) => JSON.stringify(a)).join(", ")})`);
    return {
      label: "ort-web webgpu (SwiftShader, software)",
      async prepare(mode) {
        await call("prepare", mode);
      },
      async run(mode, tokens) {
        await call("run", mode, Array.from(tokens));
      },
      async dispose() {
        await call("dispose");
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}
