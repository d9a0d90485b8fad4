/**
 * Finding non-finite values (NaN, ±Infinity) in weights and outputs, reported with their count and the
 * index of the first, e.g. `holds 1 NaN at [2, 5, 3]`.
 */

export interface NonFiniteReport {
  nan: number;
  posInf: number;
  negInf: number;
  /** Multi-index (in `shape`) of the first non-finite value. */
  first: number[];
}

/** Count the non-finite values of `data` (laid out row-major in `shape`); null when all are finite. */
export function findNonFinite(data: Float32Array, shape: readonly number[]): NonFiniteReport | null {
  let firstFlat = -1;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x === 0) continue; // finite (NaN - NaN and Inf - Inf are NaN)
    if (firstFlat < 0) firstFlat = i;
    if (x !== x) nan++;
    else if (x > 0) posInf++;
    else negInf++;
  }
  if (firstFlat < 0) return null;
  const first = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1, rest = firstFlat; d >= 0; d--) {
    first[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return { nan, posInf, negInf, first };
}

/** "holds 1 NaN at [2, 5, 3]" or "holds 3 NaN and 1 +Infinity (the first at [0, 1])". */
export function describeNonFinite(r: NonFiniteReport): string {
  const parts = [
    [r.nan, "NaN"],
    [r.posInf, "+Infinity"],
    [r.negInf, "-Infinity"],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`);
  const total = r.nan + r.posInf + r.negInf;
  const at = `[${r.first.join(", ")}]`;
  return total === 1 ? `holds ${parts[0]} at ${at}` : `holds ${parts.join(" and ")} (the first at ${at})`;
}

type Outputs = { readonly data: Float32Array; readonly shape: readonly number[] };

/** `result` with `nonFinite` set when its logits or loss hold NaN or ±Infinity (a diverged model, or a hook's doing). */
export function outputsNonFinite<R extends { logits: Outputs | null; loss: Outputs | null; nonFinite?: string }>(
  result: R,
): R {
  const found: string[] = [];
  for (const name of ["logits", "loss"] as const) {
    const t = result[name];
    const r = t && findNonFinite(t.data, t.shape);
    if (r) found.push(`${name} ${describeNonFinite(r)}`);
  }
  if (found.length) result.nonFinite = `the run's ${found.join("; ")}`;
  return result;
}
