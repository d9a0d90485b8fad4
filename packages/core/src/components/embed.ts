/**
 * Token embedding: row `id` of W_E for every token (TransformerLens `Embed`, hook `hook_embed`).
 *
 * Dimension legend: B batch, T positions, D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { RunContext } from "../model/run-context.js";
import type { StagePlan } from "../model/run-plan.js";
import { hookTable, prefixed, type Component, type HookDecl } from "./component.js";

export const EMBED_HOOKS: readonly HookDecl[] = [{ name: "hook_embed", shape: ["batch", "pos", "d_model"] }];

export class Embed implements Component<Int32Array[], Tensor, null> {
  static hookPoints(): string[] {
    return prefixed("", EMBED_HOOKS);
  }
  readonly hookPoints = Embed.hookPoints();
  private readonly hook = hookTable<"embed">("", EMBED_HOOKS);

  constructor(
    private readonly cfg: HookedTransformerConfig,
    /** [d_vocab, d_model] */
    private readonly W_E: Float32Array,
  ) {}

  plan(): StagePlan<null> {
    return { detail: null, joined: [this.hook.embed] };
  }

  /** [B, T, D]; only rows [start, T) are looked up, the rest come from the previous run. */
  forward(ctx: RunContext, batch: Int32Array[]): Tensor {
    const { B, T, start, R } = ctx;
    const D = this.cfg.d_model;
    const embed = ctx.take(ctx.NR * D);
    for (let b = 0; b < B; b++) {
      for (let t = start; t < T; t++) {
        const id = batch[b][t];
        embed.set(this.W_E.subarray(id * D, id * D + D), (b * R + t - start) * D);
      }
    }
    return ctx.rows(this.hook.embed, D, embed, [B, T, D]);
  }
}
