// The circuits (FactoredMatrix on ml-matrix, composition, OV circuits, positional scores) run in browsers:
// bundled with Vite and run in headless Chromium, on a page and in a module worker, giving Node's numbers.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCircuitsProbe } from "../helpers/circuits-probe.js";
import { startServer, type Route } from "../helpers/http-server.js";

const chromiumPath = "/usr/bin/chromium";
const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe.runIf(existsSync(chromiumPath))("circuits in headless Chromium", () => {
  it("give the same numbers on a page and in a worker as in Node", async () => {
    const { build } = await import("vite");
    const { chromium } = await import("playwright-core");
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-circuits-browser-"));
    const entry = path.join(dir, "entry.ts");
    writeFileSync(
      entry,
      `import { runCircuitsProbe } from ${JSON.stringify(path.join(here, "helpers", "circuits-probe.ts"))};
      (globalThis as any).runCircuitsProbe = runCircuitsProbe;`,
    );
    await build({
      root: dir,
      logLevel: "silent",
      configFile: false,
      build: { outDir: path.join(dir, "dist"), lib: { entry, formats: ["es"], fileName: "bundle" }, minify: false },
      resolve: { conditions: ["browser"] },
    });
    // The bundle and the chunks it imports lazily (the loaders), served as they are.
    const files: Record<string, Route> = {
      "/": { contentType: "text/html", body: Buffer.from("<!doctype html><title>c</title>") },
    };
    const walk = (d: string, prefix: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walk(path.join(d, f.name), `${prefix}${f.name}/`);
        else
          files[`/${prefix}${f.name}`] = {
            contentType: f.name.endsWith(".wasm") ? "application/wasm" : "text/javascript",
            body: readFileSync(path.join(d, f.name)),
          };
      }
    };
    walk(path.join(dir, "dist"), "");
    for (const [name, { body }] of Object.entries(files))
      if (name.endsWith(".mjs") || name.endsWith(".js"))
        expect(Buffer.from(body).toString(), name).not.toMatch(/from\s*["']node:/);
    const server = await startServer(files);
    const base = server.url;
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      const onPage = await page.evaluate(
        `(async () => { await import(${JSON.stringify(`${base}/bundle.mjs`)}); return globalThis.runCircuitsProbe(); })()`,
      );
      const workerSrc = `import(${JSON.stringify(`${base}/bundle.mjs`)}).then(() => postMessage(globalThis.runCircuitsProbe())).catch((e) => postMessage({ error: String(e) }));`;
      const inWorker = await page.evaluate(`new Promise((resolve) => {
        const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(workerSrc)}], { type: "text/javascript" })), { type: "module" });
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: e.message });
      })`);
      const expected = runCircuitsProbe();
      expect((expected.S as number[]).length).toBe(4);
      expect(onPage).toEqual(expected);
      expect(inWorker).toEqual(expected);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
