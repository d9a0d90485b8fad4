/**
 * exportOnnx on a GPT-2 style model (LayerNorm, GELU-new MLPs, standard positions, ln_final) against
 * TransformerLens: ../shared/fixtures/tl-gpt2-tiny's checkpoint, exported processed (LNPre, folded weights, as
 * `from_pretrained` holds it) and unprocessed (LN), run by onnxruntime-node and onnxruntime-web (wasm, in Node),
 * must give every hook point TransformerLens recorded, the logits and the per-token loss within
 * 1e-4 × max(1, |golden|) element by element (helpers/gpt2-compare.ts), with no allowance. The architecture's other choices
 * (every act_fn, shortformer positions, scale_attn_by_inverse_layer_idx, head_mask, batches) are checked
 * against the model's own reference backend on the same weights.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import { exportOnnx, HookedTransformer, type HookedTransformerConfig } from "../../src/index.js";
import { onnxHookPoints } from "../../src/engines/onnx/export-onnx.js";
import { expectClose } from "../helpers/compare.js";
import { describeWithGpt2Fixture, gpt2Dir, gpt2Json, gpt2Tensors } from "../helpers/gpt2-fixture.js";
import { GoldenCheck, goldenHooks, type Gpt2Input } from "../helpers/gpt2-compare.js";

type OrtTensor = { data: unknown; dims: readonly number[] };
type OrtSession = { run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> };

function tokensTensor(rows: readonly (readonly number[])[]): ortNode.Tensor {
  const T = rows[0].length;
  const data = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) => r.forEach((t, i) => (data[b * T + i] = BigInt(t))));
  return new ortNode.Tensor("int64", data, [rows.length, T]);
}

/** Every output of one run of `session` on `input`, compared with the goldens of `variant`. */
async function compareWithGoldens(
  session: OrtSession,
  input: Gpt2Input,
  variant: "processed" | "unprocessed",
  V: number,
  makeTokens: (rows: number[][]) => unknown = tokensTensor,
): Promise<string[]> {
  const golden = gpt2Tensors(`${input.name}.${variant}.safetensors`);
  // Strict: unlike the model's parity test, no element is allowed the processed goldens' own float32 error
  // (onnxruntime's float32 lands within 6e-5 of TransformerLens's everywhere on these inputs).
  const c = new GoldenCheck(golden);
  const out = await session.run({ tokens: makeTokens([input.tokens]) });
  const T = input.tokens.length;
  for (const key of goldenHooks(input, variant).filter((k) => k in out)) {
    expect([...out[key].dims], `${input.name} ${key}`).toEqual([1, ...golden.get(key)!.shape]);
    c.check(key, out[key].data as Float32Array);
  }
  if (out.logits) {
    expect([...out.logits.dims]).toEqual([1, T, V]);
    c.logits(out.logits.data as Float32Array, T, V);
  }
  if (out.loss) {
    expect([...out.loss.dims]).toEqual([1, T - 1]);
    c.check("loss", out.loss.data as Float32Array);
  }
  return c.problems;
}

/** [label, folder, processing option, goldens]: processed as from_pretrained, and as stored. */
const SOURCES = [
  ["Hugging Face folder, processed by default (LNPre)", "hf", undefined, "processed"],
  ["Hugging Face folder, processing none (LN)", "hf", "none", "unprocessed"],
  ["TransformerLens folder, as stored (LN)", "tl", undefined, "unprocessed"],
  ["TransformerLens folder of the processed weights (LNPre)", "processed", undefined, "processed"],
] as const;

