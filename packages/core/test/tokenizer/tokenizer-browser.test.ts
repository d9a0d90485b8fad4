// The tokenizers must run in browsers and workers: no static Node imports in their modules or in the
// tokenizer library's browser build (Node modules are imported lazily, only for paths).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = path.resolve(path.dirname(path.dirname(fileURLToPath(import.meta.url))), "..", "src", "tokenizer");
const staticNodeImport = /^\s*import\s[^;]*from\s+["'](node:|fs|path|os)["']|\brequire\(/m;

describe("tokenizers in browsers", () => {
  it("tokenizer modules import nothing from Node statically", () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(path.join(srcDir, f), "utf8"), f).not.toMatch(staticNodeImport);
  });

  it("@huggingface/tokenizers' browser build imports nothing", () => {
    // the package exports no ./package.json: find it from its main entry
    const main = createRequire(import.meta.url).resolve("@huggingface/tokenizers", { paths: [srcDir] });
    let dir = path.dirname(main);
    while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
    const pkgFile = path.join(dir, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    const browserEntry = path.join(path.dirname(pkgFile), pkg.exports["."].browser.import);
    const code = readFileSync(browserEntry, "utf8");
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\brequire\(|["']node:/);
  });
});

// The real thing: bundle the tokenizer modules for the browser with Vite and run them in headless Chromium,
// on a page and in a module worker.
const chromiumPath = "/usr/bin/chromium";
const tokenizerJsonFile = path.resolve(
  srcDir,
  "..",
  "..",
  "..",
  "..",
  "..",
  "shared",
  "tokenizers",
  "gpt-neox-20b.json",
);
const canRunBrowser = existsSync(chromiumPath) && existsSync(tokenizerJsonFile);
if (!canRunBrowser) console.warn(`browser tokenizer test skipped: needs ${chromiumPath} and ${tokenizerJsonFile}`);

describe.runIf(canRunBrowser)("tokenizers in headless Chromium", () => {
  it("encode, str tokens and decode work on a page and in a worker", async () => {
    const { build } = await import("vite");
    const { chromium } = await import("playwright-core");
    const http = await import("node:http");
    const os = await import("node:os");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-tok-browser-"));
    const entry = path.join(dir, "entry.ts");
    writeFileSync(
      entry,
      `import { tokenizerFromJson, ByteTokenizer, toTokens, toStrTokens } from ${JSON.stringify(path.join(srcDir, "index.ts"))};
       (globalThis as any).runTokenizers = (json: string) => {
         const tk = tokenizerFromJson(json);
         const ids = toTokens(tk, "We think that powerful, significantly superhuman");
         return { ids, str: toStrTokens(tk, ids), round: tk.decode(tk.encode("Café 🚀  x")), bytes: toStrTokens(new ByteTokenizer(), "é\\n") };
       };`,
    );
    await build({
      root: dir,
      logLevel: "silent",
      configFile: false,
      build: { outDir: path.join(dir, "dist"), lib: { entry, formats: ["es"], fileName: "bundle" }, minify: false },
      resolve: { conditions: ["browser"] },
    });
    const bundle = readFileSync(path.join(dir, "dist", "bundle.mjs"));
    expect(bundle.toString()).not.toMatch(/from\s*["']node:/);
    const files: Record<string, [string, Buffer]> = {
      "/": ["text/html", Buffer.from("<!doctype html><title>t</title>")],
      "/bundle.mjs": ["text/javascript", bundle],
      "/tokenizer.json": ["application/json", readFileSync(tokenizerJsonFile)],
    };
    const server = http.createServer((req, res) => {
      const f = files[req.url ?? ""];
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": f[0] }).end(f[1]);
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
      // Evaluated as strings: vitest rewrites import() inside test functions, which the page does not know.
      const onPage = await page.evaluate(`(async () => {
        await import(${JSON.stringify(`${base}/bundle.mjs`)});
        const json = await (await fetch(${JSON.stringify(`${base}/tokenizer.json`)})).text();
        return globalThis.runTokenizers(json);
      })()`);
      const workerSrc = `import(${JSON.stringify(`${base}/bundle.mjs`)}).then(async () => {
          const j = await (await fetch(${JSON.stringify(`${base}/tokenizer.json`)})).text();
          postMessage(globalThis.runTokenizers(j));
        }).catch((e) => postMessage({ error: String(e) }));`;
      const inWorker = await page.evaluate(`new Promise((resolve) => {
        const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(workerSrc)}], { type: "text/javascript" })), { type: "module" });
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: e.message });
      })`);
      const expected = {
        // ids and strings of the seed paragraph's start, as in the TransformerLens goldens
        ids: [0, 1231, 1158, 326, 6422, 13, 3012, 2221, 13961],
        str: ["<|endoftext|>", "We", " think", " that", " powerful", ",", " significantly", " super", "human"],
        round: "Café 🚀  x",
        bytes: ["<|BOS|>", "\\xc3", "é", "⏎"],
      };
      expect(onPage).toEqual(expected);
      expect(inWorker).toEqual(expected);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
