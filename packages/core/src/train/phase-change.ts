import type { TrainProgress } from "./trainer.js";

/** Where the induction bump happened in a training run, read off its progress events. */
export interface PhaseChange {
  /** Last eval step with the best head's induction score below 20 % of the way from its start to its peak. */
  startStep: number;
  /** First eval step at or above 80 % of the way. */
  endStep: number;
  /** Best head's induction score at those steps. */
  scoreBefore: number;
  scoreAfter: number;
  /** The probe's second-half loss at those steps (it falls as induction forms). */
  secondHalfLossBefore: number;
  secondHalfLossAfter: number;
  /** Best head at the end, as "layer.head". */
  head: string;
}

/** The span of steps over which the best induction score rose from 20 % to 80 % of its rise; null if it never rose. */
export function findPhaseChange(evals: readonly TrainProgress[], minRise = 0.2): PhaseChange | null {
  if (evals.length < 2) return null;
  const best = evals.map((e) => Math.max(...e.inductionScores.flat()));
  const lo = best[0];
  const hi = Math.max(...best);
  if (hi - lo < minRise) return null;
  const endIdx = best.findIndex((s) => s >= lo + 0.8 * (hi - lo));
  let startIdx = 0;
  for (let i = endIdx; i >= 0; i--) {
    if (best[i] <= lo + 0.2 * (hi - lo)) {
      startIdx = i;
      break;
    }
  }
  const last = evals[evals.length - 1].inductionScores;
  let head = "";
  let max = -Infinity;
  last.forEach((row, l) =>
    row.forEach((s, h) => {
      if (s > max) {
        max = s;
        head = `${l}.${h}`;
      }
    }),
  );
  return {
    startStep: evals[startIdx].step,
    endStep: evals[endIdx].step,
    scoreBefore: best[startIdx],
    scoreAfter: best[endIdx],
    secondHalfLossBefore: evals[startIdx].probe.lossSecondHalf,
    secondHalfLossAfter: evals[endIdx].probe.lossSecondHalf,
    head,
  };
}
