/**
 * Learned positional embedding: rows 0..T−1 of W_pos for every sequence (TransformerLens `PosEmbed`, hook
 * `hook_pos_embed`). With shortformer positions it feeds the queries' and keys' inputs only, never the residual.
 *
 * Dimension legend: B batch, T positions, D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { RunContext } from "../model/run-context.js";
import type { StagePlan } from "../model/run-plan.js";
import { hookTable, prefixed, type Component, type HookDecl } from "./component.js";

export const POS_EMBED_HOOKS: readonly HookDecl[] = [{ name: "hook_pos_embed", shape: ["batch", "pos", "d_model"] }];

export class PosEmbed implements Component<null, Tensor, null> {
  static hookPoints(): string[] {
    return prefixed("", POS_EMBED_HOOKS);
  }
  readonly hookPoints = PosEmbed.hookPoints();
  private readonly hook = hookTable<"pos_embed">("", POS_EMBED_HOOKS);

  constructor(
    private readonly cfg: HookedTransformerConfig,
    /** [n_ctx, d_model] */
    private readonly W_pos: Float32Array,
  ) {}

  plan(): StagePlan<null> {
    return { detail: null, joined: [] };
  }

  /** [B, T, D]. A single sequence whose positions nothing observes reads W_pos in place; hooks and the cache get a copy. */
  forward(ctx: RunContext): Tensor {
    const { B, T } = ctx;
    const D = this.cfg.d_model;
    const posRows = this.W_pos.subarray(0, T * D);
    if (B === 1 && !ctx.wanted(this.hook.pos_embed)) return new Tensor(posRows, [B, T, D]);
    return ctx.fire(this.hook.pos_embed, new Tensor(tileRows(posRows, B), [B, T, D]));
  }
}

function tileRows(block: Float32Array, times: number): Float32Array {
  const out = new Float32Array(block.length * times);
  for (let i = 0; i < times; i++) out.set(block, i * block.length);
  return out;
}
