import { useMemo, useState } from "react";
import { displayToken, formatValue } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { valueColors } from "../lib/value-colors.js";
import { Frame, Status, Toolbar } from "../shared/controls.js";
import { indexOptions, Select } from "../shared/Select.js";
import { valueRange } from "../shared/ValueTokens.js";

export interface TopkTokensProps {
  /** Tokens of each sample, [samples][tokens]. */
  tokens: string[][];
  /** Top-k activation values, [samples][layers][k][neurons], largest first. */
  topkVals: number[][][][];
  /** Token positions of the top-k values, [samples][layers][k][neurons]. */
  topkIdxs: number[][][][];
  /** Bottom-k activation values, [samples][layers][k][neurons]. */
  bottomkVals: number[][][][];
  /** Token positions of the bottom-k values, [samples][layers][k][neurons]. */
  bottomkIdxs: number[][][][];
  /** Name of the first dimension. @default "Layer" */
  firstDimensionName?: string;
  /** Name of the third dimension (the table's columns). @default "Neuron" */
  thirdDimensionName?: string;
  /** Labels of the samples. @default "0", "1", … */
  sampleLabels?: string[];
  /** Labels of the first dimension's entries. @default "0", "1", … */
  firstDimensionLabels?: string[];
  /** Columns (neurons) shown at once. @default 5 */
  columnsToShow?: number;
  /** Value at the low end of the colour scale. @default −max(|values|) when any is negative, else 0 */
  minValue?: number;
  /** Value at the high end of the colour scale. @default max(|values|) */
  maxValue?: number;
  /** Heading shown above the table. @default none */
  title?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
}

type Filter = "topk+bottomk" | "topk" | "bottomk";
const ARRAYS = ["topkVals", "topkIdxs", "bottomkVals", "bottomkIdxs"] as const;

function check(p: TopkTokensProps): { layers: number; k: number; neurons: number } {
  const S = p.tokens.length;
  const first = p.topkVals[0]?.[0];
  if (!S || !first?.length || !first[0]?.length)
    throw new Error("TopkTokens: topkVals must be [samples][layers][k][neurons] with at least one of each");
  const layers = p.topkVals[0]!.length;
  const k = first.length;
  const neurons = first[0].length;
  for (const name of ARRAYS) {
    const a = p[name];
    if (a.length !== S) throw new Error(`TopkTokens: ${name} has ${a.length} samples but tokens has ${S}`);
    a.forEach((s, i) => {
      if (s.length !== layers) throw new Error(`TopkTokens: ${name}[${i}] has ${s.length} layers, expected ${layers}`);
      s.forEach((l, j) => {
        if (l.length !== k || l.some((r) => r.length !== neurons))
          throw new Error(`TopkTokens: ${name}[${i}][${j}] is not ${k} × ${neurons} (k × neurons)`);
      });
    });
  }
  p.topkIdxs.concat(p.bottomkIdxs).forEach((s, i) => {
    const T = p.tokens[i % S]!.length;
    for (const l of s)
      for (const r of l)
        for (const t of r)
          if (!(Number.isInteger(t) && t >= 0 && t < T))
            throw new Error(`TopkTokens: sample ${i % S} has a token index ${t}, outside its ${T} tokens`);
  });
  return { layers, k, neurons };
}

/**
 * The tokens on which each neuron fires most (top k) and least (bottom k), one column per
 * neuron, coloured by the activation: pick the sample and layer, page through the neurons.
 */
