import { useMemo, useState } from "react";
import { formatValue, shortToken } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { buttonStyle, ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { tokensFigure } from "../lib/tokens-figure.js";
import { useHoverLock } from "../shared/use-hover-lock.js";
import { tokenColors, ValueTokens } from "../shared/ValueTokens.js";

export interface ColoredTokensMultiProps {
  /** The S tokens. */
  tokens: string[];
  /** K value series over the tokens, [S][K] (one row per token), as CircuitsVis takes them. */
  values: number[][];
  /** Names of the K series. @default "0", "1", … */
  labels?: string[];
  /** Value shown at full positive colour, per series. @default the series' largest value (at least 1e-7) */
  positiveBounds?: number[];
  /** Value shown at full negative colour, per series. @default the series' smallest value (at most −1e-7) */
  negativeBounds?: number[];
  /** Series shown at first. @default 0 */
  initialSeries?: number;
  /** CSS colour of negative values (white at zero). @default blue */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero). @default orange */
  positiveColor?: string;
  /** Space below the view in CSS px (CircuitsVis leaves room there for its tooltips). @default 0 */
  paddingBottom?: number;
  /** Heading shown above the tokens. @default none */
  title?: string;
  /** File name (without extension) for PNG/SVG export. @default "colored-tokens-multi" */
  exportName?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called when the shown series changes. @default none */
  onSeriesSelect?: (series: number) => void;
}

/**
 * Several value series over the same tokens (e.g. logit, log-prob and prob of each token): pick
 * a series with the buttons, tokens are coloured by it, hovering a token lists all its values.
 */
export function ColoredTokensMulti(props: ColoredTokensMultiProps) {
  const theme = useTheme(props.theme);
  const { tokens, values } = props;
  if (values.length !== tokens.length)
    throw new Error(
      `ColoredTokensMulti: values has ${values.length} rows but there are ${tokens.length} tokens; expected [tokens][series]`,
    );
  const K = values[0]?.length ?? 0;
  if (!K) throw new Error("ColoredTokensMulti: values has no series");
  values.forEach((r, i) => {
    if (r.length !== K) throw new Error(`ColoredTokensMulti: values[${i}] has ${r.length} series, expected ${K}`);
  });
  const labels = props.labels ?? Array.from({ length: K }, (_, k) => String(k));
  if (labels.length !== K)
    throw new Error(`ColoredTokensMulti: labels has ${labels.length} names but values has ${K} series`);
  for (const [name, b] of [
    ["positiveBounds", props.positiveBounds],
    ["negativeBounds", props.negativeBounds],
  ] as const) {
    if (b && b.length !== K) throw new Error(`ColoredTokensMulti: ${name} has ${b.length} entries, expected ${K}`);
  }
  const [series, setSeries] = useState(Math.min(K - 1, Math.max(0, props.initialSeries ?? 0)));
  const column = useMemo(() => values.map((r) => r[series]!), [values, series]);
  const max = props.positiveBounds?.[series] ?? Math.max(1e-7, ...column);
  const min = props.negativeBounds?.[series] ?? Math.min(-1e-7, ...column);
  const sel = useHoverLock<number>();
  const choose = (k: number) => {
    setSeries(k);
    props.onSeriesSelect?.(k);
  };
  const describe = (i: number) =>
    `${shortToken(tokens[i] ?? "", 30)} (${i}): ${labels.map((l, k) => `${l} ${formatValue(values[i]![k]!)}`).join(", ")}`;

  return (
    <Frame
      theme={theme}
      label={props.title ?? "Coloured tokens, several series"}
      style={{ paddingBottom: 12 + (props.paddingBottom ?? 0) }}
    >
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <span role="group" aria-label="Value series" style={{ display: "inline-flex", flexWrap: "wrap", gap: 4 }}>
          {labels.map((l, k) => (
            <button
              key={k}
              type="button"
              aria-pressed={k === series}
              style={buttonStyle(theme, k === series)}
              onClick={() => choose(k)}
              onFocus={() => choose(k)}
            >
              {l}
            </button>
          ))}
        </span>
        <span style={{ fontSize: 12, color: theme.muted }}>
          {labels[series]}: {formatValue(min)} … {formatValue(max)}
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons
          theme={theme}
          figure={() =>
            tokensFigure({
              tokens,
              colors: tokenColors(column, min, max, theme, props),
              theme,
              title: props.title,
              caption: `${labels[series]}: ${formatValue(min)} … ${formatValue(max)}`,
            })
          }
          name={props.exportName ?? "colored-tokens-multi"}
        />
      </Toolbar>
      <ValueTokens
        tokens={tokens}
        values={column}
        min={min}
        max={max}
        theme={theme}
        colorScale="auto"
        negativeColor={props.negativeColor}
        positiveColor={props.positiveColor}
        describe={describe}
        active={sel.active}
        locked={sel.locked !== null}
        onHover={sel.preview}
        onSelect={sel.lock}
        ariaLabel="Tokens"
      />
      <Status theme={theme}>
        {sel.active !== null ? describe(sel.active) : `Showing ${labels[series]}. Hover a token to read every series.`}
      </Status>
    </Frame>
  );
}
