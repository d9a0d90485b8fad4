/**
 * The one parameter schema of the models attnscope runs: every state-dict key with its TransformerLens shape,
 * in TransformerLens's state-dict order, and how the forward pass lays it out. The state-dict check, weight
 * extraction, training's parameter list and initialisation, and random models all read it here.
 *
 * Dimension legend: L n_layers, H n_heads, D d_model, Dh d_head, M d_mlp, V d_vocab, Vout d_vocab_out, N n_ctx.
 *
 * Which parameters exist depends on the architecture: LayerNorm weights (`ln1`, `ln2`, `ln_final`: `w`, `b`)
 * with normalization_type "LN" only ("LNPre" has the hook points but no parameters), MLP weights unless
 * attn_only, and `ln2` only in blocks that have an MLP.
 */
import type { HookedTransformerConfig } from "../config.js";
import type { StateDict } from "../weights/state-dict.js";
import { SeededRandom } from "../util/random.js";

/** A config dimension a parameter shape is written in. */
export type ParamDim = "d_vocab" | "d_model" | "n_ctx" | "n_heads" | "d_head" | "d_vocab_out" | "d_mlp";

/** Where a parameter lives: a top-level component, or one block's attention, LayerNorms or MLP. */
export type ParamOwner = "embed" | "pos_embed" | "attn" | "ln1" | "ln2" | "mlp" | "ln_final" | "unembed";

/** Parameter names of one attention layer, as TransformerLens names them. */
export type AttnParamName = "W_Q" | "W_K" | "W_V" | "W_O" | "b_Q" | "b_K" | "b_V" | "b_O";
/** Parameter names of a LayerNorm. */
export type NormParamName = "w" | "b";
/** Parameter names of an MLP. */
export type MlpParamName = "W_in" | "b_in" | "W_out" | "b_out";
/** Parameter names outside the blocks. */
export type TopParamName = "W_E" | "W_pos" | "W_U" | "b_U";

/** The architecture choices that decide which parameters exist. */
export interface ParamArchitecture {
  normalization_type: "LN" | "LNPre" | null;
  attn_only: boolean;
}

/** Attention-only, no LayerNorm: the models training builds. */
export const ATTN_ONLY: ParamArchitecture = Object.freeze({ normalization_type: null, attn_only: true });

