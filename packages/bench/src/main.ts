#!/usr/bin/env node
/**
 * `npm run bench`: the kernels against the plain-TypeScript backend, onnxruntime-web (wasm) and
 * onnxruntime-node on a full-size random model of the real config. Each engine × thread count runs in its own
 * Node process (onnxruntime-web fixes its thread count at start-up; peak memory is per process); with
 * `--repeat N`, in N fresh processes each, taken in turns.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { CHROMIUM } from "./browser-engine.js";
import type { EngineName, Mode } from "./engines.js";
import { runGroup } from "./run-group.js";
import { mergeRepeats } from "./repeat.js";
import { machine, markdown, table } from "./report.js";
import type { GroupSpec, Row } from "./types.js";

const ALL_T = [62, 256, 1024, 2048];

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
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

const USAGE = `Usage: npm run bench -- [options]   (or node packages/bench/dist/main.js [options])
  --quick                      only T = 62 (about a minute)
  --json                       one JSON object on stdout: {"machine": {...}, "results": [...]}
  --markdown                   the README's table
  --engines kernels,ts,ort-web,ort-node,ort-webgpu   (ort-webgpu: WebGPU on SwiftShader in Chromium, software)
  --threads 1,2                thread counts
  --T 62,256,1024,2048         sequence lengths
  --relaxed / --no-relaxed     include / skip the relaxed-SIMD kernels
  --repeat N                   each engine in N fresh processes (taken in turns): median and range of medians
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
  "--repeat",
  "--child",
]);

const ENGINES: readonly EngineName[] = ["kernels", "ts", "ort-web", "ort-node", "ort-webgpu"];

/** A comma-separated list of positive integers, refused with the option's name otherwise. */
function intList(option: string, value: string, max: number): number[] {
  return value.split(",").map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${option}: expected integers 1…${max}, got "${v}"`);
    return n;
  });
}

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
  // ort-webgpu (WebGPU on SwiftShader in headless Chromium) runs by default where Chromium is installed.
  const defaults = ENGINES.filter((e) => e !== "ort-webgpu" || existsSync(CHROMIUM));
  const engines = (arg("--engines") ?? defaults.join(",")).split(",") as EngineName[];
  const bad = engines.find((e) => !ENGINES.includes(e));
  if (bad) throw new Error(`--engines: unknown engine "${bad}" (known: ${ENGINES.join(", ")})`);
  const threadList = intList("--threads", arg("--threads") ?? "1,2", 64);
  const Ts = arg("--T") ? intList("--T", arg("--T")!, 2048) : quick ? [62] : ALL_T;
  const [repeat] = intList("--repeat", arg("--repeat") ?? "1", 100);
  // Relaxed SIMD (what Chromium runs) is measured in a child started with Node 20's flag for it.
  const relaxedToo = quick ? argv.includes("--relaxed") : !argv.includes("--no-relaxed");
  const modes: Mode[] = ["patterns", "append1", "loss", "full"];
  const groups: GroupSpec[] = [];
  for (const engine of engines) {
    for (const threads of engine === "ts" || engine === "ort-webgpu" ? [1] : threadList) {
      const builds = engine === "kernels" && relaxedToo ? [false, true] : [false];
      for (const relaxed of builds) groups.push({ engine, threads, relaxed, Ts, modes, quick });
    }
  }
  const started = performance.now();
  // With --repeat, the processes of one engine are spread over the run (round r of every group, then round
  // r + 1), so a slow minute of a shared machine lands on every engine rather than on one.
  const perRound: Row[][] = [];
  for (let r = 0; r < repeat; r++) {
    const rows: Row[] = [];
    for (const spec of groups) {
      const what = `${spec.engine}${spec.relaxed ? " (relaxed SIMD)" : ""}, ${spec.threads} thread(s)`;
      log(`${what}: T = ${Ts.join(", ")}${repeat > 1 ? ` (process ${r + 1} of ${repeat})` : ""}`);
      rows.push(...(await runChild(spec)));
    }
    perRound.push(rows);
  }
  const rows = repeat > 1 ? mergeRepeats(perRound) : perRound[0];
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
