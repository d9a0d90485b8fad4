import { HeadScoreGrid, type HeadRef } from "@attnscope/react";
import type { RunResult } from "../model/protocol.js";
import { DETECTOR_THRESHOLD } from "../model/protocol.js";
import * as s from "../styles.js";

const DETECTORS = [
  { key: "previous", title: "Previous-token heads", how: "mean of the pattern's sub-diagonal" },
  { key: "current", title: "Current-token heads", how: "mean of the pattern's diagonal" },
  { key: "first", title: "First-token heads", how: "mean attention to the first token (BOS)" },
] as const;

function HeadList({ heads }: { heads: string[] }) {
  if (heads.length === 0) return <span style={s.muted}>no head above {DETECTOR_THRESHOLD}</span>;
  return <>{heads.map((h) => <span key={h} data-head={h} style={s.headChip}>{h}</span>)}</>;
}

export interface DetectorsProps {
  result: RunResult | null;
  /** Called when a head is clicked in a grid. */
  onSelectHead?: (head: HeadRef) => void;
}

/** The three pattern detectors of "Finding induction heads" on the current text. */
export function Detectors({ result, onSelectHead }: DetectorsProps) {
  return (
    <section style={s.panel} aria-label="Head detectors">
      <h2 style={s.panelTitle}>Which heads do what</h2>
      <p style={s.lede}>
        Each detector scores every head on the text above and names those scoring above {DETECTOR_THRESHOLD}, as ARENA's
        detectors do. Click a head to show its pattern above.
      </p>
      {result ? (
        <div style={s.row} data-testid="detected-heads">
          {DETECTORS.map((d) => {
            const det = result.detectors[d.key];
            return (
              <div key={d.key} style={{ flex: "1 1 300px", minWidth: 280 }} data-testid={`detector-${d.key}`}>
                <h3 style={{ margin: "0 0 2px", fontSize: 15 }}>{d.title}</h3>
                <div style={s.muted}>{d.how}</div>
                <div style={{ margin: "6px 0" }} data-testid={`heads-${d.key}`}><HeadList heads={det.heads} /></div>
                <HeadScoreGrid
                  scores={det.scores}
                  threshold={DETECTOR_THRESHOLD}
                  scoreLabel={`${d.key === "first" ? "first-token" : d.key === "current" ? "current-token" : "previous-token"} score`}
                  {...s.gridCells(result.nHeads)}
                  minValue={0}
                  maxValue={1}
                  onSelectHead={(h) => h && onSelectHead?.(h)}
                  exportName={`attnscope-${d.key}-token-scores`}
                />
              </div>
            );
          })}
        </div>
      ) : (
        <p style={s.muted}>Waiting for the model…</p>
      )}
    </section>
  );
}
