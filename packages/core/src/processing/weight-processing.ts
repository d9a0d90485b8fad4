/**
 * TransformerLens's weight processing, as `HookedTransformer.from_pretrained` applies it by default, as pure
 * functions of a state dict: `foldLayerNorm` (fold_ln), `centerWritingWeights`, `centerUnembed` and
 * `foldValueBiases`. None changes the model's log-probabilities; they make weights easier to read (no
 * LayerNorm scale and bias to carry, no component writing a constant to the residual stream or the logits).
 *
 * Dimensions: V = d_vocab, C = n_ctx, D = d_model, H = n_heads, Dh = d_head, M = d_mlp.
 *
 * Each function returns a new state dict (tensors it changes are new arrays; the others are shared) and never
 * modifies its input, whose float32 tensors may be views into a weight file. Sums run in float64.
 */
import type { HookedTransformerConfig, NormalizationType } from "../config.js";
import { WeightsError } from "../weights/errors.js";
import type { StateDict } from "../weights/state-dict.js";

/** TransformerLens's processing flags (`from_pretrained` keyword arguments), all true by default there. */
export interface WeightProcessingFlags {
  fold_ln: boolean;
  center_writing_weights: boolean;
  center_unembed: boolean;
  fold_value_biases: boolean;
}

/**
 * `"default"`: what `from_pretrained` does (every flag true); `"none"`: the weights as stored
 * (`from_pretrained_no_processing`); or flags, where a missing flag keeps its default (true).
 */
export type WeightProcessing = "default" | "none" | Partial<WeightProcessingFlags>;

export const DEFAULT_PROCESSING: Readonly<WeightProcessingFlags> = Object.freeze({
  fold_ln: true,
  center_writing_weights: true,
  center_unembed: true,
  fold_value_biases: true,
});

const NO_PROCESSING: Readonly<WeightProcessingFlags> = Object.freeze({
  fold_ln: false,
  center_writing_weights: false,
  center_unembed: false,
  fold_value_biases: false,
});

/** The config fields processing reads. */
export type ProcessingConfig = Pick<
  HookedTransformerConfig,
  "n_layers" | "d_model" | "n_heads" | "d_head" | "attn_only" | "normalization_type" | "positional_embedding_type"
>;

export interface ProcessedWeights {
  stateDict: StateDict;
  /** The normalization the processed weights need: "LNPre" once a LayerNorm is folded, else unchanged. */
  normalization_type: NormalizationType;
  /** The flags actually applied (a shortformer model skips three, a model without LayerNorm skips two). */
  applied: WeightProcessingFlags;
  /** Why a requested step was skipped, in TransformerLens's words. */
  notes: string[];
}

/** The flags a `processing` option stands for; anything else is refused, naming it. */
export function processingFlags(processing: WeightProcessing = "default"): WeightProcessingFlags {
  if (processing === "default") return { ...DEFAULT_PROCESSING };
  if (processing === "none") return { ...NO_PROCESSING };
  if (processing === null || typeof processing !== "object" || Array.isArray(processing)) {
    throw new TypeError(
      `processing must be "default", "none" or an object of flags, got ${JSON.stringify(processing)}`,
    );
  }
  const flags = { ...DEFAULT_PROCESSING };
  for (const [k, v] of Object.entries(processing)) {
    if (!(k in DEFAULT_PROCESSING))
      throw new TypeError(`processing: unknown flag "${k}" (known: ${Object.keys(DEFAULT_PROCESSING).join(", ")})`);
    if (typeof v !== "boolean")
      throw new TypeError(`processing: flag "${k}" must be a boolean, got ${JSON.stringify(v)}`);
    flags[k as keyof WeightProcessingFlags] = v;
  }
  return flags;
}

/**
 * TransformerLens's `load_and_process_state_dict`: fold_ln, center_writing_weights, center_unembed,
 * fold_value_biases, in that order, with its rules for skipping: a shortformer model skips the first three
 * (its positions enter only queries and keys, so centering and folding would change what it computes), fold_ln
 * needs LayerNorm ("LN"; "LNPre" weights are already folded) and center_writing_weights needs LN or LNPre.
 */
