/**
 * `--repeat N`: every engine runs in N fresh processes, and each case's rows are merged into one. A
 * process's median moves with what the machine and the process's own start-up (memory layout, JIT) did, so
 * the spread between processes is reported beside the spread inside them.
 */
import { median, round } from "./measure.js";
import type { Row } from "./types.js";

const caseKey = (r: Row) => [r.engine, r.label, r.threads, r.T, r.mode, r.build ?? ""].join("|");

/**
 * One row per case from the rows of N processes (given in the order they ran): the median of the
 * processes' medians, the range of those medians, and the worst p90 / p10 of any one process. A case missing
 * from some process is merged over the processes that have it.
 */
export function mergeRepeats(processes: readonly (readonly Row[])[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const rows of processes) {
    for (const r of rows) {
      const k = caseKey(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
  }
  return [...groups.values()].map((rs) => {
    const medians = rs.map((r) => r.median_ms);
    const mid = median(medians);
    // gflops × median is the case's work, the same in every process.
    const work = rs[0].gflops * rs[0].median_ms;
    return {
      ...rs[0],
      median_ms: round(mid),
      p10_ms: round(median(rs.map((r) => r.p10_ms))),
      p90_ms: round(median(rs.map((r) => r.p90_ms))),
      min_ms: Math.min(...rs.map((r) => r.min_ms)),
      max_ms: Math.max(...rs.map((r) => r.max_ms)),
      outliers: rs.reduce((s, r) => s + r.outliers, 0),
      runs: rs.reduce((s, r) => s + r.runs, 0),
      cpu_ms: round(median(rs.map((r) => r.cpu_ms))),
      gflops: round(work / mid, 2),
      peak_rss_mb: Math.max(...rs.map((r) => r.peak_rss_mb)),
      repeat: {
        medians_ms: medians,
        range_pct: round(((Math.max(...medians) - Math.min(...medians)) / mid) * 100, 1),
        worst_p90_p10: round(Math.max(...rs.map((r) => r.p90_ms / r.p10_ms)), 3),
      },
    };
  });
}
