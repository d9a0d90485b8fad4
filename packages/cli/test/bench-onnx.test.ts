// The benchmark compares engines on the same work only if its ONNX graphs compute what the model computes:
// built for a small random model, run by onnxruntime-web, they must give the model's attention patterns,
// logits and per-token loss (plain-TS backend as the reference).
import { describe, expect, it } from "vitest";
import { HookedTransformer, SeededRandom, tsBackend, type StateDict } from "@attnscope/core";
import { buildOnnxModel, type OnnxMode, type OnnxModelConfig } from "../src/bench/onnx-graph.js";

const cfg: OnnxModelConfig = { d_model: 32, n_heads: 4, d_head: 8, n_layers: 2, d_vocab: 53, n_ctx: 24 };

function randomModel(): StateDict {
  const rng = new SeededRandom(11);
  const sd: StateDict = new Map();
  const add = (key: string, shape: number[], std = 0.4) => {
    const n = shape.reduce((a, b) => a * b, 1);
    sd.set(key, { dtype: "float32", shape, data: Float32Array.from({ length: n }, () => rng.normal() * std) });
  };
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  add("embed.W_E", [cfg.d_vocab, D]);
  add("pos_embed.W_pos", [cfg.n_ctx, D]);
  for (let l = 0; l < cfg.n_layers; l++) {
    for (const w of ["W_Q", "W_K", "W_V"]) add(`blocks.${l}.attn.${w}`, [H, D, Dh]);
    add(`blocks.${l}.attn.W_O`, [H, Dh, D]);
    for (const b of ["b_Q", "b_K", "b_V"]) add(`blocks.${l}.attn.${b}`, [H, Dh], 0.1);
    add(`blocks.${l}.attn.b_O`, [D], 0.1);
  }
  add("unembed.W_U", [D, cfg.d_vocab]);
  add("unembed.b_U", [cfg.d_vocab], 0.1);
  return sd;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / Math.max(scale, 1e-30);
}

describe("the benchmark's ONNX graphs", () => {
  it("compute the model's patterns, logits and per-token loss (onnxruntime-web)", async () => {
    const ort = await import("onnxruntime-web");
    ort.env.wasm.numThreads = 1;
    const sd = randomModel();
    const model = new HookedTransformer(
      {
        ...cfg,
        attn_only: true,
        normalization_type: null,
        positional_embedding_type: "shortformer",
        use_attn_result: false,
      },
      sd,
      { backend: tsBackend },
    );
    const tokens = [0, 5, 17, 3, 44, 5, 17, 3, 9, 52, 1, 5, 17];
    const T = tokens.length;
    const ref = await model.runWithCache(tokens, { returnType: "both", lossPerToken: true, removeBatchDim: true });

    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
    const feeds = (mode: OnnxMode) => {
      const f: Record<string, InstanceType<typeof ort.Tensor>> = {
        ids: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [T]),
        pos: new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
          [T],
        ),
        mask: new ort.Tensor("float32", mask, [T, T]),
      };
      // The graph's loss takes the next token as target; the last row's target is a placeholder.
      if (mode === "loss")
        f.targets = new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: T }, (_, i) => BigInt(tokens[Math.min(i + 1, T - 1)])),
          [T, 1],
        );
      return f;
    };
    const run = async (mode: OnnxMode) => {
      const session = await ort.InferenceSession.create(buildOnnxModel(sd, mode, cfg), {
        executionProviders: ["wasm"],
      });
      try {
        return await session.run(feeds(mode));
      } finally {
        await session.release();
      }
    };

    const patterns = await run("patterns");
    const names = Object.keys(patterns);
    expect(names).toHaveLength(cfg.n_layers);
    for (let l = 0; l < cfg.n_layers; l++) {
      const got = patterns[names[l]].data as Float32Array;
      expect(maxRelDiff(got, ref.cache.get("pattern", l).data), `layer ${l} pattern`).toBeLessThan(1e-5);
    }
    const full = await run("full");
    expect(maxRelDiff(Object.values(full)[0].data as Float32Array, ref.logits!.data)).toBeLessThan(1e-5);
    const loss = (await run("loss")).loss.data as Float32Array;
    // The model's loss has T - 1 entries (no target for the last token).
    expect(maxRelDiff(loss.subarray(0, T - 1), ref.loss!.data)).toBeLessThan(1e-5);
  });
});
