/**
 * `checkStateDict`: does a state dict hold exactly the keys and shapes a config's architecture needs? Kept apart
 * from the file readers so that building a model from a state dict does not bundle them.
 */
import type { HookedTransformerConfig } from "../config.js";
import { paramSchema, type ParamSpec } from "../architecture/params.js";
import { WeightsError } from "./errors.js";
import type { StateDict } from "./state-dict.js";

/** Every key this architecture's state dict holds, with the symbolic and the concrete shape. */
export function expectedStateDict(cfg: HookedTransformerConfig): ParamSpec[] {
  return paramSchema(cfg);
}

const fmt = (xs: readonly (number | string)[]) => `[${xs.join(", ")}]`;

/**
 * Check that `stateDict` has exactly the keys and shapes `cfg` needs (buffers `mask` and `IGNORE`
 * optional) and that weights are floating point. Throws one WeightsError listing every problem, one per line.
 */
export function checkStateDict(stateDict: StateDict, cfg: HookedTransformerConfig, source = "weights"): void {
  const problems: string[] = [];
  const expected = expectedStateDict(cfg);
  const known = new Set(expected.map((x) => x.key));
  for (const x of expected) {
    const t = stateDict.get(x.key);
    const want = x.dims.length ? `${fmt(x.dims)} = ${fmt(x.shape)}` : "[] (a scalar)";
    if (!t) {
      if (!x.optional) problems.push(`missing key ${x.key}, expected shape ${want}`);
      continue;
    }
    if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) {
      problems.push(`${x.key} has shape ${fmt(t.shape)}, expected ${want}`);
    } else if (x.name !== "mask" && !(t.data instanceof Float32Array)) {
      problems.push(`${x.key} has dtype ${t.dtype}, expected a floating-point tensor`);
    }
  }
  const unknown = [...stateDict.keys()].filter((k) => !known.has(k));
  if (unknown.length) {
    const shown = unknown.slice(0, 8).join(", ") + (unknown.length > 8 ? `, ... (${unknown.length} in all)` : "");
    problems.push(
      `unexpected key${unknown.length > 1 ? "s" : ""} for this config (${cfg.n_layers} layers, attention-only): ${shown}`,
    );
  }
  if (problems.length) {
    const first = problems[0].match(/^(missing key |)([\w.]+)/)?.[2];
    throw new WeightsError(problems.map((p) => `${source}: ${p}`).join("\n"), source, first);
  }
}
