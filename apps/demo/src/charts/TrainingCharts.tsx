import { useMemo } from "react";
import type { PhaseChange } from "@attnscope/core";
import { DEFAULT_THRESHOLD } from "../model/protocol.js";
import { LineChart, type Series } from "./LineChart.js";

/** What the charts need from a progress event (the trainer's TrainProgress, or a training log's evals). */
export interface EvalPoint {
  step: number;
  probe: { lossFirstHalf: number; lossSecondHalf: number };
  inductionScores: number[][];
  prevTokenScores: number[][];
}

export interface TrainingChartsProps {
  /** Training loss per step (index = step − 1). */
  losses: readonly number[];
  evals: readonly EvalPoint[];
  totalSteps: number;
  phase: PhaseChange | null;
  /** Prefix of the charts' test ids. */
  testId: string;
}

/** Exponential moving average, so the noisy per-step loss reads as a curve. */
function smooth(values: readonly number[], alpha = 0.05): [number, number][] {
  const out: [number, number][] = [];
  let m = NaN;
  values.forEach((v, i) => {
    m = Number.isNaN(m) ? v : m + alpha * (v - m);
    out.push([i + 1, m]);
  });
  return out;
}

export const bestScore = (m: number[][]) => Math.max(...m.flat().filter(Number.isFinite));

/** Loss and best head scores over training, with the phase change shaded. */
export function TrainingCharts({ losses, evals, totalSteps, phase, testId }: TrainingChartsProps) {
  const lossSeries: Series[] = useMemo(
    () => [
      { label: "training loss (smoothed)", color: "var(--muted)", points: smooth(losses) },
      {
        label: "probe loss, first half",
        color: "#d55e00",
        points: evals.map((e) => [e.step, e.probe.lossFirstHalf] as const),
        dashed: true,
      },
      {
        label: "probe loss, second half (repeat)",
        color: "#0072b2",
        points: evals.map((e) => [e.step, e.probe.lossSecondHalf] as const),
      },
    ],
    [losses, evals],
  );
  const scoreSeries: Series[] = useMemo(
    () => [
      {
        label: "best induction score",
        color: "#0072b2",
        points: evals.map((e) => [e.step, bestScore(e.inductionScores)] as const),
      },
      {
        label: "best previous-token score",
        color: "#009e73",
        points: evals.map((e) => [e.step, bestScore(e.prevTokenScores)] as const),
        dashed: true,
      },
    ],
    [evals],
  );
  const band = phase ? { from: phase.startStep, to: phase.endStep, label: "phase change" } : undefined;
  return (
    <div style={{ display: "flex", flexWrap: "wrap", gap: 16 }}>
      <LineChart
        title="Loss (nats)"
        xLabel="step"
        xMax={totalSteps}
        series={lossSeries}
        yMin={0}
        band={band}
        testId={`${testId}-loss-chart`}
      />
      <LineChart
        title="Head scores on the repeated-token probe"
        xLabel="step"
        xMax={totalSteps}
        series={scoreSeries}
        yMin={0}
        yMax={1}
        threshold={DEFAULT_THRESHOLD}
        band={band}
        testId={`${testId}-score-chart`}
      />
    </div>
  );
}
