import { memo } from "react";
import { ColoredTokens, HeadScoreGrid, TokenLossPlot } from "@attnscope/react";
import type { AblationScoresState, Async } from "../hooks/use-ablation.js";
import { useWidth } from "../hooks/use-width.js";
import { bestHead, headName, headsAbove, headRef } from "../lib/heads.js";
import type { AblationMode, AblationResult, AblationSide } from "../model/protocol.js";
import * as s from "../styles.js";
import { DETECTORS } from "./Detectors.js";
import { SelectedPatterns } from "./SelectedPatterns.js";

export interface AblationProps {
  nLayers: number;
  nHeads: number;
  heads: string[];
  mode: AblationMode;
  onToggleHead: (name: string) => void;
  onClear: () => void;
  onMode: (mode: AblationMode) => void;
  /** While on, a click on a head anywhere on the page toggles its ablation. */
  picking: boolean;
  onPicking: (on: boolean) => void;
  ablation: Async<AblationResult>;
  scores: AblationScoresState;
  threshold: number;
  /** The page's selected head, "layer.head". */
  selected: string | null;
  onSelectHead: (name: string) => void;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

/** Knock heads out and compare with the clean run: loss, every detector, the induction experiment, the patterns. */
export const Ablation = memo(function Ablation(p: AblationProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const r = p.ablation.result;
  const half = Math.max(200, width >= 760 ? Math.floor(width / 2) - 12 : width);
  const smallGrid = s.gridCells(p.nHeads, Math.min(220, half - 90));
  return (
    <section style={s.panel} aria-label="Ablations" id="ablation" data-testid="ablation-panel">
      <h2 style={s.panelTitle}>Knock heads out</h2>
      <p style={s.lede}>
        Ablate heads and compare with the clean run. A hook on <span style={s.mono}>blocks.L.attn.hook_v</span> replaces
        the heads' values with zero, or with their mean (over the batch, as ARENA does; over positions for the single
        text), so the heads write nothing, or only their average, into the residual stream.
      </p>
      <div style={{ ...s.row, alignItems: "center", gap: 12 }}>
        <span role="radiogroup" aria-label="Ablation" style={{ display: "inline-flex", gap: 10 }}>
          {(["zero", "mean"] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="ablation-mode"
                checked={p.mode === m}
                onChange={() => p.onMode(m)}
                data-testid={`ablation-mode-${m}`}
              />{" "}
              {m} ablation
            </label>
          ))}
        </span>
        <label>
          <input
            type="checkbox"
            checked={p.picking}
            onChange={(e) => p.onPicking(e.target.checked)}
            data-testid="ablation-pick"
          />{" "}
          clicking a head anywhere ablates it
        </label>
        <button
          type="button"
          style={s.button}
          onClick={p.onClear}
          disabled={p.heads.length === 0}
          data-testid="ablation-clear"
        >
          Clear
        </button>
      </div>
      <div style={{ margin: "8px 0" }} role="group" aria-label="Heads to ablate">
        {Array.from({ length: p.nLayers }, (_, l) => (
          <div key={l} style={{ display: "flex", flexWrap: "wrap", gap: 4, marginBottom: 4, alignItems: "center" }}>
            <span style={{ ...s.muted, width: 52 }}>layer {l}</span>
            {Array.from({ length: p.nHeads }, (_, h) => {
              const name = headName(l, h);
              const on = p.heads.includes(name);
              return (
                <button
                  key={h}
                  type="button"
                  aria-pressed={on}
                  data-testid={`ablate-head-${name}`}
                  onClick={() => p.onToggleHead(name)}
                  style={{
                    ...s.button,
                    ...s.mono,
                    padding: "2px 6px",
                    fontSize: 12,
                    minWidth: 40,
                    background: on ? "var(--danger)" : "var(--surface)",
                    color: on ? "var(--bg)" : "var(--text)",
                  }}
                >
                  {name}
                </button>
              );
            })}
          </div>
        ))}
      </div>
      {p.ablation.error && (
        <div role="alert" style={s.errorBox} data-testid="ablation-error">
          {p.ablation.error}
        </div>
      )}
      <div ref={ref}>
        {p.heads.length === 0 ? (
          <p style={s.muted}>Pick one or more heads to see what the model does without them.</p>
        ) : !r ? (
          <p style={s.muted}>Running…</p>
        ) : (
          <div
            data-testid="ablation-result"
            data-heads={r.heads.map(([l, h]) => headName(l, h)).join(" ")}
            style={{ opacity: p.ablation.running ? 0.6 : 1 }}
          >
            <Comparison
              r={r}
              threshold={p.threshold}
              grid={smallGrid}
              half={half}
              onSelectHead={p.onSelectHead}
              selected={p.selected}
            />
            <h3 style={{ margin: "12px 0 4px", fontSize: 15 }}>Patterns on the text: clean and ablated</h3>
            <div style={{ ...s.row, gap: 12 }}>
              {(["clean", "ablated"] as const).map((k) => (
                <div key={k} style={{ flex: `1 1 ${half}px`, minWidth: 0 }}>
                  <SelectedPatterns
                    title={k === "clean" ? "Clean" : `Ablated (${r.mode})`}
                    tokens={r.strTokens}
                    attention={r[k].attention}
                    nLayers={r.nLayers}
                    nHeads={r.nHeads}
                    selected={p.selected}
                    onSelectHead={p.onSelectHead}
                    maxSize={300}
                    maxThumb={32}
                    exportName={`attnscope-${k}-patterns`}
                  />
                </div>
              ))}
            </div>
          </div>
        )}
      </div>
      <AblationScores
        scores={p.scores}
        nHeads={p.nHeads}
        grid={smallGrid}
        onSelectHead={p.onSelectHead}
        selected={p.selected}
      />
    </section>
  );
});

