/**
 * Training rows: BOS, then a window of the corpus, a random segment repeated, or a window of the corpus
 * repeated, in the proportions asked for.
 */
import { describe, expect, it } from "vitest";
import { BatchSampler } from "../../src/train/index.js";
import { SeededRandom } from "../../src/util/random.js";

// A corpus whose every token says where it is: window starts are recoverable, ids stay below 1000 + BOS.
const corpus = Array.from({ length: 5000 }, (_, i) => i % 1000);
const BOS = 1000;
const seqLen = 41;

/** Kind of a row: "text" (consecutive corpus ids), "repeated-text" (a corpus window repeated) or "random". */
function kind(row: number[]): string {
  expect(row[0]).toBe(BOS);
  const body = row.slice(1);
  const consecutive = (a: number[]) => a.every((t, i) => i === 0 || t === (a[i - 1] + 1) % 1000);
  if (consecutive(body)) return "text";
  // The smallest period of the body.
  let p = 1;
  while (p < body.length && !body.every((t, i) => i < p || t === body[i - p])) p++;
  expect(p, `row ${row.join(" ")} is not periodic`).toBeLessThanOrEqual(Math.floor((seqLen - 1) / 2));
  return consecutive(body.slice(0, p)) ? "repeated-text" : "random";
}

describe("BatchSampler", () => {
  it("mixes text, repeated random segments and repeated text windows in the proportions asked for", () => {
    const s = new BatchSampler({
      corpus,
      bosTokenId: BOS,
      vocabSize: 1001,
      batchSize: 50,
      seqLen,
      repeatFraction: 0.3,
      repeatTextFraction: 0.2,
    });
    const rng = new SeededRandom(1);
    const counts: Record<string, number> = { text: 0, "repeated-text": 0, random: 0 };
    for (let n = 0; n < 20; n++) {
      const batch = s.next(rng);
      expect(batch).toHaveLength(50 * seqLen);
      for (let b = 0; b < 50; b++) counts[kind(Array.from(batch.subarray(b * seqLen, (b + 1) * seqLen)))]++;
    }
    // 1000 rows: binomial standard deviations are about 14-16 rows.
    expect(counts["random"]).toBeGreaterThan(300 - 60);
    expect(counts["random"]).toBeLessThan(300 + 60);
    expect(counts["repeated-text"]).toBeGreaterThan(200 - 60);
    expect(counts["repeated-text"]).toBeLessThan(200 + 60);
    expect(counts["text"]).toBeGreaterThan(500 - 70);
  });

  it("never draws BOS inside a row", () => {
    const s = new BatchSampler({
      corpus,
      bosTokenId: BOS,
      vocabSize: 1001,
      batchSize: 20,
      seqLen,
      repeatFraction: 0.5,
      repeatTextFraction: 0.5,
    });
    const batch = s.next(new SeededRandom(2));
    for (let i = 0; i < batch.length; i++) expect(batch[i] === BOS).toBe(i % seqLen === 0);
  });

  it("draws the same rows as before when repeatTextFraction is 0 (old runs stay reproducible)", () => {
    const opts = { corpus, bosTokenId: BOS, vocabSize: 1001, batchSize: 8, seqLen, repeatFraction: 0.4 };
    const a = new BatchSampler(opts).next(new SeededRandom(3));
    const b = new BatchSampler({ ...opts, repeatTextFraction: 0 }).next(new SeededRandom(3));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("rejects fractions that add up to more than 1", () => {
    expect(
      () =>
        new BatchSampler({
          corpus,
          bosTokenId: BOS,
          vocabSize: 1001,
          batchSize: 1,
          seqLen,
          repeatFraction: 0.7,
          repeatTextFraction: 0.4,
        }),
    ).toThrow(/repeatTextFraction must be in \[0, 1 - repeatFraction\]/);
    expect(
      () =>
        new BatchSampler({
          corpus,
          bosTokenId: BOS,
          vocabSize: 1001,
          batchSize: 1,
          seqLen,
          repeatFraction: 0,
          repeatTextFraction: -0.1,
        }),
    ).toThrow(/repeatTextFraction/);
  });

  it("starts withoutBosFraction of the rows mid-text without BOS, their content from position 0", () => {
    const s = new BatchSampler({
      corpus,
      bosTokenId: BOS,
      vocabSize: 1001,
      batchSize: 50,
      seqLen,
      repeatFraction: 0.2,
      repeatTextFraction: 0.3,
      withoutBosFraction: 0.4,
    });
    const rng = new SeededRandom(4);
    const counts: Record<string, number> = { text: 0, "repeated-text": 0, random: 0 };
    let without = 0;
    for (let n = 0; n < 20; n++) {
      const batch = s.next(rng);
      for (let b = 0; b < 50; b++) {
        const row = Array.from(batch.subarray(b * seqLen, (b + 1) * seqLen));
        // BOS, if anywhere, only at position 0.
        row.slice(1).forEach((t) => expect(t).not.toBe(BOS));
        if (row[0] === BOS) {
          counts[kind(row)]++;
        } else {
          without++;
          // The row's content is the whole row: shifted into a BOS-led row of one more token, it is a row of a known kind.
          counts[kind([BOS, ...row].slice(0, seqLen))]++;
          const consecutive = row.every((t, i) => i === 0 || t === (row[i - 1] + 1) % 1000);
          if (consecutive) expect(row[seqLen - 1]).toBe((row[0] + seqLen - 1) % 1000); // a full window, not one token short
        }
      }
    }
    // 1000 rows, 400 expected without BOS: a binomial standard deviation of about 15.
    expect(without).toBeGreaterThan(400 - 60);
    expect(without).toBeLessThan(400 + 60);
    expect(counts["random"]).toBeGreaterThan(200 - 60);
    expect(counts["repeated-text"]).toBeGreaterThan(300 - 60);
    expect(counts["text"]).toBeGreaterThan(500 - 70);
  });

  it("keeps BOS in every row when withoutBosFraction is 0 and drops it from every row at 1", () => {
    const opts = {
      corpus,
      bosTokenId: BOS,
      vocabSize: 1001,
      batchSize: 30,
      seqLen,
      repeatFraction: 0.3,
      repeatTextFraction: 0.3,
    };
    const a = new BatchSampler(opts).next(new SeededRandom(5));
    const b = new BatchSampler({ ...opts, withoutBosFraction: 0 }).next(new SeededRandom(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    const none = new BatchSampler({ ...opts, withoutBosFraction: 1 }).next(new SeededRandom(5));
    for (let i = 0; i < none.length; i++) expect(none[i]).not.toBe(BOS);
    expect(() => new BatchSampler({ ...opts, withoutBosFraction: 1.5 })).toThrow(
      /withoutBosFraction must be in \[0, 1\], got 1.5/,
    );
  });
});

describe("BatchSampler: where random segments draw their tokens", () => {
  // A skewed corpus: id t (0..99) appears 100 - t times, so frequency order is id order.
  const skewed = Array.from({ length: 100 }, (_, t) => Array<number>(100 - t).fill(t)).flat();
  const rows = (randomTokensFrom: "vocab" | "corpus" | { top: number }) => {
    const s = new BatchSampler({
      corpus: skewed,
      bosTokenId: BOS,
      vocabSize: 1001,
      batchSize: 40,
      seqLen,
      repeatFraction: 1,
      randomTokensFrom,
    });
    return Array.from(s.next(new SeededRandom(3))).filter((t) => t !== BOS);
  };

  it('"vocab" draws over the whole vocabulary, "corpus" only ids the corpus holds', () => {
    expect(rows("vocab").some((t) => t >= 100)).toBe(true);
    const fromCorpus = rows("corpus");
    expect(fromCorpus.every((t) => t < 100)).toBe(true);
    // By frequency: ids 0..49 hold 3/4 of the corpus (sum of 100..51 over 5050).
    const low = fromCorpus.filter((t) => t < 50).length / fromCorpus.length;
    expect(low).toBeGreaterThan(0.6);
  });

  it("{ top: K } draws only the K most frequent ids, and all of them", () => {
    const ids = new Set(rows({ top: 5 }));
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  });

  it("refuses a bad source by name", () => {
    const opts = { corpus: skewed, bosTokenId: BOS, vocabSize: 1001, batchSize: 1, seqLen, repeatFraction: 1 };
    expect(() => new BatchSampler({ ...opts, randomTokensFrom: { top: 0 } })).toThrow(/randomTokensFrom/);
    expect(() => new BatchSampler({ ...opts, randomTokensFrom: "bytes" as never })).toThrow(/"bytes"/);
    expect(() => new BatchSampler({ ...opts, corpus: [], randomTokensFrom: "corpus" })).toThrow(/needs a corpus/);
  });
});

describe("BatchSampler: later sources of random segments", () => {
  const skewed = Array.from({ length: 100 }, (_, t) => Array<number>(100 - t).fill(t)).flat();
  const opts = { corpus: skewed, bosTokenId: BOS, vocabSize: 1001, batchSize: 40, seqLen, repeatFraction: 1 };

  it("draw from the first source before their step and from theirs from it on", () => {
    const s = new BatchSampler({
      ...opts,
      randomTokensFrom: { top: 5 },
      randomTokensLater: [{ fromStep: 10, from: "vocab" }],
    });
    const ids = (step: number) => Array.from(s.next(new SeededRandom(3), 40, seqLen, step)).filter((t) => t !== BOS);
    expect(ids(0).every((t) => t < 5)).toBe(true);
    expect(ids(9).every((t) => t < 5)).toBe(true);
    expect(ids(10).some((t) => t >= 100)).toBe(true); // ids the corpus never holds: the whole vocabulary
    // Before the switch the stream is the single-source sampler's, draw for draw.
    const single = new BatchSampler({ ...opts, randomTokensFrom: { top: 5 } });
    expect(Array.from(s.next(new SeededRandom(7), 40, seqLen, 3))).toEqual(
      Array.from(single.next(new SeededRandom(7), 40, seqLen, 3)),
    );
  });

  it("refuses steps that do not increase and bad sources, by position", () => {
    const later = (l: { fromStep: number; from: never }[]) => () =>
      new BatchSampler({ ...opts, randomTokensFrom: "vocab", randomTokensLater: l });
    expect(later([{ fromStep: 0, from: "corpus" as never }])).toThrow(
      /randomTokensLater\[0\]\.fromStep must be a whole number above 0, got 0/,
    );
    expect(
      later([
        { fromStep: 5, from: "corpus" as never },
        { fromStep: 5, from: "vocab" as never },
      ]),
    ).toThrow(/randomTokensLater\[1\]\.fromStep must be a whole number above 5/);
    expect(later([{ fromStep: 5, from: "bytes" as never }])).toThrow(/randomTokensLater\[0\]\.from must be "vocab"/);
  });
});

describe("BatchSampler: rows of the corpus spelt in characters", () => {
  // Character tokens are 2000.. so they cannot be confused with the corpus's ids (< 1000).
  const charCorpus = Array.from({ length: 3000 }, (_, i) => 2000 + (i % 500));
  it("draws windows of the character corpus in the fraction asked for, and refuses a corpus too short", () => {
    const s = new BatchSampler({
      corpus,
      bosTokenId: BOS,
      vocabSize: 3000,
      batchSize: 400,
      seqLen,
      repeatFraction: 0,
      charCorpus,
      charTextFraction: 0.25,
    });
    const rows = s.next(new SeededRandom(5));
    let charRows = 0;
    for (let b = 0; b < 400; b++) {
      const body = Array.from(rows.subarray(b * seqLen + 1, (b + 1) * seqLen));
      if (body[0]! >= 2000) {
        charRows++;
        expect(body.every((t, i) => i === 0 || t === 2000 + ((body[i - 1]! - 2000 + 1) % 500))).toBe(true);
      } else expect(body.every((t) => t < 1000)).toBe(true);
    }
    expect(charRows / 400).toBeGreaterThan(0.18);
    expect(charRows / 400).toBeLessThan(0.32);
    expect(
      () =>
        new BatchSampler({
          corpus,
          bosTokenId: BOS,
          vocabSize: 3000,
          batchSize: 1,
          seqLen,
          repeatFraction: 0,
          charCorpus: [2000],
          charTextFraction: 0.1,
        }),
    ).toThrow(/charCorpus of at least seqLen/);
  });
});
