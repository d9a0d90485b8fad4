// The spread the benchmark reports, on run times whose quantiles are known by hand.
import { describe, expect, it } from "vitest";
import { quantile, spread } from "../src/measure.js";
import { mergeRepeats } from "../src/repeat.js";
import type { Row } from "../src/types.js";

describe("spread", () => {
  it("p10 / p50 / p90 interpolate between order statistics, as numpy's default", () => {
    // 11 runs 10, 11, …, 20: p10 = 11, p50 = 15, p90 = 19 exactly.
    const ms = [20, 12, 14, 16, 18, 10, 11, 13, 15, 17, 19];
    expect(spread(ms)).toMatchObject({ p10_ms: 11, median_ms: 15, p90_ms: 19, min_ms: 10, max_ms: 20, runs: 11 });
    // Between order statistics: [1, 2, 3, 4] → p10 at 0.3 of the way from 1 to 2.
    expect(quantile([4, 1, 3, 2], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
  });

  it("counts the runs slower than 1.25 × the median as slow outliers", () => {
    // median 10; 12.5 is not above 1.25 × 10, 12.6 and 25 are.
    expect(spread([10, 10, 10, 10, 10, 12.5, 12.6, 25, 9]).outliers).toBe(2);
    expect(spread([5]).outliers).toBe(0);
  });

  it("refuses an empty set of runs", () => {
    expect(() => spread([])).toThrow(/no runs/);
  });
});

describe("mergeRepeats", () => {
  const row = (
    median_ms: number,
    p10_ms: number,
    p90_ms: number,
    outliers: number,
    mode: Row["mode"] = "patterns",
  ): Row => ({
    engine: "kernels",
    label: "kernels-simd",
    threads: 1,
    T: 62,
    mode,
    median_ms,
    p10_ms,
    p90_ms,
    min_ms: p10_ms - 1,
    max_ms: p90_ms + 1,
    outliers,
    runs: 20,
    cpu_ms: median_ms,
    gflops: 100 / median_ms, // the same work (100 MFLOP) in every process
    peak_rss_mb: 400 + outliers,
    build: "simd",
  });

  it("gives the median of the medians, their range and the worst p90 / p10 of one process", () => {
    const merged = mergeRepeats([[row(13, 12, 14, 0)], [row(22, 20, 25, 3)], [row(12, 11.5, 12.5, 1)]]);
    expect(merged).toHaveLength(1);
    const [m] = merged;
    expect(m.median_ms).toBe(13);
    expect(m.repeat!.medians_ms).toEqual([13, 22, 12]);
    expect(m.repeat!.range_pct).toBeCloseTo(((22 - 12) / 13) * 100, 1);
    expect(m.repeat!.worst_p90_p10).toBeCloseTo(1.25, 3);
    expect(m.p10_ms).toBe(12);
    expect(m.p90_ms).toBe(14);
    expect(m.min_ms).toBe(10.5);
    expect(m.max_ms).toBe(26);
    expect(m.outliers).toBe(4);
    expect(m.runs).toBe(60);
    expect(m.gflops).toBeCloseTo(100 / 13, 2);
    expect(m.peak_rss_mb).toBe(403);
  });

  it("keeps cases apart", () => {
    const merged = mergeRepeats([
      [row(13, 12, 14, 0), row(1, 1, 1.1, 0, "append1")],
      [row(15, 12, 16, 0), row(2, 1.9, 2.1, 0, "append1")],
    ]);
    expect(merged.map((m) => [m.mode, m.median_ms])).toEqual([
      ["patterns", 14],
      ["append1", 1.5],
    ]);
  });
});
