#!/usr/bin/env node
/**
 * `npm run bench`: the kernels against the plain-TypeScript backend, onnxruntime-web (wasm) and
 * onnxruntime-node on a full-size random model of the real config. Each engine × thread count runs in its own
 * Node process (onnxruntime-web fixes its thread count at start-up; peak memory is per process).
 *   --quick   only T = 62        --json   one JSON object on stdout
 *   --engines kernels,ts,ort-web,ort-node   --threads 1,2   --T 62,256
 *   --no-relaxed (skip the relaxed-SIMD kernels)   --relaxed (include them in --quick)
 *   --markdown (the README's table)   --from a.json,b.json (render saved --json results, add --markdown)
 */
import { spawn } from "node:child_process";
import { cpus, totalmem, platform, arch, release } from "node:os";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { forwardFlops, randomStateDict, BENCH_CONFIG } from "./random-model.js";
import { modelEngine, ortEngine, type Engine, type EngineName, type Mode } from "./engines.js";
import { peakRssMb, rssMb, round, time } from "./measure.js";
import { createKernelsBackend } from "@attnscope/core";

interface Row {
  engine: EngineName;
  label: string;
  threads: number;
  T: number;
  mode: Mode | "unembed";
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  cpu_ms: number;
  gflops: number;
  peak_rss_mb: number;
  build?: string;
  note?: string;
}

interface GroupSpec {
  engine: EngineName;
  threads: number;
  relaxed: boolean;
  Ts: number[];
  modes: Mode[];
  quick: boolean;
  /** Skip the separate unembedding measurement (it holds a second copy of W_U). */
  noUnembed?: boolean;
}

const ALL_T = [62, 256, 1024, 2048];

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Runs one engine at one thread count (inside a child process) and prints its rows as JSON. */
async function runGroup(spec: GroupSpec): Promise<Row[]> {
  const t0 = performance.now();
  const sd = randomStateDict(1);
  const engine: Engine =
    spec.engine === "kernels" || spec.engine === "ts"
      ? await modelEngine(spec.engine, sd, spec.threads)
      : await ortEngine(spec.engine, sd, spec.threads);
  log(`  ${engine.label}: model ready in ${Math.round(performance.now() - t0)} ms, rss ${rssMb()} MB`);
  const rows: Row[] = [];
  let seed = 12345;
  const randomTokens = (n: number) =>
    Int32Array.from({ length: n }, (_, i) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return i === 0 ? 0 : 1 + (seed % (BENCH_CONFIG.d_vocab - 1));
    });
  for (const T of spec.Ts) {
    for (const mode of spec.modes) {
      if (mode === "append1" && T !== 62) continue;
      if (spec.engine === "ts" && !tsAffordable(mode, T)) continue;
      // --quick keeps to about a minute: onnxruntime's loss graph is one more session to build, and the
      // reference backend's loss and logits take seconds each.
      if (spec.quick && mode === "loss" && spec.engine.startsWith("ort")) continue;
      if (spec.quick && (mode === "loss" || mode === "full") && spec.engine === "ts") continue;
      const tokens = randomTokens(mode === "append1" ? T + 1 : T);
      await engine.prepare(mode);
      const heavy = forwardFlops(mode, T) > 2e10;
      const slow = spec.engine === "ts" && mode !== "append1" && (mode !== "patterns" || T > 62);
      const warmup = slow ? (spec.quick ? 0 : 1) : heavy || spec.quick ? 1 : 2;
      const reps = slow ? (spec.quick ? 1 : 2) : heavy ? 3 : T <= 256 ? (spec.quick ? 5 : 10) : 5;
      const before =
        mode === "append1" && engine.beforeAppend ? () => engine.beforeAppend!(tokens.subarray(0, T)) : undefined;
      // Cheap runs (T = 62 patterns and appends) warm up for a while and are measured over at least as long;
      // the rest of T = 62 (a few hundred ms a run) is measured for two seconds in the full benchmark.
      const cheap = !slow && forwardFlops(mode, T) < 2e9;
      const plan = {
        warmup,
        reps,
        warmupMs: cheap ? (spec.quick ? 300 : 1000) : 0,
        minMs: cheap ? (spec.quick ? 500 : 2000) : !slow && T === 62 && !spec.quick ? 2000 : 0,
      };
      const t = await time(() => engine.run(mode, tokens), plan, before);
      const flops = forwardFlops(mode, mode === "append1" ? T + 1 : T);
      const row: Row = {
        engine: spec.engine,
        label: engine.label,
        threads: spec.threads,
        T,
        mode,
        ...t,
        gflops: round(flops / (t.median_ms * 1e6), 2),
        peak_rss_mb: peakRssMb(),
      };
      if (spec.engine === "kernels") row.build = spec.relaxed ? "relaxed-simd" : "simd";
      if (mode === "append1" && spec.engine.startsWith("ort"))
        row.note = "no incremental run: full patterns pass on 63 tokens";
      rows.push(row);
      log(`  ${engine.label} T=${T} ${mode}: ${t.median_ms} ms (min ${t.min_ms}, max ${t.max_ms})`);
    }
  }
  await engine.dispose();
  if (spec.engine === "kernels" && !spec.noUnembed) rows.push(...(await unembedRows(sd, spec)));
  return rows;
}

