import { describe, expect, it } from "vitest";
import { HookedTransformer, hookNames, SeededRandom } from "../../src/index.js";
import { ATTENTION_HOOKS } from "../../src/components/attention.js";
import { EMBED_HOOKS } from "../../src/components/embed.js";
import { POS_EMBED_HOOKS } from "../../src/components/pos-embed.js";
import { BLOCK_HOOKS_AFTER, BLOCK_HOOKS_BEFORE } from "../../src/components/transformer-block.js";
import type { HookDecl } from "../../src/components/component.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const cfg = smallConfig();
const B = 2;
const T = 6;
const dims: Record<string, number> = {
  batch: B,
  pos: T,
  query_pos: T,
  key_pos: T,
  d_model: cfg.d_model,
  n_heads: cfg.n_heads,
  d_head: cfg.d_head,
};

describe("components declare their hook points", () => {
  it("with the shapes the activations have: every cached tensor matches its component's declaration", async () => {
    const model = new HookedTransformer(cfg, randomStateDict(cfg));
    const r = new SeededRandom(2);
    const batch = Array.from({ length: B }, () => Array.from({ length: T }, () => r.int(0, cfg.d_vocab)));
    const { cache } = await model.runWithCache(batch, { returnType: "none" });
    const declared = new Map<string, HookDecl>();
    for (const d of [...EMBED_HOOKS, ...POS_EMBED_HOOKS]) declared.set(d.name, d);
    for (let l = 0; l < cfg.n_layers; l++) {
      for (const d of [...BLOCK_HOOKS_BEFORE, ...BLOCK_HOOKS_AFTER]) declared.set(`blocks.${l}.${d.name}`, d);
      for (const d of ATTENTION_HOOKS) declared.set(`blocks.${l}.attn.${d.name}`, d);
    }
    expect(cache.keys()).toEqual(model.hookPoints);
    expect(new Set(cache.keys())).toEqual(new Set(declared.keys()));
    for (const [name, t] of cache.entries())
      expect(t.shape, name).toEqual(declared.get(name)!.shape.map((d) => dims[d]));
  });

  it("hookNames lists them in TransformerLens's firing order, hook_result only with use_attn_result", () => {
    expect(hookNames(1, { useAttnResult: false })).toEqual([
      "hook_embed",
      "hook_pos_embed",
      "blocks.0.hook_resid_pre",
      "blocks.0.attn.hook_q",
      "blocks.0.attn.hook_k",
      "blocks.0.attn.hook_v",
      "blocks.0.attn.hook_attn_scores",
      "blocks.0.attn.hook_pattern",
      "blocks.0.attn.hook_z",
      "blocks.0.hook_attn_out",
      "blocks.0.hook_resid_post",
    ]);
    expect(hookNames(1)).toContain("blocks.0.attn.hook_result");
  });
});
