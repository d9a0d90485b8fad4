/**
 * Unembedding (TransformerLens `Unembed`): logits = x · W_U + b_U from the final residual stream (these models
 * have no final LayerNorm), or only the per-token loss, from log-sum-exp statistics that never hold [T, V].
 * Rows before `start` come from the previous run when it computed them.
 *
 * Dimension legend: B batch, T positions, D d_model, V d_vocab_out.
 */
import type { HookedTransformerConfig } from "../config.js";
import { Tensor } from "../tensor.js";
import type { RunContext } from "../model/run-context.js";
import type { StagePlan } from "../model/run-plan.js";
import { lossFromLogits } from "../model/loss.js";
import type { Component, HookDecl } from "./component.js";

/** TransformerLens's unembed fires no hook point. */
export const UNEMBED_HOOKS: readonly HookDecl[] = [];

/** What the run returns, as TransformerLens's `return_type`. */
export type ReturnType = "logits" | "loss" | "both" | "none";

export interface UnembedInput {
  /** Final residual stream [B, T, D]. */
  resid: Tensor;
  batch: Int32Array[];
  returnType: ReturnType;
}

export interface UnembedOutput {
  /** [B, T, V] */
  logits: Tensor | null;
  /** Per-token loss [B, T − 1]. */
  loss: Tensor | null;
}

// What an incremental run takes from the previous one (not hook points: nothing observes them).
const LOGSUMEXP = "unembed.logsumexp";
const TARGET = "unembed.target";
const LOGITS = "unembed.logits";

export class Unembed implements Component<UnembedInput, UnembedOutput, null> {
  static hookPoints(): string[] {
    return [];
  }
  readonly hookPoints = Unembed.hookPoints();

  constructor(
    private readonly cfg: HookedTransformerConfig,
    /** W_U [d_model, d_vocab_out] and b_U [d_vocab_out], read on each run (the model may swap their arrays). */
    private readonly w: { readonly W_U: Float32Array; readonly b_U: Float32Array },
  ) {}

  plan(): StagePlan<null> {
    // Its own rows are joined when the previous run kept them, recomputed otherwise: nothing to require.
    return { detail: null, joined: [] };
  }

  forward(ctx: RunContext, { resid, batch, returnType }: UnembedInput): UnembedOutput {
    if (returnType === "none") return { logits: null, loss: null };
    const { d_model: D, d_vocab_out: V } = this.cfg;
    const x = resid.data;
    const { B, T, start } = ctx;
    if (returnType === "loss") {
      const prevLse = ctx.previous(LOGSUMEXP);
      const prevTgt = ctx.previous(TARGET);
      // Row start-1 gains a target when tokens are appended, so it is recomputed too.
      const s0 = prevLse && prevTgt ? Math.max(0, start - 1) : 0;
      const R = T - s0;
      const targets = new Int32Array(B * R).fill(-1);
      for (let b = 0; b < B; b++) for (let t = s0; t + 1 < T; t++) targets[b * R + t - s0] = batch[b][t + 1];
      const rows = s0 === 0 ? x : x.subarray(s0 * D);
      const stats = ctx.backend.unembedStats(rows, this.w.W_U, this.w.b_U, B * R, D, V, targets);
      const lse = ctx.remember(LOGSUMEXP, ctx.joinRowsFrom(prevLse, s0, 1, stats.logsumexp));
      const tgt = ctx.remember(TARGET, ctx.joinRowsFrom(prevTgt, s0, 1, stats.targetLogits));
      const loss = new Float32Array(B * (T - 1));
      for (let b = 0; b < B; b++)
        for (let t = 0; t + 1 < T; t++) loss[b * (T - 1) + t] = lse[b * T + t] - tgt[b * T + t];
      return { logits: null, loss: new Tensor(loss, [B, T - 1]) };
    }
    const prevLogits = ctx.previous(LOGITS);
    const s0 = prevLogits ? start : 0;
    const fresh = ctx.backend.matmul(s0 === 0 ? x : x.subarray(s0 * D), this.w.W_U, B * (T - s0), D, V, {
      bias: this.w.b_U,
    });
    const logits = ctx.remember(LOGITS, ctx.joinRowsFrom(prevLogits, s0, V, fresh));
    return {
      logits: new Tensor(logits, [B, T, V]),
      loss: returnType === "both" ? lossFromLogits(logits, batch, V) : null,
    };
  }
}
