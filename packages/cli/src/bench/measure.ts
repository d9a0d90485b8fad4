/** Timing and memory readings for the benchmark. */

export interface Timing {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
}

export async function time(fn: () => Promise<void>, warmup: number, reps: number, before?: () => Promise<void>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) {
    await before?.();
    await fn();
  }
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    await before?.();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const median = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  return { median_ms: round(median), min_ms: round(ms[0]), max_ms: round(ms[ms.length - 1]), runs: reps };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function rssMb(): number {
  return Math.round(process.memoryUsage().rss / (1024 * 1024));
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
