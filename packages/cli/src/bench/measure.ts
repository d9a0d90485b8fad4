/** Timing and memory readings for the benchmark. */

export interface Timing {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  /** Median CPU time of the whole process per run (all its threads): on a busy machine, closer to the work done. */
  cpu_ms: number;
}

export async function time(fn: () => Promise<void>, warmup: number, reps: number, before?: () => Promise<void>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) {
    await before?.();
    await fn();
  }
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    await before?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { median_ms: round(median(ms)), min_ms: round(Math.min(...ms)), max_ms: round(Math.max(...ms)), runs: reps, cpu_ms: round(median(cpu)) };
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
