/**
 * One residual block (TransformerLens `TransformerBlock`):
 * - attention-only: resid_pre → (ln1 →) attention → resid_post = resid_pre + attn_out;
 * - with an MLP: resid_pre → (ln1 →) attention → resid_mid = resid_pre + attn_out → (ln2 →) mlp →
 *   resid_post = resid_mid + mlp_out,
 * with hook points `blocks.{l}.hook_resid_pre`, `ln1.hook_scale` / `hook_normalized`, its attention's
 * `blocks.{l}.attn.hook_*`, `hook_attn_out`, `hook_resid_mid`, `ln2.*`, `mlp.hook_pre` / `hook_post`,
 * `hook_mlp_out` and `hook_resid_post`, in TransformerLens's firing order. The LayerNorms exist when
 * normalization_type is "LN" or "LNPre"; shortformer positions are added to ln1's output for queries and keys.
 *
 * Dimension legend: B batch, T positions, R new rows (T − start), D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { LayerWeights } from "../model/model-weights.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery, StagePlan } from "../model/run-plan.js";
import { Attention, type AttentionPlan } from "./attention.js";
import { hookTable, prefixed, type Component, type HookDecl } from "./component.js";
import { LayerNorm } from "./layer-norm.js";
import { Mlp } from "./mlp.js";

const RESID = ["batch", "pos", "d_model"];
/** The block's own hook points: resid_pre before its attention, attn_out after it, resid_post last. */
export const BLOCK_HOOKS_BEFORE: readonly HookDecl[] = [{ name: "hook_resid_pre", shape: RESID }];
export const BLOCK_HOOKS_AFTER: readonly HookDecl[] = [
  { name: "hook_attn_out", shape: RESID },
  { name: "hook_resid_post", shape: RESID },
];
/** The hook points only a block with an MLP fires: resid_mid between attention and MLP, mlp_out after it. */
export const BLOCK_HOOKS_MLP: readonly HookDecl[] = [
  { name: "hook_resid_mid", shape: RESID },
  { name: "hook_mlp_out", shape: RESID },
];

export interface BlockPlan extends AttentionPlan {
  /** attn_out is materialised (observed, or summed from per-head results) rather than folded into the residual. */
  attnOut: boolean;
}

export interface BlockInput {
  resid: Tensor;
  /** Positions for the queries' and keys' input (shortformer), else null. */
  qkAdd: Tensor | null;
}

type BlockHook = "resid_pre" | "attn_out" | "resid_post" | "resid_mid" | "mlp_out";

/** The architecture choices a block's hook points depend on. */
type BlockShape = Pick<HookedTransformerConfig, "use_attn_result" | "normalization_type" | "attn_only">;

export class TransformerBlock implements Component<BlockInput, Tensor, BlockPlan> {
  static hookPoints(layer: number, cfg: Partial<BlockShape>): string[] {
    const p = `blocks.${layer}.`;
    const norm = cfg.normalization_type === "LN" || cfg.normalization_type === "LNPre";
    const [attnOut, residPost] = prefixed(p, BLOCK_HOOKS_AFTER);
    const [residMid, mlpOut] = prefixed(p, BLOCK_HOOKS_MLP);
    const names = [
      ...prefixed(p, BLOCK_HOOKS_BEFORE),
      ...(norm ? LayerNorm.hookPoints(`${p}ln1.`) : []),
      ...Attention.hookPoints(layer, cfg),
      attnOut,
    ];
    if (cfg.attn_only === false) {
      names.push(residMid, ...(norm ? LayerNorm.hookPoints(`${p}ln2.`) : []), ...Mlp.hookPoints(layer), mlpOut);
    }
    names.push(residPost);
    return names;
  }
  readonly hookPoints: readonly string[];
  private readonly hook: Record<BlockHook, string>;
  private readonly attn: Attention;
  private readonly ln1: LayerNorm | null;
  private readonly ln2: LayerNorm | null;
  private readonly mlp: Mlp | null;
  /** Hook points of the MLP half (resid_mid … mlp_out): observing one means computing the whole block. */
  private readonly mlpHalf: readonly string[];