export interface ParamSpec {
  /** State-dict key, e.g. `"blocks.0.attn.W_Q"`. */
  key: string;
  /** TransformerLens's short name, e.g. `"W_Q"`. */
  name: AttnParamName | NormParamName | MlpParamName | TopParamName | "mask" | "IGNORE";
  owner: ParamOwner;
  /** The block of an `attn`, `ln1`, `ln2` or `mlp` parameter. */
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
/** A LayerNorm's [d_model] weight and bias. */
export type NormParams = Record<NormParamName, Float32Array>;
/** An MLP's W_in [d_model, d_mlp], b_in [d_mlp], W_out [d_mlp, d_model], b_out [d_model]. */
export type MlpParams = Record<MlpParamName, Float32Array>;

/** One block's parameters: its attention's, and its LayerNorms' and MLP's when the architecture has them. */
export interface BlockParams extends AttnParams {
  ln1?: NormParams;
  ln2?: NormParams;
  mlp?: MlpParams;
}

/** Every trainable parameter in the forward pass's layout. */
export interface PackedParams {
  W_E: Float32Array;
  W_pos: Float32Array;
  layers: BlockParams[];
  ln_final?: NormParams;
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
// A LayerNorm's weight (initialised to 1) and bias; neither takes weight decay.
const NORM: Entry[] = [
  ["w", ["d_model"], "bias"],
  ["b", ["d_model"], "bias"],
];
const MLP: Entry[] = [
  ["W_in", ["d_model", "d_mlp"], "weight"],
  ["b_in", ["d_mlp"], "bias"],
  ["W_out", ["d_mlp", "d_model"], "weight"],
  ["b_out", ["d_model"], "bias"],
];

/** A parameter's name, owner and layout, which depend on the number of layers only. */
export type ParamSlot = Omit<ParamSpec, "shape">;

/**
 * Every state-dict key of a model with `nLayers` blocks of this architecture, buffers included, in
 * TransformerLens's order (per block: ln1, ln2, attn, mlp; then ln_final before the unembedding).
 */
export function paramSlots(nLayers: number, arch: ParamArchitecture = ATTN_ONLY): ParamSlot[] {
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
  const ln = arch.normalization_type === "LN";
  const out = [
    ...EMBED.map((e) => slot("embed.", "embed", e)),
    ...POS_EMBED.map((e) => slot("pos_embed.", "pos_embed", e)),
  ];
  for (let l = 0; l < nLayers; l++) {
    const b = `blocks.${l}.`;
    if (ln) out.push(...NORM.map((e) => slot(`${b}ln1.`, "ln1", e, l)));
    if (ln && !arch.attn_only) out.push(...NORM.map((e) => slot(`${b}ln2.`, "ln2", e, l)));
    out.push(...ATTN.map((e) => slot(`${b}attn.`, "attn", e, l)));
    if (!arch.attn_only) out.push(...MLP.map((e) => slot(`${b}mlp.`, "mlp", e, l)));
  }
  if (ln) out.push(...NORM.map((e) => slot("ln_final.", "ln_final", e)));
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
    d_mlp: cfg.d_mlp ?? 0,
  };
  return paramSlots(cfg.n_layers, cfg).map((s) => ({ ...s, shape: s.dims.map((d) => dim[d]) }));
}

/** The trainable parameters (no buffers), in state-dict order. */
export function trainableParams(cfg: HookedTransformerConfig): ParamSpec[] {
  return paramSchema(cfg).filter((s) => s.kind !== "buffer");
}

/** The record holding parameter `s` in `p` (a block's attention, LayerNorm or MLP, or the top level). */
function holder(p: PackedParams, s: ParamSlot): Record<string, Float32Array> {
  switch (s.owner) {
    case "attn":
      return p.layers[s.layer!] as unknown as Record<string, Float32Array>;
    case "ln1":
    case "ln2":
    case "mlp":
      return (p.layers[s.layer!][s.owner] ??= {} as NormParams & MlpParams) as Record<string, Float32Array>;
    case "ln_final":
      return (p.ln_final ??= {} as NormParams) as Record<string, Float32Array>;
    default:
      return p as unknown as Record<string, Float32Array>;
  }
}

/** The array holding parameter `s` in `p`. */
export function paramArray(p: PackedParams, s: ParamSlot): Float32Array {
  return holder(p, s)[s.name];
}

/** Puts `data` in parameter `s`'s place in `p`. */
export function setParamArray(p: PackedParams, s: ParamSlot, data: Float32Array): void {
  holder(p, s)[s.name] = data;
}

/**
 * The [k, n] shape of a weight the forward pass multiplies by on the right (X · W), in its forward layout;
 * null for biases, LayerNorm parameters and lookup tables. W_Q/W_K/W_V are held as [D, H·Dh], W_O as [H·Dh, D].
 */
export function rhsShape(cfg: HookedTransformerConfig, s: ParamSpec): { k: number; n: number } | null {
  if (s.kind !== "weight" || s.lookup) return null;
  if (s.layout === "heads-in") return { k: cfg.d_model, n: cfg.n_heads * cfg.d_head };
  const n = s.shape[s.shape.length - 1];
  return { k: s.shape.reduce((x, y) => x * y, 1) / n, n };
}

/** Parameters whose arrays `make` gives, one call per trainable parameter in state-dict order. */
export function buildParams(cfg: HookedTransformerConfig, make: (s: ParamSpec) => Float32Array): PackedParams {
  const p = { layers: Array.from({ length: cfg.n_layers }, () => ({}) as BlockParams) } as PackedParams;
  for (const s of trainableParams(cfg)) holder(p, s)[s.name] = make(s);
  return p;
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
    // A LayerNorm weight scatters around 1, as a trained one does, rather than around 0.
    const centre = s.name === "w" ? 1 : 0;
    for (let i = 0; i < data.length; i++) data[i] = centre + rng.normal() * std;
    sd.set(s.key, { dtype: "float32", shape: s.shape, data });
  }
  return sd;
}
