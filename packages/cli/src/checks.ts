/**
 * Checks of a command's input and results that the parsers cannot make alone: input too short for detector scores
 * to mean anything (a warning), a --seq-len beyond the model's context, --tokens for `induction` that do not
 * repeat, and activations or scores that are not finite (an error: the CLI never prints scores a broken model made
 * and exits 0). A detector score over an empty diagonal (the previous-token score of BOS alone) is undefined, not
 * broken: it stays NaN, printed as n/a or null, as TransformerLens's goldens hold it.
 */
import { CliError, warn, type CliIO } from "./context.js";

/** Below this many tokens, a detector's mean over a diagonal averages too few entries to say anything. */
export const MIN_DETECTOR_TOKENS = 5;

export function warnIfShort(io: CliIO, tokens: readonly number[]): void {
  if (tokens.length < MIN_DETECTOR_TOKENS) {
    warn(
      io,
      `the input is only ${tokens.length} token${tokens.length === 1 ? "" : "s"} long (BOS included): detector scores average ` +
        `too few attention entries to mean anything; give at least ${MIN_DETECTOR_TOKENS} tokens`,
    );
  }
}

/** `induction --seq-len`: BOS + two copies must fit in the context. */
export function checkSeqLen(seqLen: number, nCtx: number, option = "--seq-len"): void {
  if (2 * seqLen + 1 > nCtx) {
    throw new CliError(
      `${option} ${seqLen} needs ${2 * seqLen + 1} tokens (BOS + 2 × ${seqLen}), more than this model's context n_ctx = ${nCtx}: ` +
        `the maximum ${option} is ${Math.floor((nCtx - 1) / 2)}`,
    );
  }
}

/** `induction --tokens`: every sequence is BOS + a half + the same half. */
export function checkRepeated(batch: readonly (readonly number[])[], option = "--tokens"): void {
  batch.forEach((row, b) => {
    const name = batch.length > 1 ? `${option} sequence ${b}` : option;
    if (row.length < 3 || row.length % 2 === 0) {
      throw new CliError(
        `${name} has ${row.length} tokens; induction needs BOS + a half + the same half again (an odd length ≥ 3)`,
      );
    }
    const h = (row.length - 1) / 2;
    for (let t = 1; t <= h; t++) {
      if (row[t] !== row[t + h]) {
        throw new CliError(
          `${name} does not repeat: position ${t + h} holds ${row[t + h]} but its copy of position ${t} should be ${row[t]}; ` +
            "induction needs BOS + a half + the same half again",
        );
      }
    }
  });
}

/** Heads whose score is NaN or ±Infinity, as "layer.head". */
function nonFiniteHeads(scores: readonly (readonly number[])[]): string[] {
  const out: string[] = [];
  scores.forEach((row, l) => row.forEach((s, h) => Number.isFinite(s) || out.push(`${l}.${h}`)));
  return out;
}

/** Refuse to print scores that are not numbers (JSON would print them as null). */
export function requireFiniteScores(what: string, scores: readonly (readonly number[])[], hint: string): void {
  const bad = nonFiniteHeads(scores);
  if (bad.length) {
    const shown = bad.slice(0, 8).join(", ") + (bad.length > 8 ? `, … (${bad.length} heads)` : "");
    throw new CliError(`${what} are not finite for head${bad.length > 1 ? "s" : ""} ${shown}: ${hint}`);
  }
}

export function requireFinite(what: string, value: number, hint: string): void {
  if (!Number.isFinite(value)) throw new CliError(`${what} is ${value}: ${hint}`);
}

/** The first non-finite value of any cached activation (e.g. hook_pattern), as an error naming it. */
export function requireFiniteActivations(
  cache: { entries(): Iterable<[string, { data: Float32Array; shape: readonly number[] }]> },
  hint: string,
): void {
  for (const [name, t] of cache.entries()) {
    let count = 0;
    let first = -1;
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        count++;
        if (first < 0) first = i;
      }
    }
    if (count) {
      const idx: number[] = [];
      for (let d = t.shape.length - 1, rest = first; d >= 0; d--) {
        idx.unshift(rest % t.shape[d]);
        rest = Math.floor(rest / t.shape[d]);
      }
      throw new CliError(
        `${name} holds ${count} non-finite value${count > 1 ? "s" : ""} (the first, at [${idx.join(", ")}], is ${t.data[first]}): ${hint}`,
      );
    }
  }
}
