import type { ParamEntry } from "./params.js";

/** Learning-rate schedule: linear warm-up from 0, then constant or cosine decay to `minLrRatio` × lr. */
export interface LrSchedule {
  lr: number;
  warmup: number;
  schedule: "constant" | "cosine";
  totalSteps: number;
  /** Floor of the cosine schedule as a fraction of `lr` (default 0.1). */
  minLrRatio?: number;
}

/** Learning rate for `step` (0-based: the first update is step 0). */
export function learningRate(s: LrSchedule, step: number): number {
  if (s.warmup > 0 && step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  if (s.schedule === "constant") return s.lr;
  const span = Math.max(1, s.totalSteps - s.warmup);
  const t = Math.min(1, (step - s.warmup) / span);
  const floor = s.minLrRatio ?? 0.1;
  return s.lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Global L2 norm of all gradients (float64 accumulation). */
export function globalGradNorm(grads: readonly ParamEntry[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.data.length; i++) s += g.data[i] * g.data[i];
  return Math.sqrt(s);
}

/** Scale gradients so their global norm is at most `maxNorm` (no-op when `maxNorm` ≤ 0). Returns the norm before. */
export function clipGradNorm(grads: readonly ParamEntry[], maxNorm: number): number {
  const norm = globalGradNorm(grads);
  if (maxNorm > 0 && norm > maxNorm) {
    const f = maxNorm / (norm + 1e-6);
    for (const g of grads) for (let i = 0; i < g.data.length; i++) g.data[i] *= f;
  }
  return norm;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay: number;
}

/**
 * AdamW as torch.optim.AdamW: decoupled weight decay (p ← p − lr·wd·p) on the entries marked `decay`
 * (weight matrices and embeddings; biases are not decayed), bias-corrected moments.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Number of updates applied so far (drives bias correction). */
  t = 0;

  constructor(
    readonly params: readonly ParamEntry[],
    readonly m: readonly Float32Array[],
    readonly v: readonly Float32Array[],
    opts: AdamWOptions,
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay;
  }

  step(grads: readonly ParamEntry[], lr: number): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    this.params.forEach((p, k) => {
      if (p.frozen) return;
      const g = grads[k].data;
      const m = this.m[k];
      const v = this.v[k];
      const w = p.data;
      const decay = p.decay ? 1 - lr * this.weightDecay : 1;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        w[i] = w[i] * decay - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    });
  }
}
