// The relaxed-SIMD build (f32x4.relaxed_madd) on the same op cases. Node 20 validates relaxed SIMD only with
// --experimental-wasm-relaxed-simd, so the cases run in a child process started with that flag, from the
// built package (dist/).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const built = existsSync(path.join(here, "..", "dist", "index.js"));

it.skipIf(!built)("relaxed-SIMD kernels (1 and 2 threads) pass every op case", () => {
  const child = spawnSync(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", path.join(here, "op-cases", "run-cases-child.mjs")],
    { encoding: "utf8", timeout: 120_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  const report = JSON.parse(child.stdout.trim().split("\n").pop()!);
  expect(report.error).toBeUndefined();
  expect(report.backends.map((b: { backend: string }) => b.backend)).toEqual([
    "kernels-relaxed-simd",
    "kernels-relaxed-simd x2",
  ]);
  for (const b of report.backends) {
    const ran = b.results.filter((r: { skipped: boolean }) => !r.skipped);
    expect(ran.length).toBeGreaterThan(30);
    const failed = ran.filter((r: { problems: string[] }) => r.problems.length > 0);
    expect(failed, `${b.backend}: ${JSON.stringify(failed.slice(0, 3))}`).toEqual([]);
  }
});
