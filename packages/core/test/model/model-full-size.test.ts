/**
 * A full-size random model of ARENA's config (d_model 768, 12 heads, n_ctx 2048, d_vocab 50278; 334 MB of
 * float32) written as safetensors, loaded from its folder and run end to end on both engines.
 * Load and forward times are printed (they are measurements, not assertions: this machine is shared).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  HookedTransformer,
  createKernelsBackend,
  loadModelFiles,
  prevAttnDetector,
  tsBackend,
  type Backend,
} from "../../src/index.js";
import { writeRandomFullSizeModel } from "../helpers/random-model.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-full-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("full-size random model of the ARENA config", () => {
  it("loads from a folder and runs on the plain-TS and kernels engines with the same results", async () => {
    const files = writeRandomFullSizeModel(dir, { seed: 7 });
    expect(files.bytes).toBeGreaterThan(334_000_000);

    let t0 = performance.now();
    const loaded = await loadModelFiles(dir);
    const loadMs = performance.now() - t0;
    expect(loaded.resolvedConfig.d_model).toBe(768);

    const kernels = await createKernelsBackend();
    const tokens = [0, ...Array.from({ length: 61 }, (_, i) => (i * 7919 + 13) % 50277)];
    const results: Record<string, { patterns: Float32Array; loss: Float32Array; ms: Record<string, number> }> = {};
    for (const [name, backend] of [
      ["ts", tsBackend],
      [kernels.name, kernels],
    ] as [string, Backend][]) {
      const model = new HookedTransformer(loaded.resolvedConfig, loaded.stateDict, { backend });
      const ms: Record<string, number> = {};
      t0 = performance.now();
      const { cache } = await model.runWithCache(tokens, {
        returnType: "none",
        namesFilter: (n) => n.endsWith("hook_pattern"),
        removeBatchDim: true,
      });
      ms.patterns = performance.now() - t0;
      t0 = performance.now();
      const { loss } = await model.forward(tokens, { returnType: "loss", lossPerToken: true });
      ms.loss = performance.now() - t0;
      const pattern = cache.get("pattern", 1);
      expect(pattern.shape).toEqual([12, 62, 62]);
      // Rows of a causal softmax sum to 1 and vanish above the diagonal.
      for (let r = 0; r < 12 * 62; r += 37) {
        const row = pattern.data.subarray(r * 62, r * 62 + 62);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        for (let j = (r % 62) + 1; j < 62; j++) expect(row[j]).toBe(0);
      }
      expect(prevAttnDetector(cache).scores.flat().length).toBe(24);
      expect(loss!.shape).toEqual([1, 61]);
      expect(loss!.data.every(Number.isFinite)).toBe(true);
      results[name] = { patterns: cache.get("pattern", 1).data, loss: loss!.data, ms };
    }
    const [a, b] = Object.values(results);
    expect(maxDiff(a.patterns, b.patterns)).toBeLessThan(1e-5);
    expect(maxDiff(a.loss, b.loss)).toBeLessThan(1e-3);
    kernels.dispose();
    console.log(
      `full-size model: load ${loadMs.toFixed(0)} ms; ` +
        Object.entries(results)
          .map(([n, r]) => `${n}: patterns T=62 ${r.ms.patterns.toFixed(0)} ms, loss T=62 ${r.ms.loss.toFixed(0)} ms`)
          .join("; "),
    );
  }, 600_000);
});