/** The unembedding matmul alone ([62, 768] · [768, 50278] + b_U): the kernels' GFLOP/s per thread. */
async function unembedRows(sd: ReturnType<typeof randomStateDict>, spec: GroupSpec): Promise<Row[]> {
  const be = await createKernelsBackend({ threads: spec.threads });
  const { d_model: D, d_vocab: V } = BENCH_CONFIG;
  const W = sd.get("unembed.W_U")!.data as Float32Array;
  const b = sd.get("unembed.b_U")!.data as Float32Array;
  const T = 62;
  const x = Float32Array.from({ length: T * D }, (_, i) => Math.sin(i));
  const out = new Float32Array(T * V);
  const t = await time(async () => void be.matmul(x, W, T, D, V, { bias: b, out }), {
    warmup: 1,
    reps: spec.quick ? 5 : 10,
  });
  be.dispose();
  return [
    {
      engine: "kernels",
      label: be.name,
      threads: spec.threads,
      T,
      mode: "unembed",
      ...t,
      gflops: round((2 * T * D * V) / (t.median_ms * 1e6), 2),
      peak_rss_mb: peakRssMb(),
      build: spec.relaxed ? "relaxed-simd" : "simd",
    },
  ];
}

function tsAffordable(mode: Mode, T: number): boolean {
  // The reference backend needs seconds per full forward at T = 62; beyond that only the attention part.
  return T === 62 || (mode === "patterns" && T <= 256);
}

function runChild(spec: GroupSpec): Promise<Row[]> {
  const self = fileURLToPath(import.meta.url);
  const flags = spec.relaxed ? ["--experimental-wasm-relaxed-simd"] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...flags, "--expose-gc", "--max-old-space-size=8192", self, "--child", JSON.stringify(spec)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${spec.engine} x${spec.threads} exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}

function machine(): Record<string, unknown> {
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
    model: { ...BENCH_CONFIG, weights_mb: 334 },
    date: new Date().toISOString(),
  };
}

