import { SeededRandom } from "../util/random.js";

/**
 * Training batches: each row is BOS followed by a random window of the corpus, or — for a fraction of the
 * rows — BOS followed by a segment repeated until the row is full: a random token segment
 * (`repeatFraction`), or a window of the corpus (`repeatTextFraction`). The repeated rows are what makes
 * induction heads form quickly and reliably (the second copy of a segment is only predictable by looking back
 * at what followed the same token last time); natural text alone also rewards them, slowly. Random segments
 * teach copying any token (ARENA's induction experiment draws random ids); repeated text teaches it on words,
 * where the previous occurrence of a token is one among many similar ones. `withoutBosFraction` of the rows start
 * without BOS, mid-text.
 */
export interface BatchSamplerOptions {
  /** Token ids of the corpus, without BOS. May be empty when `repeatFraction` is 1. */
  corpus: ArrayLike<number>;
  bosTokenId: number;
  /** Random tokens are drawn uniformly from [0, vocabSize) without BOS. */
  vocabSize: number;
  batchSize: number;
  /** Tokens per row, BOS included. */
  seqLen: number;
  /** Fraction of rows that are repeated random segments (0..1). */
  repeatFraction: number;
  /** Fraction of rows that are a repeated window of the corpus (0..1, default 0; with `repeatFraction` at most 1). */
  repeatTextFraction?: number;
  /**
   * Fraction of rows of every kind that start without BOS (0..1, default 0): the row's content begins at
   * position 0, so a text row starts mid-text. With BOS in every row, attending to position 0 costs nothing
   * (its value is always the same) and heads can settle there before a previous-token head forms; in a row
   * without it, position 0 holds an ordinary token. Keep it below 1 so BOS behaviour is still learnt
   * (inference rows start with BOS, as TransformerLens's do).
   */
  withoutBosFraction?: number;
  /**
   * Where the tokens of a random segment come from (default "vocab"): "vocab" draws them uniformly over the
   * vocabulary, as ARENA's induction experiment does; "corpus" draws each from a uniformly random position of
   * the corpus, i.e. by the corpus's token frequencies. With a subword vocabulary most ids are rare, and a
   * model learns to copy tokens it has seen often long before it can copy any id; "corpus" segments still have
   * no structure but repetition, so only induction predicts their second copy. `{ top: K }` draws them uniformly
   * from the corpus's K most frequent tokens: a random-symbol task as hard as a K-symbol alphabet's (K = 256 is
   * a byte model's), over words.
   */
  randomTokensFrom?: RandomTokensFrom;
  /**
   * Later sources of random segments, each from its step on (`next`'s `step`), in increasing step order. A
   * small alphabet (`{ top: 256 }`) gets the induction circuit formed early; "vocab" later teaches it to copy
   * every id, as ARENA's experiment asks of it.
   */
  randomTokensLater?: { fromStep: number; from: RandomTokensFrom }[];
  /**
   * The corpus spelt in single-character tokens (each character its base token), and the fraction of rows
   * that are a window of it (default 0). Over characters the previous token says much about the next, so a
   * previous-token head pays off at once, as in a byte-level model; a subword model gets that circuit early
   * from these rows, and its induction heads can build on it.
   */
  charCorpus?: ArrayLike<number>;
  charTextFraction?: number;
  /** Length range of a repeated segment (inclusive). Defaults: 4 .. (seqLen - 1) / 2. */
  segMin?: number;
  segMax?: number;
}

/** Where random segments draw their tokens; see `BatchSamplerOptions.randomTokensFrom`. */
export type RandomTokensFrom = "vocab" | "corpus" | { top: number };

export class BatchSampler {
  readonly segMin: number;
  readonly segMax: number;
  /** Each source of random segments from its first step; a `pool` holds a `{ top }` source's ids, most frequent first. */
  private readonly sources: { fromStep: number; from: RandomTokensFrom; pool: Int32Array | null }[] = [];

