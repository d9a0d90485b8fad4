import { memo, useEffect, useState } from "react";
import { AttentionPattern, CompositionScores, HeadScoreGrid, LogitAttribution, type HeadPair } from "@attnscope/react";
import { rankCircuits, type CircuitWeightsState } from "../hooks/use-circuit.js";
import type { Async } from "../hooks/use-ablation.js";
import { heatmapSize, useWidth } from "../hooks/use-width.js";
import { headName, parseHead, headRef } from "../lib/heads.js";
import type { CircuitTextResult } from "../model/protocol.js";
import * as s from "../styles.js";

export interface CircuitProps {
  weights: CircuitWeightsState;
  text: Async<CircuitTextResult>;
  threshold: number;
  selected: string | null;
  onSelectHead: (name: string) => void;
  /** Called once the panel has been on screen (its computations start then). */
  onVisible: () => void;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");
const TOP = 5;

/** The induction circuit: composition, the pairs it makes, copying and positional scores, logit attribution, decomposed scores. */
export const Circuit = memo(function Circuit({
  weights,
  text,
  threshold,
  selected,
  onSelectHead,
  onVisible,
}: CircuitProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [section, setSection] = useState<HTMLElement | null>(null);
  useEffect(() => {
    if (!section) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onVisible(), {
      rootMargin: "200px",
    });
    io.observe(section);
    return () => io.disconnect();
  }, [section, onVisible]);
  const w = weights.result;
  const ranked = w ? rankCircuits(w.circuits, threshold) : [];
  const top = ranked[0];
  const pair: HeadPair | null = top ? { source: toRef(top.previous), destination: toRef(top.induction) } : null;
  const maxCell = Math.max(14, Math.min(40, Math.floor((width - 120) / Math.max(1, w?.nHeads ?? 8))));
  return (
    <section ref={setSection} style={s.panel} aria-label="Circuit" id="circuit" data-testid="circuit-panel">
      <h2 style={s.panelTitle}>The induction circuit</h2>
      <p style={s.lede}>
        A previous-token head writes "the token before me was X" into each position; an induction head's keys read it
        (K-composition), so its queries find the token after the previous X, and its OV circuit copies that token to the
        output.
      </p>
      <div ref={ref}>
        {weights.error && (
          <div role="alert" style={s.errorBox} data-testid="circuit-error">
            {weights.error}
          </div>
        )}
        {!w ? (
          <p style={s.muted}>
            {weights.running ? "Computing composition scores and circuits…" : "Scroll here to compute."}
          </p>
        ) : (
          <>
            <h3 style={h3}>Top induction circuits</h3>
            <p style={{ ...s.muted, margin: "0 0 4px" }}>
              Previous-token head → induction head: both heads' scores on the repeated tokens and the K-composition
              between them (random matrices of these shapes score {w.baseline.toFixed(3)}). Pairs where both heads pass
              the threshold come first.
            </p>
            <div style={{ margin: "4px 0" }}>
              Best:{" "}
              <b style={s.mono} data-testid="circuit-top">
                {top ? `${top.previous} -> ${top.induction}` : "none"}
              </b>
              {top && !top.isCircuit && (
                <span style={s.muted}>
                  {" "}
                  (no pair passes the threshold {threshold}; the strongest K-composition is shown)
                </span>
              )}
            </div>
            <div style={{ overflowX: "auto", maxWidth: "100%" }}>
              <table style={{ borderCollapse: "collapse", fontSize: 14 }} data-testid="circuit-table">
                <thead>
                  <tr style={{ textAlign: "left" }}>
                    {["previous-token head", "score", "induction head", "score", "K-composition", ""].map((h, i) => (
                      <th key={i} style={cell}>
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ranked.slice(0, TOP).map((c) => (
                    <tr key={`${c.previous}-${c.induction}`}>
                      <td style={cell}>
                        <HeadButton name={c.previous} onSelectHead={onSelectHead} />
                      </td>
                      <td style={cell}>{fmt(c.previousScore)}</td>
                      <td style={cell}>
                        <HeadButton name={c.induction} onSelectHead={onSelectHead} />
                      </td>
                      <td style={cell}>{fmt(c.inductionScore)}</td>
                      <td style={cell}>
                        {c.kComposition.toFixed(3)}{" "}
                        <span style={s.muted}>({(c.kComposition / w.baseline).toFixed(1)} × baseline)</span>
                      </td>
                      <td style={{ ...cell, ...s.muted }}>{c.isCircuit ? "circuit" : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>

            <h3 style={h3}>Composition scores</h3>
            <p style={{ ...s.muted, margin: "0 0 4px" }}>
              How much each earlier head's output feeds a later head's queries (Q), keys (K) or values (V): ‖W_OV · W‖ /
              (‖W_OV‖ ‖W‖). Colours are centred on the random baseline: orange above it, blue below. Rows: source head
              (earlier layer); columns: destination head. Click a pair to select its destination head.
            </p>
            {!w.composition.Q && (
              <p style={{ ...s.muted, margin: "0 0 4px" }} data-testid="composition-k-only">
                K-composition only: this model has {w.nLayers * w.nHeads} heads, and Q- and V-composition take minutes
                each here.{" "}
                {weights.withQV ? (
                  "Computing them…"
                ) : (
                  <button type="button" style={s.button} onClick={weights.addQV} data-testid="composition-add-qv">
                    Compute Q and V too
                  </button>
                )}
              </p>
            )}
            <div data-testid="composition-scores" style={{ maxWidth: "100%", overflowX: "auto" }}>
              <CompositionScores
                scores={w.composition}
                baseline={w.baseline}
                initialMode="K"
                cellSize={maxCell}
                showValues={maxCell >= 34}
                selectedPair={pair}
                onSelectPair={(p) => p && onSelectHead(headName(p.destination.layer, p.destination.head))}
                exportName="attnscope-composition-scores"
              />
            </div>

            <h3 style={h3}>What each head does with its weights alone</h3>
            <div style={s.row}>
              <div>
                <HeadScoreGrid
                  title="OV copying score"
                  scores={w.copying}
                  threshold={null}
                  scoreLabel="copying score"
                  colorScale="blue-orange"
                  minValue={-1}
                  maxValue={1}
                  {...s.gridCells(w.nHeads, Math.min(300, width - 90))}
                  onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                  selectedHead={headRef(selected)}
                  colorBarTitle="Σ Re λ / Σ |λ| of W_E W_OV W_U (1: copies its token)"
                  exportName="attnscope-copying-scores"
                />
              </div>
              <div>
                <HeadScoreGrid
                  title="Positional QK score"
                  scores={w.positional}
                  threshold={threshold}
                  scoreLabel="positional previous-token score"
                  minValue={0}
                  maxValue={1}
                  {...s.gridCells(w.nHeads, Math.min(300, width - 90))}
                  onSelectHead={(h) => h && onSelectHead(headName(h.layer, h.head))}
                  selectedHead={headRef(selected)}
                  colorBarTitle="attention to the previous position of W_pos W_QK W_posᵀ"
                  exportName="attnscope-positional-scores"
                />
              </div>
            </div>
          </>
        )}
        <TextPart text={text} width={width} selected={selected} />
      </div>
    </section>
  );
});

function TextPart({
  text,
  width,
  selected,
}: {
  text: Async<CircuitTextResult>;
  width: number;
  selected: string | null;
}) {
  const r = text.result;
  if (text.error)
    return (
      <div role="alert" style={s.errorBox}>
        {text.error}
      </div>
    );
  if (!r) return null;
  const C = r.labels.length;
  const T1 = r.strTokens.length - 1;
  const cellH = Math.max(4, Math.min(16, Math.floor(640 / T1)));
  const cellW = Math.max(14, Math.min(36, Math.floor((width - 150) / C)));
  const K = r.components.length;
  let maxStd = 0;
  for (const v of r.std) maxStd = Math.max(maxStd, v);
  let maxAbs = 0;
  for (const v of r.pair.scores) maxAbs = Math.max(maxAbs, Math.abs(v));
  const T = r.pair.strTokens.length;
  return (
    <div style={{ opacity: text.running ? 0.6 : 1 }}>
      <h3 style={h3}>Direct logit attribution of the text</h3>
      <p style={{ ...s.muted, margin: "0 0 4px" }}>
        Each component's share of the logit of the correct next token (ARENA's logit_attribution): rows are positions
        (row t predicts token t + 1), columns the direct path (embedding) and every head. Hover a cell for the tokens.
      </p>
      <div data-testid="logit-attribution" style={{ maxWidth: "100%", overflowX: "auto" }}>
        <LogitAttribution
          tokens={r.strTokens}
          attribution={{ data: r.attribution, shape: [T1, C] }}
          labels={r.labels}
          correctLogits={r.correctLogits}
          cellWidth={cellW}
          cellHeight={cellH}
          title="position × component: logit of the next token (colour)"
          rowTitle="Position (predicting the next token)"
          columnTitle="Component: direct path, then each head"
          colorBarTitle="Logit contribution"
          exportName="attnscope-logit-attribution"
        />
      </div>
      <h3 style={h3} data-testid="decomposed-head">
        Decomposed attention scores of head {r.head}
      </h3>
      <p style={{ ...s.muted, margin: "0 0 4px" }}>
        Where head {r.head}'s queries and keys come from, on the first repeated sequence: its input split into the
        embedding, the position embedding and each earlier head's output; the table is the spread (std) of each query
        component × key component's attention scores.{" "}
        {selected && parseHead(selected)?.[0] === 0
          ? `Head ${selected} is in layer 0, so the best induction head is shown.`
          : "Select a head of a later layer to decompose it."}
      </p>
      <div style={s.row}>
        <div data-testid="decomposed-std" style={scrollBox}>
          <AttentionPattern
            title={`std of the decomposed scores, head ${r.head}`}
            queryTokens={r.components}
            keyTokens={r.components}
            tokens={r.components}
            attention={{ data: r.std, shape: [K, K] }}
            maskUpperTriangle={false}
            minValue={0}
            maxValue={maxStd || 1}
            size={heatmapSize(width - 70, 360)}
            rowTitle="Query component"
            columnTitle="Key component"
            colorBarTitle="std of the attention score"
            exportName="attnscope-decomposed-std"
          />
        </div>
        <div style={scrollBox}>
          <AttentionPattern
            title={`scores: queries from ${r.pair.query}, keys from ${r.pair.key}`}
            tokens={r.pair.strTokens}
            attention={{ data: r.pair.scores, shape: [T, T] }}
            colorScale="blue-orange"
            minValue={-maxAbs}
            maxValue={maxAbs}
            size={heatmapSize(width - 10, 360)}
            rowTitle="Query position"
            columnTitle="Key position"
            colorBarTitle={`Attention score from ${r.pair.query} · ${r.pair.key}`}
            exportName="attnscope-decomposed-scores"
          />
        </div>
      </div>
    </div>
  );
}

function HeadButton({ name, onSelectHead }: { name: string; onSelectHead: (n: string) => void }) {
  return (
    <button
      type="button"
      data-head={name}
      style={{ ...s.headChip, background: "none", cursor: "pointer" }}
      onClick={() => onSelectHead(name)}
    >
      {name}
    </button>
  );
}

function toRef(name: string) {
  const [layer, head] = parseHead(name)!;
  return { layer, head };
}

/** A figure that can be wider than a phone (long component labels) scrolls inside itself, never the page. */
const scrollBox = { maxWidth: "100%", overflowX: "auto", minWidth: 0 } as const;

const h3 = { margin: "14px 0 4px", fontSize: 15 } as const;
const cell = { padding: "2px 10px 2px 0", borderBottom: "1px solid var(--border)" } as const;
