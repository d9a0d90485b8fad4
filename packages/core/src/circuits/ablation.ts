/**
 * Ablations on repeated random tokens (ARENA's `get_ablation_scores` and `ablation_induction_score`).
 *
 * Dimension legend: B batch, T = 2·S + 1 positions (BOS + S tokens + the same S again), L layers, H heads,
 * Dh d_head.
 */
import type { HookedTransformer } from "../model/hooked-transformer.js";
import { Tensor } from "../tensor.js";
import { validateTokenBatch } from "../tokenizer/tokens.js";
import { diagonalMean } from "../detectors/attn-detectors.js";
import { formatHead, parseHead, type HeadRef } from "./heads.js";
import { getActName } from "../model/hook-names.js";

export type AblationMode = "zero" | "mean";

export interface AblationScores {
  mode: AblationMode;
  /** Mean loss on the last S − 1 predictions without ablation. */
  lossClean: number;
  /** [L, H]: ablated loss − clean loss. */
  scores: Tensor;
}

/** A batch as rows, with one sequence accepted too. */
function asBatch(tokens: readonly number[] | readonly (readonly number[])[]): number[][] {
  if (tokens.length > 0 && typeof tokens[0] === "number") return [[...(tokens as readonly number[])]];
  return (tokens as readonly (readonly number[])[]).map((r) => [...r]);
}

/**
 * Check that every row is BOS + S tokens + the same S tokens (what the ablation scores are defined on) and
 * return S. The error names the row and the first position where the copy differs.
 */
export function repeatedSeqLen(batch: readonly (readonly number[])[], what = "tokens"): number {
  if (batch.length === 0) throw new RangeError(`${what}: give at least one repeated sequence`);
  const T = batch[0].length;
  if (T < 5 || T % 2 !== 1) {
    throw new RangeError(
      `${what} must be repeated sequences, BOS + S tokens + the same S tokens (odd length ≥ 5), got length ${T}`,
    );
  }
  const S = (T - 1) / 2;
  batch.forEach((row, b) => {
    if (row.length !== T) throw new RangeError(`${what}: row ${b} has ${row.length} tokens, row 0 has ${T}`);
    for (let i = 1; i <= S; i++) {
      if (row[i] !== row[i + S]) {
        throw new RangeError(
          `${what} row ${b} is not a repeated sequence (BOS + S tokens + the same S tokens, S = ${S}): position ${i} holds ${row[i]} but its copy at position ${i + S} holds ${row[i + S]}`,
        );
      }
    }
  });
  return S;
}

/** A hook on hook_z [B, T, H, Dh] replacing head `h` by zeros or by its mean over the batch. */
function ablateZ(h: number, mode: AblationMode) {
  return (z: Tensor): Tensor => {
    const [B, T, H, Dh] = z.shape;
    const out = z.clone();
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < Dh; d++) {
        let mean = 0;
        if (mode === "mean") {
          for (let b = 0; b < B; b++) mean += z.data[((b * T + t) * H + h) * Dh + d];
          mean /= B;
        }
        for (let b = 0; b < B; b++) out.data[((b * T + t) * H + h) * Dh + d] = mean;
      }
    }
    return out;
  };
}

/**
 * ARENA `get_ablation_scores`: for every head, ablate its output at `blocks.l.attn.hook_z` (zero it, or with
 * `mode: "mean"` replace it by its mean over the batch) and report the mean loss on the last S − 1 predicted
 * positions (the second copy, which induction predicts) minus the clean loss. Only those rows are unembedded:
 * the last resid_post, or with LayerNorm ln_final's output (hook_normalized). `tokens` are repeated
 * sequences (BOS + S tokens + the same S); anything else is refused.
 */
