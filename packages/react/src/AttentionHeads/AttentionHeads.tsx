import { useCallback, useMemo, useState } from "react";
import { attentionColumn, attentionRow, toAttentionTensor, type AttentionInput } from "../lib/attention-data.js";
import type { ColorScaleName } from "../lib/color-scales.js";
import { scaleFromProps } from "../lib/scale-props.js";
import type { Figure } from "../lib/export.js";
import { formatValue, shortToken } from "../lib/format-token.js";
import { colorAt } from "../lib/color-scales.js";
import { heatmapBitmap, type HeatmapStyle } from "../lib/heatmap.js";
import {
  AXIS_TITLE_BAND,
  axisTitlesFrom,
  drawAxisTitles,
  drawColorBar,
  PATTERN_AXIS_TITLES,
} from "../lib/pattern-figure.js";
import { AxisTitled } from "../shared/AxisTitled.js";
import { ColorLegend } from "../shared/ColorLegend.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { describeTop, highlightBackgrounds, highlightForegrounds } from "../lib/token-colors.js";
import type { AttentionDirection } from "../AttentionPatterns/AttentionPatterns.js";
import { DirectionToggle, ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { HeadSelector } from "../shared/HeadSelector.js";
import { TokenStrip } from "../shared/TokenStrip.js";
import { useHoverLock } from "../shared/use-hover-lock.js";

export interface AttentionHeadsProps {
  /** The sequence's tokens (queries and keys). */
  tokens: string[];
  /** Attention [head][query][key]: nested arrays, a flat Float32Array (fast path), or `{ data, shape }`. */
  attention: AttentionInput;
  /** Label per head, e.g. "1.4". @default "0", "1", … */
  headLabels?: string[];
  /** Heads per row of the grid (heads per layer gives one row per layer). @default 6 */
  headsPerRow?: number;
  /** Size of each head's heatmap in CSS px. @default 140 */
  headSize?: number;
  /** How token hover reads the patterns at first; the toolbar toggles it. @default "destination" */
  initialDirection?: AttentionDirection;
  /** Value at the top of the colour scale. @default 1 */
  maxValue?: number;
  /** Value at the bottom of the colour scale. @default 0 */
  minValue?: number;
  /** Colour scale. @default "viridis" */
  colorScale?: ColorScaleName;
  /** Grey out cells above the diagonal. @default true */
  maskUpperTriangle?: boolean;
  /** CircuitsVis's name for `maskUpperTriangle` (used when that is not given). @default as maskUpperTriangle */
  maskUpperTri?: boolean;
  /** CSS colour of negative values (CircuitsVis two-colour scale: white at zero, this at `minValue`); overrides `colorScale`. @default none */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero, this at `maxValue`); overrides `colorScale`. @default none */
  positiveColor?: string;
  /** Axis titles (every head's rows and columns) and the colour-bar title, on screen and in exports; false hides them. @default true */
  showAxisLabels?: boolean;
  /** Title of the vertical axis (each head's rows); "" leaves it out. @default "Destination token" */
  rowTitle?: string;
  /** Title of the horizontal axis (each head's columns); "" leaves it out. @default "Source token" */
  columnTitle?: string;
  /** Title of the colour bar; "" leaves it out. @default "Attention" */
  colorBarTitle?: string;
  /** Scale token highlights so the most-attended token is fully coloured. @default true */
  normalizeTokenColors?: boolean;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Above this many tokens the token strip is drawn on a canvas. @default 400 */
  canvasTokenThreshold?: number;
  /** Heading shown above the grid. @default none */
  title?: string;
  /** Called when a head is locked (null when unlocked). @default none */
  onHeadSelect?: (head: number | null) => void;
  /** The focused (locked) head when the parent controls it: an index into the heads, or null for none. Leave undefined for uncontrolled. @default uncontrolled */
  selectedHead?: number | null;
  /** Called when a head is clicked or chosen with Enter/Space: its index, or null when the locked head is clicked again (same as `onHeadSelect`). @default none */
  onSelectHead?: (head: number | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "attention-heads" */
  exportName?: string;
}

/**
 * Every head's pattern in a grid, with a shared token strip: hovering a token marks its row (or
 * column) in every head at once and colours the strip by the focused head — or by the mean over
 * heads when none is focused. Hover previews, click locks, Escape unlocks, arrows move.
 */
export function AttentionHeads(props: AttentionHeadsProps) {
  const theme = useTheme(props.theme);
  const { tokens } = props;
  const T = tokens.length;
  const tensor = useMemo(() => toAttentionTensor(props.attention, T, T), [props.attention, T]);
  const labels = useMemo(
    () => props.headLabels ?? Array.from({ length: tensor.heads }, (_, h) => String(h)),
    [props.headLabels, tensor.heads],
  );
  if (labels.length !== tensor.heads)
    throw new Error(`headLabels has ${labels.length} labels but attention has ${tensor.heads} heads`);
  const { colorScale, negativeColor, positiveColor } = props;
  const min = props.minValue ?? 0;
  const max = props.maxValue ?? 1;
  const maskUpper = props.maskUpperTriangle ?? props.maskUpperTri ?? true;
  const style: HeatmapStyle = useMemo(
    () => ({
      scale: scaleFromProps({ colorScale, negativeColor, positiveColor }, min, max, "viridis"),
      min,
      max,
      maskUpper,
      maskColor: theme.mask,
    }),
    [colorScale, negativeColor, positiveColor, min, max, maskUpper, theme.mask],
  );

  const heads = useHoverLock<number>();
  const controlledHead = props.selectedHead !== undefined;
  const lockedHead = controlledHead ? props.selectedHead! : heads.locked;
  const focusHead = heads.hovered ?? lockedHead;
  const toks = useHoverLock<number>();
  const [direction, setDirection] = useState<AttentionDirection>(props.initialDirection ?? "destination");
  const active = toks.active;
  const { lock: lockHead } = heads;
  const { onHeadSelect, onSelectHead } = props;
  const selectHead = useCallback(
    (h: number) => {
      if (!controlledHead) lockHead(h);
      const next = lockedHead === h ? null : h;
      onHeadSelect?.(next);
      onSelectHead?.(next);
    },
    [lockHead, lockedHead, onHeadSelect, onSelectHead, controlledHead],
  );

  const mark = useMemo(
    () => (active === null ? null : direction === "destination" ? { q: active } : { k: active }),
    [active, direction],
  );
  const { preview: previewToken } = toks;
  const { preview: previewHead } = heads;
  const onCellHover = useCallback(
    (h: number, c: { q: number; k: number } | null) => {
      previewHead(c ? h : null);
      previewToken(c ? (direction === "destination" ? c.q : c.k) : null);
    },
    [previewHead, previewToken, direction],
  );

  // Highlight values: the focused head's row/column, or the mean over all heads.
  const values = useMemo(() => {
    if (active === null) return null;
    const pick = (h: number) =>
      direction === "destination" ? attentionRow(tensor, h, active) : attentionColumn(tensor, h, active);
    if (focusHead !== null) return pick(focusHead);
    const mean = new Float32Array(T);
    for (let h = 0; h < tensor.heads; h++) {
      const v = pick(h);
      for (let i = 0; i < T; i++) mean[i]! += v[i]! / tensor.heads;
    }
    return mean;
  }, [active, direction, tensor, focusHead, T]);
  const normalize = props.normalizeTokenColors ?? true;
  const bg = useMemo(
    () => (values ? highlightBackgrounds(values, theme, normalize, max) : null),
    [values, theme, normalize, max],
  );
  const fg = useMemo(
    () => (values ? highlightForegrounds(values, theme, normalize, max) : null),
    [values, theme, normalize, max],
  );

  const which = focusHead !== null ? `Head ${labels[focusHead]}` : "Mean over heads";
  let status = `Hover a token or a cell. ${focusHead !== null ? `Focused: Head ${labels[focusHead]}${lockedHead !== null ? " (locked)" : ""}.` : ""}`;
  if (active !== null && values) {
    status = `${which}: ${JSON.stringify(shortToken(tokens[active] ?? "", 30).replace(/\u00a0/g, " "))} (${active}) ${
      direction === "destination" ? "attends most to" : "is attended most by"
    } ${describeTop(values, tokens)}${toks.locked !== null ? " · locked, Escape to unlock" : ""}`;
  }

  const size = props.headSize ?? 140;
  const columns = props.headsPerRow ?? 6;
  const titles = axisTitlesFrom(props, PATTERN_AXIS_TITLES);
  const figure = (): Figure => {
    const pad = 8;
    const label = 16;
    const rows = Math.ceil(tensor.heads / columns);
    const cellW = size + pad;
    const cellH = size + label + pad;
    const band = titles ? AXIS_TITLE_BAND : 0;
    const top = 38 + band;
    const left = pad + band;
    return {
      width: left + columns * cellW + Math.max(64, titles ? 16 + titles.colorBar.length * 6.4 : 0),
      height: rows * cellH + pad + top,
      background: theme.background,
      draw(p) {
        p.text(pad, 16, props.title ?? "Attention heads", { fill: theme.text, size: 13, weight: "bold" });
        p.text(pad, 30, `rows: destination (query) ↓ · columns: source (key) → · ${T} tokens`, {
          fill: theme.muted,
          size: 10,
        });
        for (let h = 0; h < tensor.heads; h++) {
          const x = left + (h % columns) * cellW;
          const y = top + pad + Math.floor(h / columns) * cellH;
          p.image(heatmapBitmap(tensor, h, style, Math.ceil(size * 2)), x, y, size, size);
          p.text(x + size / 2, y + size + 12, `Head ${labels[h]!}`, { fill: theme.muted, size: 11, anchor: "middle" });
        }
        if (titles)
          drawAxisTitles(
            p,
            titles,
            { x0: left, y0: top + pad, w: columns * cellW - pad, h: rows * cellH - pad, left: 0, top: 38 },
            theme,
          );
        drawColorBar(
          p,
          style.scale,
          min,
          max,
          left + columns * cellW + 6,
          top + pad,
          Math.min(160, rows * cellH - pad),
          theme,
          undefined,
          titles?.colorBar,
        );
      },
    };
  };

  return (
    <Frame theme={theme} label={props.title ?? "Attention heads"}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <DirectionToggle theme={theme} direction={direction} onChange={setDirection} />
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={figure} name={props.exportName ?? "attention-heads"} />
      </Toolbar>
      <AxisTitled titles={titles} theme={theme} fill>
        <HeadSelector
          tensor={tensor}
          style={style}
          labels={labels}
          size={size}
          theme={theme}
          selected={lockedHead}
          previewed={heads.hovered}
          onPreview={heads.preview}
          onSelect={selectHead}
          columns={columns}
          ariaLabel="Attention heads"
          mark={mark}
          onCellHover={onCellHover}
        />
      </AxisTitled>
      <ColorLegend
        theme={theme}
        colorOf={(v) => colorAt(style.scale, v, min, max)}
        min={min}
        max={max}
        width={200}
        title={titles?.colorBar}
      />
      <div style={{ marginTop: 10 }}>
        <TokenStrip
          tokens={tokens}
          backgrounds={bg}
          foregrounds={fg}
          active={active}
          locked={toks.locked !== null}
          theme={theme}
          describe={(i) =>
            `${shortToken(tokens[i] ?? "", 30)} (${i})${values && active !== i ? `: ${formatValue(values[i] ?? 0)}` : ""}`
          }
          onHover={toks.preview}
          onSelect={toks.lock}
          ariaLabel="Tokens"
          canvasThreshold={props.canvasTokenThreshold ?? 400}
        />
      </div>
      <Status theme={theme}>{status}</Status>
    </Frame>
  );
}
