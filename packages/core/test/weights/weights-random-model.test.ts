import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import { loadModelFiles } from "../../src/io/model-files.js";
import { KNOWN_MODELS } from "../../src/registry/known-models.js";
import { checkStateDict, expectedStateDict } from "../../src/weights/load.js";
import { formatMeasurement, measureLoad } from "../helpers/measure-load.js";
import { startServer } from "../helpers/http-server.js";
import { writeRandomFullSizeModel, writeRandomModel } from "../helpers/random-model.js";

const work = mkdtempSync(path.join(tmpdir(), "attnscope-random-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const small = {
  d_model: 96,
  d_head: 8,
  n_heads: 12,
  n_layers: 2,
  n_ctx: 64,
  d_vocab: 1000,
  attn_only: true,
  normalization_type: null,
  positional_embedding_type: "shortformer",
  use_attn_result: true,
};

describe("random models written by the test helper", () => {
  it("safetensors and .pth of the same seed load to identical state dicts that pass checkStateDict", async () => {
    const a = writeRandomModel(path.join(work, "st"), { config: small, seed: 3 });
    const b = writeRandomModel(path.join(work, "pth"), { config: small, seed: 3, format: "pth", buffers: true });
    const A = await loadModelFiles(path.dirname(a.weightsPath));
    const B = await loadModelFiles(path.dirname(b.weightsPath));
    expect(B.stateDict.get("blocks.1.attn.mask")!.shape).toEqual([64, 64]);
    expect(B.stateDict.get("blocks.1.attn.IGNORE")!.data[0]).toBe(-Infinity);
    for (const [k, t] of A.stateDict)
      expect(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(B.stateDict.get(k)!.data.buffer, B.stateDict.get(k)!.data.byteOffset, t.data.byteLength),
        ),
        k,
      ).toBe(true);
    const W_Q = A.stateDict.get("blocks.0.attn.W_Q")!.data as Float32Array;
    const std = Math.sqrt(W_Q.reduce((s, x) => s + x * x, 0) / W_Q.length);
    expect(std).toBeGreaterThan(0.8 * A.resolvedConfig.initializer_range);
    expect(std).toBeLessThan(1.2 * A.resolvedConfig.initializer_range);
  });

  it("different seeds give different weights; fp16 and bf16 files are within their rounding of fp32", async () => {
    const f32 = writeRandomModel(path.join(work, "f32"), { config: small, seed: 1 });
    const f16 = writeRandomModel(path.join(work, "f16"), { config: small, seed: 1, dtype: "float16", format: "pth" });
    const bf16 = writeRandomModel(path.join(work, "bf16"), { config: small, seed: 1, dtype: "bfloat16" });
    const other = writeRandomModel(path.join(work, "other"), { config: small, seed: 2 });
    const [x, h, b, o] = await Promise.all(
      [f32, f16, bf16, other].map((m) => loadModelFiles(path.dirname(m.weightsPath))),
    );
    const W = (m: typeof x) => m.stateDict.get("embed.W_E")!.data as Float32Array;
    expect(W(o)[0]).not.toBe(W(x)[0]);
    expect(h.stateDict.get("embed.W_E")!.dtype).toBe("float16");
    const bad = { f16: 0, bf16: 0 };
    for (let i = 0; i < W(x).length; i++) {
      if (!(Math.abs(W(h)[i] - W(x)[i]) <= Math.abs(W(x)[i]) * 2 ** -11 + 2 ** -25)) bad.f16++;
      if (!(Math.abs(W(b)[i] - W(x)[i]) <= Math.abs(W(x)[i]) * 2 ** -8)) bad.bf16++;
    }
    expect(bad).toEqual({ f16: 0, bf16: 0 });
  });
});

// Writing ~0.7 GB takes a while on a shared machine: opt in with ATTNSCOPE_FULL_SIZE=1.
describe.runIf(process.env.ATTNSCOPE_FULL_SIZE === "1")("full-size random model (ATTNSCOPE_FULL_SIZE=1)", () => {
  const cfg = resolveConfig(KNOWN_MODELS["attn-only-2l-half"].config);
  const params = expectedStateDict(cfg)
    .filter((e) => !e.optional)
    .reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);

  for (const [format, dtype] of [
    ["safetensors", "float32"],
    ["pth", "float32"],
    ["pth", "float16"],
  ] as const) {
    it(`${format} ${dtype}: loads with float32 weights as views of the file bytes and passes checkStateDict`, async () => {
      const dir = path.join(work, `full-${format}-${dtype}`);
      const t0 = performance.now();
      const files = writeRandomFullSizeModel(dir, { seed: 0, dtype, format });
      const writeMs = performance.now() - t0;
      expect(files.bytes).toBeGreaterThan(params * (dtype === "float32" ? 4 : 2));
      const m = await measureLoad(files.weightsPath);
      console.log(`write ${writeMs.toFixed(0)} ms; ${formatMeasurement(m)}`);
      checkStateDict(m.stateDict, cfg, files.weightsPath);
      if (dtype === "float32") {
        expect(m.viewBytes).toBe(params * 4);
        expect(m.copiedBytes).toBe(0);
      } else {
        expect(m.copiedBytes).toBe(params * 4); // converted to float32, once
      }
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it("the registry name downloads the full-size .pth from HF_ENDPOINT with progress, caches it, and loads it from the cache", async () => {
    const dir = path.join(work, "full-registry");
    const files = writeRandomFullSizeModel(dir, { seed: 0, format: "pth", buffers: true });
    const server = await startServer({
      "/callummcdougall/attn_only_2L_half/resolve/main/attn_only_2L_half.pth": {
        body: new Uint8Array(0),
        file: files.weightsPath,
      },
    });
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = server.url;
    try {
      const cache = path.join(work, "full-cache");
      let last: { loaded: number; total?: number } = { loaded: 0 };
      const t0 = performance.now();
      const m = await loadModelFiles("attn-only-2l-half", {
        cache,
        tokenizer: false,
        onProgress: (e) => e.phase === "download" && (last = e),
      });
      const t1 = performance.now();
      expect(last).toMatchObject({ loaded: files.bytes, total: files.bytes });
      expect(m.stateDict.get("blocks.0.attn.mask")!.shape).toEqual([2048, 2048]);
      const again = await loadModelFiles("attn-only-2l-half", { cache, tokenizer: false });
      const t2 = performance.now();
      expect(server.requests.length).toBe(1);
      expect(again.stateDict.size).toBe(m.stateDict.size);
      console.log(
        `attn-only-2l-half (random, ${(files.bytes / 1e6).toFixed(1)} MB .pth): download+parse+check ${(t1 - t0).toFixed(0)} ms, from cache ${(t2 - t1).toFixed(0)} ms`,
      );
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
