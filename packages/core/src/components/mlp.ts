/**
 * The MLP of a block (TransformerLens `MLP`): pre = x · W_in + b_in (`blocks.{l}.mlp.hook_pre`),
 * post = act_fn(pre) (`hook_post`), out = post · W_out + b_out. Row-wise: it computes the run's new rows only,
 * and joins a hook point's earlier rows only when a hook or the cache observes it.
 *
 * Dimension legend: B batch, T positions, R new rows (T − start), D d_model, M d_mlp.
 */
import type { HookedTransformerConfig } from "../config.js";
import type { MlpParams } from "../architecture/params.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery } from "../model/run-plan.js";
import { hookTable, prefixed, type HookDecl } from "./component.js";

const ROWS_MLP = ["batch", "pos", "d_mlp"];
export const MLP_HOOKS: readonly HookDecl[] = [
  { name: "hook_pre", shape: ROWS_MLP },
  { name: "hook_post", shape: ROWS_MLP },
];

export class Mlp {
  static hookPoints(layer: number): string[] {
    return prefixed(`blocks.${layer}.mlp.`, MLP_HOOKS);
  }
  readonly hookPoints: readonly string[];
  private readonly hook: Record<"pre" | "post", string>;

  constructor(
    private readonly cfg: HookedTransformerConfig,
    layer: number,
    private readonly w: MlpParams,
  ) {
    this.hookPoints = Mlp.hookPoints(layer);
    this.hook = hookTable<"pre" | "post">(`blocks.${layer}.mlp.`, MLP_HOOKS);
  }

  joined(q: PlanQuery): string[] {
    return this.hookPoints.filter((n) => q.wanted(n));
  }

  /** The new rows [B·R, D] of the MLP's output for the new rows `xNew` [B·R, D] of its input. */
  forward(ctx: RunContext, xNew: Float32Array): Float32Array {
    const { cfg, w, hook } = this;
    const be = ctx.backend;
    const D = cfg.d_model;
    const M = cfg.d_mlp!;
    const { B, T, NR } = ctx;
    const preRows = be.matmul(xNew, w.W_in, NR, D, M, { bias: w.b_in, out: ctx.take(NR * M) });
    const pre = ctx.observedRows(hook.pre, M, preRows, [B, T, M]);
    const postRows = be.activation(pre, cfg.act_fn!, ctx.take(NR * M));
    const post = ctx.observedRows(hook.post, M, postRows, [B, T, M]);
    const out = be.matmul(post, w.W_out, NR, M, D, { bias: w.b_out, out: ctx.take(NR * D) });
    ctx.done(preRows, postRows); // the next layer's MLP takes them
    return out;
  }
}