  constructor(
    private readonly cfg: HookedTransformerConfig,
    layer: number,
    w: LayerWeights,
  ) {
    const p = `blocks.${layer}.`;
    this.hookPoints = TransformerBlock.hookPoints(layer, cfg);
    this.hook = hookTable<BlockHook>(p, [...BLOCK_HOOKS_BEFORE, ...BLOCK_HOOKS_AFTER, ...BLOCK_HOOKS_MLP]);
    this.attn = new Attention(cfg, layer, w);
    const norm = cfg.normalization_type === "LN" || cfg.normalization_type === "LNPre";
    this.ln1 = norm ? new LayerNorm(cfg, `${p}ln1.`, w.ln1) : null;
    this.ln2 = norm && !cfg.attn_only ? new LayerNorm(cfg, `${p}ln2.`, w.ln2) : null;
    this.mlp = cfg.attn_only ? null : new Mlp(cfg, layer, w.mlp!);
    this.mlpHalf = this.mlp
      ? [this.hook.resid_mid, ...(this.ln2?.hookPoints ?? []), ...this.mlp.hookPoints, this.hook.mlp_out]
      : [];
  }

  plan(q: PlanQuery, outputNeeded: boolean): StagePlan<BlockPlan> | null {
    const h = this.hook;
    const later = outputNeeded || q.wanted(h.resid_post) || this.mlpHalf.some((n) => q.wanted(n));
    const attn = this.attn.plan(q, later || q.wanted(h.attn_out));
    const plan: BlockPlan = { ...attn.plan, attnOut: attn.plan.result || q.wanted(h.attn_out) };
    const ln1Joined = this.ln1?.joined(q) ?? [];
    if (!plan.qk && !plan.v && !q.wanted(h.resid_pre) && !ln1Joined.length) return null;
    const joined = [
      h.resid_pre,
      ...ln1Joined,
      ...attn.joined,
      ...(plan.rest ? [h.resid_post] : []),
      ...(plan.attnOut ? [h.attn_out] : []),
      ...(plan.rest ? this.mlpHalf.filter((n) => q.wanted(n)) : []),
    ];
    return { detail: plan, joined, last: !plan.rest };
  }

  forward(ctx: RunContext, x: BlockInput, plan: BlockPlan): Tensor {
    const D = this.cfg.d_model;
    const { B, T, NR } = ctx;
    const h = this.hook;
    const residPre = ctx.keep(h.resid_pre, ctx.fire(h.resid_pre, x.resid));
    const residPreNew = ctx.fresh(residPre, D);
    const attnIn = this.ln1 ? this.ln1.rowsNew(ctx, residPreNew) : residPreNew;
    const attn = this.attn.forward(ctx, { residNew: attnIn, qkAddNew: x.qkAdd ? ctx.fresh(x.qkAdd, D) : null }, plan);
    if (!attn) return residPre; // the plan ends here: nothing reads this block's output
    if (attnIn !== residPreNew) ctx.done(attnIn); // ln1's rows: read by q, k, v only

    // New rows of resid_pre + attn_out (resid_post of an attention-only block, resid_mid of one with an MLP).
    let rows: Float32Array;
    if (plan.attnOut) {
      const attnOutT = ctx.rows(h.attn_out, D, attn.out(), [B, T, D]);
      rows = addArrays(residPreNew, ctx.fresh(attnOutT, D), ctx.take(NR * D));
    } else {
      // Nothing observes attn_out: accumulate z · W_O + b_O straight onto a copy of the new residual rows.
      rows = ctx.take(NR * D);
      rows.set(residPreNew);
      attn.addTo(rows);
    }
    if (this.mlp) {
      const mid = ctx.observedRows(h.resid_mid, D, rows, [B, T, D]);
      const mlpIn = this.ln2 ? this.ln2.rowsNew(ctx, mid) : mid;
      const mlpOutRows = this.mlp.forward(ctx, mlpIn);
      const mlpOut = ctx.observedRows(h.mlp_out, D, mlpOutRows, [B, T, D]);
      const midRows = rows;
      rows = addArrays(mid, mlpOut, ctx.take(NR * D));
      ctx.done(midRows, mlpIn === mid ? null : mlpIn, mlpOutRows);
    }
    return ctx.rows(h.resid_post, D, rows, [B, T, D]);
  }
}

/** a + b elementwise, into `out` when given. */
export function addArrays(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array = new Float32Array(a.length),
): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}