  constructor(readonly opts: BatchSamplerOptions) {
    const { corpus, seqLen, repeatFraction, batchSize } = opts;
    const repeatText = opts.repeatTextFraction ?? 0;
    if (!(seqLen >= 2)) throw new RangeError(`seqLen must be at least 2, got ${seqLen}`);
    if (!(batchSize >= 1)) throw new RangeError(`batchSize must be at least 1, got ${batchSize}`);
    if (!(repeatFraction >= 0 && repeatFraction <= 1))
      throw new RangeError(`repeatFraction must be in [0, 1], got ${repeatFraction}`);
    if (!(repeatText >= 0 && repeatFraction + repeatText <= 1)) {
      throw new RangeError(
        `repeatTextFraction must be in [0, 1 - repeatFraction] = [0, ${1 - repeatFraction}], got ${repeatText}`,
      );
    }
    const charText = opts.charTextFraction ?? 0;
    if (!(charText >= 0 && repeatFraction + repeatText + charText <= 1))
      throw new RangeError(`charTextFraction must be in [0, 1 - repeatFraction - repeatTextFraction], got ${charText}`);
    if (charText > 0 && !((opts.charCorpus?.length ?? 0) >= seqLen))
      throw new RangeError(`charTextFraction ${charText} needs a charCorpus of at least seqLen (${seqLen}) tokens`);
    const withoutBos = opts.withoutBosFraction ?? 0;
    const later = opts.randomTokensLater ?? [];
    for (const [i, { fromStep, from }] of [
      { fromStep: 0, from: opts.randomTokensFrom ?? "vocab" },
      ...later,
    ].entries()) {
      const what = i === 0 ? "randomTokensFrom" : `randomTokensLater[${i - 1}].from`;
      const top = typeof from === "object" && from !== null ? from.top : null;
      if (from !== "vocab" && from !== "corpus" && !(top !== null && Number.isInteger(top) && top >= 1)) {
        throw new RangeError(
          `${what} must be "vocab", "corpus" or { top: K } with K a whole number ≥ 1, got ${JSON.stringify(from)}`,
        );
      }
      if (i > 0 && !(Number.isInteger(fromStep) && fromStep > this.sources[i - 1].fromStep))
        throw new RangeError(
          `randomTokensLater[${i - 1}].fromStep must be a whole number above ${this.sources[i - 1].fromStep}, got ${fromStep}`,
        );
      if (from !== "vocab" && repeatFraction > 0 && corpus.length === 0)
        throw new RangeError(`${what} ${JSON.stringify(from)} needs a corpus, and the corpus is empty`);
      this.sources.push({ fromStep, from, pool: top !== null ? mostFrequent(corpus, top, opts.bosTokenId) : null });
    }
    if (!(withoutBos >= 0 && withoutBos <= 1))
      throw new RangeError(`withoutBosFraction must be in [0, 1], got ${withoutBos}`);
    if (repeatFraction < 1 && corpus.length < seqLen) {
      throw new RangeError(
        `corpus has ${corpus.length} tokens, fewer than seqLen ${seqLen}: give a longer corpus or a shorter seqLen`,
      );
    }
    this.segMin = Math.max(1, opts.segMin ?? 4);
    this.segMax = Math.max(this.segMin, Math.min(opts.segMax ?? Math.floor((seqLen - 1) / 2), seqLen - 1));
  }

  /** One batch [batchSize × seqLen] of ids for optimizer step `step`, drawn from `rng` (deterministic in its state). */
  next(rng: SeededRandom, batchSize = this.opts.batchSize, seqLen = this.opts.seqLen, step = 0): Int32Array {
    const source = this.sources.findLast((s) => s.fromStep <= step)!;
    const { corpus, bosTokenId, repeatFraction } = this.opts;
    const repeatText = this.opts.repeatTextFraction ?? 0;
    const segMax = Math.min(this.segMax, Math.max(this.segMin, Math.floor((seqLen - 1) / 2)));
    const withoutBos = this.opts.withoutBosFraction ?? 0;
    const out = new Int32Array(batchSize * seqLen);
    for (let b = 0; b < batchSize; b++) {
      // Drawn only when asked for, so runs without the option keep their data order.
      const first = withoutBos > 0 && rng.next() < withoutBos ? 0 : 1;
      const row = b * seqLen;
      const body = seqLen - first;
      if (first) out[row] = bosTokenId;
      const u = rng.next();
      if (u < repeatFraction) {
        const len = rng.int(this.segMin, segMax + 1);
        const pool = source.pool;
        const seg = pool
          ? Array.from({ length: len }, () => pool[rng.int(0, pool.length)]!)
          : source.from === "corpus"
            ? Array.from({ length: len }, () => corpus[rng.int(0, corpus.length)]!)
            : randomTokens(rng, len, this.opts.vocabSize, bosTokenId);
        for (let t = 0; t < body; t++) out[row + first + t] = seg[t % len];
      } else if (u < repeatFraction + repeatText) {
        const len = rng.int(this.segMin, segMax + 1);
        const start = rng.int(0, corpus.length - len + 1);
        for (let t = 0; t < body; t++) out[row + first + t] = corpus[start + (t % len)];
      } else if (u < repeatFraction + repeatText + (this.opts.charTextFraction ?? 0)) {
        const chars = this.opts.charCorpus!;
        const start = rng.int(0, chars.length - body + 1);
        for (let t = 0; t < body; t++) out[row + first + t] = chars[start + t]!;
      } else {
        const start = rng.int(0, corpus.length - body + 1);
        for (let t = 0; t < body; t++) out[row + first + t] = corpus[start + t];
      }
    }
    return out;
  }
}

/** `n` ids uniform over [0, vocabSize) minus `bosTokenId`. */
export function randomTokens(rng: SeededRandom, n: number, vocabSize: number, bosTokenId: number): number[] {
  const out: number[] = [];
  const skip = bosTokenId >= 0 && bosTokenId < vocabSize;
  for (let i = 0; i < n; i++) {
    const r = rng.int(0, skip ? vocabSize - 1 : vocabSize);
    out.push(skip && r >= bosTokenId ? r + 1 : r);
  }
  return out;
}

/** The `k` most frequent ids of `corpus` other than `bosTokenId` (fewer if it has fewer), most frequent first. */
export function mostFrequent(corpus: ArrayLike<number>, k: number, bosTokenId: number): Int32Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < corpus.length; i++) {
    const t = corpus[i]!;
    if (t !== bosTokenId) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  // Ties go to the smaller id, so the pool does not depend on the corpus's order.
  const ids = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([t]) => t);
  return Int32Array.from(ids.slice(0, k));
}
