/** A small random attention-only model, for tests that need weights but not trained behaviour. */
import { SeededRandom, resolveConfig, type HookedTransformerConfig, type StateDict } from "../../src/index.js";

export function randomStateDict(cfg: HookedTransformerConfig, seed = 1, std = 0.3): StateDict {
  const rng = new SeededRandom(seed);
  const sd: StateDict = new Map();
  const add = (key: string, shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    sd.set(key, { dtype: "float32", shape, data });
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
  add("unembed.W_U", [D, cfg.d_vocab_out]);
  add("unembed.b_U", [cfg.d_vocab_out]);
  return sd;
}

export function smallConfig(overrides: Record<string, unknown> = {}): HookedTransformerConfig {
  return resolveConfig({
    d_model: 16,
    d_head: 4,
    n_heads: 3,
    n_layers: 2,
    n_ctx: 32,
    d_vocab: 50,
    attn_only: true,
    normalization_type: null,
    positional_embedding_type: "shortformer",
    use_attn_result: true,
    ...overrides,
  });
}
