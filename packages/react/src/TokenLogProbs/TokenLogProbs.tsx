import { useMemo } from "react";
import { displayToken, formatValue, shortToken } from "../lib/format-token.js";
import { useTheme, type ThemeProp } from "../lib/theme.js";
import { ExportButtons, Frame, Status, Toolbar } from "../shared/controls.js";
import { tokensFigure } from "../lib/tokens-figure.js";
import { useHoverLock } from "../shared/use-hover-lock.js";
import { tokenColors, ValueTokens } from "../shared/ValueTokens.js";

export interface TokenLogProbsProps {
  /** The prompt's tokens (with BOS); every token after the first is coloured by how well it was predicted. */
  prompt: string[];
  /** Log-probabilities of the top k next tokens at each position, [T − 1][k], largest first. */
  topKLogProbs: number[][];
  /** The top k next tokens at each position, [T − 1][k]. */
  topKTokens: string[][];
  /** Rank (0 = the model's top guess) of the token that really came next, [T − 1]. */
  correctTokenRank: number[];
  /** Log-probability of the token that really came next, [T − 1]. */
  correctTokenLogProb: number[];
  /** Log-probability at and below which a token is left uncoloured. @default -5 (as CircuitsVis) */
  logProbFloor?: number;
  /** Space below the view in CSS px (CircuitsVis leaves room there for its tooltips). @default 0 */
  paddingBottom?: number;
  /** Heading shown above the tokens. @default none */
  title?: string;
  /** File name (without extension) for PNG/SVG export. @default "token-log-probs" */
  exportName?: string;
  /** "auto" follows prefers-color-scheme; "light", "dark" or a partial Theme pin it. @default "auto" */
  theme?: ThemeProp;
  /** Called when a token is clicked (its index into `prompt`), null when unlocked. @default none */
  onTokenSelect?: (index: number | null) => void;
}

const pct = (lp: number) => `${(Math.exp(lp) * 100).toFixed(2)}%`;

/**
 * How well a model predicted each token: tokens are shaded by the log-probability the model gave
 * them (darker = more confident), and hovering one lists the model's top k guesses for that
 * position with the true token's rank.
 */
export function TokenLogProbs(props: TokenLogProbsProps) {
  const theme = useTheme(props.theme);
  const { prompt, topKLogProbs, topKTokens, correctTokenRank, correctTokenLogProb } = props;
  const n = prompt.length - 1;
  if (n < 1) throw new Error("TokenLogProbs: prompt needs at least two tokens (the first is only context)");
  const arrays = { topKLogProbs, topKTokens, correctTokenRank, correctTokenLogProb } as const;
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== n)
      throw new Error(
        `TokenLogProbs: ${name} has ${a.length} entries, expected ${n} (one per prompt token after the first)`,
      );
  }
  topKLogProbs.forEach((row, i) => {
    if (row.length !== topKTokens[i]!.length)
      throw new Error(
        `TokenLogProbs: topKLogProbs[${i}] has ${row.length} values but topKTokens[${i}] has ${topKTokens[i]!.length}`,
      );
  });
  const floor = Math.abs(props.logProbFloor ?? -5);
  const shown = useMemo(() => prompt.slice(1), [prompt]);
  const values = useMemo(() => correctTokenLogProb.map((lp) => Math.max(0, floor + lp)), [correctTokenLogProb, floor]);
  const sel = useHoverLock<number>();
  const active = sel.active;
  const describe = (i: number) =>
    `${shortToken(prompt[i] ?? "", 20)} → ${shortToken(shown[i] ?? "", 20)} (${i + 1}): rank ${correctTokenRank[i]}, p ${pct(correctTokenLogProb[i]!)}, log p ${formatValue(correctTokenLogProb[i]!)}`;

  const row = (rank: number, token: string, lp: number, correct: boolean) => (
    <tr
      key={`${rank}-${correct}`}
      style={{ fontWeight: correct ? 700 : 400, color: correct ? theme.accent : theme.text }}
    >
      <td style={{ padding: "0 8px 0 0" }}>#{rank}</td>
      <td style={{ padding: "0 8px 0 0", textAlign: "right" }}>{pct(lp)}</td>
      <td style={{ padding: "0 8px 0 0", textAlign: "right" }}>{lp.toFixed(3)}</td>
      <td style={{ whiteSpace: "pre" }}>{displayToken(token)}</td>
    </tr>
  );

  return (
    <Frame
      theme={theme}
      label={props.title ?? "Token log-probabilities"}
      style={{ paddingBottom: 12 + (props.paddingBottom ?? 0) }}
    >
      <Toolbar>
        {props.title && <strong style={{ fontSize: 14 }}>{props.title}</strong>}
        <span style={{ fontSize: 12, color: theme.muted }}>
          shade: log p of the true next token, from {-floor} (none) to 0 (full)
        </span>
        <span style={{ flex: 1 }} />
        <ExportButtons
          theme={theme}
          figure={() =>
            tokensFigure({
              tokens: shown,
              colors: tokenColors(values, 0, floor, theme, {}),
              theme,
              title: props.title,
              caption: `shade: log p of the true next token, from ${-floor} (none) to 0 (full)`,
            })
          }
          name={props.exportName ?? "token-log-probs"}
        />
      </Toolbar>
      <ValueTokens
        tokens={shown}
        values={values}
        min={0}
        max={floor}
        theme={theme}
        describe={describe}
        active={active}
        locked={sel.locked !== null}
        onHover={sel.preview}
        onSelect={(i) => {
          sel.lock(i);
          props.onTokenSelect?.(sel.locked === i ? null : i + 1);
        }}
        ariaLabel="Predicted tokens"
      />
      {active !== null && (
        <div
          role="region"
          aria-label="Top predictions"
          style={{
            marginTop: 8,
            padding: 8,
            background: theme.surface,
            borderRadius: 4,
            fontSize: 12,
            display: "inline-block",
          }}
        >
          <div style={{ fontWeight: 700, marginBottom: 4, whiteSpace: "pre" }}>
            {displayToken(prompt[active] ?? "")} → {displayToken(shown[active] ?? "")}
          </div>
          <table style={{ borderCollapse: "collapse", fontVariantNumeric: "tabular-nums" }}>
            <thead>
              <tr style={{ color: theme.muted }}>
                <th style={{ textAlign: "left" }}>rank</th>
                <th>prob</th>
                <th>log p</th>
                <th style={{ textAlign: "left" }}>token</th>
              </tr>
            </thead>
            <tbody>
              {row(correctTokenRank[active]!, shown[active]!, correctTokenLogProb[active]!, true)}
              {topKTokens[active]!.map((t, k) => row(k, t, topKLogProbs[active]![k]!, k === correctTokenRank[active]))}
            </tbody>
          </table>
        </div>
      )}
      <Status theme={theme}>
        {active !== null
          ? describe(active) + (sel.locked !== null ? " · locked" : "")
          : "Hover a token to see the model's top guesses for it."}
      </Status>
    </Frame>
  );
}
