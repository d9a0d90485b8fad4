/**
 * Deterministic synthetic data for the neuron and logit views: MLP-like neurons with readable
 * jobs (one fires on " the", one on punctuation, one on the second copy of a repeated text …)
 * and a toy next-token distribution.
 */
import { rng } from "./synthetic.js";

export const SENTENCES = [
  ["<|endoftext|>", "The", " cat", " sat", " on", " the", " mat", ".", " It", " was", " happy", "."],
  ["<|endoftext|>", "When", " the", " model", " reads", " the", " text", ",", " heads", " attend", "."],
  ["<|endoftext|>", "Mary", " and", " John", " went", " to", " the", " park", ";", " John", " ran", "."],
];

/** What neuron n of layer l responds to, for a token at position i. */
function neuron(l: number, n: number, token: string, i: number, noise: number): number {
  const jobs = [
    () => (token === " the" ? 1 : 0), // article detector
    () => (/^[.,;]$/.test(token) ? 0.9 : 0), // punctuation
    () => (/^[A-Z]/.test(token.trim()) && i > 0 ? 0.8 : 0), // capitalised word
    () => Math.min(1, i / 12) - 0.5, // position (signed)
  ];
  return jobs[(l * 2 + n) % jobs.length]!() + noise;
}

/** [samples][tokens][layers][neurons]. */
export function neuronActivations(samples: string[][], layers = 2, neurons = 4, seed = 3): number[][][][] {
  const r = rng(seed);
  return samples.map((toks) =>
    toks.map((t, i) =>
      Array.from({ length: layers }, (_, l) =>
        Array.from({ length: neurons }, (_, n) => +neuron(l, n, t, i, (r() - 0.5) * 0.1).toFixed(4)),
      ),
    ),
  );
}

/** A toy model's top-k guesses for each next token of `prompt`. */
export function toyLogProbs(prompt: string[], k = 5, seed = 5) {
  const r = rng(seed);
  const vocab = [...new Set(SENTENCES.flat())];
  const topKTokens: string[][] = [];
  const topKLogProbs: number[][] = [];
  const correctTokenRank: number[] = [];
  const correctTokenLogProb: number[] = [];
  for (let t = 1; t < prompt.length; t++) {
    // Softmax over random logits where the true token gets a boost that grows along the text.
    const logits = vocab.map((w) => (w === prompt[t] ? 1 + 0.5 * t * r() : 0) + 2 * r());
    const lse = Math.log(logits.reduce((s, x) => s + Math.exp(x), 0));
    const lp = logits.map((x) => x - lse);
    const order = lp.map((_, i) => i).sort((a, b) => lp[b]! - lp[a]!);
    topKTokens.push(order.slice(0, k).map((i) => vocab[i]!));
    topKLogProbs.push(order.slice(0, k).map((i) => +lp[i]!.toFixed(4)));
    const idx = vocab.indexOf(prompt[t]!);
    correctTokenRank.push(order.indexOf(idx));
    correctTokenLogProb.push(+lp[idx]!.toFixed(4));
  }
  return { prompt, topKTokens, topKLogProbs, correctTokenRank, correctTokenLogProb };
}

/** CircuitsVis's topk_tokens reduction: per sample and layer, the k largest/smallest activations' values and positions per neuron. */
export function topkOf(acts: number[][][][], k: number) {
  const out = {
    topkVals: [] as number[][][][],
    topkIdxs: [] as number[][][][],
    bottomkVals: [] as number[][][][],
    bottomkIdxs: [] as number[][][][],
  };
  for (const sample of acts) {
    const L = sample[0]!.length;
    const N = sample[0]![0]!.length;
    const tv: number[][][] = [],
      ti: number[][][] = [],
      bv: number[][][] = [],
      bi: number[][][] = [];
    for (let l = 0; l < L; l++) {
      const order = Array.from({ length: N }, (_, n) =>
        sample.map((_, t) => t).sort((a, b) => sample[b]![l]![n]! - sample[a]![l]![n]!),
      );
      const kk = Math.min(k, sample.length);
      ti.push(Array.from({ length: kk }, (_, j) => order.map((o) => o[j]!)));
      tv.push(ti[l]!.map((row) => row.map((t, n) => sample[t]![l]![n]!)));
      bi.push(Array.from({ length: kk }, (_, j) => order.map((o) => o[o.length - 1 - j]!)));
      bv.push(bi[l]!.map((row) => row.map((t, n) => sample[t]![l]![n]!)));
    }
    out.topkVals.push(tv);
    out.topkIdxs.push(ti);
    out.bottomkVals.push(bv);
    out.bottomkIdxs.push(bi);
  }
  return out;
}
