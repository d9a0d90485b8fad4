import { globToRegExp } from "@attnscope/core";
import { CliError } from "./context.js";

/**
 * `--tokens` as given on the command line: "0,12,7", "0, 12, 7", "0 12 7" or "[0, 12, 7]". With commas, every
 * entry must be there: "0,,1" or a trailing comma is an error, never a silently shorter sequence.
 */
export function parseTokenList(value: string, option = "--tokens"): number[] {
  const body = value
    .trim()
    .replace(/^\[(.*)\]$/s, "$1")
    .trim();
  if (body === "") throw new CliError(`${option} is empty: give comma-separated token ids, e.g. ${option} 0,1231,1158`);
  const parts = body.includes(",") ? body.split(",").map((p) => p.trim()) : body.split(/\s+/);
  return parts.map((part, i) => {
    if (part === "") {
      throw new CliError(
        `${option}: entry ${i} is empty (in ${JSON.stringify(value)}): give one token id between each pair of commas`,
      );
    }
    if (!/^\d+$/.test(part)) {
      throw new CliError(
        `${option}: ${JSON.stringify(part)} at position ${i} is not a token id (a non-negative integer)`,
      );
    }
    return Number(part);
  });
}

/** Several sequences separated by ";" (e.g. a batch for `induction --tokens`). */
export function parseTokenBatch(value: string, option = "--tokens"): number[][] {
  const rows = value.split(";").filter((r) => r.trim() !== "");
  if (rows.length === 0) throw new CliError(`${option} is empty: give comma-separated token ids`);
  return rows.map((r, b) => {
    try {
      return parseTokenList(r, option);
    } catch (e) {
      throw rows.length > 1 ? new CliError(`${(e as Error).message} (sequence ${b})`) : e;
    }
  });
}

/** A detector threshold: any number, with a warning (via `warn`) when outside [0, 1], where no score can be. */
export function parseThreshold(value: string, warn: (message: string) => void, option = "--threshold"): number {
  const x = parseNumber(value, option);
  if (x < 0 || x > 1) {
    warn(
      `${option} ${x} is outside [0, 1]: detector scores are mean attention probabilities, so ${x < 0 ? "every head" : "no head"} passes it`,
    );
  }
  return x;
}

export function parseNumber(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new CliError(`${option} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseInteger(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || n < min) {
    throw new CliError(`${option} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** "blocks.*.attn.hook_pattern,hook_embed" → a predicate; `*` matches any run of characters, `?` one. */
export function globsToMatcher(globs: string): {
  patterns: string[];
  matches: (name: string) => boolean;
  unmatched: (names: readonly string[]) => string[];
} {
  const patterns = globs
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  if (patterns.length === 0)
    throw new CliError("--names is empty: give hook names or globs, e.g. --names 'blocks.*.attn.hook_pattern'");
  const regexes = patterns.map(globToRegExp);
  return {
    patterns,
    matches: (name) => regexes.some((r) => r.test(name)),
    unmatched: (names) => patterns.filter((_, i) => !names.some((n) => regexes[i].test(n))),
  };
}