export async function ablationScores(
  model: HookedTransformer,
  tokens: readonly number[] | readonly (readonly number[])[],
  opts: { mode?: AblationMode; onProgress?: (done: number, total: number) => void } = {},
): Promise<AblationScores> {
  const mode = opts.mode ?? "zero";
  if (mode !== "zero" && mode !== "mean")
    throw new RangeError(`ablation mode must be "zero" or "mean", got ${JSON.stringify(mode)}`);
  const batch = asBatch(tokens);
  validateTokenBatch(batch, model.cfg.d_vocab, model.cfg.n_ctx);
  const S = repeatedSeqLen(batch);
  const { n_layers: L, n_heads: H } = model.cfg;
  // Only the last S − 1 predictions count: capture the final residual stream and unembed just those rows.
  const { d_model: D, d_vocab_out: V } = model.cfg;
  const B = batch.length;
  const T = 2 * S + 1;
  const n = S - 1;
  const targets = new Int32Array(B * n);
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) targets[b * n + i] = batch[b][T - n + i];
  const W_U = model.W_U.data;
  const b_U = model.b_U.data;
  // The unembedding's input: the last resid_post, or ln_final's output (hook_normalized, after w and b).
  const norm = model.cfg.normalization_type === "LN" || model.cfg.normalization_type === "LNPre";
  const run = async (hooks: [string, (z: Tensor) => Tensor][]) => {
    const rows = new Float32Array(B * n * D);
    const capture = (x: Tensor) => {
      for (let b = 0; b < B; b++) rows.set(x.data.subarray((b * T + T - 1 - n) * D, (b * T + T - 1) * D), b * n * D);
    };
    await model.runWithHooks(batch, {
      returnType: "none",
      fwdHooks: [...hooks, [norm ? getActName("normalized") : getActName("resid_post", L - 1), capture]],
    });
    const { logsumexp, targetLogits } = model.backend.unembedStats(rows, W_U, b_U, B * n, D, V, targets);
    let s = 0;
    for (let i = 0; i < B * n; i++) s += logsumexp[i] - targetLogits[i];
    return s / (B * n);
  };
  const lossClean = await run([]);
  const scores = new Float32Array(L * H);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      scores[l * H + h] = (await run([[getActName("z", l), ablateZ(h, mode)]])) - lossClean;
      opts.onProgress?.(l * H + h + 1, L * H);
    }
  }
  return { mode, lossClean, scores: new Tensor(scores, [L, H]) };
}

/**
 * ARENA `ablation_induction_score`: zero the values (`hook_v`) of head `ablated` (none when null), then the
 * induction score of `inductionHead`: the mean of its pattern's diagonal at offset −(S − 1), averaged over the
 * sequences given (ARENA reads the first sequence of its batch: pass that one alone to match it).
 */
export async function ablationInductionScore(
  model: HookedTransformer,
  tokens: readonly number[] | readonly (readonly number[])[],
  ablated: HeadRef | null,
  inductionHead: HeadRef,
): Promise<number> {
  const batch = asBatch(tokens);
  validateTokenBatch(batch, model.cfg.d_vocab, model.cfg.n_ctx);
  const S = repeatedSeqLen(batch);
  const ind = parseHead(inductionHead, model.cfg, "induction head");
  const hooks: [string, (t: Tensor) => Tensor | void][] = [];
  if (ablated !== null) {
    const prev = parseHead(ablated, model.cfg, "ablated head");
    if (prev.layer >= ind.layer) {
      throw new RangeError(
        `the ablated head ${formatHead(prev)} must be in an earlier layer than the induction head ${formatHead(ind)}: its values cannot reach that head's pattern otherwise`,
      );
    }
    hooks.push([
      getActName("v", prev.layer),
      (v: Tensor) => {
        const [B, T, H, Dh] = v.shape;
        const out = v.clone();
        for (let r = 0; r < B * T; r++) out.data.fill(0, (r * H + prev.head) * Dh, (r * H + prev.head + 1) * Dh);
        return out;
      },
    ]);
  }
  let score = NaN;
  hooks.push([
    getActName("pattern", ind.layer),
    (p: Tensor) => {
      let s = 0;
      for (let b = 0; b < p.shape[0]; b++) s += diagonalMean(p.index(b, ind.head), -(S - 1));
      score = s / p.shape[0];
    },
  ]);
  await model.runWithHooks(batch, { returnType: "none", fwdHooks: hooks });
  return score;
}
