import type { HookedTransformerConfig } from "../config.js";
import type { StateDict, StateDictTensor } from "../weights/state-dict.js";
import { formatShape } from "../tensor.js";
import { SeededRandom } from "../util/random.js";

/**
 * Trainable parameters of an attention-only transformer, held in the layout the training math wants:
 * W_Q/W_K/W_V packed as [d_model, n_heads * d_head] so each projection is one matmul over the whole batch.
 * `toStateDict` / `paramsFromStateDict` convert to and from TransformerLens's names and layouts.
 */
export interface LayerParams {
  W_Q: Float32Array;
  W_K: Float32Array;
  W_V: Float32Array;
  b_Q: Float32Array;
  b_K: Float32Array;
  b_V: Float32Array;
  /** [n_heads * d_head, d_model] — identical bytes to TransformerLens's [n_heads, d_head, d_model]. */
  W_O: Float32Array;
  b_O: Float32Array;
}

export interface Params {
  W_E: Float32Array;
  W_pos: Float32Array;
  layers: LayerParams[];
  W_U: Float32Array;
  b_U: Float32Array;
}

/** One named parameter tensor: its TransformerLens key, the packed array and whether weight decay applies. */
export interface ParamEntry {
  key: string;
  data: Float32Array;
  decay: boolean;
  /** Never updated by the optimizer (see the trainer's `frozen` option). */
  frozen?: boolean;
}

/** Every parameter in TransformerLens's state-dict order, as a flat list (optimizer, clipping, snapshots). */
export function paramEntries(p: Params): ParamEntry[] {
  const out: ParamEntry[] = [
    { key: "embed.W_E", data: p.W_E, decay: true },
    { key: "pos_embed.W_pos", data: p.W_pos, decay: true },
  ];
  p.layers.forEach((l, i) => {
    const a = `blocks.${i}.attn.`;
    out.push(
      { key: `${a}W_Q`, data: l.W_Q, decay: true },
      { key: `${a}W_O`, data: l.W_O, decay: true },
      { key: `${a}b_Q`, data: l.b_Q, decay: false },
      { key: `${a}b_O`, data: l.b_O, decay: false },
      { key: `${a}W_K`, data: l.W_K, decay: true },
      { key: `${a}W_V`, data: l.W_V, decay: true },
      { key: `${a}b_K`, data: l.b_K, decay: false },
      { key: `${a}b_V`, data: l.b_V, decay: false },
    );
  });
  out.push({ key: "unembed.W_U", data: p.W_U, decay: true }, { key: "unembed.b_U", data: p.b_U, decay: false });
  return out;
}

/** Zero-filled parameters (also the shape of a gradient or an Adam moment). */
export function zerosLike(cfg: HookedTransformerConfig): Params {
  const { d_model: D, n_heads: H, d_head: E, n_ctx, d_vocab, d_vocab_out } = cfg;
  const HE = H * E;
  const layers: LayerParams[] = [];
  for (let l = 0; l < cfg.n_layers; l++) {
    layers.push({
      W_Q: new Float32Array(D * HE),
      W_K: new Float32Array(D * HE),
      W_V: new Float32Array(D * HE),
      b_Q: new Float32Array(HE),
      b_K: new Float32Array(HE),
      b_V: new Float32Array(HE),
      W_O: new Float32Array(HE * D),
      b_O: new Float32Array(D),
    });
  }
  return {
    W_E: new Float32Array(d_vocab * D),
    W_pos: new Float32Array(n_ctx * D),
    layers,
    W_U: new Float32Array(D * d_vocab_out),
    b_U: new Float32Array(d_vocab_out),
  };
}

/**
 * TransformerLens's initialisation (`init_weights` for these models): every `W_*` normal with standard
 * deviation `initializer_range` (0.8 / sqrt(d_model) by default), every bias zero. Deterministic in `seed`;
 * tensors are filled in state-dict order, each in TransformerLens's own layout, so the draw does not depend
 * on the packed layout.
 */
export function initParams(cfg: HookedTransformerConfig, seed: number, opts: { posInit?: PosInit } = {}): Params {
  const p = zerosLike(cfg);
  const rng = new SeededRandom(seed);
  const std = cfg.initializer_range;
  const { d_model: D, n_heads: H, d_head: E } = cfg;
  for (const e of paramEntries(p)) {
    if (!e.decay) continue; // biases stay zero
    const name = e.key.split(".").pop()!;
    if (name === "W_Q" || name === "W_K" || name === "W_V") {
      const tl = new Float32Array(e.data.length);
      for (let i = 0; i < tl.length; i++) tl[i] = rng.normal() * std;
      e.data.set(packHeadsIn(tl, H, D, E));
    } else {
      for (let i = 0; i < e.data.length; i++) e.data[i] = rng.normal() * std;
    }
  }
  if (opts.posInit && opts.posInit.kind === "sinusoidal") sinusoidalPositions(p.W_pos, cfg.n_ctx, D, opts.posInit);
  return p;
}

