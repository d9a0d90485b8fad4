/**
 * The page's own detectors, scored on the stacked attention patterns the live run returns, like the
 * built-in ones: every head gets a score in [0, 1]; heads above the threshold are named.
 *
 * Dimensions: N heads (all layers stacked), T tokens; a pattern is [T query, T key], rows sum to 1.
 */

export type CustomTemplate =
  /** Attention to the token k places back (k = 0: itself; k = 1: the previous token). */
  | { kind: "diagonal"; offset: number }
  /** Attention to token j (j = 0: BOS). */
  | { kind: "column"; column: number }
  /** Attention to the token after the previous occurrence of the current token (induction on natural text). */
  | { kind: "induction" }
  /**
   * A painted target: an n × n grid stretched over the whole pattern. A head's score is the share of each
   * query's attention that lands in the painted cells of its row, averaged over queries whose row has any.
   */
  | { kind: "painted"; size: number; cells: boolean[] };

/** Score of every head, [layer][head]; NaN where the template has nothing to score (e.g. no repeated token). */
export function scoreCustom(
  template: CustomTemplate,
  attention: Float32Array,
  tokens: readonly number[],
  nLayers: number,
  nHeads: number,
): number[][] {
  const T = tokens.length;
  const score = scorer(template, tokens);
  return Array.from({ length: nLayers }, (_, l) =>
    Array.from({ length: nHeads }, (_, h) =>
      score(attention.subarray((l * nHeads + h) * T * T, (l * nHeads + h + 1) * T * T), T),
    ),
  );
}

type Scorer = (pattern: Float32Array, T: number) => number;

function scorer(t: CustomTemplate, tokens: readonly number[]): Scorer {
  switch (t.kind) {
    case "diagonal":
      return (p, T) => meanOf(T, (q) => (q - t.offset >= 0 ? p[q * T + q - t.offset] : undefined));
    case "column":
      return (p, T) => meanOf(T, (q) => (t.column < T && t.column <= q ? p[q * T + t.column] : undefined));
    case "induction": {
      const target = inductionTargets(tokens);
      return (p, T) => meanOf(T, (q) => (target[q] >= 0 ? p[q * T + target[q]] : undefined));
    }
    case "painted":
      return (p, T) =>
        meanOf(T, (q) => {
          const row = Math.min(t.size - 1, Math.floor((q * t.size) / T));
          let any = false;
          let mass = 0;
          for (let k = 0; k <= q; k++) {
            if (!t.cells[row * t.size + Math.min(t.size - 1, Math.floor((k * t.size) / T))]) continue;
            any = true;
            mass += p[q * T + k];
          }
          return any ? mass : undefined;
        });
  }
}

/** Mean of `f(q)` over the queries where it is defined; NaN when none is. */
function meanOf(T: number, f: (q: number) => number | undefined): number {
  let sum = 0;
  let n = 0;
  for (let q = 0; q < T; q++) {
    const v = f(q);
    if (v === undefined) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : NaN;
}

/** For each position, the position after the latest earlier occurrence of its token (−1 when none). */
export function inductionTargets(tokens: readonly number[]): Int32Array {
  const last = new Map<number, number>();
  const out = new Int32Array(tokens.length).fill(-1);
  tokens.forEach((tok, q) => {
    const j = last.get(tok);
    if (j !== undefined) out[q] = j + 1;
    last.set(tok, q);
  });
  return out;
}

/** The template in words, completing "Heads that …". */
export function describeTemplate(t: CustomTemplate): string {
  switch (t.kind) {
    case "diagonal":
      return t.offset === 0 ? "attend to themselves" : `attend ${t.offset} token${t.offset === 1 ? "" : "s"} back`;
    case "column":
      return t.column === 0 ? "attend to the first token (BOS)" : `attend to token ${t.column}`;
    case "induction":
      return "attend to the token after the previous occurrence of the current token";
    case "painted":
      return `attend where the ${t.size} × ${t.size} painting says`;
  }
}
