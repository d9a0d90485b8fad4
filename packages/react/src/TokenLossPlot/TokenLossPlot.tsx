import { useMemo, useState, type KeyboardEvent } from "react";
import type { Figure } from "../lib/export.js";
import { formatValue, shortToken } from "../lib/format-token.js";
import type { Painter } from "../lib/painter.js";
import { useTheme, type Theme, type ThemeProp } from "../lib/theme.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { FigureCanvas } from "../shared/FigureCanvas.js";
import { Tooltip } from "../shared/Tooltip.js";
import { useHoverLock } from "../shared/use-hover-lock.js";

export interface TokenLossPlotProps {
  /** The sequence's tokens. */
  tokens: string[];
  /**
   * Per-token loss. Length T − 1 (TransformerLens `per_token=True`: entry i is the loss of predicting
   * token i + 1) or T (entry i belongs to token i; NaN where undefined).
   */
  loss: number[] | Float32Array | Float64Array;
  /** Index of the first token of the second copy in a repeated-token run. @default detected when tokens[1:] is two equal halves, else none */
  repeatStart?: number | null;
  /** Plot width in CSS px. @default 640 */
  width?: number;
  /** Plot height in CSS px. @default 220 */
  height?: number;
  /** Top of the y axis. @default the largest loss */
  maxLoss?: number;
  /** Y axis label. @default "loss (nats)" */
  yLabel?: string;
  /** Heading shown above the plot. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called with the hovered token position (null when the pointer leaves). @default none */
  onTokenHover?: (position: number | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "token-loss" */
  exportName?: string;
}

/** Where the second copy of a BOS + X + X sequence starts, or null. */
export function detectRepeatStart(tokens: readonly string[]): number | null {
  const body = tokens.length - 1;
  if (body < 4 || body % 2 !== 0) return null;
  const half = body / 2;
  for (let i = 1; i <= half; i++) if (tokens[i] !== tokens[i + half]) return null;
  return 1 + half;
}

interface PlotLayout {
  x0: number;
  y0: number;
  w: number;
  h: number;
  width: number;
  height: number;
  T: number;
  yMax: number;
}

function xOf(l: PlotLayout, pos: number) {
  return l.x0 + (l.T <= 1 ? 0 : (pos / (l.T - 1)) * l.w);
}
function yOf(l: PlotLayout, v: number) {
  return l.y0 + l.h - (Math.max(0, Math.min(v, l.yMax)) / l.yMax) * l.h;
}

function niceTicks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(max / 4 || 1));
  const mult = [1, 2, 5, 10].find((m) => max / (m * step) <= 6) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += s) out.push(+v.toFixed(6));
  return out;
}

function mean(xs: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    if (!Number.isFinite(xs[i]!)) continue;
    s += xs[i]!;
    n++;
  }
  return n ? s / n : NaN;
}

function drawPlot(
  p: Painter,
  l: PlotLayout,
  perToken: Float64Array,
  theme: Theme,
  repeat: number | null,
  yLabel: string,
  title?: string,
) {
  if (title) p.text(0, 14, title, { fill: theme.text, size: 13, weight: "bold" });
  if (repeat !== null) {
    // Shade the two copies and mark each half's mean loss.
    const xa = xOf(l, 1) - 2;
    const xm = (xOf(l, repeat - 1) + xOf(l, repeat)) / 2;
    const xb = xOf(l, l.T - 1) + 2;
    p.rect(xa, l.y0, xm - xa, l.h, theme.surface);
    p.line(
      [
        [xm, l.y0],
        [xm, l.y0 + l.h],
      ],
      theme.muted,
      1,
      [4, 3],
    );
    const m1 = mean(perToken, 1, repeat);
    const m2 = mean(perToken, repeat, l.T);
    p.line(
      [
        [xa, yOf(l, m1)],
        [xm, yOf(l, m1)],
      ],
      theme.accent,
      1.5,
      [6, 3],
    );
    p.line(
      [
        [xm, yOf(l, m2)],
        [xb, yOf(l, m2)],
      ],
      theme.accent,
      1.5,
      [6, 3],
    );
    p.text(xa + 4, l.y0 - 5, `first half · mean ${formatValue(m1)}`, { fill: theme.muted, size: 11 });
    p.text(xm + 4, l.y0 - 5, `second half · mean ${formatValue(m2)}`, { fill: theme.muted, size: 11 });
  }
  // Axes and ticks.
  p.line(
    [
      [l.x0, l.y0],
      [l.x0, l.y0 + l.h],
      [l.x0 + l.w, l.y0 + l.h],
    ],
    theme.border,
    1,
  );
  for (const t of niceTicks(l.yMax)) {
    const y = yOf(l, t);
    p.line(
      [
        [l.x0 - 4, y],
        [l.x0, y],
      ],
      theme.border,
      1,
    );
    p.text(l.x0 - 6, y, String(t), { fill: theme.muted, size: 10, anchor: "end", baseline: "middle" });
  }
  const xStep = Math.max(1, Math.ceil(l.T / 10 / 10) * 10);
  for (let i = 0; i < l.T; i += xStep) {
    p.text(xOf(l, i), l.y0 + l.h + 12, String(i), { fill: theme.muted, size: 10, anchor: "middle" });
  }
  p.text(12, l.y0 + l.h / 2, yLabel, { fill: theme.muted, size: 11, anchor: "middle", rotate: -90 });
  p.text(l.x0 + l.w / 2, l.y0 + l.h + 28, "token position", { fill: theme.muted, size: 11, anchor: "middle" });
  // The series.
  const pts: [number, number][] = [];
  for (let i = 0; i < l.T; i++) {
    if (Number.isFinite(perToken[i]!)) pts.push([xOf(l, i), yOf(l, perToken[i]!)]);
  }
  p.line(pts, theme.text, 1.25);
  if (l.T <= 256) for (const [x, y] of pts) p.rect(x - 1.5, y - 1.5, 3, 3, theme.text);
}

