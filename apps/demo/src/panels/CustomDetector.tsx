import { useMemo, useState } from "react";
import { HeadScoreGrid } from "@attnscope/react";
import { useWidth } from "../hooks/use-width.js";
import { describeTemplate, scoreCustom, type CustomTemplate } from "../lib/custom-detector.js";
import { headName, headsAbove, headRef } from "../lib/heads.js";
import type { RunResult } from "../model/protocol.js";
import * as s from "../styles.js";
import { HeadList } from "./HeadList.js";

const PAINT = 6;
type Kind = CustomTemplate["kind"];

export interface CustomDetectorProps {
  result: RunResult | null;
  threshold: number;
  onSelectHead: (name: string) => void;
  /** The page's selected head, outlined in the grid. */
  selected: string | null;
}

/** A detector of the visitor's own: a template or a painted target, scored and listed like the built-in ones. */
export function CustomDetector({ result, threshold, onSelectHead, selected }: CustomDetectorProps) {
  const [kind, setKind] = useState<Kind>("diagonal");
  const [offset, setOffset] = useState(1);
  const [column, setColumn] = useState(0);
  // A lower band by default: attention to recent tokens.
  const [cells, setCells] = useState<boolean[]>(() =>
    Array.from({ length: PAINT * PAINT }, (_, i) => Math.floor(i / PAINT) === i % PAINT),
  );
  const [ref, width] = useWidth<HTMLDivElement>();
  const template: CustomTemplate =
    kind === "diagonal"
      ? { kind, offset }
      : kind === "column"
        ? { kind, column }
        : kind === "painted"
          ? { kind, size: PAINT, cells }
          : { kind };
  const scores = useMemo(
    () => (result ? scoreCustom(template, result.attention, result.tokens, result.nLayers, result.nHeads) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [result, kind, offset, column, cells],
  );
  const num = (v: number, set: (n: number) => void, testId: string, label: string) => (
    <input
      type="number"
      min={0}
      step={1}
      value={v}
      aria-label={label}
      data-testid={testId}
      onChange={(e) => set(Math.max(0, Math.floor(Number(e.target.value) || 0)))}
      style={{
        width: 64,
        padding: "2px 6px",
        border: "1px solid var(--border)",
        borderRadius: 6,
        background: "var(--surface)",
      }}
    />
  );
  return (
    <section style={s.panel} aria-label="Custom detector" id="custom" data-testid="custom-panel">
      <h2 style={s.panelTitle}>Your own detector</h2>
      <p style={s.lede}>
        Pick what a head should attend to, or paint it; every head is scored on the text above (the mean attention where
        the target says, per query) and those above the threshold are named.
      </p>
      <div style={{ ...s.row, alignItems: "center", gap: 10 }}>
        <label style={{ maxWidth: "100%" }}>
          Template{" "}
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value as Kind)}
            data-testid="custom-template"
            style={{ ...s.button, padding: "3px 6px", maxWidth: "100%" }}
          >
            <option value="diagonal">diagonal at offset k</option>
            <option value="column">column j</option>
            <option value="induction">token after the previous occurrence of the current token</option>
            <option value="painted">paint a target pattern</option>
          </select>
        </label>
        {kind === "diagonal" && <label>k (tokens back) {num(offset, setOffset, "custom-offset", "offset k")}</label>}
        {kind === "column" && <label>j (token index) {num(column, setColumn, "custom-column", "column j")}</label>}
      </div>
      {kind === "painted" && (
        <div style={{ margin: "8px 0" }}>
          <div style={s.muted}>
            Click cells to paint: rows are queries (top = start of the text), columns keys; the grid is stretched over
            the whole pattern.
          </div>
          <div
            role="grid"
            aria-label="Painted target pattern"
            data-testid="custom-paint"
            style={{ display: "inline-grid", gridTemplateColumns: `repeat(${PAINT}, 22px)`, gap: 2, marginTop: 4 }}
          >
            {cells.map((on, i) => {
              const q = Math.floor(i / PAINT);
              const k = i % PAINT;
              return (
                <button
                  key={i}
                  type="button"
                  aria-pressed={on}
                  aria-label={`query block ${q}, key block ${k}`}
                  disabled={k > q}
                  data-cell={`${q},${k}`}
                  onClick={() => setCells((c) => c.map((v, j) => (j === i ? !v : v)))}
                  style={{
                    width: 22,
                    height: 22,
                    padding: 0,
                    borderRadius: 3,
                    border: "1px solid var(--border)",
                    cursor: k > q ? "not-allowed" : "pointer",
                    background: k > q ? "var(--surface)" : on ? "var(--accent)" : "transparent",
                    opacity: k > q ? 0.4 : 1,
                  }}
                />
              );
            })}
          </div>
        </div>
      )}
      <div ref={ref} style={{ marginTop: 8 }}>
        {result && scores ? (
          <>
            <div>Heads that {describeTemplate(template)}:</div>
            <HeadList
              heads={headsAbove(scores, threshold)}
              testId="detector-custom"
              threshold={threshold}
              onSelectHead={onSelectHead}
            />
            <HeadScoreGrid
              scores={scores}
              threshold={threshold}
              scoreLabel="custom score"
              {...s.gridCells(result.nHeads, Math.min(300, width - 90))}
              minValue={0}
              maxValue={1}
              onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
              selectedHead={headRef(selected)}
              exportName="attnscope-custom-scores"
            />
          </>
        ) : (
          <p style={s.muted}>Waiting for the model…</p>
        )}
      </div>
    </section>
  );
}
