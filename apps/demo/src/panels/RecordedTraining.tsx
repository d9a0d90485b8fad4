import { TrainingCharts } from "../charts/TrainingCharts.js";
import type { RecordedTrainingLog } from "../model/protocol.js";
import * as s from "../styles.js";

/** The embedded default model's own training, replayed from its log: the same phase change, recorded. */
export function RecordedTraining({ log }: { log: RecordedTrainingLog }) {
  const p = log.phaseChange;
  return (
    <details open style={{ marginTop: 16 }} data-testid="recorded-training">
      <summary style={{ cursor: "pointer", fontWeight: 600 }}>How the embedded default model learned its heads</summary>
      <p style={{ ...s.muted, margin: "6px 0" }}>
        Recorded when it was trained on {log.corpus}, {log.losses.length} steps in {Math.round(log.elapsedMs / 1000)} s:{" "}
        <code style={{ ...s.mono, overflowWrap: "anywhere" }}>{log.command}</code>
      </p>
      <TrainingCharts
        losses={log.losses}
        evals={log.evals}
        totalSteps={log.losses.length}
        phase={p}
        testId="recorded"
      />
      {p && (
        <p style={s.muted}>
          Induction head {p.head} formed between steps {p.startStep} and {p.endStep}: the best induction score rose from{" "}
          {p.scoreBefore.toFixed(2)} to {p.scoreAfter.toFixed(2)} while the loss on the repeat fell from{" "}
          {p.secondHalfLossBefore.toFixed(2)} to {p.secondHalfLossAfter.toFixed(2)} nats.
        </p>
      )}
    </details>
  );
}
