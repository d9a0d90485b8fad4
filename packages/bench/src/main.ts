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
import { ENGINES, USAGE, checkFlags, optionValue, parsePlan } from "./options.js";
import { runGroup } from "./run-group.js";
import { mergeRepeats } from "./repeat.js";
import { machine, markdown, summary, table } from "./report.js";
import { weightsMb } from "./random-model.js";
import type { GroupSpec, Row } from "./types.js";

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

async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  checkFlags(argv);
  const arg = (name: string) => optionValue(argv, name);
  const child = arg("--child");
  if (child) {
    const rows = await runGroup(JSON.parse(child) as GroupSpec);
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    process.exit(0);
  }
  const json = argv.includes("--json");
  // --from a.json,b.json: render earlier --json results (merged) instead of running anything.
  const from = arg("--from");
  if (from) {
    const files = from
      .split(",")
      .map((f) => JSON.parse(readFileSync(f, "utf8")) as { machine: unknown; results: Row[] });
    const merged = files.flatMap((f) => f.results);
    const weights = weightsMb(merged.find((r) => r.config)?.config ?? "attn-only-2l-half");
    process.stdout.write(
      `${argv.includes("--markdown") ? markdown(merged) : table(merged)}\n\n${summary(merged, weights)}\n`,
    );
    return;
  }
  // ort-webgpu (WebGPU on SwiftShader in headless Chromium) runs by default where Chromium is installed.
  const plan = parsePlan(
    argv,
    ENGINES.filter((e) => e !== "ort-webgpu" || existsSync(CHROMIUM)),
  );
  const { engines, Ts, repeat, modes, quick, config } = plan;
  const threadList = plan.threads;
  const relaxedToo = plan.relaxed;
  const gpt2 = config === "gpt2-small";
  const groups: GroupSpec[] = [];
  for (const engine of engines) {
    for (const threads of engine === "ts" || engine === "ort-webgpu" ? [1] : threadList) {
      const builds = engine === "kernels" && relaxedToo ? [false, true] : [false];
      for (const relaxed of builds)
        groups.push({ config, engine, threads, relaxed, Ts, modes, quick, ...(gpt2 ? { noUnembed: true } : {}) });
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
      log(`${config} on ${what}: T = ${Ts.join(", ")}${repeat > 1 ? ` (process ${r + 1} of ${repeat})` : ""}`);
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
  const about = machine(config);
  if (json) process.stdout.write(`${JSON.stringify({ machine: about, results: rows })}\n`);
  else if (argv.includes("--markdown"))
    process.stdout.write(`${markdown(rows)}\n\n${summary(rows, weightsMb(config))}\n`);
  else process.stdout.write(`${JSON.stringify(about)}\n\n${table(rows)}\n\n${summary(rows, weightsMb(config))}\n`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
