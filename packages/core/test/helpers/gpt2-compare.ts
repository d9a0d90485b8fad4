/**
 * Comparing a run of tl-gpt2-tiny with TransformerLens's goldens (`<input>.<variant>.safetensors`), element by
 * element within 1e-4 × max(1, |golden|): every hook point, the log-sum-exp of each row of logits, the loss and
 * the logit slices. For the processed goldens each element may also be off by the golden's own distance from an
 * exact float64 forward pass (gpt2-exact.ts; see model-gpt2-float64.test.ts for why).
 */
import type { StateDict } from "../../src/index.js";
import { exactForward } from "./gpt2-exact.js";

/** One input of goldens.json. */
export interface Gpt2Input {
  name: string;
  tokens: number[];
  tensors: { unprocessed: Record<string, number[]>; processed: Record<string, number[]> };
}

/**
 * Largest error relative to max(1, |golden|), element by element (equal infinities agree), after subtracting
 * `allowance[i]` (the golden's own error) from each element's error.
 */
export function worst(
  ours: ArrayLike<number>,
  golden: ArrayLike<number>,
  allowance?: ArrayLike<number>,
): { err: number; at: number } {
  let err = 0,
    at = -1;
  for (let i = 0; i < golden.length; i++) {
    const g = golden[i],
      o = ours[i];
    if (g === o) continue;
    const e = Math.max(0, Math.abs(o - g) - (allowance ? allowance[i] : 0)) / Math.max(1, Math.abs(g));
    if (!(e <= err)) {
      err = Number.isNaN(e) ? Infinity : e;
      at = i;
    }
  }
  return { err, at };
}

/** |golden − exact| per element of every hook point the float64 forward computes (processed goldens only). */
export function goldenNoise(tokens: number[], golden: StateDict): Map<string, Float64Array> {
  const noise = new Map<string, Float64Array>();
  for (const [key, exact] of exactForward(tokens)) {
    const g = golden.get(key)!.data as Float32Array;
    noise.set(
      key,
      exact.map((v, i) => Math.abs(g[i] - v)),
    );
  }
  return noise;
}

/** The golden keys that are hook points (not logsumexp, loss or the logit slices). */
export function goldenHooks(input: Gpt2Input, variant: "processed" | "unprocessed"): string[] {
  return Object.keys(input.tensors[variant]).filter((k) => k.startsWith("hook_") || k.includes("."));
}

/** A comparison that collects "key[i]: ours vs golden" lines above tolerance. */
export class GoldenCheck {
  readonly problems: string[] = [];
  constructor(
    private readonly golden: StateDict,
    private readonly noise?: Map<string, Float64Array>,
  ) {}

  check(key: string, ours: ArrayLike<number>, g: ArrayLike<number> = this.golden.get(key)!.data as Float32Array) {
    const { err, at } = worst(ours, g, this.noise?.get(key));
    if (err > 1e-4)
      this.problems.push(`${key}[${at}]: ${ours[at]} vs ${g[at]} (relative error ${err.toExponential(2)})`);
  }

  /** Logits [T, V] of one sequence: their log-sum-exp, first 1024 columns and the golden rows. */
  logits(lg: Float32Array, T: number, V: number) {
    const lse = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, lg[t * V + j]);
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp(lg[t * V + j] - max);
      lse[t] = max + Math.log(s);
    }
    this.check("logsumexp", lse);
    const cols = new Float32Array(T * 1024);
    for (let t = 0; t < T; t++) cols.set(lg.subarray(t * V, t * V + 1024), t * 1024);
    this.check("logits_first_cols", cols);
    const positions = Array.from(this.golden.get("logits_rows_positions")!.data as BigInt64Array, Number);
    const rows = this.golden.get("logits_rows")!.data as Float32Array;
    positions.forEach((p, r) =>
      this.check(`logits_rows[${p}]`, lg.subarray(p * V, (p + 1) * V), rows.subarray(r * V, (r + 1) * V)),
    );
  }
}
