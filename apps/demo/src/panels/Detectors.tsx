import { HeadScoreGrid } from "@attnscope/react";
import { useWidth } from "../hooks/use-width.js";
import { headName, headsAbove, headRef } from "../lib/heads.js";
import type { RunResult } from "../model/protocol.js";
import * as s from "../styles.js";
import { HeadList } from "./HeadList.js";

export const DETECTORS = [
  {
    key: "previous",
    title: "Previous-token heads",
    how: "mean of the pattern's sub-diagonal",
    score: "previous-token score",
  },
  { key: "current", title: "Current-token heads", how: "mean of the pattern's diagonal", score: "current-token score" },
  {
    key: "first",
    title: "First-token heads",
    how: "mean attention to the first token (BOS)",
    score: "first-token score",
  },
] as const;

export interface DetectorsProps {
  result: RunResult | null;
  threshold: number;
  onThreshold: (t: number) => void;
  /** Called with "layer.head" when a head is clicked in a grid or list. */
  onSelectHead: (name: string) => void;
  /** The page's selected head, outlined in every grid. */
  selected: string | null;
}

/** The threshold slider every detector of the page shares. */
export function ThresholdSlider({ threshold, onThreshold }: Pick<DetectorsProps, "threshold" | "onThreshold">) {
  return (
    <div>
      <label style={{ display: "inline-flex", alignItems: "center", gap: 8, flexWrap: "wrap" }}>
        <span style={{ fontWeight: 600 }}>Threshold</span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={threshold}
          data-testid="threshold"
          aria-label="Detector threshold"
          onChange={(e) => onThreshold(Number(e.target.value))}
          style={{ width: 180, maxWidth: "50vw" }}
        />
        <span style={s.mono} data-testid="threshold-value">
          {threshold.toFixed(2)}
        </span>
      </label>
      <div style={s.muted}>Heads scoring above it are named and outlined, in every detector on the page.</div>
    </div>
  );
}

/** The three pattern detectors of "Finding induction heads" on the current text. */
export function Detectors({ result, threshold, onThreshold, onSelectHead, selected }: DetectorsProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const columns = width >= 900 ? 3 : width >= 600 ? 2 : 1;
  const gridWidth = Math.min(300, Math.floor(width / columns) - 80);
  return (
    <section style={s.panel} aria-label="Head detectors" id="detectors">
      <h2 style={s.panelTitle}>Which heads do what</h2>
      <p style={s.lede}>
        Each detector scores every head on the text above and names those scoring above the threshold, as ARENA's
        detectors do. Click a head to show its pattern everywhere.
      </p>
      <ThresholdSlider threshold={threshold} onThreshold={onThreshold} />
      <div ref={ref}>
        {result ? (
          <div style={{ ...s.row, marginTop: 8 }} data-testid="detected-heads">
            {DETECTORS.map((d) => {
              const det = result.detectors[d.key];
              return (
                <div key={d.key} style={{ flex: `1 1 ${Math.floor(width / columns) - 20}px`, minWidth: 0 }}>
                  <h3 style={{ margin: "0 0 2px", fontSize: 15 }}>{d.title}</h3>
                  <div style={s.muted}>{d.how}</div>
                  <HeadList
                    heads={headsAbove(det.scores, threshold)}
                    testId={`detector-${d.key}`}
                    threshold={threshold}
                    onSelectHead={onSelectHead}
                  />
                  <HeadScoreGrid
                    scores={det.scores}
                    threshold={threshold}
                    scoreLabel={d.score}
                    {...s.gridCells(result.nHeads, gridWidth)}
                    minValue={0}
                    maxValue={1}
                    onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                    selectedHead={headRef(selected)}
                    exportName={`attnscope-${d.key}-token-scores`}
                  />
                </div>
              );
            })}
          </div>
        ) : (
          <p style={s.muted}>Waiting for the model…</p>
        )}
      </div>
    </section>
  );
}
