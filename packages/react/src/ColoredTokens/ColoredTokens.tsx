import { useMemo } from "react";
import type { ColorScaleName } from "../lib/color-scales.js";
import { formatValue, shortToken } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { tokensFigure } from "../lib/tokens-figure.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { TokenStrip } from "../shared/TokenStrip.js";
import { tokenColors } from "../shared/ValueTokens.js";
import { useHoverLock } from "../shared/use-hover-lock.js";

export interface ColoredTokensProps {
  /** Tokens to show. */
  tokens: string[];
  /** One value per token (e.g. a neuron's activation, a head's attention to each token, a loss). */
  values: number[] | Float32Array | Float64Array;
  /** Value at the low end of the colour scale. @default -max(|values|) for signed values, else 0 */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(|values|) */
  maxValue?: number;
  /** "auto" shades one hue by magnitude (blue/orange for signed values); or a named scale. @default "auto" */
  colorScale?: "auto" | ColorScaleName;
  /** CSS colour of negative values (CircuitsVis: white at zero, this at `minValue`); overrides `colorScale`. @default none */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero, this at `maxValue`); overrides `colorScale`. @default none */
  positiveColor?: string;
  /** Space below the tokens in CSS px (CircuitsVis leaves room there for its tooltips). @default 0 */
  paddingBottom?: number;
  /** Name of the value shown in tooltips, e.g. "loss". @default "value" */
  valueLabel?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Above this many tokens they are drawn on a canvas. @default 400 */
  canvasTokenThreshold?: number;
  /** Heading shown above the tokens. @default none */
  title?: string;
  /** Called when a token is clicked (locked), null when unlocked. @default none */
  onTokenSelect?: (index: number | null) => void;
  /** File name (without extension) for PNG/SVG export. @default "colored-tokens" */
  exportName?: string;
}

/** Tokens coloured by a value, with the value in a tooltip; signed values use a diverging blue–orange scale. */
export function ColoredTokens(props: ColoredTokensProps) {
  const theme = useTheme(props.theme);
  const { tokens, values } = props;
  if (values.length !== tokens.length) {
    throw new Error(`ColoredTokens: values has ${values.length} entries but there are ${tokens.length} tokens`);
  }
  const range = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    const signed = lo < 0;
    const absMax = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
    return { min: props.minValue ?? (signed ? -absMax : 0), max: props.maxValue ?? absMax };
  }, [values, props.minValue, props.maxValue]);
  const { negativeColor, positiveColor, colorScale } = props;
  const colors = useMemo(
    () => tokenColors(values, range.min, range.max, theme, { colorScale, negativeColor, positiveColor }),
    [values, range, theme, colorScale, negativeColor, positiveColor],
  );
  const sel = useHoverLock<number>();
  const label = props.valueLabel ?? "value";
  const describe = (i: number) => `${shortToken(tokens[i] ?? "", 30)} (${i}) ${label}: ${formatValue(values[i]!)}`;

  const figure = () =>
    tokensFigure({
      tokens,
      colors,
      theme,
      title: props.title,
      caption: `${label}: ${formatValue(range.min)} … ${formatValue(range.max)}`,
    });

  return (
    <Frame
      theme={theme}
      label={props.title ?? "Coloured tokens"}
      style={{ paddingBottom: 12 + (props.paddingBottom ?? 0) }}
    >
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <span style={{ fontSize: 12, color: theme.muted }}>
          {label}: {formatValue(range.min)} … {formatValue(range.max)}
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons theme={theme} figure={figure} name={props.exportName ?? "colored-tokens"} />
      </Toolbar>
      <TokenStrip
        tokens={tokens}
        backgrounds={colors.bg}
        foregrounds={colors.fg}
        active={sel.active}
        locked={sel.locked !== null}
        theme={theme}
        describe={describe}
        onHover={sel.preview}
        onSelect={(i) => {
          sel.lock(i);
          props.onTokenSelect?.(sel.locked === i ? null : i);
        }}
        ariaLabel="Tokens"
        canvasThreshold={props.canvasTokenThreshold ?? 400}
      />
      <Status theme={theme}>
        {sel.active !== null ? describe(sel.active) + (sel.locked !== null ? " · locked" : "") : ""}
      </Status>
    </Frame>
  );
}
