import { useMemo, useState } from "react";
import { formatValue, shortToken } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { Frame, Status, Toolbar } from "../shared/controls.js";
import { indexOptions, Select } from "../shared/Select.js";
import { valueRange, ValueTokens } from "../shared/ValueTokens.js";

export interface TopkSamplesProps {
  /** Tokens [layers][neurons][samples][tokens]: for each neuron, its top-activating texts, strongest first. */
  tokens: string[][][][];
  /** Activations of the same shape as `tokens`. */
  activations: number[][][][];
  /** Name of the zeroth dimension. @default "Layer" */
  zerothDimensionName?: string;
  /** Name of the first dimension. @default "Neuron" */
  firstDimensionName?: string;
  /** Labels of the zeroth dimension's entries. @default "0", "1", … */
  zerothDimensionLabels?: string[];
  /** Labels of the first dimension's entries. @default "0", "1", … */
  firstDimensionLabels?: string[];
  /** Samples shown at once. @default 5 */
  samplesPerPage?: number;
  /** CSS colour of negative values (white at zero). @default blue */
  negativeColor?: string;
  /** CSS colour of positive values (white at zero). @default orange */
  positiveColor?: string;
  /** Value at the low end of the colour scale. @default −max(|values|) when any is negative, else 0 */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(|values|) */
  maxValue?: number;
  /** Heading shown above the view. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
}

function check(tokens: string[][][][], acts: number[][][][]) {
  if (!tokens.length || !tokens[0]!.length)
    throw new Error(
      "TopkSamples: tokens must be [layers][neurons][samples][tokens] with at least one layer and neuron",
    );
  if (acts.length !== tokens.length)
    throw new Error(`TopkSamples: activations has ${acts.length} layers but tokens has ${tokens.length}`);
  tokens.forEach((layer, l) => {
    if (acts[l]!.length !== layer.length)
      throw new Error(
        `TopkSamples: activations[${l}] has ${acts[l]!.length} neurons but tokens[${l}] has ${layer.length}`,
      );
    layer.forEach((samples, n) => {
      if (acts[l]![n]!.length !== samples.length)
        throw new Error(
          `TopkSamples: activations[${l}][${n}] has ${acts[l]![n]!.length} samples but tokens[${l}][${n}] has ${samples.length}`,
        );
      samples.forEach((t, s) => {
        if (acts[l]![n]![s]!.length !== t.length) {
          throw new Error(
            `TopkSamples: activations[${l}][${n}][${s}] has ${acts[l]![n]![s]!.length} values but tokens[${l}][${n}][${s}] has ${t.length} tokens`,
          );
        }
      });
    });
  });
}

/**
 * The texts that activate a neuron most, each coloured by that neuron's activation: pick the
 * layer and neuron (or any two dimensions), page through the samples.
 */
export function TopkSamples(props: TopkSamplesProps) {
  const theme = useTheme(props.theme);
  const { tokens, activations } = props;
  useMemo(() => check(tokens, activations), [tokens, activations]);
  const [layer, setLayer] = useState(0);
  const [neuron, setNeuron] = useState(0);
  const [page, setPage] = useState(0);
  const [hover, setHover] = useState<{ s: number; i: number } | null>(null);
  const l = Math.min(layer, tokens.length - 1);
  const n = Math.min(neuron, tokens[l]!.length - 1);
  const texts = tokens[l]![n]!;
  const acts = activations[l]![n]!;
  const per = Math.max(1, props.samplesPerPage ?? 5);
  const pages = Math.max(1, Math.ceil(texts.length / per));
  const p = Math.min(page, pages - 1);
  const shown = Array.from({ length: Math.min(per, texts.length - p * per) }, (_, i) => p * per + i);
  // One colour range for the neuron, so samples compare.
  const range = useMemo(
    () => valueRange(acts.flat(), props.minValue, props.maxValue),
    [acts, props.minValue, props.maxValue],
  );
  const zName = props.zerothDimensionName ?? "Layer";
  const fName = props.firstDimensionName ?? "Neuron";
  const describe = (s: number, i: number) =>
    `sample ${s}: ${shortToken(texts[s]![i] ?? "", 30)} (${i}) ${formatValue(acts[s]![i]!)}`;

  return (
    <Frame theme={theme} label={props.title ?? "Top-k samples"}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <Select
          theme={theme}
          label={zName}
          value={l}
          options={indexOptions(tokens.length, props.zerothDimensionLabels)}
          onChange={(v) => (setLayer(v), setPage(0))}
        />
        <Select
          theme={theme}
          label={fName}
          value={n}
          options={indexOptions(tokens[l]!.length, props.firstDimensionLabels)}
          onChange={(v) => (setNeuron(v), setPage(0))}
        />
        {pages > 1 && (
          <Select
            theme={theme}
            label="Samples"
            value={p}
            options={Array.from(
              { length: pages },
              (_, i) => [i, `${i * per}–${Math.min(texts.length, (i + 1) * per) - 1}`] as [number, string],
            )}
            onChange={setPage}
          />
        )}
      </Toolbar>
      <div
        role="list"
        aria-label="Samples, strongest first"
        style={{ display: "flex", flexDirection: "column", gap: 6 }}
      >
        {shown.map((s) => (
          <div
            key={s}
            role="listitem"
            aria-label={`Sample ${s}`}
            style={{ border: `1px solid ${theme.border}`, borderRadius: 4, padding: 6, background: theme.surface }}
          >
            <ValueTokens
              tokens={texts[s]!}
              values={acts[s]!}
              min={range.min}
              max={range.max}
              theme={theme}
              negativeColor={props.negativeColor}
              positiveColor={props.positiveColor}
              describe={(i) => describe(s, i)}
              active={hover?.s === s ? hover.i : null}
              locked={false}
              onHover={(i) => setHover(i === null ? null : { s, i })}
              ariaLabel={`Sample ${s} tokens`}
            />
          </div>
        ))}
      </div>
      <Status theme={theme}>
        {hover
          ? describe(hover.s, hover.i)
          : `${zName} ${props.zerothDimensionLabels?.[l] ?? l}, ${fName} ${props.firstDimensionLabels?.[n] ?? n}: ${texts.length} samples.`}
      </Status>
    </Frame>
  );
}
