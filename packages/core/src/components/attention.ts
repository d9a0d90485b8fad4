/**
 * Causal multi-head attention (TransformerLens `Attention`): q, k, v projections, scores, the pattern, z and
 * the output projection, with hook points `blocks.{l}.attn.hook_*`. Work is only done for what a run observes
 * (see `plan`); the heavy products run on the backend over all B·R new rows at once, attention per sequence.
 *
 * Dimension legend: B batch, T positions, R new rows (T − start), H n_heads, Dh d_head, D d_model.
 */
import type { HookedTransformerConfig } from "../config.js";
import type { LayerWeights } from "../model/model-weights.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery } from "../model/run-plan.js";
import { hookTable, prefixed, type HookDecl } from "./component.js";

const ROWS_HEADS = ["batch", "pos", "n_heads", "d_head"];
const PAIRS = ["batch", "n_heads", "query_pos", "key_pos"];

/** Hook points inside `blocks.{l}.attn`, in the order they fire. */
export const ATTENTION_HOOKS: readonly HookDecl[] = [
  { name: "hook_q", shape: ROWS_HEADS },
  { name: "hook_k", shape: ROWS_HEADS },
  { name: "hook_v", shape: ROWS_HEADS },
  { name: "hook_attn_scores", shape: PAIRS },
  { name: "hook_pattern", shape: PAIRS },
  { name: "hook_z", shape: ROWS_HEADS },
  { name: "hook_result", shape: ["batch", "pos", "n_heads", "d_model"] },
];

type AttnHook = "q" | "k" | "v" | "attn_scores" | "pattern" | "z" | "result";

/** What one layer's attention computes in a run; decided up front from what is hooked, cached and returned. */
export interface AttentionPlan {
  qk: boolean;
  v: boolean;
  /** Raw scores (hooked or cached, or the backend has no fused pattern). */
  scores: boolean;
  pattern: boolean;
  /** z and the output projection (everything after the attention pattern). */
  rest: boolean;
  /** Per-head results (hook_result), summed into attn_out. */
  result: boolean;
}

export interface AttentionInput {
  /** The new rows [B·R, D] of the layer's input: the residual stream, or ln1's output when it has LayerNorm. */
  residNew: Float32Array;
  /** Added to the queries' and keys' input (shortformer positions), new rows [B·R, D]; null for none. */
  qkAddNew: Float32Array | null;
}

/** z's output projection, in the form the block needs it. */
export interface AttentionOutput {
  /** The new rows of attn_out = Σ_h z_h · W_O[h] + b_O, [B·R, D]. */
  out(): Float32Array;
  /** Adds z · W_O + b_O onto `rows` [B·R, D] in place, without materialising attn_out. */
  addTo(rows: Float32Array): void;
}

export class Attention {
  /** Full hook names of layer `layer`'s attention (hook_result only with use_attn_result, unless unknown). */
  static hookPoints(layer: number, cfg: { use_attn_result?: boolean }): string[] {
    return prefixed(
      `blocks.${layer}.attn.`,
      ATTENTION_HOOKS.filter((h) => h.name !== "hook_result" || cfg.use_attn_result !== false),
    );
  }
  /** Layer `layer`'s `hook_pattern`, the one activation detectors and patterns-only engines read. */
  static patternHook(layer: number): string {
    return hookTable<AttnHook>(`blocks.${layer}.attn.`, ATTENTION_HOOKS).pattern;
  }
  readonly hookPoints: readonly string[];
  private readonly hook: Record<AttnHook, string>;
  /** Divisor of q·k: attn_scale, times l + 1 with scale_attn_by_inverse_layer_idx. */
  private readonly scale: number;

  constructor(
    private readonly cfg: HookedTransformerConfig,
    layer: number,
    private readonly w: LayerWeights,
  ) {
    this.hookPoints = Attention.hookPoints(layer, cfg);
    this.hook = hookTable<AttnHook>(`blocks.${layer}.attn.`, ATTENTION_HOOKS);
    // GPT-2's scale_attn_by_inverse_layer_idx divides layer l's scores by l + 1 as well.
    this.scale = cfg.attn_scale * (cfg.scale_attn_by_inverse_layer_idx ? layer + 1 : 1);
  }

  /**
   * Work only for what is observed: a layer whose output nothing reads stops after its pattern (skipping
   * values, z and W_O), and one whose pattern nothing reads computes z with the backend's fused attention,
   * never holding [H, T, T]. `outputNeeded`: something reads attn_out or later activations.
   */
  plan(q: PlanQuery, outputNeeded: boolean): { plan: AttentionPlan; joined: string[] } {
    const a = (h: AttnHook) => q.wanted(this.hook[h]);
    const rest = outputNeeded || a("z") || a("result");
    const pattern = a("pattern") || a("attn_scores") || (rest && !q.backend.attention);
    const scores = a("attn_scores") || (pattern && !q.backend.attnPattern);
    const plan: AttentionPlan = {
      qk: pattern || rest || a("q") || a("k"),
      v: rest || a("v"),
      scores,
      pattern,
      rest,
      result: rest && this.cfg.use_attn_result && a("result"),
    };
    const h = this.hook;
    const joined = [
      ...(plan.qk ? [h.q, h.k] : []),
      ...(plan.v ? [h.v] : []),
      ...(plan.scores ? [h.attn_scores] : []),
      ...(plan.pattern ? [h.pattern] : []),
      ...(plan.rest ? [h.z] : []),
      ...(plan.result ? [h.result] : []),
    ];
    return { plan, joined };
  }