/**
 * How W_pos starts. "normal" is TransformerLens's; "sinusoidal" (as the tiny fixture's recipe does) starts it as
 * Transformer sinusoids, W_pos[t, 2i] = A·sin(t / base^(2i/d)), W_pos[t, 2i+1] = A·cos(...): a relative
 * offset is then a fixed rotation, so a previous-token head — and the induction heads built on it — forms far
 * sooner than from random rows that first have to be organised.
 */
export type PosInit = { kind: "normal" } | { kind: "sinusoidal"; amplitude?: number; base?: number };

function sinusoidalPositions(w: Float32Array, nCtx: number, D: number, o: { amplitude?: number; base?: number }): void {
  const A = o.amplitude ?? 0.5;
  const base = o.base ?? 1000;
  for (let t = 0; t < nCtx; t++) {
    for (let i = 0; 2 * i < D; i++) {
      const angle = t / Math.pow(base, (2 * i) / D);
      w[t * D + 2 * i] = A * Math.sin(angle);
      if (2 * i + 1 < D) w[t * D + 2 * i + 1] = A * Math.cos(angle);
    }
  }
}

/** TransformerLens shape of a parameter key. */
export function tlShape(cfg: HookedTransformerConfig, key: string): number[] {
  const { d_model: D, n_heads: H, d_head: E, n_ctx, d_vocab, d_vocab_out } = cfg;
  const name = key.split(".").pop()!;
  switch (name) {
    case "W_E":
      return [d_vocab, D];
    case "W_pos":
      return [n_ctx, D];
    case "W_U":
      return [D, d_vocab_out];
    case "b_U":
      return [d_vocab_out];
    case "W_Q":
    case "W_K":
    case "W_V":
      return [H, D, E];
    case "W_O":
      return [H, E, D];
    case "b_Q":
    case "b_K":
    case "b_V":
      return [H, E];
    case "b_O":
      return [D];
  }
  throw new Error(`unknown parameter key "${key}"`);
}

function isPackedIn(key: string): boolean {
  return /\.W_[QKV]$/.test(key);
}

/** TransformerLens-named state dict (float32, TL layouts, fresh copies) ready for `writeSafetensors` or a model. */
export function toStateDict(cfg: HookedTransformerConfig, p: Params): StateDict {
  const sd: StateDict = new Map();
  for (const e of paramEntries(p)) {
    const data = isPackedIn(e.key) ? unpackHeadsIn(e.data, cfg.n_heads, cfg.d_model, cfg.d_head) : e.data.slice();
    sd.set(e.key, { dtype: "float32", shape: tlShape(cfg, e.key), data });
  }
  return sd;
}

/** Parameters from a TransformerLens-named state dict (e.g. to fine-tune a loaded model); shapes are checked. */
export function paramsFromStateDict(cfg: HookedTransformerConfig, sd: StateDict, source = "state dict"): Params {
  const p = zerosLike(cfg);
  for (const e of paramEntries(p)) {
    const t: StateDictTensor | undefined = sd.get(e.key);
    const shape = tlShape(cfg, e.key);
    if (!t) throw new Error(`${source}: missing key "${e.key}" (expected shape ${formatShape(shape)})`);
    if (!(t.data instanceof Float32Array))
      throw new Error(`${source}: "${e.key}" has dtype ${t.dtype}, expected a floating tensor`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: "${e.key}" has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
    e.data.set(isPackedIn(e.key) ? packHeadsIn(t.data, cfg.n_heads, cfg.d_model, cfg.d_head) : t.data);
  }
  return p;
}

/** [H, d_model, d_head] → [d_model, H * d_head]. */
export function packHeadsIn(w: Float32Array, H: number, D: number, E: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < D; m++) {
      const src = (h * D + m) * E;
      const dst = m * H * E + h * E;
      for (let d = 0; d < E; d++) out[dst + d] = w[src + d];
    }
  return out;
}

/** [d_model, H * d_head] → [H, d_model, d_head]. */
export function unpackHeadsIn(w: Float32Array, H: number, D: number, E: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < D; m++) {
      const dst = (h * D + m) * E;
      const src = m * H * E + h * E;
      for (let d = 0; d < E; d++) out[dst + d] = w[src + d];
    }
  return out;
}
