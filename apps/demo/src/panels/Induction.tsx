import { AttentionPatterns, HeadScoreGrid, TokenLossPlot } from "@attnscope/react";
import type { InductionState } from "../hooks/use-induction.js";
import type { InductionResult } from "../model/protocol.js";
import * as s from "../styles.js";

/** Stacked index of the head with the highest induction score. */
function bestHead(r: InductionResult): number {
  let best = 0;
  let max = -Infinity;
  r.inductionScores.forEach((row, l) => row.forEach((v, h) => {
    if (v > max) {
      max = v;
      best = l * r.nHeads + h;
    }
  }));
  return best;
}

/** Induction heads on repeated random tokens: scores per head and the loss drop on the repeat. */
export function Induction({ induction }: { induction: InductionState }) {
  const { result, error, running } = induction;
  return (
    <section style={s.panel} aria-label="Induction heads" data-testid="induction-panel">
      <h2 style={s.panelTitle}>Induction heads</h2>
      <p style={s.lede}>
        Random tokens, then the same tokens again. Nothing predicts the first half; an induction head predicts the second
        by attending to the token after the previous occurrence of the current one. Score = mean attention along that
        diagonal.
      </p>
      {error && <div role="alert" style={s.errorBox}>{error}</div>}
      {!result ? (
        <p style={s.muted}>{running ? "Running the experiment…" : "Waiting for the model…"}</p>
      ) : (
        <div data-testid="induction-result">
          <div style={{ ...s.row, alignItems: "baseline", margin: "4px 0 8px" }}>
            <span>
              Mean loss, first half: <b data-testid="loss-first">{result.lossFirstHalf.toFixed(2)}</b> nats
            </span>
            <span>
              second half: <b data-testid="loss-second">{result.lossSecondHalf.toFixed(2)}</b> nats
            </span>
            <span style={s.muted}>
              {result.batch} sequences × (BOS + {result.seqLen} + {result.seqLen}) tokens · {Math.round(result.ms)} ms
            </span>
          </div>
          <div data-testid="heads-induction">
            Induction heads:{" "}
            {result.inductionHeads.length
              ? result.inductionHeads.map((h) => <span key={h} data-head={h} style={s.headChip}>{h}</span>)
              : <span style={s.muted}>none above 0.4</span>}
          </div>
          <div style={{ ...s.row, marginTop: 8 }}>
            <HeadScoreGrid
              title="Induction score per head"
              scores={result.inductionScores}
              threshold={0.4}
              scoreLabel="induction score"
              {...s.gridCells(result.nHeads, 400)}
              minValue={0}
              maxValue={1}
              exportName="attnscope-induction-scores"
            />
            <div data-testid="induction-loss-plot" style={{ flex: "1 1 480px", minWidth: 0 }}>
              <TokenLossPlot
                title={`Loss per position, mean over the ${result.batch} sequences`}
                tokens={result.strTokens}
                loss={result.meanLoss}
                repeatStart={result.seqLen + 1}
                width={600}
                height={220}
                exportName="attnscope-induction-loss"
              />
            </div>
          </div>
          <h3 style={{ margin: "12px 0 4px", fontSize: 15 }}>Patterns on the first sequence</h3>
          <p style={{ ...s.muted, margin: "0 0 8px" }}>
            An induction head shows a stripe {result.seqLen - 1} tokens below the diagonal: each token of the repeat attends to
            the token after its first occurrence. The best-scoring head is selected.
          </p>
          <AttentionPatterns
            key={result.headLabels.length + ":" + result.strTokens.length}
            tokens={result.strTokens}
            attention={{ data: result.attention, shape: [result.nLayers * result.nHeads, result.strTokens.length, result.strTokens.length] }}
            headLabels={result.headLabels}
            headsPerRow={result.nHeads}
            initialHead={bestHead(result)}
            size={360}
            thumbnailSize={48}
            exportName="attnscope-induction-patterns"
          />
        </div>
      )}
    </section>
  );
}
