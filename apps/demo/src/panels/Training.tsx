import { memo, useMemo } from "react";
import { findPhaseChange } from "@attnscope/core";
import { HeadScoreGrid } from "@attnscope/react";
import { bestScore, TrainingCharts } from "../charts/TrainingCharts.js";
import { DEFAULT_THRESHOLD, type ModelChoice, type ModelInfo } from "../model/protocol.js";
import { TINY_TRAINING } from "../training/settings.js";
import { useTraining } from "../training/use-training.js";
import * as s from "../styles.js";
import { RecordedTraining } from "./RecordedTraining.js";

/** Trains a tiny model in a second worker and plots loss and induction score as they change. */
export const Training = memo(function Training({
  recorded,
  onOpenTrained,
}: {
  recorded?: ModelInfo["trainingLog"];
  onOpenTrained?: (choice: ModelChoice) => void;
}) {
  const t = useTraining();
  const cfg = TINY_TRAINING.config;
  const total = TINY_TRAINING.steps;
  const last = t.evals.at(-1);

  // The core's reading of the run: where the best induction score rose from 20 % to 80 % of its rise.
  const phase = useMemo(() => (t.evals.length > 2 ? findPhaseChange(t.evals) : null), [t.evals]);

  const running = t.state === "running" || t.state === "starting";
  const rate = last && last.elapsedMs > 0 ? (last.step / last.elapsedMs) * 1000 : null;
  return (
    <section style={s.panel} aria-label="Watch induction heads form" data-testid="training-panel" id="training">
      <h2 style={s.panelTitle}>Watch induction heads form</h2>
      <p style={s.lede}>
        A tiny model ({cfg.n_layers} layers × {cfg.n_heads} heads, d_model {cfg.d_model}, {cfg.d_vocab} token ids)
        trains from scratch in a second worker on segments of random tokens that repeat. For a while it can only guess;
        then a previous-token head in layer 0 and an induction head in layer 1 appear together, and the loss on the
        repeated half drops suddenly: the phase change of "In-context learning and induction heads".
      </p>
      <div style={{ ...s.row, alignItems: "center", marginBottom: 8 }}>
        <button
          type="button"
          style={s.button}
          onClick={() => t.start(TINY_TRAINING)}
          disabled={running}
          data-testid="train-start"
        >
          {t.state === "idle" ? "Start training" : "Restart"}
        </button>
        <button type="button" style={s.button} onClick={t.stop} disabled={!running} data-testid="train-stop">
          Stop
        </button>
        <button
          type="button"
          style={s.button}
          onClick={t.resume}
          disabled={t.state !== "stopped"}
          data-testid="train-resume"
        >
          Resume
        </button>
        {onOpenTrained && (
          <button
            type="button"
            style={s.button}
            disabled={t.step === 0}
            data-testid="train-open"
            title="Load the weights as they are now into the model worker: every panel above then runs on them"
            onClick={() =>
              t.exportWeights((w) =>
                onOpenTrained({
                  kind: "trained",
                  name: String(w.config.model_name),
                  config: w.config,
                  weights: w.weights,
                }),
              )
            }
          >
            Open this model in every view
          </button>
        )}
        <span style={s.muted} data-testid="train-status" aria-live="polite">
          {t.state === "idle" ? (
            `${total} steps, batch ${TINY_TRAINING.batchSize} × ${TINY_TRAINING.seqLen} tokens, lr ${TINY_TRAINING.lr}`
          ) : (
            <>
              {t.state} · step <span data-testid="train-step">{t.step}</span> / {total}
              {rate ? ` · ${rate.toFixed(1)} steps/s` : ""}
              {t.backend ? ` · backend ${t.backend}` : ""}
            </>
          )}
        </span>
      </div>
      {t.error && (
        <div role="alert" style={s.errorBox}>
          {t.error}
        </div>
      )}
      <TrainingCharts losses={t.losses} evals={t.evals} totalSteps={total} phase={phase} testId="train" />
      {last && (
        <div style={{ ...s.row, marginTop: 8 }}>
          <HeadScoreGrid
            title={`Induction score per head at step ${last.step}`}
            scores={last.inductionScores}
            threshold={DEFAULT_THRESHOLD}
            scoreLabel="induction score"
            minValue={0}
            maxValue={1}
            exportName="attnscope-training-induction-scores"
          />
          <HeadScoreGrid
            title={`Previous-token score per head at step ${last.step}`}
            scores={last.prevTokenScores}
            threshold={DEFAULT_THRESHOLD}
            scoreLabel="previous-token score"
            minValue={0}
            maxValue={1}
            exportName="attnscope-training-prev-scores"
          />
        </div>
      )}
      {last && (
        <p style={s.muted} data-testid="train-last">
          Step {last.step}: probe loss {last.probe.lossFirstHalf.toFixed(2)} → {last.probe.lossSecondHalf.toFixed(2)} on
          the repeat; best induction score {bestScore(last.inductionScores).toFixed(2)}.
          {phase && (
            <span data-testid="train-phase">
              {" "}
              Induction head {phase.head} formed between steps {phase.startStep} and {phase.endStep}: the best induction
              score rose from {phase.scoreBefore.toFixed(2)} to {phase.scoreAfter.toFixed(2)} while the loss on the
              repeat fell from {phase.secondHalfLossBefore.toFixed(2)} to {phase.secondHalfLossAfter.toFixed(2)}.
            </span>
          )}
        </p>
      )}
      {recorded && <RecordedTraining log={recorded} />}
    </section>
  );
});
