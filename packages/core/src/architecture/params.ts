/**
 * The one parameter schema of the models attnscope runs: every state-dict key with its TransformerLens shape,
 * in TransformerLens's state-dict order, and how the forward pass lays it out. The state-dict check, weight
 * extraction, training's parameter list and initialisation, and random models all read it here.
 *
 * Dimension legend: L n_layers, H n_heads, D d_model, Dh d_head, V d_vocab, Vout d_vocab_out, N n_ctx.
 */
import type { HookedTransformerConfig } from "../config.js";
import type { StateDict } from "../weights/state-dict.js";
import { SeededRandom } from "../util/random.js";

/** A config dimension a parameter shape is written in. */
export type ParamDim = "d_vocab" | "d_model" | "n_ctx" | "n_heads" | "d_head" | "d_vocab_out";

/** Where a parameter lives: a top-level component, or one layer's attention. */
export type ParamOwner = "embed" | "pos_embed" | "attn" | "unembed";

/** Parameter names of one attention layer, as TransformerLens names them. */
export type AttnParamName = "W_Q" | "W_K" | "W_V" | "W_O" | "b_Q" | "b_K" | "b_V" | "b_O";
/** Parameter names outside the blocks. */
export type TopParamName = "W_E" | "W_pos" | "W_U" | "b_U";

export interface ParamSpec {
  /** State-dict key, e.g. `"blocks.0.attn.W_Q"`. */
  key: string;
  /** TransformerLens's short name, e.g. `"W_Q"`. */
  name: AttnParamName | TopParamName | "mask" | "IGNORE";
  owner: ParamOwner;
  /** The block of an `attn` parameter. */
  layer?: number;
  /** Symbolic TransformerLens shape, e.g. `["n_heads", "d_model", "d_head"]`. */
  dims: ParamDim[];
  /** `dims` in this config's numbers. */
  shape: number[];
  /** "weight" (normal init, weight decay), "bias" (zero init, no decay) or "buffer" (saved, not trained). */
  kind: "weight" | "bias" | "buffer";
  /**
   * "heads-in": stored [H, D, Dh], held by the forward pass as [D, H·Dh] so one product projects every head.
   * "plain": held as stored.
   */
  layout: "plain" | "heads-in";
  /** A table the forward pass reads rows of (W_E, W_pos), never an operand of a backend op. */
  lookup?: boolean;
  /** May be absent from a state dict (TransformerLens's `mask` and `IGNORE` buffers). */
  optional?: boolean;
}

/** One attention layer's parameters in the forward pass's layout (see `ParamSpec.layout`). */
export type AttnParams = Record<AttnParamName, Float32Array>;

/** Every trainable parameter in the forward pass's layout. */
export interface PackedParams {
  W_E: Float32Array;
  W_pos: Float32Array;
  layers: AttnParams[];
  W_U: Float32Array;
  b_U: Float32Array;
}

type Entry = [name: ParamSpec["name"], dims: ParamDim[], kind: ParamSpec["kind"]];

// TransformerLens's module order: parameters of each module in registration order, then its buffers.
const EMBED: Entry[] = [["W_E", ["d_vocab", "d_model"], "weight"]];
const POS_EMBED: Entry[] = [["W_pos", ["n_ctx", "d_model"], "weight"]];
const ATTN: Entry[] = [
  ["W_Q", ["n_heads", "d_model", "d_head"], "weight"],
  ["W_O", ["n_heads", "d_head", "d_model"], "weight"],
  ["b_Q", ["n_heads", "d_head"], "bias"],
  ["b_O", ["d_model"], "bias"],
  ["W_K", ["n_heads", "d_model", "d_head"], "weight"],
  ["W_V", ["n_heads", "d_model", "d_head"], "weight"],
  ["b_K", ["n_heads", "d_head"], "bias"],
  ["b_V", ["n_heads", "d_head"], "bias"],
  // Buffers TransformerLens saves with the weights; the model can rebuild them.
  ["mask", ["n_ctx", "n_ctx"], "buffer"],
  ["IGNORE", [], "buffer"],
];
const UNEMBED: Entry[] = [
  ["W_U", ["d_model", "d_vocab_out"], "weight"],
  ["b_U", ["d_vocab_out"], "bias"],
];

/** A parameter's name, owner and layout, which depend on the number of layers only. */
export type ParamSlot = Omit<ParamSpec, "shape">;

/** Every state-dict key of a model with `nLayers` blocks, buffers included, in TransformerLens's order. */
export function paramSlots(nLayers: number): ParamSlot[] {
  const slot = (prefix: string, owner: ParamOwner, [name, dims, kind]: Entry, layer?: number): ParamSlot => ({
    key: `${prefix}${name}`,
    name,
    owner,
    ...(layer === undefined ? {} : { layer }),
    dims,
    kind,
    layout: /^W_[QKV]$/.test(name) ? "heads-in" : "plain",
    ...(owner === "embed" || owner === "pos_embed" ? { lookup: true } : {}),
    ...(kind === "buffer" ? { optional: true } : {}),
  });
  const out = [
    ...EMBED.map((e) => slot("embed.", "embed", e)),
    ...POS_EMBED.map((e) => slot("pos_embed.", "pos_embed", e)),
  ];
  for (let l = 0; l < nLayers; l++) out.push(...ATTN.map((e) => slot(`blocks.${l}.attn.`, "attn", e, l)));
  out.push(...UNEMBED.map((e) => slot("unembed.", "unembed", e)));
  return out;
}

