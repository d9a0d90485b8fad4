// The kernels' weight cache: an array is copied for one op the first time it is seen and kept from the
// second, unless a model declared it a weight up front; a declared weight is kept from its first use, in the
// layout the op asks for.
import { afterAll, describe, expect, it } from "vitest";
import { createKernels, type KernelsContext } from "@attnscope/kernels";
import { WeightCache } from "../../src/backend/kernels-weights.js";
import { HookedTransformer, tsBackend, type Backend } from "../../src/index.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const contexts: KernelsContext[] = [];
afterAll(() => contexts.forEach((c) => c.dispose()));

describe("WeightCache", () => {
  it("keeps an array from its second sighting, or from its first once marked as a weight", async () => {
    const ctx = await createKernels({ threads: 1 });
    contexts.push(ctx);
    const cache = new WeightCache(ctx);
    const activation = Float32Array.from({ length: 64 }, (_, i) => i);
    const first = cache.acquire(activation);
    expect(first.temporary).toBe(true);
    cache.release(first);
    expect(cache.acquire(activation).temporary).toBe(false);

    const weight = Float32Array.from({ length: 16 * 24 }, (_, i) => i / 7);
    cache.markSeen(weight);
    const packed = cache.acquire(weight, { packed: { k: 16, n: 24 } });
    expect(packed).toMatchObject({ temporary: false, packed: true });
    expect(cache.has(weight, { packed: { k: 16, n: 24 } })).toBe(true);
    // Panel 1 (columns 8..15), row 2, column 3 of the panel = weight[2 * 24 + 11].
    expect(ctx.f32[packed.ptr / 4 + 16 * 8 + 2 * 8 + 3]).toBe(weight[2 * 24 + 11]);
  });
});

describe("weights edited in place", () => {
  it("are picked up by a model built after the edit, even when the edit is a single row", async () => {
    const { createKernelsBackend } = await import("../../src/index.js");
    const cfg = smallConfig();
    const sd = randomStateDict(cfg);
    const backend = await createKernelsBackend({ threads: 1 });
    const tokens = [0, 3, 9, 27, 4, 12, 7];
    const before = await new HookedTransformer(cfg, sd, { backend }).runWithCache(tokens, { returnType: "logits" });
    await new HookedTransformer(cfg, sd, { backend }).runWithCache(tokens, { returnType: "logits" });
    // One entry of W_U that the weight cache's 64-sample fingerprint does not look at (samples sit at
    // floor(i · (n − 1) / 63): 0, 12, 25, … for these 800 entries), so only the model's declaration can tell.
    const wU = sd.get("unembed.W_U")!.data as Float32Array;
    expect(wU.length).toBe(800);
    wU[1] += 5;
    const after = await new HookedTransformer(cfg, sd, { backend }).runWithCache(tokens, { returnType: "logits" });
    const ref = await new HookedTransformer(cfg, sd, { backend: tsBackend }).runWithCache(tokens, {
      returnType: "logits",
    });
    let diff = 0,
      changed = 0;
    for (let i = 0; i < ref.logits!.data.length; i++) {
      diff = Math.max(diff, Math.abs(after.logits!.data[i] - ref.logits!.data[i]));
      changed = Math.max(changed, Math.abs(after.logits!.data[i] - before.logits!.data[i]));
    }
    expect(changed).toBeGreaterThan(1e-3);
    expect(diff).toBeLessThan(1e-4);
    backend.dispose();
  });
});

describe("HookedTransformer", () => {
  it("declares its projection, output and unembedding weights to the backend", () => {
    const cfg = smallConfig();
    const marked: Float32Array[] = [];
    const backend: Backend = { ...tsBackend, name: "ts-spy", markWeights: (ws) => void marked.push(...ws) };
    const sd = randomStateDict(cfg);
    new HookedTransformer(cfg, sd, { backend });
    // 8 arrays per layer (W_Q, W_K, W_V, W_O and their biases) plus W_U and b_U.
    expect(marked).toHaveLength(cfg.n_layers * 8 + 2);
    expect(marked).toContain(sd.get("unembed.W_U")!.data);
    expect(marked).toContain(sd.get("unembed.b_U")!.data);
    expect(marked.every((a) => a instanceof Float32Array)).toBe(true);
  });
});
