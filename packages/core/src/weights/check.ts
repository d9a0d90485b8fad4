/**
 * `checkStateDict`: does a state dict hold exactly the keys and shapes a config's architecture needs? Kept apart
 * from the file readers so that building a model from a state dict does not bundle them.
 */
import type { HookedTransformerConfig } from "../config.js";
import { WeightsError } from "./errors.js";
import type { StateDict } from "./state-dict.js";

interface Expected {
  key: string;
  dims: string[];
  shape: number[];
  optional?: boolean;
}

/** Every key this architecture's state dict holds, with the symbolic and the concrete shape. */
export function expectedStateDict(cfg: HookedTransformerConfig): Expected[] {
  const dim: Record<string, number> = {
    d_vocab: cfg.d_vocab,
    d_model: cfg.d_model,
    n_ctx: cfg.n_ctx,
    n_heads: cfg.n_heads,
    d_head: cfg.d_head,
    d_vocab_out: cfg.d_vocab_out,
  };
  const e = (key: string, dims: string[], optional = false): Expected => ({
    key,
    dims,
    shape: dims.map((d) => dim[d]),
    optional,
  });
  const out: Expected[] = [e("embed.W_E", ["d_vocab", "d_model"]), e("pos_embed.W_pos", ["n_ctx", "d_model"])];
  for (let l = 0; l < cfg.n_layers; l++) {
    const p = `blocks.${l}.attn.`;
    out.push(
      e(`${p}W_Q`, ["n_heads", "d_model", "d_head"]),
      e(`${p}W_K`, ["n_heads", "d_model", "d_head"]),
      e(`${p}W_V`, ["n_heads", "d_model", "d_head"]),
      e(`${p}W_O`, ["n_heads", "d_head", "d_model"]),
      e(`${p}b_Q`, ["n_heads", "d_head"]),
      e(`${p}b_K`, ["n_heads", "d_head"]),
      e(`${p}b_V`, ["n_heads", "d_head"]),
      e(`${p}b_O`, ["d_model"]),
      // Buffers TransformerLens saves with the weights; the model can rebuild them.
      e(`${p}mask`, ["n_ctx", "n_ctx"], true),
      e(`${p}IGNORE`, [], true),
    );
  }
  out.push(e("unembed.W_U", ["d_model", "d_vocab_out"]), e("unembed.b_U", ["d_vocab_out"]));
  return out;
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
    } else if (!x.key.endsWith(".mask") && !(t.data instanceof Float32Array)) {
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
