/**
 * The sources and weight readers in a real browser (Debian chromium through playwright-core): the core's
 * own TypeScript, transpiled on the fly and served from 127.0.0.1 with fflate and crc-32 through an import map
 * (crc-32 ships as UMD: it is served wrapped as an ES module, as bundlers do).
 * Checks that nothing Node-only is needed, that downloads report progress, and that the Cache API serves
 * the second load without a request.
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath, hasFixtures, repoRoot } from "../helpers/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const srcDir = path.resolve(repoRoot, "packages", "core", "src");
const fflate = path.resolve(repoRoot, "node_modules", "fflate", "esm", "browser.js");
const crc32 = path.resolve(repoRoot, "node_modules", "crc-32", "crc32.js");
const canRun = existsSync(CHROMIUM) && hasFixtures;

describe.runIf(canRun)(`sources and weights in chromium (needs ${CHROMIUM} and ../shared fixtures)`, () => {
  let server: http.Server;
  let base = "";
  const requests: string[] = [];
  let browser: import("playwright-core").Browser;

  beforeAll(async () => {
    const weights = readFileSync(fixturePath("model.pth"));
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      requests.push(url.pathname);
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(
          `<!doctype html><script type="importmap">{"imports":{"fflate":"/fflate.js","crc-32":"/crc-32.js"}}</script>`,
        );
      } else if (url.pathname === "/fflate.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(fflate));
      } else if (url.pathname === "/crc-32.js") {
        const umd = readFileSync(crc32, "utf8");
        res
          .writeHead(200, { "content-type": "text/javascript" })
          .end(`const exports = {};\n${umd}\nexport default exports;\n`);
      } else if (url.pathname.startsWith("/src/") && url.pathname.endsWith(".js")) {
        const file = path.join(srcDir, url.pathname.slice(5).replace(/\.js$/, ".ts"));
        if (!file.startsWith(srcDir) || !existsSync(file)) return void res.writeHead(404).end();
        const js = ts.transpileModule(readFileSync(file, "utf8"), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        res.writeHead(200, { "content-type": "text/javascript" }).end(js);
      } else if (url.pathname === "/someone/tiny/resolve/main/model.pth") {
        res
          .writeHead(200, { "content-type": "application/octet-stream", "content-length": String(weights.length) })
          .end(weights);
      } else {
        res.writeHead(404).end("not found");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it("downloads hf: weights with progress, parses them, and serves the second load from the Cache API", async () => {
    const page = await browser.newPage();
    await page.goto(base + "/");
    // Passed as a string: vitest would rewrite `import()` inside a function it transforms.
    const result = (await page.evaluate(`(async (endpoint) => {
      const { readSource } = await import("/src/io/source.js");
      const { parseWeights } = await import("/src/weights/load.js");
      const events = [];
      const bytes = await readSource("hf:someone/tiny/model.pth", { hfEndpoint: endpoint, onProgress: (e) => events.push(e) });
      const sd = parseWeights(bytes, "model.pth");
      const W_E = sd.get("embed.W_E");
      const again = await readSource("hf:someone/tiny/model.pth", { hfEndpoint: endpoint });
      const cached = await (await caches.open("attnscope")).keys();
      const missing = await readSource("hf:someone/tiny/nope.pth", { hfEndpoint: endpoint }).then(() => "", (e) => e.message);
      return {
        n: bytes.length, again: again.length, keys: sd.size, shape: W_E.shape, isView: W_E.data.buffer === bytes.buffer,
        events: events.filter((e) => e.phase === "download").map((e) => [e.loaded, e.total]),
        cached: cached.map((r) => r.url), missing,
      };
    })(${JSON.stringify(base)})`)) as {
      n: number;
      again: number;
      keys: number;
      shape: number[];
      isView: boolean;
      events: [number, number | undefined][];
      cached: string[];
      missing: string;
    };
    const size = readFileSync(fixturePath("model.pth")).length;
    expect(result.n).toBe(size);
    expect(result.again).toBe(size);
    expect(result.keys).toBe(24);
    expect(result.shape).toEqual([50278, 64]);
    expect(result.isView).toBe(true);
    const loaded = result.events.map((e) => e[0] as number);
    expect(loaded.every((x, i) => i === 0 || x >= loaded[i - 1])).toBe(true);
    expect(result.events.at(-1)).toEqual([size, size]);
    expect(requests.filter((p) => p === "/someone/tiny/resolve/main/model.pth")).toHaveLength(1);
    expect(result.cached).toEqual([`${base}/someone/tiny/resolve/main/model.pth`]);
    expect(result.missing).toBe(
      `could not download ${base}/someone/tiny/resolve/main/nope.pth: HTTP 404 Not Found (no such file)`,
    );
    await page.close();
  });
});