  /** Fires the attention's hook points; null when the plan stops after the pattern. */
  forward(ctx: RunContext, x: AttentionInput, lp: AttentionPlan): AttentionOutput | null {
    const { cfg, w: lw } = this;
    const be = ctx.backend;
    const { d_model: D, n_heads: H, d_head: Dh } = cfg;
    const { B, T, start, R, NR } = ctx;
    const HD = H * Dh;
    const hk = this.hook;
    const residNew = x.residNew;
    // Shortformer: queries and keys read (resid + pos), which the backend forms while staging the product.
    const addA = x.qkAddNew ?? undefined;

    const project = (wt: Float32Array, bias: Float32Array, add?: Float32Array) =>
      be.matmul(residNew, wt, NR, D, HD, { bias, addA: add, out: ctx.take(NR * HD) });
    const q = lp.qk ? ctx.rows(hk.q, HD, project(lw.W_Q, lw.b_Q, addA), [B, T, H, Dh]) : null;
    const k = lp.qk ? ctx.rows(hk.k, HD, project(lw.W_K, lw.b_K, addA), [B, T, H, Dh]) : null;
    const v = lp.v ? ctx.rows(hk.v, HD, project(lw.W_V, lw.b_V), [B, T, H, Dh]) : null;

    const qOf = (b: number) => q!.data.subarray((b * T + start) * HD, (b + 1) * T * HD);
    const kOf = (b: number) => k!.data.subarray(b * T * HD, (b + 1) * T * HD);
    const vOf = (b: number) => v!.data.subarray(b * T * HD, (b + 1) * T * HD);
    const zOf = (b: number, z: Float32Array) => z.subarray(b * R * HD, (b + 1) * R * HD);
    const attnNew = (b: number, arr: Float32Array) => arr.subarray(b * H * R * T, (b + 1) * H * R * T);
    /** Rows [start, T) of a full [B, H, T, T] attention tensor, as [B, H, R, T]. */
    const attnRowsOf = (full: Float32Array): Float32Array => {
      if (start === 0) return full;
      const out = new Float32Array(H * R * T);
      for (let h = 0; h < H; h++) out.set(full.subarray((h * T + start) * T, (h + 1) * T * T), h * R * T);
      return out;
    };

    let patternRows: Float32Array | null = null;
    if (lp.pattern) {
      let patternNew: Float32Array;
      if (lp.scores) {
        const scores = new Float32Array(B * H * R * T);
        for (let b = 0; b < B; b++)
          be.attnScores(qOf(b), kOf(b), R, T, H, Dh, this.scale, lw.IGNORE, attnNew(b, scores));
        const scoresT = ctx.attention(hk.attn_scores, H, scores, lw.IGNORE);
        const scoresNew = attnRowsOf(scoresT.data);
        patternNew = new Float32Array(B * H * R * T);
        for (let b = 0; b < B; b++) be.causalSoftmax(attnNew(b, scoresNew), H, R, T, attnNew(b, patternNew));
      } else {
        patternNew = new Float32Array(B * H * R * T);
        for (let b = 0; b < B; b++) be.attnPattern!(qOf(b), kOf(b), R, T, H, Dh, this.scale, attnNew(b, patternNew));
      }
      patternRows = attnRowsOf(ctx.attention(hk.pattern, H, patternNew, 0).data);
    }
    if (!lp.rest) return null; // nothing downstream of this layer's attention is needed

    const z = ctx.take(NR * HD);
    for (let b = 0; b < B; b++) {
      if (patternRows) be.patternValue(attnNew(b, patternRows), vOf(b), R, T, H, Dh, zOf(b, z));
      else be.attention!(qOf(b), kOf(b), vOf(b), R, T, H, Dh, this.scale, zOf(b, z)); // the [H, T, T] pattern is never held
    }
    const zNew = ctx.fresh(ctx.rows(hk.z, HD, z, [B, T, H, Dh]), HD);
    ctx.done(q?.data, k?.data, v?.data); // the next layer's projections take them

    return {
      out: () => {
        if (!lp.result) return be.matmul(zNew, lw.W_O, NR, HD, D, { bias: lw.b_O }); // Σ_h z_h · W_O[h] is one matmul over the concatenated heads
        const resultT = ctx.rows(hk.result, H * D, be.headResults(zNew, lw.W_O, NR, H, Dh, D), [B, T, H, D]);
        return sumHeads(ctx.fresh(resultT, H * D), NR, H, D, lw.b_O);
      },
      addTo: (rows) => {
        be.matmul(zNew, lw.W_O, NR, HD, D, { bias: lw.b_O, accumulate: true, out: rows });
      },
    };
  }
}

/** attn_out[n] = Σ_h result[n, h] + b_O, as TransformerLens does with use_attn_result. */
function sumHeads(result: Float32Array, n: number, h: number, d: number, bias: Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let m = 0; m < d; m++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += result[(i * h + j) * d + m];
      out[o + m] = s + bias[m];
    }
  }
  return out;
}
