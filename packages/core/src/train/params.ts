import type { HookedTransformerConfig } from "../config.js";
import type { StateDict, StateDictTensor } from "../weights/state-dict.js";
import { formatShape } from "../tensor.js";
import { SeededRandom } from "../util/random.js";
import {
  paramArray,
  paramSlots,
  toPacked,
  toStored,
  trainableParams,
  zeroParams,
  type AttnParams,
  type PackedParams,
} from "../architecture/params.js";

/**
 * Trainable parameters of an attention-only transformer, held in the layout the training math wants (the
 * forward pass's, see `ParamSpec.layout`): W_Q/W_K/W_V packed as [d_model, n_heads * d_head] so each
 * projection is one matmul over the whole batch. `toStateDict` / `paramsFromStateDict` convert to and from
 * TransformerLens's names and layouts; the names, shapes and order come from the parameter schema.
 */
export type LayerParams = AttnParams;
export type Params = PackedParams;

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
  return paramSlots(p.layers.length)
    .filter((s) => s.kind !== "buffer")
    .map((s) => ({ key: s.key, data: paramArray(p, s), decay: s.kind === "weight" }));
}

/** Zero-filled parameters (also the shape of a gradient or an Adam moment). */
export function zerosLike(cfg: HookedTransformerConfig): Params {
  return zeroParams(cfg);
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
  const D = cfg.d_model;
  for (const s of trainableParams(cfg)) {
    if (s.kind !== "weight") continue; // biases stay zero
    // Drawn in TransformerLens's layout, so the draw does not depend on the packed one.
    const tl = new Float32Array(s.shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < tl.length; i++) tl[i] = rng.normal() * std;
    paramArray(p, s).set(toPacked(cfg, s, tl));
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
  const s = trainableParams(cfg).find((x) => x.key === key);
  if (!s) throw new Error(`unknown parameter key "${key}"`);
  return s.shape;
}

/** TransformerLens-named state dict (float32, TL layouts, fresh copies) ready for `writeSafetensors` or a model. */
export function toStateDict(cfg: HookedTransformerConfig, p: Params): StateDict {
  const sd: StateDict = new Map();
  for (const s of trainableParams(cfg)) {
    sd.set(s.key, { dtype: "float32", shape: s.shape, data: toStored(cfg, s, paramArray(p, s)) });
  }
  return sd;
}

/** Parameters from a TransformerLens-named state dict (e.g. to fine-tune a loaded model); shapes are checked. */
export function paramsFromStateDict(cfg: HookedTransformerConfig, sd: StateDict, source = "state dict"): Params {
  const p = zerosLike(cfg);
  for (const s of trainableParams(cfg)) {
    const t: StateDictTensor | undefined = sd.get(s.key);
    const shape = s.shape;
    if (!t) throw new Error(`${source}: missing key "${s.key}" (expected shape ${formatShape(shape)})`);
    if (!(t.data instanceof Float32Array))
      throw new Error(`${source}: "${s.key}" has dtype ${t.dtype}, expected a floating tensor`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: "${s.key}" has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
    paramArray(p, s).set(toPacked(cfg, s, t.data));
  }
  return p;
}

export { packHeadsIn, unpackHeadsIn } from "../architecture/params.js";
