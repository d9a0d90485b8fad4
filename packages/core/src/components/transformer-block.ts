/**
 * One residual block (TransformerLens `TransformerBlock`, attention-only): resid_pre → attention →
 * resid_post = resid_pre + attn_out, with hook points `blocks.{l}.hook_resid_pre`, `hook_attn_out` and
 * `hook_resid_post` around its attention's `blocks.{l}.attn.hook_*`.
 *
 * Dimension legend: B batch, T positions, D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { LayerWeights } from "../model/model-weights.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery, StagePlan } from "../model/run-plan.js";
import { Attention, type AttentionPlan } from "./attention.js";
import { hookTable, prefixed, type Component, type HookDecl } from "./component.js";

const RESID = ["batch", "pos", "d_model"];
/** The block's own hook points: resid_pre before its attention, the other two after it. */
export const BLOCK_HOOKS_BEFORE: readonly HookDecl[] = [{ name: "hook_resid_pre", shape: RESID }];
export const BLOCK_HOOKS_AFTER: readonly HookDecl[] = [
  { name: "hook_attn_out", shape: RESID },
  { name: "hook_resid_post", shape: RESID },
];

export interface BlockPlan extends AttentionPlan {
  /** attn_out is materialised (observed, or summed from per-head results) rather than folded into resid_post. */
  attnOut: boolean;
}

export interface BlockInput {
  resid: Tensor;
  /** Positions for the queries' and keys' input (shortformer), else null. */
  qkAdd: Tensor | null;
}

type BlockHook = "resid_pre" | "attn_out" | "resid_post";

export class TransformerBlock implements Component<BlockInput, Tensor, BlockPlan> {
  static hookPoints(layer: number, cfg: { use_attn_result?: boolean }): string[] {
    const p = `blocks.${layer}.`;
    return [...prefixed(p, BLOCK_HOOKS_BEFORE), ...Attention.hookPoints(layer, cfg), ...prefixed(p, BLOCK_HOOKS_AFTER)];
  }
  readonly hookPoints: readonly string[];
  private readonly hook: Record<BlockHook, string>;
  private readonly attn: Attention;

  constructor(
    private readonly cfg: HookedTransformerConfig,
    layer: number,
    w: LayerWeights,
  ) {
    this.hookPoints = TransformerBlock.hookPoints(layer, cfg);
    this.hook = hookTable<BlockHook>(`blocks.${layer}.`, [...BLOCK_HOOKS_BEFORE, ...BLOCK_HOOKS_AFTER]);
    this.attn = new Attention(cfg, layer, w);
  }

  plan(q: PlanQuery, outputNeeded: boolean): StagePlan<BlockPlan> | null {
    const h = this.hook;
    const attn = this.attn.plan(q, outputNeeded || q.wanted(h.attn_out) || q.wanted(h.resid_post));
    const plan: BlockPlan = { ...attn.plan, attnOut: attn.plan.result || q.wanted(h.attn_out) };
    if (!plan.qk && !plan.v && !q.wanted(h.resid_pre)) return null;
    const joined = [
      h.resid_pre,
      ...attn.joined,
      ...(plan.rest ? [h.resid_post] : []),
      ...(plan.attnOut ? [h.attn_out] : []),
    ];
    return { detail: plan, joined, last: !plan.rest };
  }

  forward(ctx: RunContext, x: BlockInput, plan: BlockPlan): Tensor {
    const D = this.cfg.d_model;
    const { B, T, NR } = ctx;
    const h = this.hook;
    const residPre = ctx.keep(h.resid_pre, ctx.fire(h.resid_pre, x.resid));
    const attn = this.attn.forward(ctx, { resid: residPre, qkAdd: x.qkAdd }, plan);
    if (!attn) return residPre; // the plan ends here: nothing reads this block's output

    let residPost: Float32Array;
    if (plan.attnOut) {
      const attnOutT = ctx.rows(h.attn_out, D, attn.out(), [B, T, D]);
      residPost = addArrays(residPre.data, attnOutT.data);
    } else {
      // Nothing observes attn_out: accumulate z · W_O + b_O straight onto a copy of the new residual rows.
      const rows = ctx.take(NR * D);
      rows.set(ctx.fresh(residPre, D));
      attn.addTo(rows);
      residPost = ctx.joinRows(h.resid_post, D, rows);
    }
    return ctx.keep(h.resid_post, ctx.fire(h.resid_post, new Tensor(residPost, [B, T, D])));
  }
}

export function addArrays(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}