/**
 * Per-token loss along the sequence. For repeated-token runs the two copies are shaded and each
 * half's mean marked: induction heads show as a collapse of loss in the second half.
 */
export function TokenLossPlot(props: TokenLossPlotProps) {
  const theme = useTheme(props.theme);
  const { tokens, loss } = props;
  const T = tokens.length;
  if (loss.length !== T && loss.length !== T - 1) {
    throw new Error(
      `TokenLossPlot: loss has ${loss.length} values; expected ${T - 1} (one per predicted token) or ${T} (one per token)`,
    );
  }
  // Align to token positions: with T − 1 values, entry i is the loss at token i + 1.
  const perToken = useMemo(() => {
    const out = new Float64Array(T).fill(NaN);
    const offset = loss.length === T - 1 ? 1 : 0;
    for (let i = 0; i < loss.length; i++) out[i + offset] = loss[i]!;
    return out;
  }, [loss, T]);
  const repeat = props.repeatStart === undefined ? detectRepeatStart(tokens) : props.repeatStart;
  const width = props.width ?? 640;
  const height = props.height ?? 220;
  const layout: PlotLayout = useMemo(() => {
    let m = 0;
    for (const v of perToken) if (Number.isFinite(v) && v > m) m = v;
    const top = (props.title ? 24 : 6) + 16; // room for the half labels above the plot
    return { x0: 48, y0: top, w: width - 60, h: height - top - 36, width, height, T, yMax: props.maxLoss ?? (m || 1) };
  }, [perToken, width, height, T, props.maxLoss, props.title]);
  const yLabel = props.yLabel ?? "loss (nats)";
  const figure: Figure = useMemo(
    () => ({
      width,
      height,
      background: theme.background,
      draw: (p) => drawPlot(p, layout, perToken, theme, repeat, yLabel, props.title),
    }),
    [width, height, theme, layout, perToken, repeat, yLabel, props.title],
  );

  const sel = useHoverLock<number>();
  const [pointerY, setPointerY] = useState(0);
  const pos = sel.active;
  const overlay = useMemo(
    () =>
      pos === null
        ? null
        : (p: Painter) => {
            const x = xOf(layout, pos);
            p.line(
              [
                [x, layout.y0],
                [x, layout.y0 + layout.h],
              ],
              theme.accent,
              1,
            );
            if (Number.isFinite(perToken[pos]!)) p.rect(x - 4, yOf(layout, perToken[pos]!) - 4, 8, 8, theme.accent);
          },
    [pos, layout, perToken, theme],
  );
  const posAt = (x: number) => {
    if (x < layout.x0 - 4 || x > layout.x0 + layout.w + 4) return null;
    return Math.max(0, Math.min(T - 1, Math.round(((x - layout.x0) / layout.w) * (T - 1))));
  };
  const hover = (i: number | null) => {
    sel.preview(i);
    props.onTokenHover?.(i);
  };
  const describe = (i: number) => {
    const half = repeat === null || i === 0 ? "" : i < repeat ? " · first half" : " · second half";
    const v = perToken[i]!;
    return `${shortToken(tokens[i] ?? "", 30)} (${i}): ${Number.isFinite(v) ? `loss ${formatValue(v)}` : "no loss (nothing predicts it)"}${half}`;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(T - 1, (sel.active ?? 0) + d));
    setPointerY(layout.y0 + 20);
    if (sel.locked !== null) sel.lock(next);
    else hover(next);
  };

  return (
    <Frame theme={theme} label={props.title ?? "Per-token loss"} style={{ display: "inline-block" }}>
      <Toolbar>
        <span style={{ fontSize: 12, color: theme.muted }}>
          {T} tokens{repeat !== null ? ` · repeated run, second copy from position ${repeat}` : ""}
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={() => figure} name={props.exportName ?? "token-loss"} />
      </Toolbar>
      <FigureCanvas
        figure={figure}
        overlay={overlay}
        role="application"
        tabIndex={0}
        ariaLabel={`Per-token loss over ${T} tokens. Left and right arrow keys move between tokens.`}
        onKeyDown={onKeyDown}
        onPointer={(x, y) => {
          setPointerY(y);
          hover(posAt(x));
        }}
        onLeave={() => hover(null)}
        onClickAt={(x) => {
          const i = posAt(x);
          if (i !== null) sel.lock(i);
        }}
      >
        {pos !== null && (
          <Tooltip theme={theme} x={Math.min(xOf(layout, pos), width - 220)} y={pointerY}>
            {describe(pos)}
          </Tooltip>
        )}
      </FigureCanvas>
      <Status theme={theme}>
        {pos !== null
          ? describe(pos) + (sel.locked !== null ? " · locked" : "")
          : "Hover the plot to read a token's loss."}
      </Status>
    </Frame>
  );
}
