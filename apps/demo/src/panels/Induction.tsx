import { memo } from "react";
import { HeadScoreGrid, TokenLossPlot } from "@attnscope/react";
import type { InductionState } from "../hooks/use-induction.js";
import { useWidth } from "../hooks/use-width.js";
import { headName, headsAbove, headRef } from "../lib/heads.js";
import type { ModelInfo } from "../model/protocol.js";
import * as s from "../styles.js";
import { HeadList } from "./HeadList.js";
import { InductionSettingsForm } from "./InductionSettingsForm.js";
import { SelectedPatterns } from "./SelectedPatterns.js";

export interface InductionProps {
  induction: InductionState;
  /** The loaded model's choice (ModelInfo.choice), to name the heads ARENA reports for it. */
  modelChoice: ModelInfo["choice"] | undefined;
  threshold: number;
  /** The page's selected head, "layer.head". */
  selected: string | null;
  onSelectHead: (name: string) => void;
}

/** Induction heads on repeated random tokens: scores per head and the loss drop on the repeat. */
export const Induction = memo(function Induction({
  induction,
  modelChoice,
  threshold,
  selected,
  onSelectHead,
}: InductionProps) {
  const { result, error, running } = induction;
  const [ref, width] = useWidth<HTMLDivElement>();
  const heads = result ? headsAbove(result.inductionScores, threshold) : [];
  return (
    <section style={s.panel} aria-label="Induction heads" data-testid="induction-panel" id="induction">
      <h2 style={s.panelTitle}>Induction heads</h2>
      <p style={s.lede}>
        Random tokens, then the same tokens again. Nothing predicts the first half; an induction head predicts the
        second by attending to the token after the previous occurrence of the current one. Score = mean attention along
        that diagonal. {arenaHeads(modelChoice)}
      </p>
      <InductionSettingsForm settings={induction.settings} running={running} onRun={induction.run} />
      {error && (
        <div role="alert" style={s.errorBox} data-testid="induction-error">
          {error}
        </div>
      )}
      {!result ? (
        <p style={s.muted}>{running ? "Running the experiment…" : "Waiting for the model…"}</p>
      ) : (
        <div data-testid="induction-result" ref={ref}>
          <div style={{ ...s.row, alignItems: "baseline", margin: "4px 0 8px" }}>
            <span>
              Mean loss, first half: <b data-testid="loss-first">{result.lossFirstHalf.toFixed(2)}</b> nats
            </span>
            <span>
              second half: <b data-testid="loss-second">{result.lossSecondHalf.toFixed(2)}</b> nats
            </span>
            <span style={s.muted}>
              {result.batch} sequence{result.batch === 1 ? "" : "s"} × (BOS + {result.seqLen} + {result.seqLen}) tokens
              · {Math.round(result.ms)} ms
            </span>
          </div>
          <div>Induction heads:</div>
          <HeadList
            heads={heads}
            testId="detector-induction"
            threshold={threshold}
            onSelectHead={(h) => onSelectHead(h)}
          />
          <div style={{ ...s.row, marginTop: 8 }}>
            <div>
              <HeadScoreGrid
                title="Induction score per head"
                scores={result.inductionScores}
                threshold={threshold}
                scoreLabel="induction score"
                {...s.gridCells(result.nHeads, Math.min(400, width - 90))}
                minValue={0}
                maxValue={1}
                onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                selectedHead={headRef(selected)}
                exportName="attnscope-induction-scores"
              />
            </div>
            <div data-testid="induction-loss-plot" style={{ flex: "1 1 320px", minWidth: 0 }}>
              <TokenLossPlot
                title={`Loss per position, mean over the ${result.batch} sequences`}
                tokens={result.strTokens}
                loss={result.meanLoss}
                repeatStart={result.seqLen + 1}
                width={Math.max(260, Math.min(600, width - 30))}
                height={220}
                yLabel="loss (nats)"
                exportName="attnscope-induction-loss"
              />
            </div>
          </div>
          <h3 style={{ margin: "12px 0 4px", fontSize: 15 }}>Patterns on the first sequence</h3>
          <p style={{ ...s.muted, margin: "0 0 8px" }}>
            An induction head shows a stripe {result.seqLen - 1} tokens below the diagonal: each token of the repeat
            attends to the token after its first occurrence.
          </p>
          <SelectedPatterns
            tokens={result.strTokens}
            attention={result.attention}
            nLayers={result.nLayers}
            nHeads={result.nHeads}
            selected={selected}
            onSelectHead={onSelectHead}
            maxSize={360}
            maxThumb={48}
            exportName="attnscope-induction-patterns"
          />
        </div>
      )}
    </section>
  );
});

/** What ARENA's "Finding induction heads" reports for the model, as it reports it (for the published weights). */
function arenaHeads(choice: ModelInfo["choice"] | undefined): string {
  if (choice === "attn-only-2l-half") return "ARENA finds 1.4 and 1.10 in this model.";
  if (choice === "gpt2-small")
    return "ARENA finds 5.1, 5.5, 6.9, 7.2 and 7.10 in GPT-2 small (with Hugging Face's weights; other weights have their own).";
  return (
    "ARENA finds 1.4 and 1.10 in its 2-layer model; this model was trained separately, so its induction heads " +
    "have other names (and, for a model with fewer heads, other numbers)."
  );
}
