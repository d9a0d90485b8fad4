/**
 * exportOnnx against TransformerLens: the exported graph of ../shared/fixtures/tl-attn2l-tiny, run by
 * onnxruntime-node and by onnxruntime-web (wasm, in Node), must return every hook point TransformerLens
 * recorded (goldens.json, <input>.safetensors), the logits and the per-token loss within 1e-4 × max(1, max |golden|);
 * its head_mask must reproduce zero-ablation (circuits.json's ARENA ablation scores and the core's own).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import onnxProto from "onnx-proto";
import {
  ablationScores,
  createKernelsBackend,
  exportOnnx,
  HookedTransformer,
  readSafetensors,
  type KernelsBackend,
  type StateDict,
} from "../../src/index.js";
import { expectClose } from "../helpers/compare.js";
import { describeWithFixtures, fixturePath, readFixture, readGoldens } from "../helpers/fixtures.js";

interface GoldenInput {
  name: string;
  n_tokens: number;
  tokens: number[];
  golden_file: string;
  tensors: Record<string, number[]>;
}

type OrtTensor = { data: unknown; dims: readonly number[] };

function tokensTensor(rows: readonly (readonly number[])[]): ortNode.Tensor {
  const T = rows[0].length;
  const data = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) => r.forEach((t, i) => (data[b * T + i] = BigInt(t))));
  return new ortNode.Tensor("int64", data, [rows.length, T]);
}

describeWithFixtures("exportOnnx (tl-attn2l-tiny, onnxruntime)", () => {
  const goldens = readGoldens() as unknown as { inputs: GoldenInput[]; config: Record<string, unknown> };
  const V = 50278;
  let sd: StateDict;
  let model: HookedTransformer;
  let kernels: KernelsBackend;
  let fast: HookedTransformer;

  beforeAll(async () => {
    sd = readSafetensors(readFixture("model.safetensors"), "model.safetensors").tensors;
    model = new HookedTransformer(goldens.config, sd, { source: "model.safetensors" });
    kernels = await createKernelsBackend({ threads: 1 });
    fast = new HookedTransformer(goldens.config, sd, { backend: kernels });
  });
  afterAll(() => kernels?.dispose());

  it("onnxruntime-node: every hook point, the logits and the loss of every input match TransformerLens", async () => {
    const exported = await exportOnnx(model, { outputs: "*", logits: true, loss: true });
    expect(exported.inputs).toEqual(["tokens"]);
    expect(exported.outputs).toEqual([...model.hookPoints, "logits", "loss"]);
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      expect([...session.outputNames]).toEqual(exported.outputs);
      for (const input of goldens.inputs) {
        const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
        const out = (await session.run({ tokens: tokensTensor([input.tokens]) })) as Record<string, OrtTensor>;
        const T = input.n_tokens;
        const hookKeys = Object.keys(input.tensors).filter((k) => k.startsWith("hook_") || k.startsWith("blocks."));
        expect(hookKeys.length).toBe(22);
        for (const key of hookKeys) {
          const g = golden.get(key)!;
          expect(out[key].dims, `${input.name} ${key}`).toEqual([1, ...g.shape]);
          expectClose(out[key].data as Float32Array, g.data as Float32Array, `${input.name} ${key}`);
        }
        const logits = out.logits.data as Float32Array;
        expect(out.logits.dims).toEqual([1, T, V]);
        if (golden.has("logits"))
          expectClose(logits, golden.get("logits")!.data as Float32Array, `${input.name} logits`);
        else if (golden.has("logits_first_cols")) {
          const cols = new Float32Array(T * 1024);
          for (let t = 0; t < T; t++) cols.set(logits.subarray(t * V, t * V + 1024), t * 1024);
          expectClose(cols, golden.get("logits_first_cols")!.data as Float32Array, `${input.name} logits[:, :1024]`);
          const rows = golden.get("logits_rows")!.data as Float32Array;
          Array.from(golden.get("logits_rows_positions")!.data as BigInt64Array, Number).forEach((p, r) =>
            expectClose(logits.subarray(p * V, (p + 1) * V), rows.subarray(r * V, (r + 1) * V), `logits row ${p}`),
          );
        }
        expect(out.loss.dims).toEqual([1, T - 1]);
        expectClose(out.loss.data as Float32Array, golden.get("loss")!.data as Float32Array, `${input.name} loss`);
      }
    } finally {
      await session.release();
    }
  });

  it("onnxruntime-web (wasm, in Node): the default export's patterns, and logits and loss, match TransformerLens", async () => {
    const ortWeb = await import("onnxruntime-web");
    ortWeb.env.wasm.numThreads = 1;
    const exported = await exportOnnx(model, { logits: true, loss: true });
    expect(exported.outputs).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern", "logits", "loss"]);
    const session = await ortWeb.InferenceSession.create(exported.bytes, { executionProviders: ["wasm"] });
    try {
      const input = goldens.inputs.find((i) => i.name === "repeated_random")!;
      const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
      const T = input.n_tokens;
      const tokens = new ortWeb.Tensor("int64", BigInt64Array.from(input.tokens, BigInt), [1, T]);
      const out = await session.run({ tokens });
      for (const l of [0, 1]) {
        const key = `blocks.${l}.attn.hook_pattern`;
        expectClose(out[key].data as Float32Array, golden.get(key)!.data as Float32Array, key);
      }
      const logits = out.logits.data as Float32Array;
      const p = T - 1;
      const rows = golden.get("logits_rows")!.data as Float32Array;
      expectClose(logits.subarray(p * V, (p + 1) * V), rows.subarray(2 * V, 3 * V), "last logits row");
      expectClose(out.loss.data as Float32Array, golden.get("loss")!.data as Float32Array, "loss");
    } finally {
      await session.release();
    }
  });

  it("dynamic batch and sequence axes: one session runs [1, 62] and [3, 17] inputs, each row as the model computes it", async () => {
    const exported = await exportOnnx(model, { outputs: ["blocks.*.attn.hook_pattern", "blocks.1.hook_resid_post"] });
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      const seed = goldens.inputs.find((i) => i.name === "seed_text")!.tokens;
      const batch = [seed.slice(0, 17), seed.slice(10, 27), seed.slice(40, 57)];
      for (const rows of [[seed], batch]) {
        const [B, T] = [rows.length, rows[0].length];
        const out = (await session.run({ tokens: tokensTensor(rows) })) as Record<string, OrtTensor>;
        const { cache } = await model.runWithCache(rows, { returnType: "none" });
        for (const key of exported.outputs) {
          expect(out[key].dims.slice(0, 1), key).toEqual([B]);
          expect([...out[key].dims], key).toEqual(cache.get(key).shape);
          expectClose(out[key].data as Float32Array, cache.get(key).data, `[${B}, ${T}] ${key}`);
        }
      }
    } finally {
      await session.release();
    }
  });

  it("standard positions (W_pos added to the residual stream once): every hook point and the logits as the model computes them", async () => {
    const standard = new HookedTransformer({ ...goldens.config, positional_embedding_type: "standard" }, sd);
    const exported = await exportOnnx(standard, { outputs: "*", logits: true });
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      const rows = [goldens.inputs.find((i) => i.name === "seed_text")!.tokens.slice(0, 30)];
      const out = (await session.run({ tokens: tokensTensor(rows) })) as Record<string, OrtTensor>;
      const { cache, logits } = await standard.runWithCache(rows, { returnType: "logits" });
      for (const key of standard.hookPoints) expectClose(out[key].data as Float32Array, cache.get(key).data, key);
      expectClose(out.logits.data as Float32Array, logits!.data, "logits");
      // Not the shortformer graph: the residual stream carries the positions.
      const shortformer = (await model.runWithCache(rows, { returnType: "none" })).cache;
      const diff = (out["blocks.0.hook_resid_pre"].data as Float32Array).some(
        (x, i) => Math.abs(x - shortformer.get("blocks.0.hook_resid_pre").data[i]) > 1e-3,
      );
      expect(diff).toBe(true);
    } finally {
      await session.release();
    }
  });

  it("head_mask zeros reproduce zero-ablation of each head (ablationScores and ARENA's get_ablation_scores)", async () => {
    const circuits = JSON.parse(readFileSync(fixturePath("circuits.json"), "utf8")) as {
      ablation: { seq_len: number; zero: number[][] };
    };
    const t = readSafetensors(readFixture("circuits.safetensors"), "circuits.safetensors").tensors.get(
      "ablation.tokens",
    )!;
    const [B, T] = t.shape;
    const ids = Array.from(t.data as unknown as ArrayLike<number | bigint>, Number);
    const rows = Array.from({ length: B }, (_, b) => ids.slice(b * T, (b + 1) * T));
    const S = circuits.ablation.seq_len;
    const exported = await exportOnnx(model, { outputs: [], loss: true, headMask: true });
    expect(exported.inputs).toEqual(["tokens", "head_mask"]);
    const session = await ortNode.InferenceSession.create(exported.bytes);
    const { n_layers: L, n_heads: H } = model.cfg;
    // Mean loss on the last S − 1 predictions (the second copy), as the ablation scores define it.
    const secondCopyLoss = async (mask: Float32Array) => {
      const out = await session.run({
        tokens: tokensTensor(rows),
        head_mask: new ortNode.Tensor("float32", mask, [L, H]),
      });
      const loss = out.loss.data as Float32Array; // [B, T − 1]
      let s = 0;
      for (let b = 0; b < B; b++) for (let i = T - S; i < T - 1; i++) s += loss[b * (T - 1) + i];
      return s / (B * (S - 1));
    };
    try {
      const clean = await secondCopyLoss(new Float32Array(L * H).fill(1));
      const ours = await ablationScores(fast, rows, { mode: "zero" });
      expect(clean).toBeCloseTo(ours.lossClean, 4);
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          const mask = new Float32Array(L * H).fill(1);
          mask[l * H + h] = 0;
          const score = (await secondCopyLoss(mask)) - clean;
          expect(Math.abs(score - ours.scores.at(l, h)), `head ${l}.${h} vs ablationScores`).toBeLessThan(1e-4);
          expect(Math.abs(score - circuits.ablation.zero[l][h]), `head ${l}.${h} vs ARENA`).toBeLessThan(1e-3);
        }
      }
    } finally {
      await session.release();
    }
  });

  it("holds only what the outputs need: a patterns export has no unembedding and no last-layer values", async () => {
    const { onnx } = onnxProto;
    const names = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.initializer!.map((t) => t.name);
    const patterns = names((await exportOnnx(model)).bytes);
    expect(patterns).toContain("blocks.1.attn.W_K");
    for (const absent of ["unembed.W_U", "unembed.b_U", "blocks.1.attn.W_V", "blocks.1.attn.W_O"])
      expect(patterns).not.toContain(absent);
    const full = names((await exportOnnx(model, { outputs: [], logits: true })).bytes);
    for (const present of ["embed.W_E", "pos_embed.W_pos", "blocks.1.attn.W_O", "unembed.W_U"])
      expect(full).toContain(present);
  });

  it("the file is the weights plus a small graph; float16 halves it and stays within fp16 rounding", async () => {
    const weightBytes = [...sd]
      .filter(([k, v]) => v.dtype === "float32" && !k.endsWith(".IGNORE"))
      .reduce((s, [, v]) => s + v.data.byteLength, 0);
    const fp32 = await exportOnnx(model, { outputs: [], logits: true });
    expect(fp32.bytes.length).toBeGreaterThan(weightBytes);
    expect(fp32.bytes.length - weightBytes).toBeLessThan(64 * 1024);
    const fp16 = await exportOnnx(model, { outputs: "*hook_pattern", logits: true, dtype: "float16" });
    expect(fp16.bytes.length - weightBytes / 2).toBeLessThan(64 * 1024);
    const session = await ortNode.InferenceSession.create(fp16.bytes);
    try {
      const input = goldens.inputs.find((i) => i.name === "seed_text")!;
      const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
      const out = (await session.run({ tokens: tokensTensor([input.tokens]) })) as Record<string, OrtTensor>;
      // The fixtures' README: fp16 weights move patterns by up to about 1e-3.
      for (const l of [0, 1]) {
        const key = `blocks.${l}.attn.hook_pattern`;
        expectClose(out[key].data as Float32Array, golden.get(key)!.data as Float32Array, `fp16 ${key}`, 2e-3);
      }
    } finally {
      await session.release();
    }
  });

  it("keeps a state dict's IGNORE value (-1e5 before TransformerLens 1.7) above the diagonal of hook_attn_scores", async () => {
    const old: StateDict = new Map(sd);
    for (const l of [0, 1])
      old.set(`blocks.${l}.attn.IGNORE`, { dtype: "float32", shape: [], data: Float32Array.of(-1e5) });
    const oldModel = new HookedTransformer(goldens.config, old);
    const exported = await exportOnnx(oldModel, { outputs: "blocks.0.attn.hook_attn_scores" });
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      const out = (await session.run({ tokens: tokensTensor([[0, 1000, 1001]]) })) as Record<string, OrtTensor>;
      const scores = out["blocks.0.attn.hook_attn_scores"].data as Float32Array; // [1, H, 3, 3]
      expect(scores[1]).toBe(-1e5);
      expect(Number.isFinite(scores[3])).toBe(true);
    } finally {
      await session.release();
    }
  });

  it("refuses an output it cannot export, naming it", async () => {
    await expect(exportOnnx(model, { outputs: "blocks.2.attn.hook_pattern" })).rejects.toThrow(
      /output "blocks\.2\.attn\.hook_pattern" matches no hook point of this model; its hook points are hook_embed, hook_pos_embed, blocks\.L\.hook_resid_pre.*\(L = 0…1\)/,
    );
    await expect(exportOnnx(model, { outputs: ["blocks.*.attn.hook_z", "*.hook_mlp_out"] })).rejects.toThrow(
      /"\*\.hook_mlp_out" matches no hook point/,
    );
    await expect(exportOnnx(model, { outputs: "logits" })).rejects.toThrow(
      /"logits" is not a hook point; ask for it with the \{ logits: true \} option/,
    );
    await expect(exportOnnx(model, { outputs: [] })).rejects.toThrow(/nothing to export/);
    await expect(exportOnnx(model, { dtype: "bfloat16" as "float16" })).rejects.toThrow(
      /dtype must be "float32" or "float16"/,
    );
    await expect(exportOnnx(model, { heads: true } as never)).rejects.toThrow(/unknown option "heads"/);
    const noResult = new HookedTransformer({ ...goldens.config, use_attn_result: false }, sd);
    await expect(exportOnnx(noResult, { outputs: "blocks.0.attn.hook_result" })).rejects.toThrow(
      /"blocks\.0\.attn\.hook_result" matches no hook point/,
    );
  });
});
