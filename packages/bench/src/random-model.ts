/**
 * The benchmark's full-size random models, generated in memory from a seed: uniform noise with the std of
 * TransformerLens's initializer, which is all a speed benchmark needs. Keys and shapes come from core's
 * parameter schema (`paramSchema`).
 *
 * - `attn-only-2l-half` (the default): ARENA's attn_only_2L_half config (d_model 768, 12 heads of 64,
 *   2 layers, d_vocab 50278, n_ctx 2048, shortformer positions, no LayerNorm, untied).
 * - `gpt2-small`: GPT-2 small's real config (d_model 768, 12 layers of 12 heads, d_mlp 3072, n_ctx 1024,
 *   d_vocab 50257, gelu_new, standard positions) as `fromPretrained("gpt2-small")` holds it: LayerNorm
 *   folded by TransformerLens's default processing (normalization_type "LNPre", so no LayerNorm weights), and
 *   the tied embedding untied (W_U a copy of W_Eᵀ, as the conversion makes it).
 *
 * Dimension legend: L n_layers, H n_heads, D d_model, Dh d_head, M d_mlp, V d_vocab.
 */
import {
  getKnownModel,
  paramSchema,
  resolveConfig,
  type HookedTransformerConfig,
  type HookedTransformerConfigInput,
  type StateDict,
} from "@attnscope/core";

/** The registry's config of a known model: one statement of each model's shape, shared with the loader. */
const registryConfig = (name: string) => getKnownModel(name).config!;

export const BENCH_CONFIGS = {
  "attn-only-2l-half": registryConfig("attn-only-2l-half"),
  // As GPT-2 small is loaded: default processing folds LayerNorm's weights into the next matrices ("LNPre").
  "gpt2-small": {
    ...registryConfig("gpt2-small"),
    model_name: "gpt2-small (random weights)",
    normalization_type: "LNPre",
  },
} satisfies Record<string, HookedTransformerConfigInput>;

export type BenchConfigName = keyof typeof BENCH_CONFIGS;
export const BENCH_CONFIG_NAMES = Object.keys(BENCH_CONFIGS) as BenchConfigName[];

/** The default model (what the browser page builds). */
export const BENCH_CONFIG = BENCH_CONFIGS["attn-only-2l-half"];

/** A bench config by name, resolved as the model resolves it. */
export function benchConfig(name: BenchConfigName = "attn-only-2l-half"): HookedTransformerConfig {
  const cfg = BENCH_CONFIGS[name];
  if (!cfg) throw new Error(`unknown bench config "${name}" (known: ${BENCH_CONFIG_NAMES.join(", ")})`);
  return resolveConfig(cfg);
}

/** Megabytes of float32 weights of a config (buffers left out). */
export function weightsMb(name: BenchConfigName): number {
  const bytes = paramSchema(benchConfig(name))
    .filter((s) => s.kind !== "buffer")
    .reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  return Math.round(bytes / 1e6);
}

export function randomStateDict(seed = 1, name: BenchConfigName = "attn-only-2l-half"): StateDict {
  const cfg = benchConfig(name);
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
  const a = (0.8 / Math.sqrt(cfg.d_model)) * Math.sqrt(3);
  const tied = name === "gpt2-small";
  const sd: StateDict = new Map();
  // The buffers mask and IGNORE are optional in a state dict.
  for (const spec of paramSchema(cfg)) {
    if (spec.kind === "buffer") continue;
    if (tied && spec.key === "unembed.W_U") {
      sd.set(spec.key, {
        dtype: "float32",
        shape: spec.shape,
        data: transposed(sd.get("embed.W_E")!.data as Float32Array, cfg.d_vocab, cfg.d_model),
      });
      continue;
    }
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

/** [rows, cols] → [cols, rows]. */
function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/**
 * Floating-point work of one forward, counting only the causal half of attention. A patterns run needs
 * every layer's queries, keys and scores but the last layer's values, pattern·V, output projection and MLP
 * feed nothing it returns, so they are not counted (no engine computes them).
 */
export function forwardFlops(mode: string, T: number, name: BenchConfigName = "attn-only-2l-half"): number {
  const { d_model: D, n_heads: H, d_head: Dh, d_vocab: V, n_layers: L, d_mlp } = benchConfig(name);
  const HD = H * Dh;
  const M = d_mlp ?? 0;
  const patternsOnly = mode === "patterns" || mode === "append1";
  const rows = mode === "append1" ? 1 : T; // append1: one new query row against T keys
  const causalPairs = mode === "append1" ? T : (T * (T + 1)) / 2;
  const scores = 2 * 2 * rows * D * HD + 2 * H * Dh * causalPairs; // q and k projections, q·kᵀ
  // v, pattern·v, W_O, and the MLP's two products
  const rest = 2 * rows * D * HD + 2 * H * Dh * causalPairs + 2 * rows * HD * D + 2 * 2 * rows * D * M;
  const layers = L * scores + (patternsOnly ? L - 1 : L) * rest;
  return patternsOnly ? layers : layers + 2 * T * D * V;
}