export function processWeights(
  stateDict: StateDict,
  cfg: ProcessingConfig,
  processing: WeightProcessing = "default",
  source = "state dict",
): ProcessedWeights {
  const want = processingFlags(processing);
  const applied = { ...NO_PROCESSING };
  const notes: string[] = [];
  if (cfg.positional_embedding_type === "shortformer") {
    for (const f of ["fold_ln", "center_writing_weights", "center_unembed"] as const) {
      if (want[f])
        notes.push(
          `${f} was requested for a shortformer model, but this can't be done (TransformerLens sets it to false)`,
        );
      want[f] = false;
    }
  }
  let sd = stateDict;
  let normalization_type = cfg.normalization_type;
  if (want.fold_ln) {
    if (normalization_type === "LN") {
      sd = foldLayerNorm(sd, cfg, source);
      normalization_type = "LNPre";
      applied.fold_ln = true;
    } else {
      notes.push(
        normalization_type === "LNPre"
          ? "fold_ln: the LayerNorm weights are already folded (normalization_type LNPre); skipped"
          : "fold_ln: the model does not use LayerNorm, so there is nothing to fold; skipped",
      );
    }
  }
  if (want.center_writing_weights) {
    if (normalization_type === "LN" || normalization_type === "LNPre") {
      sd = centerWritingWeights(sd, cfg, source);
      applied.center_writing_weights = true;
    } else {
      notes.push(
        "center_writing_weights: the model does not use LayerNorm, so the writing weights can't be centered; skipped",
      );
    }
  }
  if (want.center_unembed) {
    sd = centerUnembed(sd, source);
    applied.center_unembed = true;
  }
  if (want.fold_value_biases) {
    sd = foldValueBiases(sd, cfg, source);
    applied.fold_value_biases = true;
  }
  return { stateDict: sd, normalization_type, applied, notes };
}

/**
 * Fold each LayerNorm's w and b into the weights that read its output (ln1 → W_Q/W_K/W_V and their biases, ln2
 * → W_in and b_in, ln_final → W_U and b_U), then centre those weights along d_model, since LayerNormPre's output
 * has mean 0 (TransformerLens's `fold_layer_norm` with fold_biases and center_weights). Removes the ln keys.
 */
export function foldLayerNorm(stateDict: StateDict, cfg: ProcessingConfig, source = "state dict"): StateDict {
  const sd = new Map(stateDict);
  const w = weights(sd, source);
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  for (let l = 0; l < cfg.n_layers; l++) {
    const b = `blocks.${l}.`;
    const lnW = w.get(`${b}ln1.w`, [D]);
    const lnB = w.get(`${b}ln1.b`, [D]);
    for (const x of ["Q", "K", "V"]) {
      const W = w.copy(`${b}attn.W_${x}`, [H, D, Dh]);
      const bias = w.copy(`${b}attn.b_${x}`, [H, Dh]);
      // b += Σ_m W[h, m, :] · ln.b[m]   (with W before it is scaled)
      for (let h = 0; h < H; h++) addRowCombination(bias, h * Dh, W, h * D * Dh, lnB, D, Dh);
      for (let h = 0; h < H; h++) scaleRowsAndCenter(W, h * D * Dh, lnW, D, Dh);
    }
    sd.delete(`${b}ln1.w`);
    sd.delete(`${b}ln1.b`);
    if (!cfg.attn_only) {
      const ln2W = w.get(`${b}ln2.w`, [D]);
      const ln2B = w.get(`${b}ln2.b`, [D]);
      const Win = w.copy(`${b}mlp.W_in`, [D, -1]);
      const M = Win.length / D;
      const bIn = w.copy(`${b}mlp.b_in`, [M]);
      addRowCombination(bIn, 0, Win, 0, ln2B, D, M);
      scaleRowsAndCenter(Win, 0, ln2W, D, M);
      sd.delete(`${b}ln2.w`);
      sd.delete(`${b}ln2.b`);
    }
  }
  const lnW = w.get("ln_final.w", [D]);
  const lnB = w.get("ln_final.b", [D]);
  const WU = w.copy("unembed.W_U", [D, -1]);
  const V = WU.length / D;
  const bU = w.copy("unembed.b_U", [V]);
  addRowCombination(bU, 0, WU, 0, lnB, D, V);
  scaleRowsAndCenter(WU, 0, lnW, D, V);
  sd.delete("ln_final.w");
  sd.delete("ln_final.b");
  return sd;
}

/**
 * Subtract, from every weight writing to the residual stream (W_E, W_pos, W_O, b_O, W_out, b_out), its mean
 * along d_model: LayerNorm removes that component anyway (TransformerLens's `center_writing_weights`).
 */
export function centerWritingWeights(stateDict: StateDict, cfg: ProcessingConfig, source = "state dict"): StateDict {
  const sd = new Map(stateDict);
  const w = weights(sd, source);
  const D = cfg.d_model;
  centerLastAxis(w.copy("embed.W_E", [-1, D]), D);
  centerLastAxis(w.copy("pos_embed.W_pos", [-1, D]), D);
  for (let l = 0; l < cfg.n_layers; l++) {
    const b = `blocks.${l}.`;
    centerLastAxis(w.copy(`${b}attn.W_O`, [cfg.n_heads, cfg.d_head, D]), D);
    centerLastAxis(w.copy(`${b}attn.b_O`, [D]), D);
    if (!cfg.attn_only) {
      centerLastAxis(w.copy(`${b}mlp.W_out`, [-1, D]), D);
      centerLastAxis(w.copy(`${b}mlp.b_out`, [D]), D);
    }
  }
  return sd;
}

