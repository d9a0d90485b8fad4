import type { HookedTransformerConfig } from "../config.js";
import type { StateDict, StateDictTensor } from "../weights/state-dict.js";
import { formatShape } from "../tensor.js";
import { WeightsError } from "../weights/errors.js";
import { checkStateDict } from "../weights/check.js";
import { describeNonFinite, findNonFinite } from "./finite.js";
import {
  buildParams,
  paramArray,
  paramSchema,
  toPacked,
  trainableParams,
  type BlockParams,
  type PackedParams,
  type ParamSpec,
} from "../architecture/params.js";

/** One block's weights in the forward pass's layout (see `ParamSpec.layout`). */
export interface LayerWeights extends BlockParams {
  /** Value written above the causal diagonal of hook_attn_scores: the file's IGNORE buffer, else -inf. */
  IGNORE: number;
}

export interface ModelWeights extends PackedParams {
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

/** TransformerLens's short name of a state-dict key, for messages: "W_Q of layer 0", "W_E". */
function weightName(key: string): string {
  const m = /^blocks\.(\d+)\.(\w+)\.(\w+)$/.exec(key);
  if (m) return m[2] === "attn" ? `${m[3]} of layer ${m[1]}` : `${m[2]}.${m[3]} of layer ${m[1]}`;
  return key.startsWith("ln_final.") ? key : key.slice(key.lastIndexOf(".") + 1);
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
  /**
   * Called with each parameter's array as soon as it is extracted; what it returns takes the array's place
   * (a backend's stand-in once the backend holds the weight, so the array can be dropped right away).
   */
  take?: (s: ParamSpec, data: Float32Array) => Float32Array;
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
  const take = opts.take ?? ((_, data) => data);
  const w = buildParams(cfg, (s) => take(s, toPacked(cfg, s, floatTensor(sd, s.key, s.shape, source)))) as ModelWeights;
  for (const s of paramSchema(cfg)) {
    if (s.name !== "IGNORE") continue;
    const ignore = sd.get(s.key);
    const value =
      ignore && ignore.data instanceof Float32Array && ignore.data.length === 1 ? ignore.data[0] : -Infinity;
    w.layers[s.layer!].IGNORE = value;
  }
  return w;
}

/** The arrays a backend receives as operands on every run (for `Backend.markWeights`). */
export function operandWeights(cfg: HookedTransformerConfig, w: ModelWeights): Float32Array[] {
  return trainableParams(cfg)
    .filter((s) => !s.lookup)
    .map((s) => paramArray(w, s));
}
