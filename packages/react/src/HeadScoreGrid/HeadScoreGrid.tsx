import { useMemo, useRef, type KeyboardEvent } from "react";
import { colorAt, getColorScale, rgbCss, textColorOn, type ColorScaleName } from "../lib/color-scales.js";
import type { Figure } from "../lib/export.js";
import { formatValue } from "../lib/format-token.js";
import { AXIS_TITLE_BAND, axisTitlesFrom, drawAxisTitles, drawColorBar } from "../lib/pattern-figure.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { AxisTitled } from "../shared/AxisTitled.js";
import { ColorLegend } from "../shared/ColorLegend.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { useHoverLock } from "../shared/use-hover-lock.js";

/** A head by layer and index. */
export interface HeadRef {
  layer: number;
  head: number;
}

export interface HeadScoreGridProps {
  /** Scores [layer][head], e.g. a detector's per-head score or an induction score. */
  scores: ReadonlyArray<ArrayLike<number>>;
  /** Heads scoring above this are outlined and listed; null hides it. @default 0.4 */
  threshold?: number | null;
  /** Name of the score, shown in the heading and tooltips. @default "score" */
  scoreLabel?: string;
  /** Value at the low end of the colour scale. @default min(0, smallest score) */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(1, largest score) */
  maxValue?: number;
  /** Colour scale. @default "viridis", or "blue-orange" when a score is negative */
  colorScale?: ColorScaleName;
  /** Cell size in CSS px. @default 40 */
  cellSize?: number;
  /** Print each score inside its cell. @default true */
  showValues?: boolean;
  /** Axis titles and the colour-bar title, on screen and in exports; false hides them (the layer and head numbers stay). @default true */
  showAxisLabels?: boolean;
  /** Title of the vertical axis; "" leaves it out. @default "Layer" */
  rowTitle?: string;
  /** Title of the horizontal axis; "" leaves it out. @default "Head" */
  columnTitle?: string;
  /** Title of the colour bar; "" leaves it out. @default scoreLabel */
  colorBarTitle?: string;
  /** Heading shown above the grid. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called when a head is clicked or chosen with Enter/Space (null when unlocked). @default none */
  onSelectHead?: (head: HeadRef | null) => void;
  /** The selected head when the parent controls it (null: none). Leave undefined for uncontrolled. @default uncontrolled */
  selectedHead?: HeadRef | null;
  /** File name (without extension) for PNG/SVG export. @default "head-scores" */
  exportName?: string;
}

const same = (a: HeadRef | null, b: HeadRef | null) => !!a && !!b && a.layer === b.layer && a.head === b.head;

/**
 * [layer × head] heatmap of per-head scores with the threshold marked: heads above it are
 * outlined, values show on hover, click (or Enter/Space) selects a head.
 */
