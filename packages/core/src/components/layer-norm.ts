/**
 * LayerNorm (TransformerLens `LayerNorm`, with `w` and `b`) and LayerNormPre (its folded form, without):
 * centered = x − mean(x), scale = sqrt(mean(centered²) + eps), normalized = centered / scale (· w + b), with hook
 * points `{prefix}hook_scale` [batch, pos, 1] and `{prefix}hook_normalized` [batch, pos, d_model]; the prefix is
 * `blocks.{l}.ln1.`, `blocks.{l}.ln2.` or `ln_final.`. Row-wise: it computes the run's new rows only.
 *
 * Dimension legend: B batch, T positions, R new rows (T − start), D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import type { NormParams } from "../architecture/params.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery, StagePlan } from "../model/run-plan.js";
import { Tensor } from "../tensor.js";
import { hookTable, prefixed, type Component, type HookDecl } from "./component.js";

export const LAYER_NORM_HOOKS: readonly HookDecl[] = [
  { name: "hook_scale", shape: ["batch", "pos", "1"] },
  { name: "hook_normalized", shape: ["batch", "pos", "d_model"] },
];

type NormHook = "scale" | "normalized";

/** A stage input and output: the final residual stream [B, T, D] in, ln_final's output [B, T, D] out. */
export class LayerNorm implements Component<Tensor, Tensor, null> {
  static hookPoints(prefix: string): string[] {
    return prefixed(prefix, LAYER_NORM_HOOKS);
  }
  readonly hookPoints: readonly string[];
  private readonly hook: Record<NormHook, string>;

  constructor(
    private readonly cfg: HookedTransformerConfig,
    prefix: string,
    /** w and b with normalization_type "LN"; undefined for "LNPre". */
    private readonly params: NormParams | undefined,
  ) {
    this.hookPoints = LayerNorm.hookPoints(prefix);
    this.hook = hookTable<NormHook>(prefix, LAYER_NORM_HOOKS);
  }

  /** The hook points a run observes, which are joined from the previous run when rows are reused. */
  joined(q: PlanQuery): string[] {
    return this.hookPoints.filter((n) => q.wanted(n));
  }

  /** As ln_final, a stage before the unembedding: its output is kept whole (the loss re-reads row start − 1). */
  plan(q: PlanQuery, outputNeeded: boolean): StagePlan<null> | null {
    if (!outputNeeded && !this.hookPoints.some((n) => q.wanted(n))) return null;
    return { detail: null, joined: [...new Set([...this.joined(q), this.hook.normalized])] };
  }

  /** The stage form (ln_final): the whole [B, T, D] output, joined from the previous run's rows. */
  forward(ctx: RunContext, x: Tensor): Tensor {
    const D = this.cfg.d_model;
    const { B, T } = ctx;
    const out = this.rowsNew(ctx, ctx.fresh(x, D));
    if (ctx.wanted(this.hook.normalized)) return new Tensor(ctx.joinRows(this.hook.normalized, D, out), [B, T, D]);
    return ctx.rows(this.hook.normalized, D, out, [B, T, D]);
  }

  /**
   * The new rows [B·R, D] of the output for the new rows `xNew` of the input, firing both hook points when they
   * are observed. A hook that replaces hook_scale changes the output, as it does in TransformerLens.
   */
  rowsNew(ctx: RunContext, xNew: Float32Array): Float32Array {
    const { cfg, hook } = this;
    const D = cfg.d_model;
    const { B, T, NR } = ctx;
    const { w, b } = this.params ?? {};
    const r = ctx.backend.layerNorm(xNew, NR, D, cfg.eps, { w, b, out: ctx.take(NR * D), scaleOut: ctx.take(NR) });
    let normalized = r.normalized;
    const scale = ctx.observedRows(hook.scale, 1, r.scale, [B, T, 1]);
    if (scale !== r.scale && !sameValues(scale, r.scale)) normalized = renormalize(xNew, scale, D, w, b);
    return ctx.observedRows(hook.normalized, D, normalized, [B, T, D]);
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** centered / scale (· w + b) for a scale a hook chose. */
function renormalize(
  x: Float32Array,
  scale: Float32Array,
  d: number,
  w: Float32Array | undefined,
  b: Float32Array | undefined,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < scale.length; r++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += x[r * d + j];
    const mean = sum / d;
    for (let j = 0; j < d; j++) {
      const n = (x[r * d + j] - mean) / scale[r];
      out[r * d + j] = w && b ? n * w[j] + b[j] : n;
    }
  }
  return out;
}
