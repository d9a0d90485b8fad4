// Weights held once: with `weightsInBackend` the kernels keep the weight matrices in their memory and the model
// keeps no JavaScript copy. The model must still compute what it computed with both copies, give the same
// `W_Q`-style views (read back from kernels memory), and count its bytes where they are.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HookedTransformer, tsBackend } from "../../src/index.js";
import { createKernelsBackend, type KernelsBackend } from "../../src/backend/kernels-backend.js";
import { paramSchema } from "../../src/architecture/params.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";
import { writeRandomModel } from "../helpers/random-model.js";

const made: KernelsBackend[] = [];
const kernels = async () => {
  const b = await createKernelsBackend({ threads: 1 });
  made.push(b);
  return b;
};
const dirs: string[] = [];
afterAll(() => {
  made.forEach((b) => b.dispose());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

// GPT-2's architecture in miniature; d_mlp and d_vocab not multiples of the kernels' 8-column panels.
const cfg = smallConfig({
  attn_only: false,
  d_mlp: 36,
  act_fn: "gelu_new",
  normalization_type: "LN",
  positional_embedding_type: "standard",
  d_vocab: 53,
  use_attn_result: false,
});
const tokens = [0, 5, 17, 3, 44, 52, 9, 5, 17, 3];
const MATRICES = ["W_Q", "W_K", "W_V", "W_O", "W_in", "W_out", "W_U"];
const isMatrix = (key: string) => MATRICES.includes(key.slice(key.lastIndexOf(".") + 1));

async function logits(model: HookedTransformer): Promise<Float32Array> {
  return (await model.forward(tokens, { returnType: "logits", incremental: false })).logits!.data;
}

describe("weightsInBackend", () => {
  it("stateDict() reads the held matrices back: the state dict the model was built from, not its stand-ins", async () => {
    const sd = randomStateDict(cfg, 6);
    const once = new HookedTransformer(cfg, sd, { backend: await kernels(), weightsInBackend: true });
    const out = once.stateDict();
    for (const [key, t] of sd) {
      if (key.endsWith(".mask")) continue;
      expect(out.get(key)?.shape, key).toEqual(t.shape);
      expect(out.get(key)!.data, key).toEqual(t.data);
    }
  });

  it("computes exactly what the model with a JavaScript copy computes, and its views read the same weights", async () => {
    const sd = randomStateDict(cfg, 4);
    const both = new HookedTransformer(cfg, sd, { backend: await kernels() });
    const once = new HookedTransformer(cfg, sd, { backend: await kernels(), weightsInBackend: true });
    expect(await logits(once)).toEqual(await logits(both));
    const loss = (m: HookedTransformer) => m.forward(tokens, { returnType: "loss", lossPerToken: true });
    expect((await loss(once)).loss!.data).toEqual((await loss(both)).loss!.data);
    // The views come back from kernels memory (unpacked from the panels) equal to the state dict.
    for (const name of ["W_Q", "W_K", "W_V", "W_O", "W_in", "W_out", "b_Q", "b_in"] as const) {
      const v = once[name];
      expect(v.shape).toEqual(both[name].shape);
      for (let l = 0; l < cfg.n_layers; l++) {
        const owner = name.endsWith("in") || name.endsWith("out") ? "mlp" : "attn";
        expect(v.index(l).data).toEqual(sd.get(`blocks.${l}.${owner}.${name}`)!.data);
      }
    }
    expect(once.W_U.data).toEqual(sd.get("unembed.W_U")!.data);
    expect(once.b_U.data).toEqual(sd.get("unembed.b_U")!.data);
    expect(once.W_E.data).toEqual(sd.get("embed.W_E")!.data);
  });

  it("keeps no JavaScript copy of the matrices: the state dict's arrays can be overwritten, the bytes are counted", async () => {
    const sd = randomStateDict(cfg, 5);
    const reference = await logits(new HookedTransformer(cfg, sd, { backend: tsBackend }));
    const backend = await kernels();
    const model = new HookedTransformer(cfg, sd, { backend, weightsInBackend: true });
    // Independent count from the schema: the matrices are in kernels memory, the rest in JavaScript.
    let held = 0,
      js = 0;
    for (const s of paramSchema(cfg)) {
      if (s.kind === "buffer") continue;
      const bytes = 4 * s.shape.reduce((a, b) => a * b, 1);
      if (isMatrix(s.key)) held += bytes;
      else js += bytes;
    }
    expect(model.weightBytes).toEqual({ js, backend: held });
    // Six matrices per block (W_Q, W_K, W_V, W_O, W_in, W_out), and W_U.
    expect(backend.stats().heldWeights).toBe(6 * cfg.n_layers + 1);
    expect(backend.stats().heldWeightBytes).toBeGreaterThanOrEqual(held);
    // The model no longer reads the matrices from the state dict: wrecking them changes nothing.
    for (const [key, t] of sd) if (isMatrix(key)) (t.data as Float32Array).fill(NaN);
    const got = await logits(model);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - reference[i]));
    expect(diff).toBeLessThan(1e-4);
    // Every weight was copied into kernels memory once; more runs copy nothing.
    const copies = backend.stats().weightCopies;
    await logits(model);
    await model.forward(tokens, { returnType: "loss" });
    expect(backend.stats().weightCopies).toBe(copies);
  });

  it("reads the weights back when the model moves to another backend", async () => {
    const sd = randomStateDict(cfg, 6);
    const reference = await logits(new HookedTransformer(cfg, sd, { backend: tsBackend }));
    const model = new HookedTransformer(cfg, sd, { backend: await kernels(), weightsInBackend: true });
    model.backend = tsBackend;
    expect(model.weightBytes.backend).toBe(0);
    expect(await logits(model)).toEqual(reference);
    expect(model.W_Q.index(1).data).toEqual(sd.get("blocks.1.attn.W_Q")!.data);
  });

  it("is ignored by a backend that cannot hold weights", async () => {
    const sd = randomStateDict(cfg, 7);
    const model = new HookedTransformer(cfg, sd, { backend: tsBackend, weightsInBackend: true });
    expect(model.weightBytes.backend).toBe(0);
    expect(model.W_U.data).toBe(sd.get("unembed.W_U")!.data);
  });

  it("is what fromPretrained does on the kernels, unless asked not to", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "attnscope-held-"));
    dirs.push(dir);
    writeRandomModel(dir, { config: { ...cfg }, seed: 3 });
    const held = await HookedTransformer.fromPretrained(dir, { backend: await kernels(), tokenizer: "byte" });
    const kept = await HookedTransformer.fromPretrained(dir, {
      backend: await kernels(),
      tokenizer: "byte",
      weightsInBackend: false,
    });
    expect(held.weightBytes.backend).toBeGreaterThan(0);
    expect(kept.weightBytes.backend).toBe(0);
    expect(await logits(held)).toEqual(await logits(kept));
  });
});

describe("held weights in the kernels backend", () => {
  it("stand in for their weights in ops, and refuse a layout they were not held in", async () => {
    const backend = await kernels();
    const [k, n] = [5, 11];
    const w = Float32Array.from({ length: k * n }, (_, i) => (i % 7) - 3);
    const x = Float32Array.from({ length: 3 * k }, (_, i) => i / 4);
    const [standIn] = backend.holdWeights([{ data: w, rhs: { k, n } }]);
    expect(standIn.length).toBe(0);
    expect(backend.matmul(x, standIn, 3, k, n)).toEqual(tsBackend.matmul(x, w, 3, k, n));
    expect(backend.readWeight(standIn)).toEqual(w);
    expect(() => backend.matmul(x, standIn, 3, k, n + 1)).toThrow(/matmul B: expected 60 elements, got 55/);
    expect(() => backend.matmul(new Float32Array(3 * n), standIn, 3, n, k, { transB: true })).toThrow(
      /held in kernels memory packed as 5 × 11 was passed where an op needs it row-major/,
    );
    // Another backend sees an empty array, and says so instead of computing with it.
    expect(() => tsBackend.matmul(x, standIn, 3, k, n)).toThrow(/expected 55 elements, got 0/);
  });
});
