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
