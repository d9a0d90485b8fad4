/** Rendering: the machine's description, the text table and the README's markdown table. */
import { cpus, totalmem, platform, arch, release } from "node:os";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BENCH_CONFIGS, weightsMb, type BenchConfigName } from "./random-model.js";
import { round } from "./measure.js";
import type { EngineName } from "./engines.js";
import type { Row } from "./types.js";

export function machine(config: BenchConfigName = "attn-only-2l-half"): Record<string, unknown> {
  const req = createRequire(import.meta.url);
  const version = (p: string) => {
    try {
      // Walk up from the entry point: not every package exports its package.json.
      let dir = dirname(req.resolve(p));
      for (let i = 0; i < 6; i++, dir = dirname(dir)) {
        const file = join(dir, "package.json");
        if (existsSync(file)) {
          const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version: string };
          if (pkg.name === p) return pkg.version;
        }
      }
    } catch {
      // not installed
    }
    return null;
  };
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gb: round(totalmem() / 2 ** 30, 1),
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    onnxruntime_web: version("onnxruntime-web"),
    onnxruntime_node: version("onnxruntime-node"),
    model: { name: config, ...BENCH_CONFIGS[config], weights_mb: weightsMb(config) },
    date: new Date().toISOString(),
  };
}

export function table(rows: Row[]): string {
  const find = (e: EngineName, r: Row, threads: number) =>
    rows.find(
      (x) =>
        x.engine === e &&
        x.T === r.T &&
        x.mode === r.mode &&
        x.threads === threads &&
        (e !== "kernels" || x.build === r.build),
    );
  const ratio = (other: Row | undefined, r: Row) => (other ? `${(other.median_ms / r.median_ms).toFixed(2)}×` : "–");
  const repeated = rows.some((r) => r.repeat);
  // Rows saved before the spread was recorded (an older --json file) have no p10 / p90 / outliers.
  const ms = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(2));
  const head = [
    "engine",
    "thr",
    "T",
    "mode",
    "p10 ms",
    "p50 ms",
    "p90 ms",
    "slow",
    ...(repeated ? ["medians' range", "worst p90/p10"] : []),
    "min",
    "max",
    "cpu ms",
    "GFLOP/s",
    "vs ts",
    "vs ort-web",
    "vs ort-node",
    "peak RSS MB",
  ];
  const range = (r: Row) =>
    r.repeat
      ? `${Math.min(...r.repeat.medians_ms).toFixed(2)}–${Math.max(...r.repeat.medians_ms).toFixed(2)} (${r.repeat.range_pct.toFixed(1)} %)`
      : "–";
  const lines = rows.map((r) => [
    r.label,
    String(r.threads),
    String(r.T),
    r.mode,
    ms(r.p10_ms),
    ms(r.median_ms),
    ms(r.p90_ms),
    r.outliers === undefined ? "–" : `${r.outliers}/${r.runs}`,
    ...(repeated ? [range(r), r.repeat ? r.repeat.worst_p90_p10.toFixed(2) : "–"] : []),
    ms(r.min_ms),
    ms(r.max_ms),
    r.cpu_ms.toFixed(1),
    r.gflops.toFixed(1),
    r.engine === "kernels" ? ratio(find("ts", r, 1), r) : "",
    r.engine === "kernels" ? ratio(find("ort-web", r, r.threads), r) : "",
    r.engine === "kernels" ? ratio(find("ort-node", r, r.threads), r) : "",
    String(r.peak_rss_mb),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(fmt)].join("\n");
}

/** Markdown: one row per T × mode, median wall ms (CPU ms) per engine and thread count — the README's table. */
export function markdown(rows: Row[]): string {
  const get = (e: EngineName, T: number, mode: string, th: number, build = "simd") =>
    rows.find(
      (r) =>
        r.engine === e && r.T === T && r.mode === mode && r.threads === th && (e !== "kernels" || r.build === build),
    );
  // Two significant digits at least: 11.5 ms against a 12 ms target must not print as 12.
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
  const cell = (r: Row | undefined) => (r ? `${ms(r.median_ms)} (${ms(r.cpu_ms)})` : "–");
  const cols: [string, EngineName, number, string?][] = [
    ["kernels simd ×1", "kernels", 1],
    ["kernels simd ×2", "kernels", 2],
    ["kernels relaxed ×1", "kernels", 1, "relaxed-simd"],
    ["ts ×1", "ts", 1],
    ["ort-web ×1", "ort-web", 1],
    ["ort-web ×2", "ort-web", 2],
    ["ort-node ×1", "ort-node", 1],
    ["ort-node ×2", "ort-node", 2],
    ["ort-web WebGPU (SwiftShader, software)", "ort-webgpu", 1],
  ];
  const lines = [`| T | mode | ${cols.map((c) => c[0]).join(" | ")} |`, `|${"---|".repeat(cols.length + 2)}`];
  const Ts = [...new Set(rows.map((r) => r.T))].sort((a, b) => a - b);
  for (const T of Ts) {
    for (const mode of ["patterns", "append1", "loss", "full", "unembed"]) {
      if (!rows.some((r) => r.T === T && r.mode === mode)) continue;
      lines.push(`| ${T} | ${mode} | ${cols.map(([, e, th, b]) => cell(get(e, T, mode, th, b))).join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/**
 * Below the table: each engine's peak RSS (the highest of its processes, against the weights' size), and the
 * kernels' speed against onnxruntime-web (its median ÷ theirs, same mode, T and threads) case by case.
 */
export function summary(rows: Row[], weightsMb: number): string {
  const peaks = new Map<string, number>();
  for (const r of rows) if (r.mode !== "unembed") peaks.set(r.label, Math.max(peaks.get(r.label) ?? 0, r.peak_rss_mb));
  const lines = [
    `peak RSS per engine (weights ${weightsMb} MB): ${[...peaks].map(([l, mb]) => `${l} ${mb} MB (weights + ${mb - weightsMb})`).join(", ")}`,
  ];
  const ratios = rows
    .filter((r) => r.engine === "kernels" && r.mode !== "unembed")
    .flatMap((r) => {
      const web = rows.find(
        (x) => x.engine === "ort-web" && x.T === r.T && x.mode === r.mode && x.threads === r.threads,
      );
      if (!web) return [];
      const what = `${r.mode} T=${r.T} x${r.threads}${r.build === "relaxed-simd" ? " relaxed" : ""}`;
      return [`${what}: ${(web.median_ms / r.median_ms).toFixed(2)}× (CPU ${(web.cpu_ms / r.cpu_ms).toFixed(2)}×)`];
    });
  if (ratios.length)
    lines.push(`kernels vs ort-web (their median ÷ the kernels'; CPU ms likewise): ${ratios.join(", ")}`);
  return lines.join("\n");
}
