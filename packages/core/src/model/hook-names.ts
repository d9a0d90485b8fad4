/**
 * TransformerLens hook names of the model, read from the components that declare them, and the
 * `get_act_name` shorthand (`cache.get("pattern", 0)` → `blocks.0.attn.hook_pattern`).
 */
import { ATTENTION_HOOKS } from "../components/attention.js";
import { EMBED_HOOKS, Embed } from "../components/embed.js";
import { POS_EMBED_HOOKS, PosEmbed } from "../components/pos-embed.js";
import { BLOCK_HOOKS_AFTER, BLOCK_HOOKS_BEFORE, TransformerBlock } from "../components/transformer-block.js";
import { Unembed } from "../components/unembed.js";

/** Every hook point of a model with `nLayers` blocks, in the order TransformerLens fires them. */
export function hookNames(nLayers: number, opts: { useAttnResult?: boolean } = {}): string[] {
  const blocks = Array.from({ length: nLayers }, (_, l) =>
    TransformerBlock.hookPoints(l, { use_attn_result: opts.useAttnResult }),
  );
  return [...Embed.hookPoints(), ...PosEmbed.hookPoints(), ...blocks.flat(), ...Unembed.hookPoints()];
}

// Aliases TransformerLens's utils.get_act_name accepts.
const ALIASES: Record<string, string> = {
  attn: "pattern",
  attn_logits: "attn_scores",
  key: "k",
  query: "q",
  value: "v",
};

const shortNames = (names: readonly { name: string }[]) => new Set(names.map((h) => h.name.replace(/^hook_/, "")));
const ATTN_SHORT = shortNames(ATTENTION_HOOKS);
const BLOCK_SHORT = shortNames([...BLOCK_HOOKS_BEFORE, ...BLOCK_HOOKS_AFTER]);
const TOP_SHORT = shortNames([...EMBED_HOOKS, ...POS_EMBED_HOOKS]);

/**
 * TransformerLens's `utils.get_act_name`: `("pattern", 0)` → `"blocks.0.attn.hook_pattern"`,
 * `("resid_pre", 1)` → `"blocks.1.hook_resid_pre"`, `("embed")` → `"hook_embed"`. Full names pass through.
 */
export function getActName(name: string, layer?: number): string {
  if (name.includes(".") || (name.startsWith("hook_") && layer === undefined)) return name;
  const short = ALIASES[name] ?? name.replace(/^hook_/, "");
  if (TOP_SHORT.has(short)) return `hook_${short}`;
  if (layer === undefined) {
    throw new Error(`"${name}" needs a layer, e.g. get("${name}", 0)`);
  }
  if (!Number.isInteger(layer) || layer < 0) throw new Error(`layer must be a non-negative integer, got ${layer}`);
  if (ATTN_SHORT.has(short)) return `blocks.${layer}.attn.hook_${short}`;
  if (BLOCK_SHORT.has(short)) return `blocks.${layer}.hook_${short}`;
  throw new Error(
    `Unknown activation name "${name}" (known: ${[...ATTN_SHORT, ...BLOCK_SHORT, ...TOP_SHORT].join(", ")})`,
  );
}

/** The block a hook point belongs to, as TransformerLens's `HookPoint.layer()`: `blocks.1.attn.hook_z` → 1. */
export function hookLayer(name: string): number {
  const m = /^blocks\.(\d+)\./.exec(name);
  if (!m)
    throw new Error(`Hook point "${name}" is not inside a block, so it has no layer (only blocks.{l}.… hooks do)`);
  return Number(m[1]);
}
