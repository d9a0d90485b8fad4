import { useMemo, useState } from "react";
import { formatValue, shortToken } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { indexOptions, Select } from "../shared/Select.js";
import { tokensFigure } from "../lib/tokens-figure.js";
import { useHoverLock } from "../shared/use-hover-lock.js";
import { tokenColors, valueRange, ValueTokens } from "../shared/ValueTokens.js";

export interface TextNeuronActivationsProps {
  /** Tokens of one text, or of several texts (samples) as [samples][tokens]. */
  tokens: string[] | string[][];
  /** Activations [tokens][layers][neurons] for one text, or [samples][tokens][layers][neurons] (CircuitsVis layout). */
  activations: number[][][] | number[][][][];
  /** Name of the first dimension. @default "Layer" */
  firstDimensionName?: string;
  /** Name of the second dimension. @default "Neuron" */
  secondDimensionName?: string;
  /** Labels of the first dimension's entries. @default "0", "1", … */
  firstDimensionLabels?: string[];
  /** Labels of the second dimension's entries. @default "0", "1", … */
  secondDimensionLabels?: string[];
  /** Value at the low end of the colour scale. @default −max(|shown activations|) when any is negative, else 0 */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(|shown activations|) */
  maxValue?: number;
  /** CSS colour of negative values (white at zero). @default blue */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero). @default orange */
  positiveColor?: string;
  /** Heading shown above the view. @default none */
  title?: string;
  /** File name (without extension) for PNG/SVG export. @default "text-neuron-activations" */
  exportName?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called when the layer or neuron changes. @default none */
  onSelect?: (choice: { sample: number; first: number; second: number }) => void;
}

/** Sample-major tokens and activations, shapes checked against each other. */
function normalise(tokens: string[] | string[][], acts: number[][][] | number[][][][]) {
  const multi = Array.isArray(tokens[0]);
  const samples = (multi ? tokens : [tokens]) as string[][];
  const a = (multi ? acts : [acts]) as number[][][][];
  if (a.length !== samples.length)
    throw new Error(`TextNeuronActivations: ${samples.length} token lists but ${a.length} activation samples`);
  const first = a[0]?.[0]?.length ?? 0;
  const second = a[0]?.[0]?.[0]?.length ?? 0;
  if (!first || !second)
    throw new Error("TextNeuronActivations: activations must be [tokens][layers][neurons] with at least one of each");
  a.forEach((s, i) => {
    if (s.length !== samples[i]!.length)
      throw new Error(
        `TextNeuronActivations: sample ${i} has ${samples[i]!.length} tokens but ${s.length} activation rows`,
      );
    s.forEach((t, j) => {
      if (t.length !== first)
        throw new Error(
          `TextNeuronActivations: sample ${i} token ${j} has ${t.length} entries in the first dimension, expected ${first}`,
        );
      t.forEach((n, l) => {
        if (n.length !== second)
          throw new Error(
            `TextNeuronActivations: sample ${i} token ${j} [${l}] has ${n.length} entries, expected ${second}`,
          );
      });
    });
  });
  return { samples, acts: a, first, second };
}

/**
 * Text coloured by one neuron's activation on each token: pick the layer and neuron (or any two
 * dimensions) with the drop-downs; several texts get a sample selector.
 */
export function TextNeuronActivations(props: TextNeuronActivationsProps) {
  const theme = useTheme(props.theme);
  const { samples, acts, first, second } = useMemo(
    () => normalise(props.tokens, props.activations),
    [props.tokens, props.activations],
  );
  const [sample, setSample] = useState(0);
  const [f, setF] = useState(0);
  const [n, setN] = useState(0);
  const s = Math.min(sample, samples.length - 1);
  const values = useMemo(
    () => acts[s]!.map((t) => t[Math.min(f, first - 1)]![Math.min(n, second - 1)]!),
    [acts, s, f, n, first, second],
  );
  const range = valueRange(values, props.minValue, props.maxValue);
  const sel = useHoverLock<number>();
  const firstName = props.firstDimensionName ?? "Layer";
  const secondName = props.secondDimensionName ?? "Neuron";
  const fLabel = props.firstDimensionLabels?.[f] ?? String(f);
  const nLabel = props.secondDimensionLabels?.[n] ?? String(n);
  const tokens = samples[s]!;
  const change = (next: { sample?: number; first?: number; second?: number }) => {
    const c = { sample: next.sample ?? s, first: next.first ?? f, second: next.second ?? n };
    setSample(c.sample);
    setF(c.first);
    setN(c.second);
    props.onSelect?.(c);
  };
  const describe = (i: number) =>
    `${shortToken(tokens[i] ?? "", 30)} (${i}) ${firstName} ${fLabel} ${secondName} ${nLabel}: ${formatValue(values[i]!)}`;

  return (
    <Frame theme={theme} label={props.title ?? "Text neuron activations"}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        {samples.length > 1 && (
          <Select
            theme={theme}
            label="Sample"
            value={s}
            options={indexOptions(samples.length)}
            onChange={(v) => change({ sample: v })}
          />
        )}
        <Select
          theme={theme}
          label={firstName}
          value={f}
          options={indexOptions(first, props.firstDimensionLabels)}
          onChange={(v) => change({ first: v })}
        />
        <Select
          theme={theme}
          label={secondName}
          value={n}
          options={indexOptions(second, props.secondDimensionLabels)}
          onChange={(v) => change({ second: v })}
        />
        <span style={{ fontSize: 12, color: theme.muted }}>
          {formatValue(range.min)} … {formatValue(range.max)}
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons
          theme={theme}
          figure={() =>
            tokensFigure({
              tokens,
              colors: tokenColors(values, range.min, range.max, theme, props),
              theme,
              title: props.title,
              caption: `${firstName} ${fLabel}, ${secondName} ${nLabel}: ${formatValue(range.min)} … ${formatValue(range.max)}`,
            })
          }
          name={props.exportName ?? "text-neuron-activations"}
        />
      </Toolbar>
      <ValueTokens
        tokens={tokens}
        values={values}
        min={range.min}
        max={range.max}
        theme={theme}
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
        {sel.active !== null
          ? describe(sel.active)
          : `${firstName} ${fLabel}, ${secondName} ${nLabel}. Hover a token to read its activation.`}
      </Status>
    </Frame>
  );
}
