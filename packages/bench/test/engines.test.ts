// Every engine runs every mode of the benchmark on a small random model: the onnxruntime engines feed the
// graphs core's exportOnnx makes (their numbers are checked against TransformerLens in core's tests).
import { describe, expect, it } from "vitest";
import { randomStateDict, resolveConfig, SeededRandom, type StateDict } from "@attnscope/core";
import { modelEngine, ortEngine, type Mode } from "../src/engines.js";

const cfg = {
  d_model: 32,
  d_head: 8,
  n_heads: 4,
  n_layers: 2,
  n_ctx: 24,
  d_vocab: 53,
  attn_only: true,
  normalization_type: null,
  positional_embedding_type: "shortformer",
  use_attn_result: false,
};

function randomModel(): StateDict {
  const rng = new SeededRandom(11);
  const sd: StateDict = new Map();
  const add = (key: string, shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    sd.set(key, { dtype: "float32", shape, data: Float32Array.from({ length: n }, () => rng.normal() * 0.3) });
  };
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  add("embed.W_E", [cfg.d_vocab, D]);
  add("pos_embed.W_pos", [cfg.n_ctx, D]);
  for (let l = 0; l < cfg.n_layers; l++) {
    for (const w of ["W_Q", "W_K", "W_V"]) add(`blocks.${l}.attn.${w}`, [H, D, Dh]);
    add(`blocks.${l}.attn.W_O`, [H, Dh, D]);
    for (const b of ["b_Q", "b_K", "b_V"]) add(`blocks.${l}.attn.${b}`, [H, Dh]);
    add(`blocks.${l}.attn.b_O`, [D]);
  }
  add("unembed.W_U", [D, cfg.d_vocab]);
  add("unembed.b_U", [cfg.d_vocab]);
  return sd;
}

describe("the benchmark's engines", () => {
  const sd = randomModel();
  const tokens = Int32Array.from([0, 5, 17, 3, 44, 5, 17, 3, 9, 52, 1, 5, 17]);
  const modes: Mode[] = ["patterns", "append1", "full", "loss"];

  it.each(["kernels", "ts", "ort-node", "ort-web"] as const)("%s runs every mode", async (which) => {
    const engine =
      which === "kernels" || which === "ts" ? await modelEngine(which, cfg, sd, 1) : await ortEngine(which, cfg, sd, 1);
    try {
      expect(engine.label).toMatch(
        which === "ort-node" ? /^ort-node cpu$/ : which === "ort-web" ? /^ort-web wasm$/ : /./,
      );
      for (const mode of modes) {
        await engine.prepare(mode);
        if (mode === "append1") await engine.beforeAppend?.(tokens.subarray(0, tokens.length - 1));
        await engine.run(mode, tokens);
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe("the benchmark's engines on a GPT-2 style model (LayerNorm folded, gelu_new MLPs, standard positions)", () => {
  const gpt2 = {
    d_model: 32,
    d_head: 8,
    n_heads: 4,
    n_layers: 2,
    n_ctx: 24,
    d_vocab: 53,
    d_mlp: 64,
    attn_only: false,
    act_fn: "gelu_new",
    normalization_type: "LNPre",
    positional_embedding_type: "standard",
  };
  const sd = randomStateDict(resolveConfig(gpt2), { seed: 5 });
  const tokens = Int32Array.from([0, 5, 17, 3, 44, 5, 17, 3, 9]);

  it.each(["kernels", "ort-node", "ort-web"] as const)("%s runs patterns, loss and full", async (which) => {
    const engine = which === "kernels" ? await modelEngine(which, gpt2, sd, 1) : await ortEngine(which, gpt2, sd, 1);
    try {
      for (const mode of ["patterns", "loss", "full"] as const) {
        await engine.prepare(mode);
        await engine.run(mode, tokens);
      }
    } finally {
      await engine.dispose();
    }
  });
});
