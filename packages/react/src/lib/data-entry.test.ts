import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("@attnscope/react/data", () => {
  it("is a built module that imports nothing, so a worker bundles it without React", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const entry = pkg.exports["./data"];
    expect(entry.default).toBe("./dist/lib/attention-data.js");
    const code = readFileSync(join(root, entry.default), "utf8");
    expect(code).toMatch(/export function stackLayers/);
    expect(code).not.toMatch(/^\s*import\s/m);
  });
});