export function TopkTokens(props: TopkTokensProps) {
  const theme = useTheme(props.theme);
  const { layers, k: maxK, neurons } = useMemo(() => check(props), [props]);
  const [sample, setSample] = useState(0);
  const [layer, setLayer] = useState(0);
  const [start, setStart] = useState(0);
  const [k, setK] = useState(maxK);
  const [filter, setFilter] = useState<Filter>("topk+bottomk");
  const [hover, setHover] = useState<string | null>(null);
  const cols = Math.max(1, Math.min(neurons, props.columnsToShow ?? 5));
  const first = Math.min(start, Math.max(0, neurons - cols));
  const shownNeurons = Array.from({ length: Math.min(cols, neurons - first) }, (_, i) => first + i);
  const kk = Math.min(k, maxK);
  const toks = props.tokens[sample]!;
  const all = useMemo(
    () => [...props.topkVals[sample]![layer]!.flat(), ...props.bottomkVals[sample]![layer]!.flat()],
    [props.topkVals, props.bottomkVals, sample, layer],
  );
  const range = valueRange(all, props.minValue, props.maxValue);
  const fName = props.firstDimensionName ?? "Layer";
  const tName = props.thirdDimensionName ?? "Neuron";

  const cells = (which: "topk" | "bottomk") => {
    const vals = (which === "topk" ? props.topkVals : props.bottomkVals)[sample]![layer]!.slice(0, kk);
    const idxs = (which === "topk" ? props.topkIdxs : props.bottomkIdxs)[sample]![layer]!.slice(0, kk);
    return vals.map((row, r) => {
      const v = shownNeurons.map((n) => row[n]!);
      const colors = valueColors(v, range.min, range.max, "auto", theme);
      return (
        <tr key={`${which}-${r}`}>
          {r === 0 && (
            <th
              rowSpan={vals.length}
              scope="rowgroup"
              style={{ fontSize: 11, color: theme.muted, padding: "0 6px", verticalAlign: "top" }}
            >
              {which === "topk" ? "top k ↓" : "bottom k ↓"}
            </th>
          )}
          {shownNeurons.map((n, c) => {
            const token = toks[idxs[r]![n]!] ?? "";
            const text = `${tName} ${n}, ${which === "topk" ? "top" : "bottom"} ${r + 1}: ${JSON.stringify(token)} (${idxs[r]![n]}) ${formatValue(row[n]!)}`;
            return (
              <td
                key={n}
                title={text}
                aria-label={text}
                onPointerEnter={() => setHover(text)}
                onPointerLeave={() => setHover(null)}
                style={{
                  background: colors.bg[c] ?? "transparent",
                  color: colors.fg[c] ?? theme.text,
                  border: `1px solid ${theme.border}`,
                  padding: "1px 6px",
                  whiteSpace: "pre",
                  fontSize: 12,
                }}
              >
                {displayToken(token)}
              </td>
            );
          })}
        </tr>
      );
    });
  };

  return (
    <Frame theme={theme} label={props.title ?? "Top-k tokens"}>
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        {props.tokens.length > 1 && (
          <Select
            theme={theme}
            label="Sample"
            value={sample}
            options={indexOptions(props.tokens.length, props.sampleLabels)}
            onChange={setSample}
          />
        )}
        <Select
          theme={theme}
          label={fName}
          value={layer}
          options={indexOptions(layers, props.firstDimensionLabels)}
          onChange={setLayer}
        />
        <Select
          theme={theme}
          label={`${tName}s`}
          value={first}
          options={Array.from(
            { length: Math.ceil(neurons / cols) },
            (_, i) => [i * cols, `${i * cols}–${Math.min(neurons, (i + 1) * cols) - 1}`] as [number, string],
          )}
          onChange={setStart}
        />
        <Select
          theme={theme}
          label="k"
          value={kk}
          options={Array.from({ length: maxK }, (_, i) => [i + 1, String(i + 1)] as [number, string])}
          onChange={setK}
        />
        <Select
          theme={theme}
          label="Show"
          value={filter}
          options={[
            ["topk+bottomk", "top and bottom"],
            ["topk", "top"],
            ["bottomk", "bottom"],
          ]}
          onChange={setFilter}
        />
      </Toolbar>
      <table style={{ borderCollapse: "collapse", fontFamily: theme.font }}>
        <thead>
          <tr>
            <th />
            {shownNeurons.map((n) => (
              <th key={n} scope="col" style={{ fontSize: 11, color: theme.muted, padding: "0 6px" }}>
                {tName} {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {filter !== "bottomk" && cells("topk")}
          {filter === "topk+bottomk" && (
            <tr>
              <td />
              {shownNeurons.map((n) => (
                <td key={n} style={{ textAlign: "center", color: theme.muted }}>
                  …
                </td>
              ))}
            </tr>
          )}
          {filter !== "topk" && cells("bottomk")}
        </tbody>
      </table>
      <Status theme={theme}>
        {hover ??
          `${fName} ${props.firstDimensionLabels?.[layer] ?? layer}: ${tName.toLowerCase()}s ${first}–${first + shownNeurons.length - 1} of ${neurons}.`}
      </Status>
    </Frame>
  );
}
