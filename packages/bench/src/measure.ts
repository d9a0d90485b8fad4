/** Timing and memory readings for the benchmark. */

export interface Timing {
  /** p50 of the timed runs. */
  median_ms: number;
  p10_ms: number;
  p90_ms: number;
  min_ms: number;
  max_ms: number;
  /** Timed runs slower than SLOW_OUTLIER × the median. */
  outliers: number;
  runs: number;
  /** Median CPU time of the whole process per run (all its threads): on a busy machine, closer to the work done. */
  cpu_ms: number;
}

/**
 * How long to measure. Runs repeat until both the count and the time are reached: JIT tiers (WebAssembly
 * and JavaScript alike) settle during a warm-up of a fixed time rather than a fixed count, and on a shared
 * machine a median over about a second of runs is steadier than over a handful.
 */
export interface TimingPlan {
  warmup: number;
  reps: number;
  /** Keep warming up until this much time has passed. @default 0 */
  warmupMs?: number;
  /** Keep measuring until this much time has passed (up to maxReps). @default 0 */
  minMs?: number;
  /** @default 200 */
  maxReps?: number;
}

/**
 * Before each timed run, untimed: a full garbage collection when the process was started with --expose-gc
 * (the benchmark's children are), then a few milliseconds for the collector's background threads to free
 * the dead arrays' memory. Otherwise a run pays, at random, for the outputs earlier runs left to the
 * collector: its new arrays land on fresh pages instead of freed ones, which on a virtual machine with costly
 * page faults (12 µs a page here) is up to 40 ms for one 12.5 MB logits array. Every engine gets the same.
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
}

export async function time(fn: () => Promise<void>, plan: TimingPlan, before?: () => Promise<void>): Promise<Timing> {
  const { warmup, reps, warmupMs = 0, minMs = 0, maxReps = 200 } = plan;
  const w0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - w0 < warmupMs; i++) {
    await collectGarbage();
    await before?.();
    await fn();
  }
  const ms: number[] = [];
  const cpu: number[] = [];
  const m0 = performance.now();
  while (ms.length < reps || (performance.now() - m0 < minMs && ms.length < maxReps)) {
    await collectGarbage();
    await before?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ...spread(ms), cpu_ms: round(median(cpu)) };
}

/** A run this much slower than the median counts as a slow outlier. */
export const SLOW_OUTLIER = 1.25;

/** The spread of a set of run times: p10 / p50 / p90, extremes and the number of slow outliers. */
export function spread(ms: readonly number[]): Omit<Timing, "cpu_ms"> {
  if (ms.length === 0) throw new RangeError("spread of no runs");
  const p50 = quantile(ms, 0.5);
  return {
    median_ms: round(p50),
    p10_ms: round(quantile(ms, 0.1)),
    p90_ms: round(quantile(ms, 0.9)),
    min_ms: round(Math.min(...ms)),
    max_ms: round(Math.max(...ms)),
    outliers: ms.filter((x) => x > SLOW_OUTLIER * p50).length,
    runs: ms.length,
  };
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

/** The q-quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}
