/**
 * TransformerLens hook names of the model, read from the components that declare them, and the
 * `get_act_name` shorthand (`cache.get("pattern", 0)` → `blocks.0.attn.hook_pattern`).
 */
import { ATTENTION_HOOKS } from "../components/attention.js";
import { EMBED_HOOKS, Embed } from "../components/embed.js";
import { POS_EMBED_HOOKS, PosEmbed } from "../components/pos-embed.js";
import {
  BLOCK_HOOKS_AFTER,
  BLOCK_HOOKS_BEFORE,
  BLOCK_HOOKS_MLP,
  TransformerBlock,
} from "../components/transformer-block.js";
import { LAYER_NORM_HOOKS, LayerNorm } from "../components/layer-norm.js";
import { MLP_HOOKS } from "../components/mlp.js";
import { Unembed } from "../components/unembed.js";

export interface HookNamesOptions {
  useAttnResult?: boolean;
  /** "LN" or "LNPre": the LayerNorms' hook points too. @default null */
  normalizationType?: "LN" | "LNPre" | null;
  /** false: blocks with MLPs (resid_mid, mlp.*, mlp_out). @default true */
  attnOnly?: boolean;
}

/** Every hook point of a model with `nLayers` blocks, in the order TransformerLens fires them. */
export function hookNames(nLayers: number, opts: HookNamesOptions = {}): string[] {
  const shape = {
    use_attn_result: opts.useAttnResult,
    normalization_type: opts.normalizationType ?? null,
    attn_only: opts.attnOnly ?? true,
  };
  const blocks = Array.from({ length: nLayers }, (_, l) => TransformerBlock.hookPoints(l, shape));
  const lnFinal = shape.normalization_type ? LayerNorm.hookPoints("ln_final.") : [];
  return [...Embed.hookPoints(), ...PosEmbed.hookPoints(), ...blocks.flat(), ...lnFinal, ...Unembed.hookPoints()];
}

// Aliases TransformerLens's utils.get_act_name accepts.
const ALIASES: Record<string, string> = {
  attn: "pattern",
  attn_logits: "attn_scores",
  key: "k",
  query: "q",
  value: "v",
  mlp_pre: "pre",
  mlp_post: "post",
  mlp_mid: "mid",
};
// TransformerLens's layer_type aliases.
const LAYER_TYPES: Record<string, string> = { a: "attn", attention: "attn", m: "mlp", b: "", block: "", blocks: "" };

const shortNames = (names: readonly { name: string }[]) => new Set(names.map((h) => h.name.replace(/^hook_/, "")));
const ATTN_SHORT = shortNames(ATTENTION_HOOKS);
const BLOCK_SHORT = shortNames([...BLOCK_HOOKS_BEFORE, ...BLOCK_HOOKS_AFTER, ...BLOCK_HOOKS_MLP]);
// "mid" is SoLU's hook_mid, which TransformerLens also names; these models never fire it.
const MLP_SHORT = new Set([...shortNames(MLP_HOOKS), "mid"]);
const NORM_SHORT = shortNames(LAYER_NORM_HOOKS);
const TOP_SHORT = shortNames([...EMBED_HOOKS, ...POS_EMBED_HOOKS]);

/**
 * TransformerLens's `utils.get_act_name`: `("pattern", 0)` → `"blocks.0.attn.hook_pattern"`,
 * `("resid_pre", 1)` → `"blocks.1.hook_resid_pre"`, `("pre", 0)` → `"blocks.0.mlp.hook_pre"`,
 * `("scale", 0, "ln1")` → `"blocks.0.ln1.hook_scale"`, `("normalized")` → `"ln_final.hook_normalized"`,
 * `("embed")` → `"hook_embed"`; combined names too (`"k6"`, `"scale4ln1"`, `"pre5"`). Full names pass through.
 */
export function getActName(name: string, layer?: number, layerType?: string): string {
  if (name.includes(".") || (name.startsWith("hook_") && layer === undefined && layerType === undefined)) return name;
  const combined = layer === undefined ? /^([a-z]+)(\d+)([a-z]?.*)$/.exec(name) : null;
  if (combined) {
    name = combined[1];
    layer = Number(combined[2]);
    layerType = combined[3] || layerType;
  }
  const short = ALIASES[name] ?? name.replace(/^hook_/, "");
  if (TOP_SHORT.has(short)) return `hook_${short}`;
  if (NORM_SHORT.has(short) && layer === undefined) return `ln_final.hook_${short}`;
  if (layer === undefined) {
    throw new Error(`"${name}" needs a layer, e.g. get("${name}", 0)`);
  }
  if (!Number.isInteger(layer) || layer < 0) throw new Error(`layer must be a non-negative integer, got ${layer}`);
  if (ATTN_SHORT.has(short)) return `blocks.${layer}.attn.hook_${short}`;
  if (MLP_SHORT.has(short)) return `blocks.${layer}.mlp.hook_${short}`;
  if (NORM_SHORT.has(short)) {
    const type = layerType === undefined ? undefined : (LAYER_TYPES[layerType] ?? layerType);
    if (type !== "ln1" && type !== "ln2")
      throw new Error(`"${name}" of layer ${layer} needs the LayerNorm: get("${name}", ${layer}, "ln1") or "ln2"`);
    return `blocks.${layer}.${type}.hook_${short}`;
  }
  if (BLOCK_SHORT.has(short)) return `blocks.${layer}.hook_${short}`;
  throw new Error(
    `Unknown activation name "${name}" (known: ${[...ATTN_SHORT, ...BLOCK_SHORT, ...MLP_SHORT, ...NORM_SHORT, ...TOP_SHORT].join(", ")})`,
  );
}

/** The block a hook point belongs to, as TransformerLens's `HookPoint.layer()`: `blocks.1.attn.hook_z` → 1. */
export function hookLayer(name: string): number {
  const m = /^blocks\.(\d+)\./.exec(name);
  if (!m)
    throw new Error(`Hook point "${name}" is not inside a block, so it has no layer (only blocks.{l}.… hooks do)`);
  return Number(m[1]);
}