describeWithGpt2Fixture("exportOnnx (tl-gpt2-tiny, onnxruntime)", () => {
  const inputs = gpt2Json("goldens.json").inputs as Gpt2Input[];
  const load = (folder: string, processing?: "none" | "default") =>
    HookedTransformer.fromPretrained(path.join(gpt2Dir, folder), { backend: "ts", tokenizer: "byte", processing });

  for (const [label, folder, processing, variant] of SOURCES) {
    it(`onnxruntime-node, ${label}: every hook point, logits and loss of every input match TransformerLens`, async () => {
      const model = await load(folder, processing);
      expect(model.cfg.normalization_type).toBe(variant === "processed" ? "LNPre" : "LN");
      // The export offers every hook point the model fires, no more.
      expect(onnxHookPoints(model)).toEqual([...model.hookPoints]);
      const exported = await exportOnnx(model, { outputs: "*", logits: true, loss: true });
      expect(exported.outputs).toEqual([...model.hookPoints, "logits", "loss"]);
      expect(exported.outputs).toHaveLength(2 + 2 * 17 + 2 + 2);
      const session = await ortNode.InferenceSession.create(exported.bytes);
      try {
        for (const input of inputs) {
          expect(goldenHooks(input, variant).every((k) => exported.outputs.includes(k))).toBe(true);
          const problems = await compareWithGoldens(session, input, variant, model.cfg.d_vocab_out);
          expect(problems, `${input.name}`).toEqual([]);
        }
      } finally {
        await session.release();
      }
    });
  }

  it("onnxruntime-web (wasm, in Node): the processed export's patterns, ln_final, logits and loss match TransformerLens", async () => {
    const ortWeb = await import("onnxruntime-web");
    ortWeb.env.wasm.numThreads = 1;
    const model = await load("hf");
    const exported = await exportOnnx(model, {
      outputs: ["blocks.*.attn.hook_pattern", "blocks.*.mlp.hook_post", "ln_final.*"],
      logits: true,
      loss: true,
    });
    const session = await ortWeb.InferenceSession.create(exported.bytes, { executionProviders: ["wasm"] });
    try {
      const input = inputs.find((i) => i.name === "unicode_text")!;
      const tokens = (rows: number[][]) =>
        new ortWeb.Tensor("int64", BigInt64Array.from(rows[0], BigInt), [1, rows[0].length]);
      expect(await compareWithGoldens(session, input, "processed", model.cfg.d_vocab_out, tokens)).toEqual([]);
    } finally {
      await session.release();
    }
  });

  describe("the rest of the architecture, against the model's reference backend on the same weights", () => {
    let base: HookedTransformer;
    let tokens: number[];
    beforeAll(async () => {
      base = await load("tl");
      tokens = inputs.find((i) => i.name === "seed_text")!.tokens.slice(0, 40);
    });
    /** Exports `model` (every hook point, logits, loss) and compares a [2, T] batch with its runWithCache. */
    const sameAsModel = async (model: HookedTransformer, rows: number[][]) => {
      const exported = await exportOnnx(model, { outputs: "*", logits: true, loss: true });
      const session = await ortNode.InferenceSession.create(exported.bytes);
      try {
        const out = (await session.run({ tokens: tokensTensor(rows) })) as Record<string, OrtTensor>;
        const ref = await model.runWithCache(rows, { returnType: "both", lossPerToken: true });
        expect([...ref.cache.keys()]).toEqual([...model.hookPoints]);
        for (const key of model.hookPoints) {
          expect([...out[key].dims], key).toEqual(ref.cache.get(key).shape);
          expectClose(out[key].data as Float32Array, ref.cache.get(key).data, key);
        }
        expectClose(out.logits.data as Float32Array, ref.logits!.data, "logits");
        expectClose(out.loss.data as Float32Array, ref.loss!.data, "loss");
        return out;
      } finally {
        await session.release();
      }
    };
    /** The same weights under another config (without the LayerNorm weights for LNPre). */
    const variant = (cfg: Partial<HookedTransformerConfig>) => {
      const sd = base.stateDict();
      if (cfg.normalization_type === "LNPre") for (const k of sd.keys()) if (/ln(1|2|_final)\./.test(k)) sd.delete(k);
      return new HookedTransformer({ ...base.cfg, ...cfg }, sd);
    };

    for (const act_fn of ["gelu", "gelu_new", "gelu_fast", "relu", "silu"] as const) {
      it(`act_fn ${act_fn}: every hook point, logits and loss of a batch of two`, async () => {
        const out = await sameAsModel(variant({ act_fn }), [tokens, tokens.slice().reverse()]);
        // The activation really differs from gelu_new's (the default's) where it should.
        if (act_fn === "relu")
          expect((out["blocks.0.mlp.hook_post"].data as Float32Array).every((v) => v >= 0)).toBe(true);
        if (act_fn === "silu" || act_fn === "gelu") {
          const ref = await base.runWithCache(tokens, { namesFilter: "blocks.0.mlp.hook_post", returnType: "none" });
          const ours = (out["blocks.0.mlp.hook_post"].data as Float32Array).subarray(
            0,
            ref.cache.get("blocks.0.mlp.hook_post").data.length,
          );
          expect(ours.some((v, i) => Math.abs(v - ref.cache.get("blocks.0.mlp.hook_post").data[i]) > 1e-5)).toBe(true);
        }
      });
    }

    it("shortformer positions with LayerNorm (added to ln1's output for queries and keys only)", async () => {
      const model = variant({ positional_embedding_type: "shortformer" });
      expect(model.cfg.positional_embedding_type).toBe("shortformer");
      await sameAsModel(model, [tokens, tokens.slice(3).concat([1, 2, 3])]);
    });

    it("scale_attn_by_inverse_layer_idx divides layer l's scores by l + 1", async () => {
      const model = variant({ scale_attn_by_inverse_layer_idx: true });
      const out = await sameAsModel(model, [tokens, tokens]);
      const plain = await base.runWithCache(tokens, {
        namesFilter: "blocks.1.attn.hook_attn_scores",
        returnType: "none",
      });
      const scores = out["blocks.1.attn.hook_attn_scores"].data as Float32Array;
      const ref = plain.cache.get("blocks.1.attn.hook_attn_scores").data;
      const T = tokens.length;
      expect(scores[T * 0 + 0 * T + 0]).toBeCloseTo(ref[0] / 2, 4); // head 0, query 0, key 0
    });

    it("LayerNormPre (LNPre) without folding: the hook points and logits", async () => {
      await sameAsModel(variant({ normalization_type: "LNPre" }), [tokens, tokens]);
    });

    it("head_mask zeros a head's z: the loss matches zero-ablating that head with a hook", async () => {
      const exported = await exportOnnx(base, { outputs: ["blocks.1.attn.hook_z"], loss: true, headMask: true });
      expect(exported.inputs).toEqual(["tokens", "head_mask"]);
      const { n_layers: L, n_heads: H, d_head: Dh } = base.cfg;
      const session = await ortNode.InferenceSession.create(exported.bytes);
      try {
        for (const [l, h] of [
          [0, 1],
          [1, 3],
        ]) {
          const mask = new Float32Array(L * H).fill(1);
          mask[l * H + h] = 0;
          const out = await session.run({
            tokens: tokensTensor([tokens]),
            head_mask: new ortNode.Tensor("float32", mask, [L, H]),
          });
          const ablated = await base.runWithHooks(tokens, {
            returnType: "loss",
            lossPerToken: true,
            fwdHooks: [
              [
                `blocks.${l}.attn.hook_z`,
                (z) => {
                  const d = z.data;
                  for (let t = 0; t < tokens.length; t++) d.fill(0, (t * H + h) * Dh, (t * H + h + 1) * Dh);
                  return z;
                },
              ],
            ],
          });
          expectClose(out.loss.data as Float32Array, ablated.loss!.data, `loss with head ${l}.${h} masked`);
        }
      } finally {
        await session.release();
      }
    });

    it("float16 weights: half the file, logits within fp16 rounding", async () => {
      const fp32 = await exportOnnx(base, { outputs: [], logits: true });
      const fp16 = await exportOnnx(base, { outputs: [], logits: true, dtype: "float16" });
      expect(Math.abs(fp16.bytes.length / fp32.bytes.length - 0.5)).toBeLessThan(0.01);
      const session = await ortNode.InferenceSession.create(fp16.bytes);
      try {
        const out = await session.run({ tokens: tokensTensor([tokens]) });
        const ref = await base.forward(tokens);
        expectClose(out.logits.data as Float32Array, ref.logits!.data, "fp16 logits", 1e-2);
      } finally {
        await session.release();
      }
    });

    it("a patterns export of an MLP model holds no MLP, LayerNorm or value weights of the last layer", async () => {
      const onnxProto = (await import("onnx-proto")).default;
      const names = onnxProto.onnx.ModelProto.decode((await exportOnnx(base)).bytes).graph!.initializer!.map(
        (t) => t.name,
      );
      expect(names).toContain("blocks.1.ln1.w");
      expect(names).toContain("blocks.0.mlp.W_out");
      for (const absent of ["blocks.1.mlp.W_in", "blocks.1.ln2.w", "ln_final.w", "unembed.W_U", "blocks.1.attn.W_V"])
        expect(names).not.toContain(absent);
    });
  });
});
