import type { HookedTransformerConfig } from "../config.js";
import type { StateDict, StateDictTensor } from "../weights/state-dict.js";
import { formatShape } from "../tensor.js";
import { WeightsError } from "../weights/errors.js";
import { checkStateDict } from "../weights/check.js";
import { describeNonFinite, findNonFinite } from "./finite.js";

/** One attention block's weights, repacked once at load so each projection is a single matmul. */
export interface LayerWeights {
  /** W_Q as [d_model, n_heads * d_head]: X @ W gives q already in TransformerLens's [pos, head, d_head] layout. */
  W_Q: Float32Array;
  W_K: Float32Array;
  W_V: Float32Array;
  /** b_Q etc. as [n_heads * d_head]. */
  b_Q: Float32Array;
  b_K: Float32Array;
  b_V: Float32Array;
  /** W_O as stored, [n_heads, d_head, d_model] = [n_heads * d_head, d_model] row-major. */
  W_O: Float32Array;
  b_O: Float32Array;
  /** Value written above the causal diagonal of hook_attn_scores: the file's IGNORE buffer, else -inf. */
  IGNORE: number;
}

export interface ModelWeights {
  W_E: Float32Array;
  W_pos: Float32Array;
  W_U: Float32Array;
  b_U: Float32Array;
  layers: LayerWeights[];
}

function floatTensor(sd: StateDict, key: string, expected: number[], source: string): Float32Array {
  const t: StateDictTensor | undefined = sd.get(key);
  if (!t) throw new Error(`${source}: missing key "${key}" (expected shape ${formatShape(expected)})`);
  if (!(t.data instanceof Float32Array))
    throw new Error(`${source}: "${key}" has dtype ${t.dtype}, expected a floating tensor`);
  const ok = t.shape.length === expected.length && t.shape.every((d, i) => d === expected[i]);
  if (!ok) throw new Error(`${source}: "${key}" has shape ${formatShape(t.shape)}, expected ${formatShape(expected)}`);
  return t.data;
}

/** [H, d_model, d_head] → [d_model, H * d_head]. */
function packHeadsIn(w: Float32Array, nHeads: number, dModel: number, dHead: number): Float32Array {
  const out = new Float32Array(w.length);
  const hd = nHeads * dHead;
  for (let h = 0; h < nHeads; h++) {
    for (let m = 0; m < dModel; m++) {
      const src = (h * dModel + m) * dHead;
      const dst = m * hd + h * dHead;
      for (let d = 0; d < dHead; d++) out[dst + d] = w[src + d];
    }
  }
  return out;
}

/** TransformerLens's short name of a state-dict key, for messages: "W_Q of layer 0", "W_E". */
function weightName(key: string): string {
  const m = /^blocks\.(\d+)\.attn\.(\w+)$/.exec(key);
  return m ? `${m[2]} of layer ${m[1]}` : key.slice(key.lastIndexOf(".") + 1);
}

/**
 * Refuse weights holding NaN or ±Infinity (a damaged or diverged checkpoint computes NaN everywhere), naming
 * each tensor, how many and where the first is. The IGNORE and mask buffers are exempt (IGNORE is -inf or -1e5).
 */
export function checkFiniteWeights(sd: StateDict, source = "state dict"): void {
  const problems: string[] = [];
  for (const [key, t] of sd) {
    if (!(t.data instanceof Float32Array) || key.endsWith(".IGNORE") || key.endsWith(".mask")) continue;
    const r = findNonFinite(t.data, t.shape);
    if (r) problems.push(`${source}: ${weightName(key)} (${key}) ${describeNonFinite(r)}`);
  }
  if (problems.length) {
    throw new WeightsError(
      `${problems.join("\n")}\nweights with non-finite values make every output NaN; pass allowNonFinite: true to build the model anyway`,
      source,
      /\((\S+)\)/.exec(problems[0])?.[1],
    );
  }
}

export interface ExtractWeightsOptions {
  /** Build a model whose weights hold NaN or ±Infinity instead of refusing it. @default false */
  allowNonFinite?: boolean;
}

/**
 * Pull the tensors the forward pass needs out of a state dict, after checking it has exactly this config's keys
 * and shapes (unknown keys are refused, as TransformerLens's strict `load_state_dict` does) and finite weights.
 */
export function extractWeights(
  cfg: HookedTransformerConfig,
  sd: StateDict,
  source = "state dict",
  opts: ExtractWeightsOptions = {},
): ModelWeights {
  if (!(sd instanceof Map))
    throw new TypeError(
      `${source}: the state dict must be a Map of key → tensor, got ${sd === null ? "null" : typeof sd}`,
    );
  checkStateDict(sd, cfg, source);
  if (!opts.allowNonFinite) checkFiniteWeights(sd, source);
  const { d_model, d_head, n_heads, n_ctx, d_vocab, d_vocab_out } = cfg;
  const layers: LayerWeights[] = [];
  for (let l = 0; l < cfg.n_layers; l++) {
    const p = `blocks.${l}.attn.`;
    const inShape = [n_heads, d_model, d_head];
    const ignore = sd.get(`${p}IGNORE`);
    let IGNORE = -Infinity;
    if (ignore && ignore.data instanceof Float32Array && ignore.data.length === 1) IGNORE = ignore.data[0];
    layers.push({
      W_Q: packHeadsIn(floatTensor(sd, `${p}W_Q`, inShape, source), n_heads, d_model, d_head),
      W_K: packHeadsIn(floatTensor(sd, `${p}W_K`, inShape, source), n_heads, d_model, d_head),
      W_V: packHeadsIn(floatTensor(sd, `${p}W_V`, inShape, source), n_heads, d_model, d_head),
      b_Q: floatTensor(sd, `${p}b_Q`, [n_heads, d_head], source),
      b_K: floatTensor(sd, `${p}b_K`, [n_heads, d_head], source),
      b_V: floatTensor(sd, `${p}b_V`, [n_heads, d_head], source),
      W_O: floatTensor(sd, `${p}W_O`, [n_heads, d_head, d_model], source),
      b_O: floatTensor(sd, `${p}b_O`, [d_model], source),
      IGNORE,
    });
  }
  return {
    W_E: floatTensor(sd, "embed.W_E", [d_vocab, d_model], source),
    W_pos: floatTensor(sd, "pos_embed.W_pos", [n_ctx, d_model], source),
    W_U: floatTensor(sd, "unembed.W_U", [d_model, d_vocab_out], source),
    b_U: floatTensor(sd, "unembed.b_U", [d_vocab_out], source),
    layers,
  };
}