/** Every state-dict key of this config's architecture with its shape, buffers included, in TransformerLens's order. */
export function paramSchema(cfg: HookedTransformerConfig): ParamSpec[] {
  const dim: Record<ParamDim, number> = {
    d_vocab: cfg.d_vocab,
    d_model: cfg.d_model,
    n_ctx: cfg.n_ctx,
    n_heads: cfg.n_heads,
    d_head: cfg.d_head,
    d_vocab_out: cfg.d_vocab_out,
  };
  return paramSlots(cfg.n_layers).map((s) => ({ ...s, shape: s.dims.map((d) => dim[d]) }));
}

/** The trainable parameters (no buffers), in state-dict order. */
export function trainableParams(cfg: HookedTransformerConfig): ParamSpec[] {
  return paramSchema(cfg).filter((s) => s.kind !== "buffer");
}

/** The array holding parameter `s` in `p`. */
export function paramArray(p: PackedParams, s: ParamSlot): Float32Array {
  if (s.owner === "attn") return p.layers[s.layer!][s.name as AttnParamName];
  return p[s.name as TopParamName];
}

/** Parameters whose arrays `make` gives, one call per trainable parameter in state-dict order. */
export function buildParams(cfg: HookedTransformerConfig, make: (s: ParamSpec) => Float32Array): PackedParams {
  const top: Partial<Record<TopParamName, Float32Array>> = {};
  const layers = Array.from({ length: cfg.n_layers }, () => ({}) as Partial<AttnParams>);
  for (const s of trainableParams(cfg)) {
    if (s.owner === "attn") layers[s.layer!][s.name as AttnParamName] = make(s);
    else top[s.name as TopParamName] = make(s);
  }
  return { ...(top as Record<TopParamName, Float32Array>), layers: layers as AttnParams[] };
}

/** Zero-filled parameters in the forward pass's layout (also the shape of a gradient or an Adam moment). */
export function zeroParams(cfg: HookedTransformerConfig): PackedParams {
  return buildParams(cfg, (s) => new Float32Array(s.shape.reduce((x, y) => x * y, 1)));
}

/** [H, D, Dh] (TransformerLens) → [D, H·Dh] (one product projects every head). */
export function packHeadsIn(w: Float32Array, H: number, D: number, Dh: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < D; m++) {
      const src = (h * D + m) * Dh;
      const dst = m * H * Dh + h * Dh;
      for (let d = 0; d < Dh; d++) out[dst + d] = w[src + d];
    }
  return out;
}

/** [D, H·Dh] → [H, D, Dh], into `out` at element `o` when given. */
export function unpackHeadsIn(
  w: Float32Array,
  H: number,
  D: number,
  Dh: number,
  out = new Float32Array(w.length),
  o = 0,
): Float32Array {
  for (let h = 0; h < H; h++)
    for (let m = 0; m < D; m++) {
      const dst = o + (h * D + m) * Dh;
      const src = m * H * Dh + h * Dh;
      for (let d = 0; d < Dh; d++) out[dst + d] = w[src + d];
    }
  return out;
}

/** A stored (TransformerLens-layout) tensor in the forward pass's layout. */
export function toPacked(cfg: HookedTransformerConfig, s: ParamSpec, data: Float32Array): Float32Array {
  return s.layout === "heads-in" ? packHeadsIn(data, cfg.n_heads, cfg.d_model, cfg.d_head) : data;
}

/** A forward-pass-layout array back in TransformerLens's layout (always a fresh copy). */
export function toStored(cfg: HookedTransformerConfig, s: ParamSpec, data: Float32Array): Float32Array {
  return s.layout === "heads-in" ? unpackHeadsIn(data, cfg.n_heads, cfg.d_model, cfg.d_head) : data.slice();
}

export interface RandomStateDictOptions {
  /** @default 1 */
  seed?: number;
  /** Standard deviation of every weight and bias. @default 0.3 */
  std?: number;
}

/**
 * A random TransformerLens state dict for this config (no buffers): every tensor normal with `std`, drawn in
 * schema order from one seeded generator. For tests and examples that need weights but not trained behaviour.
 */
export function randomStateDict(cfg: HookedTransformerConfig, opts: RandomStateDictOptions = {}): StateDict {
  const rng = new SeededRandom(opts.seed ?? 1);
  const std = opts.std ?? 0.3;
  const sd: StateDict = new Map();
  for (const s of trainableParams(cfg)) {
    const data = new Float32Array(s.shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    sd.set(s.key, { dtype: "float32", shape: s.shape, data });
  }
  return sd;
}
