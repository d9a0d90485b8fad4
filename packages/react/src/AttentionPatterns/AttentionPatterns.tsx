import { useCallback, useMemo, useState } from "react";
import { attentionColumn, attentionRow, toAttentionTensor, type AttentionInput } from "../lib/attention-data.js";
import { formatValue, MASKED, shortToken } from "../lib/format-token.js";
import { cellAt, drawPatternOverlay } from "../lib/pattern-figure.js";
import type { Painter } from "../lib/painter.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { describeTop, highlightBackgrounds, highlightForegrounds } from "../lib/token-colors.js";
import { buttonStyle, DirectionToggle, ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { FigureCanvas } from "../shared/FigureCanvas.js";
import { HeadSelector } from "../shared/HeadSelector.js";
import { TokenStrip } from "../shared/TokenStrip.js";
import { Tooltip } from "../shared/Tooltip.js";
import { useHoverLock } from "../shared/use-hover-lock.js";
import { sameTokenLists, usePatternFigure, type PatternFigureProps } from "../shared/use-pattern-figure.js";

/**
 * Which way token hover reads the pattern: "destination" shows where the hovered token attends
 * (its row: destination → sources); "source" shows which tokens attend to it (its column:
 * source ← destinations).
 */
export type AttentionDirection = "destination" | "source";

/** A token picked by hover or click: its index and whether it is a query (row) or key (column). */
export interface TokenRef {
  index: number;
  side: "query" | "key";
}

export interface AttentionPatternsProps extends PatternFigureProps {
  /** The sequence's tokens, used for both queries and keys unless those are given. */
  tokens: string[];
  /** Destination (query) tokens when they differ from `tokens`. @default tokens */
  queryTokens?: string[];
  /** Source (key) tokens when they differ from `tokens`. @default tokens */
  keyTokens?: string[];
  /** Attention [head][query][key]: nested arrays, a flat Float32Array (fast path), or `{ data, shape }`. */
  attention: AttentionInput;
  /** Label per head, e.g. "1.4" for layer 1 head 4 (see `stackLayers` for all layers). @default "0", "1", … */
  headLabels?: string[];
  /** Thumbnails per row in the head selector; set to heads per layer to get one row per layer. @default 12 */
  headsPerRow?: number;
  /** Layer whose heads the selector shows at first, when `headLabels` are "layer.head"; the toolbar switches it. @default "all" */
  initialLayer?: "all" | number;
  /** Head shown (locked) at first. @default 0 */
  initialHead?: number;
  /** How token hover reads the pattern at first; the toolbar toggles it. @default "destination" */
  initialDirection?: AttentionDirection;
  /** Width/height of the large heatmap in CSS px. @default 360 */
  size?: number;
  /** Width/height of each head thumbnail in CSS px. @default 64 */
  thumbnailSize?: number;
  /** Scale token highlights so the most-attended token is fully coloured. @default true */
  normalizeTokenColors?: boolean;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Above this many tokens the token strip is drawn on a canvas. @default 400 */
  canvasTokenThreshold?: number;
  /** Heading shown above the view. @default none */
  title?: string;
  /** Called when a head is locked by click or Enter/Space. @default none */
  onHeadSelect?: (head: number | null) => void;
  /** The shown (locked) head when the parent controls it: an index into the heads, or null for none locked (head 0 shown). Leave undefined for uncontrolled. @default uncontrolled */
  selectedHead?: number | null;
  /** Called with the head's index when a head is clicked or chosen with Enter/Space (same as `onHeadSelect`). @default none */
  onSelectHead?: (head: number | null) => void;
  /** Called when a token is locked (null when unlocked). @default none */
  onTokenSelect?: (token: TokenRef | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "attention-patterns" */
  exportName?: string;
}

/**
 * Head selector of per-head thumbnails, the chosen head large, and a token strip. Hover previews,
 * click locks, Escape unlocks; arrow keys move between heads and tokens.
 */
export function AttentionPatterns(props: AttentionPatternsProps) {
  const theme = useTheme(props.theme);
  const qTokens = props.queryTokens ?? props.tokens;
  const kTokens = props.keyTokens ?? props.tokens;
  const sameTokens = sameTokenLists(qTokens, kTokens);
  const tensor = useMemo(
    () => toAttentionTensor(props.attention, qTokens.length, kTokens.length),
    [props.attention, qTokens.length, kTokens.length],
  );
  const labels = useMemo(
    () => props.headLabels ?? Array.from({ length: tensor.heads }, (_, h) => String(h)),
    [props.headLabels, tensor.heads],
  );
  if (labels.length !== tensor.heads)
    throw new Error(`headLabels has ${labels.length} labels but attention has ${tensor.heads} heads`);
  if (props.initialHead !== undefined && !(props.initialHead >= 0 && props.initialHead < tensor.heads)) {
    throw new Error(
      `initialHead ${props.initialHead} is out of range: attention has ${tensor.heads} heads (0–${tensor.heads - 1})`,
    );
  }

  // "layer.head" labels from several layers enable the one-layer / all-layers switch.
  const layerOf = useMemo(() => labels.map((l) => (/^\d+\.\d+$/.test(l) ? Number(l.split(".")[0]) : null)), [labels]);
  const layers = useMemo(() => {
    if (layerOf.some((l) => l === null)) return [];
    return [...new Set(layerOf as number[])].sort((a, b) => a - b);
  }, [layerOf]);
  const [layer, setLayer] = useState<"all" | number>(props.initialLayer ?? "all");
  const visible = useMemo(
    () =>
      layer === "all" || layers.length < 2 ? undefined : labels.map((_, h) => h).filter((h) => layerOf[h] === layer),
    [layer, layers, labels, layerOf],
  );

  const heads = useHoverLock<number>(props.initialHead ?? 0);
  // Hovering a head previews it even while another is locked; leaving returns to the locked one.
  const controlledHead = props.selectedHead !== undefined;
  const lockedHead = controlledHead ? props.selectedHead! : heads.locked;
  const head = heads.hovered ?? lockedHead ?? 0;
  const tokens = useHoverLock<TokenRef>();
  const { set: lockHead } = heads;
  const { lock: lockToken, locked: lockedToken } = tokens;
  const [direction, setDirection] = useState<AttentionDirection>(props.initialDirection ?? "destination");
  const [cell, setCell] = useState<{ q: number; k: number } | null>(null);
  const [pointer, setPointer] = useState<{ x: number; y: number }>({ x: 0, y: 0 });

  const { onHeadSelect, onSelectHead, onTokenSelect } = props;
  const selectHead = useCallback(
    (h: number) => {
      // A head is always shown, so clicking the locked head keeps it; Escape unlocks.
      if (!controlledHead) lockHead(h);
      onHeadSelect?.(h);
      onSelectHead?.(h);
    },
    [lockHead, onHeadSelect, onSelectHead, controlledHead],
  );
  const selectToken = useCallback(
    (t: TokenRef) => {
      lockToken(t);
      onTokenSelect?.(lockedToken && lockedToken.index === t.index && lockedToken.side === t.side ? null : t);
    },
    [lockToken, lockedToken, onTokenSelect],
  );

  const size = props.size ?? 360;
  const { style, maskUpper, layout, figure, exportFigure } = usePatternFigure({
    props,
    tensor,
    head,
    queryTokens: qTokens,
    keyTokens: kTokens,
    theme,
    size,
    title: `Head ${labels[head]}`,
    exportTitle: `${props.title ? `${props.title} · ` : ""}Head ${labels[head]}`,
  });

  const active = tokens.active;
  const overlay = useMemo(
    () => (p: Painter) =>
      drawPatternOverlay(p, layout, theme, {
        q: active?.side === "query" ? active.index : null,
        k: active?.side === "key" ? active.index : null,
        cell,
      }),
    [layout, theme, active, cell],
  );

  // Values driving the token highlights: the active query's row or the active key's column.
  const values = useMemo(() => {
    if (!active) return null;
    return active.side === "query"
      ? attentionRow(tensor, head, active.index)
      : attentionColumn(tensor, head, active.index);
  }, [tensor, head, active]);
  const normalize = props.normalizeTokenColors ?? true;
  const max = props.maxValue ?? 1;
  const colors = useMemo(
    () =>
      values
        ? {
            bg: highlightBackgrounds(values, theme, normalize, max),
            fg: highlightForegrounds(values, theme, normalize, max),
          }
        : null,
    [values, theme, normalize, max],
  );

  const hoverSide: TokenRef["side"] = direction === "destination" ? "query" : "key";
  const describeToken = (side: TokenRef["side"]) => (i: number) => {
    const list = side === "query" ? qTokens : kTokens;
    const base = `${shortToken(list[i] ?? "", 30)} (${i})`;
    if (!values || !active || active.side === side) return base;
    return `${base}: ${formatValue(values[i] ?? 0)}`;
  };

  let status = `Head ${labels[head]}${lockedHead !== null ? " (locked)" : ""}. Hover a token to see ${
    direction === "destination" ? "where it attends" : "what attends to it"
  }.`;
  if (active && values) {
    const list = active.side === "query" ? qTokens : kTokens;
    const other = active.side === "query" ? kTokens : qTokens;
    const verb = active.side === "query" ? "attends most to" : "is attended most by";
    status = `Head ${labels[head]}: ${JSON.stringify(shortToken(list[active.index] ?? "", 30).replace(/\u00a0/g, " "))} (${active.index}) ${verb} ${describeTop(values, other)}${
      tokens.locked ? " · locked, Escape to unlock" : ""
    }`;
  }
  const cellText = (c: { q: number; k: number }) =>
    maskUpper && c.k > c.q ? MASKED : formatValue(tensor.data[(head * tensor.queries + c.q) * tensor.keys + c.k]!);
  if (cell) status += ` · cell [${cell.q}, ${cell.k}] = ${cellText(cell)}`;

  const strip = (side: TokenRef["side"], list: string[], label: string) => {
    // A shared strip shows both the active token and its highlights; with separate query and key
    // lists the highlights go on the other list.
    const isSource = sameTokens || active?.side !== side;
    return (
      <TokenStrip
        tokens={list}
        backgrounds={isSource ? (colors?.bg ?? null) : null}
        foregrounds={isSource ? (colors?.fg ?? null) : null}
        active={sameTokens || active?.side === side ? (active?.index ?? null) : null}
        locked={tokens.locked !== null}
        theme={theme}
        describe={describeToken(side)}
        onHover={(i) => tokens.preview(i === null ? null : { index: i, side })}
        onSelect={(i) => selectToken({ index: i, side })}
        ariaLabel={label}
        canvasThreshold={props.canvasTokenThreshold ?? 400}
      />
    );
  };

  return (
    <Frame theme={theme} label={props.title ?? "Attention patterns"}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <DirectionToggle theme={theme} direction={direction} onChange={setDirection} />
        {layers.length > 1 && (
          <span role="group" aria-label="Layers shown" style={{ display: "inline-flex", gap: 4 }}>
            {(["all", ...layers] as const).map((l) => (
              <button
                key={l}
                type="button"
                aria-pressed={layer === l}
                style={buttonStyle(theme, layer === l)}
                onClick={() => setLayer(l)}
              >
                {l === "all" ? "All layers" : `Layer ${l}`}
              </button>
            ))}
          </span>
        )}
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={exportFigure} name={props.exportName ?? "attention-patterns"} />
      </Toolbar>
      <HeadSelector
        tensor={tensor}
        style={style}
        labels={labels}
        size={props.thumbnailSize ?? 64}
        theme={theme}
        selected={lockedHead}
        previewed={heads.hovered}
        onPreview={heads.preview}
        onSelect={selectHead}
        columns={props.headsPerRow ?? 12}
        visible={visible}
        ariaLabel="Attention heads"
      />
      <div style={{ marginTop: 10 }}>
        <FigureCanvas
          figure={figure}
          overlay={overlay}
          ariaLabel={`Attention pattern of head ${labels[head]}, ${tensor.queries} destination × ${tensor.keys} source tokens`}
          onPointer={(x, y) => {
            const c = cellAt(layout, x, y);
            setCell(c);
            setPointer({ x, y });
            tokens.preview(c ? { index: hoverSide === "query" ? c.q : c.k, side: hoverSide } : null);
          }}
          onLeave={() => {
            setCell(null);
            tokens.preview(null);
          }}
          onClickAt={(x, y) => {
            const c = cellAt(layout, x, y);
            if (c) selectToken({ index: hoverSide === "query" ? c.q : c.k, side: hoverSide });
          }}
        >
          {cell && (
            <Tooltip theme={theme} x={Math.min(pointer.x, layout.width - 220)} y={pointer.y}>
              {`${shortToken(qTokens[cell.q] ?? "", 20)} (${cell.q}) → ${shortToken(kTokens[cell.k] ?? "", 20)} (${cell.k}): ${cellText(cell)}`}
            </Tooltip>
          )}
        </FigureCanvas>
      </div>
      <div style={{ marginTop: 10 }}>
        {sameTokens ? (
          strip(hoverSide, qTokens, "Tokens")
        ) : (
          <>
            <div style={{ fontSize: 11, color: theme.muted }}>Destination (query) tokens</div>
            {strip("query", qTokens, "Destination tokens")}
            <div style={{ fontSize: 11, color: theme.muted, marginTop: 6 }}>Source (key) tokens</div>
            {strip("key", kTokens, "Source tokens")}
          </>
        )}
      </div>
      <Status theme={theme}>{status}</Status>
    </Frame>
  );
}