function table(rows: Row[]): string {
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
  const head = [
    "engine",
    "thr",
    "T",
    "mode",
    "median ms",
    "min",
    "max",
    "cpu ms",
    "GFLOP/s",
    "vs ts",
    "vs ort-web",
    "vs ort-node",
    "peak RSS MB",
  ];
  const lines = rows.map((r) => [
    r.label,
    String(r.threads),
    String(r.T),
    r.mode,
    r.median_ms.toFixed(2),
    r.min_ms.toFixed(2),
    r.max_ms.toFixed(2),
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
function markdown(rows: Row[]): string {
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

const USAGE = `Usage: npm run bench -- [options]   (or node packages/cli/dist/bench/main.js [options])
  --quick                      only T = 62 (about a minute)
  --json                       one JSON object on stdout: {"machine": {...}, "results": [...]}
  --markdown                   the README's table
  --engines kernels,ts,ort-web,ort-node
  --threads 1,2                thread counts
  --T 62,256,1024,2048         sequence lengths
  --relaxed / --no-relaxed     include / skip the relaxed-SIMD kernels
  --from a.json,b.json         render saved --json results instead of running`;

const KNOWN_FLAGS = new Set([
  "--quick",
  "--json",
  "--markdown",
  "--relaxed",
  "--no-relaxed",
  "--engines",
  "--threads",
  "--T",
  "--from",
  "--child",
]);

async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const unknown = argv.find((a, i) => a.startsWith("-") && !KNOWN_FLAGS.has(a) && !KNOWN_FLAGS.has(argv[i - 1] ?? ""));
  if (unknown) throw new Error(`unknown option ${unknown}\n${USAGE}`);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const child = arg("--child");
  if (child) {
    const rows = await runGroup(JSON.parse(child) as GroupSpec);
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    process.exit(0);
  }
  const quick = argv.includes("--quick");
  const json = argv.includes("--json");
  // --from a.json,b.json: render earlier --json results (merged) instead of running anything.
  const from = arg("--from");
  if (from) {
    const files = from
      .split(",")
      .map((f) => JSON.parse(readFileSync(f, "utf8")) as { machine: unknown; results: Row[] });
    const merged = files.flatMap((f) => f.results);
    process.stdout.write(`${argv.includes("--markdown") ? markdown(merged) : table(merged)}\n`);
    return;
  }
  const engines = (arg("--engines") ?? "kernels,ts,ort-web,ort-node").split(",") as EngineName[];
  const threadList = (arg("--threads") ?? "1,2").split(",").map(Number);
  const Ts = arg("--T") ? arg("--T")!.split(",").map(Number) : quick ? [62] : ALL_T;
  // Relaxed SIMD (what Chromium runs) is measured in a child started with Node 20's flag for it.
  const relaxedToo = quick ? argv.includes("--relaxed") : !argv.includes("--no-relaxed");
  const modes: Mode[] = ["patterns", "append1", "loss", "full"];
  const rows: Row[] = [];
  const started = performance.now();
  for (const engine of engines) {
    for (const threads of engine === "ts" ? [1] : threadList) {
      const builds = engine === "kernels" && relaxedToo ? [false, true] : [false];
      for (const relaxed of builds) {
        log(`${engine}${relaxed ? " (relaxed SIMD)" : ""}, ${threads} thread(s): T = ${Ts.join(", ")}`);
        rows.push(...(await runChild({ engine, threads, relaxed, Ts, modes, quick })));
      }
    }
  }
  // Peak memory of a T = 2048 loss run on its own, free of the other sizes' high-water marks.
  if (Ts.includes(2048) && engines.includes("kernels")) {
    log("kernels, 1 thread: T = 2048 loss alone, for its peak memory");
    const [r] = await runChild({
      engine: "kernels",
      threads: 1,
      relaxed: false,
      Ts: [2048],
      modes: ["loss"],
      quick: true,
      noUnembed: true,
    });
    const row = rows.find(
      (x) => x.engine === "kernels" && x.build === "simd" && x.threads === 1 && x.T === 2048 && x.mode === "loss",
    );
    if (row) {
      row.peak_rss_mb = r.peak_rss_mb;
      row.note = "peak RSS measured in a process running only this case";
    }
  }
  log(`bench finished in ${Math.round((performance.now() - started) / 1000)} s`);
  if (json) process.stdout.write(`${JSON.stringify({ machine: machine(), results: rows })}\n`);
  else if (argv.includes("--markdown")) process.stdout.write(`${markdown(rows)}\n`);
  else process.stdout.write(`${JSON.stringify(machine())}\n\n${table(rows)}\n`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
