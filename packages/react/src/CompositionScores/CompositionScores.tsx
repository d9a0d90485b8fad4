import { useMemo, useState } from "react";
import { colorAt, colorAtCentered, rgbCss, type ColorScaleName, type RGB } from "../lib/color-scales.js";
import type { Figure } from "../lib/export.js";
import { formatValue } from "../lib/format-token.js";
import { AXIS_TITLE_BAND, axisTitlesFrom, drawAxisTitles, drawColorBar } from "../lib/pattern-figure.js";
import { scaleFromProps } from "../lib/scale-props.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import type { HeadRef } from "../HeadScoreGrid/HeadScoreGrid.js";
import { AxisTitled } from "../shared/AxisTitled.js";
import { CellGrid, type GridCell } from "../shared/CellGrid.js";
import { ColorLegend } from "../shared/ColorLegend.js";
import { buttonStyle, ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { useHoverLock } from "../shared/use-hover-lock.js";

/** Which input of the later head the earlier head's output feeds: queries, keys or values. */
export type CompositionMode = "Q" | "K" | "V";

/** Composition scores [L1][H1][L2][H2], as TransformerLens's `model.all_composition_scores(mode)` returns them. */
export type CompositionTensor = ReadonlyArray<ReadonlyArray<ReadonlyArray<ArrayLike<number>>>>;

/** A source (earlier) head and a destination (later) head. */
export interface HeadPair {
  source: HeadRef;
  destination: HeadRef;
}

export interface CompositionScoresProps {
  /** Scores per mode, each [L1][H1][L2][H2] (zero unless L1 < L2); give one, two or all three modes. */
  scores: Partial<Record<CompositionMode, CompositionTensor>>;
  /** Mode shown at first; the toolbar switches between the modes given. @default "K" when present, else the first given */
  initialMode?: CompositionMode;
  /**
   * Score of random matrices of the same shapes (ARENA's baseline), per mode or one for all. When
   * set, it is the neutral colour of a diverging scale: pairs above it are orange, below it blue.
   * @default none (a sequential scale from `minValue` to `maxValue`)
   */
  baseline?: number | Partial<Record<CompositionMode, number>>;
  /** Value at the low end of the colour scale. @default 0 */
  minValue?: number;
  /** Value at the high end of the colour scale; shared by all modes so they compare. @default the largest score of any mode */
  maxValue?: number;
  /** Colour scale. @default "viridis", or "blue-orange" with a baseline */
  colorScale?: ColorScaleName;
  /** CSS colour below zero (CircuitsVis two-colour scale, white at zero). @default none */
  negativeColor?: string;
  /** CSS colour above zero (CircuitsVis two-colour scale, white at zero). @default none */
  positiveColor?: string;
  /** Label per head in layer order, e.g. ["0.0", …, "1.11"]. @default "layer.head" */
  headLabels?: string[];
  /** Cell size in CSS px. @default 40 */
  cellSize?: number;
  /** Print each score inside its cell. @default true */
  showValues?: boolean;
  /** Axis titles and the colour-bar title, on screen and in exports; false hides them (the head labels stay). @default true */
  showAxisLabels?: boolean;
  /** Title of the vertical axis; "" leaves it out. @default "Source head (earlier layer)" */
  rowTitle?: string;
  /** Title of the horizontal axis; "" leaves it out. @default "Destination head (later layer)" */
  columnTitle?: string;
  /** Title of the colour bar; "" leaves it out. @default "Q-composition score" (the mode shown) */
  colorBarTitle?: string;
  /** Heading shown above the grid. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** The selected pair when the parent controls it (null: none). Leave undefined to let the component keep its own. @default uncontrolled */
  selectedPair?: HeadPair | null;
  /** Called when a pair is clicked or chosen with Enter/Space; null when the selected pair is clicked again. @default none */
  onSelectPair?: (pair: HeadPair | null, mode: CompositionMode) => void;
  /** Called with the hovered pair (null when the pointer leaves). @default none */
  onHoverPair?: (pair: HeadPair | null, mode: CompositionMode) => void;
  /** File name (without extension) for PNG/SVG export. @default "composition-scores" */
  exportName?: string;
}

const MODES: readonly CompositionMode[] = ["Q", "K", "V"];

function checkShape(mode: CompositionMode, t: CompositionTensor): { layers: number; heads: number } {
  const layers = t.length;
  const heads = t[0]?.length ?? 0;
  if (!layers || !heads) throw new Error(`CompositionScores: scores.${mode} is empty; expected [L1][H1][L2][H2]`);
  for (let a = 0; a < layers; a++) {
    if (t[a]!.length !== heads)
      throw new Error(`CompositionScores: scores.${mode}[${a}] has ${t[a]!.length} heads, expected ${heads}`);
    for (let h = 0; h < heads; h++) {
      const inner = t[a]![h]!;
      if (inner.length !== layers)
        throw new Error(`CompositionScores: scores.${mode}[${a}][${h}] has ${inner.length} layers, expected ${layers}`);
      for (let b = 0; b < layers; b++) {
        if (inner[b]!.length !== heads) {
          throw new Error(
            `CompositionScores: scores.${mode}[${a}][${h}][${b}] has ${inner[b]!.length} heads, expected ${heads}`,
          );
        }
      }
    }
  }
  return { layers, heads };
}

const label = (labels: readonly string[] | undefined, heads: number, r: HeadRef) =>
  labels?.[r.layer * heads + r.head] ?? `${r.layer}.${r.head}`;
const samePair = (a: HeadPair | null, b: HeadPair | null) =>
  !!a &&
  !!b &&
  a.source.layer === b.source.layer &&
  a.source.head === b.source.head &&
  a.destination.layer === b.destination.layer &&
  a.destination.head === b.destination.head;

/**
 * Composition scores as a source head × destination head heatmap, one mode (Q, K or V) at a
 * time: rows are the earlier heads whose output is read, columns the later heads that read it.
 * Pairs that cannot compose (destination not in a later layer) are left empty. Hover shows the
 * value (and its ratio to the baseline), click selects a pair.
 */
export function CompositionScores(props: CompositionScoresProps) {
  const theme = useTheme(props.theme);
  const modes = MODES.filter((m) => props.scores[m] !== undefined);
  if (!modes.length) throw new Error("CompositionScores: scores has none of Q, K, V");
  const shapes = modes.map((m) => checkShape(m, props.scores[m]!));
  const { layers, heads } = shapes[0]!;
  shapes.forEach((s, i) => {
    if (s.layers !== layers || s.heads !== heads) {
      throw new Error(
        `CompositionScores: scores.${modes[i]} is ${s.layers} layers × ${s.heads} heads but scores.${modes[0]} is ${layers} × ${heads}`,
      );
    }
  });
  if (layers < 2) throw new Error("CompositionScores: composition needs at least 2 layers");
  if (props.headLabels && props.headLabels.length !== layers * heads) {
    throw new Error(
      `CompositionScores: headLabels has ${props.headLabels.length} labels but there are ${layers * heads} heads`,
    );
  }

  const [modeState, setMode] = useState<CompositionMode>(
    props.initialMode && modes.includes(props.initialMode) ? props.initialMode : modes.includes("K") ? "K" : modes[0]!,
  );
  const mode = modes.includes(modeState) ? modeState : modes[0]!;
  const t = props.scores[mode]!;

  // Rows: heads of layers 0 … L−2; columns: heads of layers 1 … L−1.
  const rowsRef = useMemo(
    () => Array.from({ length: (layers - 1) * heads }, (_, i) => ({ layer: Math.floor(i / heads), head: i % heads })),
    [layers, heads],
  );
  const colsRef = useMemo(
    () =>
      Array.from({ length: (layers - 1) * heads }, (_, i) => ({ layer: 1 + Math.floor(i / heads), head: i % heads })),
    [layers, heads],
  );
  const value = (s: HeadRef, d: HeadRef) => t[s.layer]![s.head]![d.layer]![d.head]!;
  const valid = (s: HeadRef, d: HeadRef) => s.layer < d.layer;

  const largest = useMemo(() => {
    let m = -Infinity;
    for (const md of modes) {
      const x = props.scores[md]!;
      for (let a = 0; a < layers; a++)
        for (let h = 0; h < heads; h++)
          for (let b = a + 1; b < layers; b++) for (let g = 0; g < heads; g++) m = Math.max(m, x[a]![h]![b]![g]!);
    }
    return m;
  }, [props.scores, layers, heads, modes.join("")]); // eslint-disable-line react-hooks/exhaustive-deps
  const min = props.minValue ?? 0;
  const max = props.maxValue ?? Math.max(largest, min + 1e-9);
  const baseline = typeof props.baseline === "number" ? props.baseline : props.baseline?.[mode];
  const scale = scaleFromProps(props, min, max, baseline !== undefined ? "blue-orange" : "viridis");
  const colorOf = (v: number): RGB =>
    baseline !== undefined && !props.negativeColor && !props.positiveColor
      ? colorAtCentered(scale, v, min, baseline, max)
      : colorAt(scale, v, min, max);

  const sel = useHoverLock<HeadPair>();
  const controlled = props.selectedPair !== undefined;
  const selected = controlled ? props.selectedPair! : sel.locked;
  const toPair = (c: GridCell): HeadPair => ({ source: rowsRef[c.row]!, destination: colsRef[c.col]! });
  const toCell = (p: HeadPair | null): GridCell | null => {
    if (!p) return null;
    const row = p.source.layer * heads + p.source.head;
    const col = (p.destination.layer - 1) * heads + p.destination.head;
    return row >= 0 && row < rowsRef.length && col >= 0 && col < colsRef.length ? { row, col } : null;
  };
  const describePair = (p: HeadPair) => {
    const name = `${mode}-composition ${label(props.headLabels, heads, p.source)} → ${label(props.headLabels, heads, p.destination)}`;
    if (!valid(p.source, p.destination)) return `${name}: none (the destination head is not in a later layer)`;
    const v = value(p.source, p.destination);
    return `${name}: ${formatValue(v)}${baseline !== undefined && baseline > 0 ? ` (${(v / baseline).toFixed(1)}× baseline ${formatValue(baseline)})` : ""}`;
  };
  const hover = (c: GridCell | null) => {
    const p = c ? toPair(c) : null;
    sel.preview(p);
    props.onHoverPair?.(p, mode);
  };
  const select = (c: GridCell) => {
    const p = toPair(c);
    const next = samePair(selected, p) ? null : p;
    if (!controlled) sel.set(next);
    props.onSelectPair?.(next, mode);
  };

  const rowLabels = rowsRef.map((r) => label(props.headLabels, heads, r));
  const colLabels = colsRef.map((r) => label(props.headLabels, heads, r));
  const cell = props.cellSize ?? 40;
  const showValues = props.showValues ?? true;
  const active = sel.hovered ?? selected;
  const titles = axisTitlesFrom(props, {
    row: "Source head (earlier layer)",
    column: "Destination head (later layer)",
    colorBar: `${mode}-composition score`,
  });

  const figure = (): Figure => {
    const band = titles ? AXIS_TITLE_BAND : 0;
    const left = 44 + band;
    const top = 22 + band + 18;
    const n = rowsRef.length;
    return {
      width: left + n * cell + Math.max(80, titles ? 24 + titles.colorBar.length * 6.4 : 0),
      height: Math.max(top + n * cell + 10, top + 140),
      background: theme.background,
      draw(p) {
        p.text(0, 16, props.title ?? `${mode}-composition scores`, { fill: theme.text, size: 13, weight: "bold" });
        if (titles) drawAxisTitles(p, titles, { x0: left, y0: top, w: n * cell, h: n * cell, left: 0, top: 22 }, theme);
        colLabels.forEach((l, c) =>
          p.text(left + (c + 0.5) * cell, top - 6, l, { fill: theme.muted, size: 10, anchor: "middle" }),
        );
        rowsRef.forEach((s, r) => {
          p.text(left - 6, top + (r + 0.5) * cell, rowLabels[r]!, {
            fill: theme.muted,
            size: 10,
            anchor: "end",
            baseline: "middle",
          });
          colsRef.forEach((d, c) => {
            const x = left + c * cell;
            const y = top + r * cell;
            if (!valid(s, d)) return p.rect(x + 1, y + 1, cell - 2, cell - 2, null, theme.border);
            const v = value(s, d);
            const rgb = colorOf(v);
            p.rect(x + 1, y + 1, cell - 2, cell - 2, rgbCss(rgb));
            if (showValues)
              p.text(x + cell / 2, y + cell / 2, v.toFixed(2), {
                fill: rgb[0] + rgb[1] + rgb[2] > 380 ? "#111" : "#fff",
                size: 10,
                anchor: "middle",
                baseline: "middle",
              });
          });
        });
        drawColorBar(
          p,
          scale,
          min,
          max,
          left + n * cell + 14,
          top,
          Math.max(100, n * cell),
          theme,
          baseline,
          titles?.colorBar,
        );
      },
    };
  };

  return (
    <Frame theme={theme} label={props.title ?? "Composition scores"} style={{ display: "inline-block" }}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        {modes.length > 1 && (
          <span role="group" aria-label="Composition mode" style={{ display: "inline-flex", gap: 4 }}>
            {modes.map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={m === mode}
                style={buttonStyle(theme, m === mode)}
                onClick={() => setMode(m)}
              >
                {m}-composition
              </button>
            ))}
          </span>
        )}
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={figure} name={props.exportName ?? "composition-scores"} />
      </Toolbar>
      <AxisTitled titles={titles} theme={theme}>
        <CellGrid
          rowLabels={rowLabels}
          colLabels={colLabels}
          cell={(r, c) => {
            const s = rowsRef[r]!;
            const d = colsRef[c]!;
            if (!valid(s, d)) return null;
            const v = value(s, d);
            return { color: colorOf(v), text: showValues ? v.toFixed(2) : "" };
          }}
          describe={(r, c) => describePair(toPair({ row: r, col: c }))}
          selected={toCell(selected)}
          cellSize={cell}
          theme={theme}
          ariaLabel={`${mode}-composition scores, source heads by destination heads`}
          onHover={hover}
          onSelect={select}
        />
      </AxisTitled>
      <ColorLegend
        theme={theme}
        colorOf={colorOf}
        min={min}
        max={max}
        width={Math.min(320, Math.max(160, colLabels.length * cell))}
        mark={baseline ?? null}
        markLabel={baseline !== undefined ? `baseline ${formatValue(baseline)}` : undefined}
        title={titles?.colorBar}
      />
      <Status theme={theme}>
        {active
          ? describePair(active) + (selected && samePair(active, selected) ? " · selected" : "")
          : `Hover a cell: how much each earlier head's output feeds a later head's ${mode === "Q" ? "queries" : mode === "K" ? "keys" : "values"}.`}
      </Status>
    </Frame>
  );
}
