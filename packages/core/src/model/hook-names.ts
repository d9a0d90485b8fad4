/**
 * TransformerLens hook names for attention-only models, and the `get_act_name` shorthand
 * (`cache.get("pattern", 0)` → `blocks.0.attn.hook_pattern`).
 */

/** Hook points inside `blocks.{l}.attn`, in the order they fire. */
export const ATTN_HOOKS = [
  "hook_q",
  "hook_k",
  "hook_v",
  "hook_attn_scores",
  "hook_pattern",
  "hook_z",
  "hook_result",
] as const;

/** Every hook point of an attention-only model with `nLayers` blocks, in the order TransformerLens fires them. */
export function hookNames(nLayers: number, opts: { useAttnResult?: boolean } = {}): string[] {
  const names = ["hook_embed", "hook_pos_embed"];
  for (let l = 0; l < nLayers; l++) {
    names.push(`blocks.${l}.hook_resid_pre`);
    for (const h of ATTN_HOOKS) {
      if (h === "hook_result" && opts.useAttnResult === false) continue;
      names.push(`blocks.${l}.attn.${h}`);
    }
    names.push(`blocks.${l}.hook_attn_out`, `blocks.${l}.hook_resid_post`);
  }
  return names;
}

// Aliases TransformerLens's utils.get_act_name accepts.
const ALIASES: Record<string, string> = {
  attn: "pattern",
  attn_logits: "attn_scores",
  key: "k",
  query: "q",
  value: "v",
};

const ATTN_SHORT = new Set(["q", "k", "v", "z", "result", "pattern", "attn_scores"]);
const BLOCK_SHORT = new Set(["resid_pre", "resid_post", "attn_out"]);

/**
 * TransformerLens's `utils.get_act_name`: `("pattern", 0)` → `"blocks.0.attn.hook_pattern"`,
 * `("resid_pre", 1)` → `"blocks.1.hook_resid_pre"`, `("embed")` → `"hook_embed"`. Full names pass through.
 */
export function getActName(name: string, layer?: number): string {
  if (name.includes(".") || (name.startsWith("hook_") && layer === undefined)) return name;
  const short = ALIASES[name] ?? name.replace(/^hook_/, "");
  if (short === "embed" || short === "pos_embed") return `hook_${short}`;
  if (layer === undefined) {
    throw new Error(`"${name}" needs a layer, e.g. get("${name}", 0)`);
  }
  if (!Number.isInteger(layer) || layer < 0) throw new Error(`layer must be a non-negative integer, got ${layer}`);
  if (ATTN_SHORT.has(short)) return `blocks.${layer}.attn.hook_${short}`;
  if (BLOCK_SHORT.has(short)) return `blocks.${layer}.hook_${short}`;
  throw new Error(
    `Unknown activation name "${name}" (known: ${[...ATTN_SHORT, ...BLOCK_SHORT, "embed", "pos_embed"].join(", ")})`,
  );
}

/** The block a hook point belongs to, as TransformerLens's `HookPoint.layer()`: `blocks.1.attn.hook_z` → 1. */
export function hookLayer(name: string): number {
  const m = /^blocks\.(\d+)\./.exec(name);
  if (!m)
    throw new Error(`Hook point "${name}" is not inside a block, so it has no layer (only blocks.{l}.… hooks do)`);
  return Number(m[1]);
}