function Comparison({
  r,
  threshold,
  grid,
  half,
  onSelectHead,
  selected,
}: {
  r: AblationResult;
  threshold: number;
  grid: { cellSize: number; showValues: boolean };
  half: number;
  onSelectHead: (n: string) => void;
  selected: string | null;
}) {
  const diff = [0, ...Array.from(r.ablated.loss, (v, i) => v - r.clean.loss[i])];
  // The clean run's induction heads (or its best head, when none passes the threshold), and their mean score.
  const inductionHeads = headsAbove(r.clean.induction.inductionScores, threshold);
  const tracked = inductionHeads.length ? inductionHeads : [bestHeadName(r.clean.induction.inductionScores)];
  const meanScore = (x: AblationSide) =>
    tracked.reduce((sum, n) => sum + x.induction.inductionScores[Number(n.split(".")[0])][Number(n.split(".")[1])], 0) /
    tracked.length;
  const detectors = [
    ...DETECTORS.map((d) => ({
      key: d.key,
      title: d.title,
      score: d.score,
      of: (x: AblationSide) => x.detectors[d.key],
    })),
    {
      key: "induction",
      title: "Induction heads (repeated tokens)",
      score: "induction score",
      of: (x: AblationSide) => x.induction.inductionScores,
    },
  ];
  return (
    <>
      <table style={{ borderCollapse: "collapse", fontSize: 14, margin: "4px 0 8px" }}>
        <thead>
          <tr style={{ textAlign: "left" }}>
            <th style={cell} />
            <th style={cell}>clean</th>
            <th style={cell}>ablated</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td style={cell}>mean loss on the text (nats)</td>
            <td style={cell} data-testid="clean-loss">
              {fmt(r.clean.meanLoss)}
            </td>
            <td style={cell} data-testid="ablated-loss">
              {fmt(r.ablated.meanLoss)}
            </td>
          </tr>
          <tr>
            <td style={cell}>repeated tokens, first half</td>
            <td style={cell} data-testid="clean-loss-first">
              {fmt(r.clean.induction.lossFirstHalf)}
            </td>
            <td style={cell} data-testid="ablated-loss-first">
              {fmt(r.ablated.induction.lossFirstHalf)}
            </td>
          </tr>
          <tr>
            <td style={cell}>repeated tokens, second half</td>
            <td style={cell} data-testid="clean-loss-second">
              {fmt(r.clean.induction.lossSecondHalf)}
            </td>
            <td style={cell} data-testid="ablated-loss-second">
              {fmt(r.ablated.induction.lossSecondHalf)}
            </td>
          </tr>
          <tr>
            <td style={cell}>induction score of {tracked.join(" ")}</td>
            <td style={cell} data-testid="clean-induction-score">
              {fmt(meanScore(r.clean))}
            </td>
            <td style={cell} data-testid="ablated-induction-score">
              {fmt(meanScore(r.ablated))}
            </td>
          </tr>
          {detectors.map((d) => (
            <tr key={d.key}>
              <td style={cell}>
                {d.title} above {threshold}
              </td>
              {(["clean", "ablated"] as const).map((k) => (
                <td key={k} style={{ ...cell, ...s.mono }} data-testid={`${k}-detector-${d.key}`}>
                  {headsAbove(d.of(r[k]), threshold).join(" ") || "none"}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <ColoredTokens
        title="Loss change per token, ablated − clean (orange: the ablation made it harder to predict)"
        tokens={r.strTokens}
        values={diff}
        colorScale="blue-orange"
        valueLabel="loss change (nats)"
        exportName="attnscope-ablation-loss-change"
      />
      <div style={{ ...s.row, marginTop: 8 }}>
        {(["clean", "ablated"] as const).map((k) => (
          <div key={k} style={{ flex: `1 1 ${half}px`, minWidth: 0 }}>
            <TokenLossPlot
              title={`${k === "clean" ? "Clean" : "Ablated"}: loss per position on repeated tokens`}
              tokens={r.induction.strTokens}
              loss={r[k].induction.meanLoss}
              repeatStart={r.induction.seqLen + 1}
              width={Math.max(240, Math.min(520, half - 10))}
              height={180}
              yLabel="loss (nats)"
              exportName={`attnscope-${k}-induction-loss`}
            />
          </div>
        ))}
      </div>
      <details style={{ marginTop: 8 }} open>
        <summary>Every detector's scores, clean and ablated</summary>
        {detectors.map((d) => (
          <div key={d.key} style={{ ...s.row, marginTop: 6 }}>
            {(["clean", "ablated"] as const).map((k) => (
              <div key={k}>
                <HeadScoreGrid
                  title={`${d.title}: ${k}`}
                  scores={d.of(r[k])}
                  threshold={threshold}
                  scoreLabel={d.score}
                  {...grid}
                  minValue={0}
                  maxValue={1}
                  onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                  selectedHead={headRef(selected)}
                  exportName={`attnscope-${k}-${d.key}-scores`}
                />
              </div>
            ))}
          </div>
        ))}
      </details>
    </>
  );
}

function bestHeadName(scores: number[][]): string {
  const b = bestHead(scores);
  return b ? headName(b.layer, b.head) : "0.0";
}

const cell = { padding: "2px 10px 2px 0", borderBottom: "1px solid var(--border)", verticalAlign: "top" } as const;

function AblationScores({
  scores,
  nHeads,
  grid,
  onSelectHead,
  selected,
}: {
  scores: AblationScoresState;
  nHeads: number;
  grid: { cellSize: number; showValues: boolean };
  onSelectHead: (n: string) => void;
  selected: string | null;
}) {
  const r = scores.result;
  const extent = r ? Math.max(0.05, ...[...r.zero, ...r.mean].flat().map(Math.abs).filter(Number.isFinite)) : 1;
  return (
    <div data-testid="ablation-scores" style={{ marginTop: 12 }}>
      <h3 style={{ margin: "0 0 4px", fontSize: 15 }}>Ablation scores (ARENA), on the induction batch</h3>
      <p style={{ ...s.muted, margin: "0 0 6px" }}>
        One head ablated at a time: the loss on the last seq_len − 1 predictions of the repeated tokens, minus the clean
        loss
        {r ? ` (${r.cleanLoss.toFixed(2)} nats)` : ""}. A large rise marks a head the induction circuit needs.
      </p>
      {scores.error && (
        <div role="alert" style={s.errorBox}>
          {scores.error}
        </div>
      )}
      {!r && !scores.requested ? (
        <p style={s.muted}>
          This model has many heads: the scores take {scores.passes} forward passes of the induction batch (minutes to
          an hour here), so they start when you ask. The text box keeps answering meanwhile.{" "}
          <button type="button" style={s.button} onClick={scores.start} data-testid="ablation-scores-start">
            Compute the ablation scores
          </button>
        </p>
      ) : !r ? (
        <p style={s.muted}>
          {scores.running
            ? `Computing (${scores.passes} forward passes of the induction batch)…`
            : "Waiting for the model…"}
        </p>
      ) : (
        <div style={s.row}>
          {(["zero", "mean"] as const).map((m) => (
            <div key={m}>
              <HeadScoreGrid
                title={`${m === "zero" ? "Zero" : "Mean"} ablation`}
                scores={r[m]}
                threshold={null}
                scoreLabel="loss increase (nats)"
                colorScale="blue-orange"
                minValue={-extent}
                maxValue={extent}
                {...s.gridCells(nHeads, Math.max(grid.cellSize * nHeads, 200))}
                onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                selectedHead={headRef(selected)}
                exportName={`attnscope-${m}-ablation-scores`}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