/**
 * Subtract from W_U each row's mean over the vocabulary and from b_U its mean: every logit moves by the same
 * amount, so log-probabilities are unchanged (TransformerLens's `center_unembed`).
 */
export function centerUnembed(stateDict: StateDict, source = "state dict"): StateDict {
  const sd = new Map(stateDict);
  const w = weights(sd, source);
  const bU = w.copy("unembed.b_U", [-1]);
  const V = bU.length;
  centerLastAxis(w.copy("unembed.W_U", [-1, V]), V);
  centerLastAxis(bU, V);
  return sd;
}

/**
 * Move the value biases into the output bias: b_O += Σ_h b_V[h] · W_O[h], b_V = 0. Attention patterns sum to 1,
 * so a head's value bias adds the same vector at every position (TransformerLens's `fold_value_biases`).
 */
export function foldValueBiases(stateDict: StateDict, cfg: ProcessingConfig, source = "state dict"): StateDict {
  const sd = new Map(stateDict);
  const w = weights(sd, source);
  const { d_model: D, n_heads: H, d_head: Dh } = cfg;
  for (let l = 0; l < cfg.n_layers; l++) {
    const b = `blocks.${l}.attn.`;
    const bV = w.get(`${b}b_V`, [H, Dh]);
    const WO = w.get(`${b}W_O`, [H, Dh, D]);
    const bO = w.copy(`${b}b_O`, [D]);
    addRowCombination(bO, 0, WO, 0, bV, H * Dh, D);
    sd.set(`${b}b_V`, { dtype: "float32", shape: [H, Dh], data: new Float32Array(H * Dh) });
  }
  return sd;
}

// ---- helpers ----------------------------------------------------------------------------------------

/** out[o + j] += Σ_r W[w0 + r·n + j] · coef[r] for r < rows, j < n (a bias gaining a combination of W's rows). */
function addRowCombination(
  out: Float32Array,
  o: number,
  W: Float32Array,
  w0: number,
  coef: Float32Array,
  rows: number,
  n: number,
): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const c = coef[r];
    if (c === 0) continue;
    const base = w0 + r * n;
    for (let j = 0; j < n; j++) acc[j] += W[base + j] * c;
  }
  for (let j = 0; j < n; j++) out[o + j] += acc[j];
}

/** W[w0 + r·n + j] *= scale[r], then each column j loses its mean over r (rows × n block at w0). */
function scaleRowsAndCenter(W: Float32Array, w0: number, scale: Float32Array, rows: number, n: number): void {
  const mean = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = w0 + r * n;
    const s = scale[r];
    for (let j = 0; j < n; j++) {
      const v = Math.fround(W[base + j] * s);
      W[base + j] = v;
      mean[j] += v;
    }
  }
  for (let j = 0; j < n; j++) mean[j] /= rows;
  for (let r = 0; r < rows; r++) {
    const base = w0 + r * n;
    for (let j = 0; j < n; j++) W[base + j] -= mean[j];
  }
}

/** Each run of n consecutive values (a row of the last axis) loses its mean. */
function centerLastAxis(a: Float32Array, n: number): void {
  for (let o = 0; o < a.length; o += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[o + j];
    const mean = s / n;
    for (let j = 0; j < n; j++) a[o + j] -= mean;
  }
}

/**
 * Reads float32 tensors of a state dict being processed, checking shapes (-1 = any length): `get` returns the
 * stored array (not to be modified), `copy` puts a copy in the state dict and returns it for in-place updates.
 */
function weights(sd: StateDict, source: string) {
  const copied = new Set<string>();
  const get = (key: string, shape: number[]): Float32Array => {
    const t = sd.get(key);
    const want = `[${shape.map((d) => (d < 0 ? "*" : d)).join(", ")}]`;
    if (!t) throw new WeightsError(`${source}: missing key ${key}, expected shape ${want}`, source, key);
    const ok = t.shape.length === shape.length && t.shape.every((d, i) => shape[i] < 0 || d === shape[i]);
    if (!ok)
      throw new WeightsError(`${source}: ${key} has shape [${t.shape.join(", ")}], expected ${want}`, source, key);
    if (!(t.data instanceof Float32Array))
      throw new WeightsError(`${source}: ${key} has dtype ${t.dtype}, expected a floating-point tensor`, source, key);
    return t.data;
  };
  const copy = (key: string, shape: number[]): Float32Array => {
    const data = get(key, shape);
    if (copied.has(key)) return data;
    const fresh = data.slice();
    sd.set(key, { dtype: "float32", shape: sd.get(key)!.shape.slice(), data: fresh });
    copied.add(key);
    return fresh;
  };
  return { get, copy };
}
