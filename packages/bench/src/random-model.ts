/**
 * A full-size random model of the real config (ARENA's attn_only_2L_half: d_model 768, 12 heads of 64,
 * 2 layers, d_vocab 50278, n_ctx 2048), generated in memory from a seed: uniform noise with the std of
 * TransformerLens's initializer, which is all a speed benchmark needs.
 */
import { paramSchema, resolveConfig, type StateDict } from "@attnscope/core";

export const BENCH_CONFIG = {
  d_model: 768,
  d_head: 64,
  n_heads: 12,
  n_layers: 2,
  n_ctx: 2048,
  d_vocab: 50278,
  attn_only: true,
  normalization_type: null,
  positional_embedding_type: "shortformer",
  use_attn_result: true,
} as const;

export function randomStateDict(seed = 1): StateDict {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // One block of seeded uniform noise on [-1, 1), tiled with a moving offset: 83M parameters in well
  // under a second, and to the kernels indistinguishable from fully random values.
  const block = new Float32Array(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = next() * 2 - 1;
  // Uniform on [-a, a] has std a/√3; TransformerLens initialises weights with std 0.8/√d_model. Embeddings
  // keep unit scale, biases 0.1 (so they are not all zero, as TransformerLens's init leaves them).
  const a = (0.8 / Math.sqrt(BENCH_CONFIG.d_model)) * Math.sqrt(3);
  const sd: StateDict = new Map();
  // Keys and shapes from core's parameter schema (the buffers mask and IGNORE are optional in a state dict).
  for (const spec of paramSchema(resolveConfig(BENCH_CONFIG))) {
    if (spec.kind === "buffer") continue;
    const scale = spec.key === "embed.W_E" || spec.key === "pos_embed.W_pos" ? 1 : spec.kind === "bias" ? 0.1 : a;
    const data = new Float32Array(spec.shape.reduce((x, y) => x * y, 1));
    for (let o = 0; o < data.length; o += block.length) {
      const start = Math.floor(next() * block.length);
      const len = Math.min(block.length, data.length - o);
      const first = Math.min(len, block.length - start);
      data.set(block.subarray(start, start + first), o);
      data.set(block.subarray(0, len - first), o + first);
    }
    if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
    sd.set(spec.key, { dtype: "float32", shape: spec.shape, data });
  }
  return sd;
}

/**
 * Floating-point work of one forward, counting only the causal half of attention. A patterns run needs
 * every layer's queries, keys and scores but the last layer's values, pattern·V and output projection feed
 * nothing it returns, so they are not counted (no engine computes them).
 */
export function forwardFlops(mode: string, T: number): number {
  const { d_model: D, n_heads: H, d_head: Dh, d_vocab: V, n_layers: L } = BENCH_CONFIG;
  const HD = H * Dh;
  const patternsOnly = mode === "patterns" || mode === "append1";
  const rows = mode === "append1" ? 1 : T; // append1: one new query row against T keys
  const causalPairs = mode === "append1" ? T : (T * (T + 1)) / 2;
  const scores = 2 * 2 * rows * D * HD + 2 * H * Dh * causalPairs; // q and k projections, q·kᵀ
  const rest = 2 * rows * D * HD + 2 * H * Dh * causalPairs + 2 * rows * HD * D; // v, pattern·v, W_O
  const layers = L * scores + (patternsOnly ? L - 1 : L) * rest;
  return patternsOnly ? layers : layers + 2 * T * D * V;
}
