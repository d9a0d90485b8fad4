// The tokenizers must run in browsers and workers: no static Node imports in their modules or in the
// tokenizer library's browser build (Node modules are imported lazily, only for paths).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "tokenizer");
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