export function HeadScoreGrid(props: HeadScoreGridProps) {
  const theme = useTheme(props.theme);
  const { scores } = props;
  if (!scores.length) throw new Error("HeadScoreGrid: scores is empty; expected [layer][head]");
  const nHeads = scores[0]!.length;
  scores.forEach((row, l) => {
    if (row.length !== nHeads)
      throw new Error(`HeadScoreGrid: layer ${l} has ${row.length} scores but layer 0 has ${nHeads}`);
  });
  const { lo, hi } = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of scores)
      for (let h = 0; h < row.length; h++) {
        lo = Math.min(lo, row[h]!);
        hi = Math.max(hi, row[h]!);
      }
    return { lo, hi };
  }, [scores]);
  const min = props.minValue ?? Math.min(0, lo);
  const max = props.maxValue ?? Math.max(1, hi);
  const scale = getColorScale(props.colorScale ?? (lo < 0 ? "blue-orange" : "viridis"));
  const threshold = props.threshold === undefined ? 0.4 : props.threshold;
  const label = props.scoreLabel ?? "score";
  const cell = props.cellSize ?? 40;
  const showValues = props.showValues ?? true;
  const titles = axisTitlesFrom(props, { row: "Layer", column: "Head", colorBar: label });

  const sel = useHoverLock<HeadRef>();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const above = useMemo(() => {
    const out: string[] = [];
    if (threshold === null) return out;
    scores.forEach((row, l) => {
      for (let h = 0; h < row.length; h++) if (row[h]! > threshold) out.push(`${l}.${h}`);
    });
    return out;
  }, [scores, threshold]);

  const controlled = props.selectedHead !== undefined;
  const selected = controlled ? props.selectedHead! : sel.locked;
  const select = (r: HeadRef) => {
    if (!controlled) sel.lock(r);
    props.onSelectHead?.(same(selected, r) ? null : r);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, r: HeadRef) => {
    const d: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const m = d[e.key];
    if (!m) return;
    e.preventDefault();
    const l = Math.max(0, Math.min(scores.length - 1, r.layer + m[0]));
    const h = Math.max(0, Math.min(nHeads - 1, r.head + m[1]));
    refs.current[l * nHeads + h]?.focus();
  };
  const describe = (r: HeadRef) => {
    const v = scores[r.layer]![r.head]!;
    return `Head ${r.layer}.${r.head}: ${label} ${formatValue(v)}${threshold !== null ? (v > threshold ? ` (above ${threshold})` : ` (below ${threshold})`) : ""}`;
  };
  const focusable = selected ?? { layer: 0, head: 0 };

  const figure = (): Figure => {
    const band = titles ? AXIS_TITLE_BAND : 0;
    const head = props.title ? 22 : 0;
    const left = 56 + band;
    const top = head + band + 18;
    const w = left + nHeads * cell + Math.max(80, titles ? 24 + titles.colorBar.length * 6.4 : 0);
    const h = top + scores.length * cell + 10;
    return {
      width: w,
      height: Math.max(h, top + 140),
      background: theme.background,
      draw(p) {
        if (props.title) p.text(0, 16, props.title, { fill: theme.text, size: 13, weight: "bold" });
        if (titles)
          drawAxisTitles(
            p,
            titles,
            { x0: left, y0: top, w: nHeads * cell, h: scores.length * cell, left: 0, top: head },
            theme,
          );
        for (let hd = 0; hd < nHeads; hd++)
          p.text(left + (hd + 0.5) * cell, top - 6, String(hd), { fill: theme.muted, size: 10, anchor: "middle" });
        scores.forEach((row, l) => {
          p.text(left - 6, top + (l + 0.5) * cell, `layer ${l}`, {
            fill: theme.muted,
            size: 10,
            anchor: "end",
            baseline: "middle",
          });
          for (let hd = 0; hd < nHeads; hd++) {
            const v = row[hd]!;
            const c = colorAt(scale, v, min, max);
            const x = left + hd * cell;
            const y = top + l * cell;
            p.rect(x + 1, y + 1, cell - 2, cell - 2, rgbCss(c));
            if (threshold !== null && v > threshold) p.rect(x, y, cell, cell, null, theme.text, 2.5);
            if (showValues)
              p.text(x + cell / 2, y + cell / 2, v.toFixed(2), {
                fill: textColorOn(c),
                size: 10,
                anchor: "middle",
                baseline: "middle",
              });
          }
        });
        drawColorBar(
          p,
          scale,
          min,
          max,
          left + nHeads * cell + 14,
          top,
          Math.max(100, scores.length * cell),
          theme,
          threshold ?? undefined,
          titles?.colorBar,
        );
      },
    };
  };

  return (
    <Frame theme={theme} label={props.title ?? `Head ${label}s`} style={{ display: "inline-block" }}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={figure} name={props.exportName ?? "head-scores"} />
      </Toolbar>
      <AxisTitled titles={titles} theme={theme}>
        <div
          role="grid"
          aria-label={`${label} per head, layers by heads`}
          style={{ display: "inline-grid", gridTemplateColumns: `auto repeat(${nHeads}, ${cell}px)`, gap: 2 }}
        >
          <div role="row" style={{ display: "contents" }}>
            <span role="columnheader" />
            {Array.from({ length: nHeads }, (_, h) => (
              <span key={h} role="columnheader" style={{ fontSize: 10, color: theme.muted, textAlign: "center" }}>
                {h}
              </span>
            ))}
          </div>
          {scores.map((row, l) => (
            <div key={l} role="row" style={{ display: "contents" }}>
              <span
                role="rowheader"
                style={{ fontSize: 10, color: theme.muted, alignSelf: "center", paddingRight: 6, whiteSpace: "nowrap" }}
              >
                layer {l}
              </span>
              {Array.from({ length: nHeads }, (_, h) => {
                const v = row[h]!;
                const c = colorAt(scale, v, min, max);
                const r = { layer: l, head: h };
                const isAbove = threshold !== null && v > threshold;
                const isSel = same(selected, r);
                return (
                  <span key={h} role="gridcell" aria-selected={isSel}>
                    <button
                      type="button"
                      ref={(el) => {
                        refs.current[l * nHeads + h] = el;
                      }}
                      aria-label={describe(r)}
                      title={describe(r)}
                      data-above-threshold={isAbove || undefined}
                      tabIndex={same(focusable, r) ? 0 : -1}
                      onPointerEnter={() => sel.preview(r)}
                      onPointerLeave={() => sel.preview(null)}
                      onFocus={() => sel.preview(r)}
                      onClick={() => select(r)}
                      onKeyDown={(e) => onKeyDown(e, r)}
                      style={{
                        width: cell,
                        height: cell,
                        padding: 0,
                        borderRadius: 3,
                        cursor: "pointer",
                        background: rgbCss(c),
                        color: textColorOn(c),
                        font: `10px ${theme.font}`,
                        border: isAbove ? `2.5px solid ${theme.text}` : `1px solid transparent`,
                        outline: isSel ? `3px solid ${theme.accent}` : "none",
                        outlineOffset: 1,
                      }}
                    >
                      {showValues ? v.toFixed(2) : ""}
                    </button>
                  </span>
                );
              })}
            </div>
          ))}
        </div>
      </AxisTitled>
      <ColorLegend
        theme={theme}
        colorOf={(v) => colorAt(scale, v, min, max)}
        min={min}
        max={max}
        width={Math.min(320, nHeads * cell)}
        mark={threshold}
        markLabel={threshold !== null ? `threshold ${threshold}` : undefined}
        title={titles?.colorBar}
      />
      <Status theme={theme}>
        {(sel.hovered ?? selected)
          ? describe((sel.hovered ?? selected)!) + (selected ? " · selected" : "")
          : threshold !== null
            ? `Above ${threshold}: ${above.length ? above.join(", ") : "none"}`
            : ""}
      </Status>
    </Frame>
  );
}
