/**
 * `npm run bench`'s command line → what to run: which model, engines, thread counts, sequence lengths, modes,
 * builds and repeats. Every bad option is refused by name, before anything runs.
 */
import type { EngineName, Mode } from "./engines.js";
import { BENCH_CONFIG_NAMES, benchConfig, type BenchConfigName } from "./random-model.js";

export const USAGE = `Usage: npm run bench -- [options]   (or node packages/bench/dist/main.js [options])
  --config attn-only-2l-half|gpt2-small   the random model (default attn-only-2l-half; gpt2-small: GPT-2
                               small's real config, engines kernels, ort-web, ort-node, T = 62 unless --T)
  --quick                      only T = 62 (about a minute)
  --json                       one JSON object on stdout: {"machine": {...}, "results": [...]}
  --markdown                   the README's table
  --engines kernels,ts,ort-web,ort-node,ort-webgpu   (ort-webgpu: WebGPU on SwiftShader in Chromium, software)
  --threads 1,2                thread counts
  --T 62,256,1024,2048         sequence lengths (also --seq)
  --relaxed / --no-relaxed     include / skip the relaxed-SIMD kernels
  --repeat N                   each engine in N fresh processes (taken in turns): median and range of medians
  --from a.json,b.json         render saved --json results instead of running`;

const VALUE_FLAGS = new Set(["--engines", "--threads", "--T", "--seq", "--from", "--repeat", "--child", "--config"]);
const BOOLEAN_FLAGS = new Set(["--quick", "--json", "--markdown", "--relaxed", "--no-relaxed", "--help", "-h"]);

export const ENGINES: readonly EngineName[] = ["kernels", "ts", "ort-web", "ort-node", "ort-webgpu"];
const ALL_T = [62, 256, 1024, 2048];

export interface BenchPlan {
  config: BenchConfigName;
  engines: EngineName[];
  threads: number[];
  Ts: number[];
  modes: Mode[];
  repeat: number;
  /** The relaxed-SIMD kernels too (in their own process). */
  relaxed: boolean;
  quick: boolean;
}

/** A comma-separated list of positive integers, refused with the option's name otherwise. */
export function intList(option: string, value: string, max: number): number[] {
  return value.split(",").map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${option}: expected integers 1…${max}, got "${v}"`);
    return n;
  });
}

/** The value after `name` (or its alias), undefined when absent; a flag given without a value is refused. */
export function optionValue(argv: readonly string[], name: string, alias?: string): string | undefined {
  const i = argv.findIndex((a) => a === name || (alias !== undefined && a === alias));
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${argv[i]} needs a value`);
  return v;
}

/** Refuses an unknown option, naming it. */
export function checkFlags(argv: readonly string[]): void {
  const unknown = argv.find(
    (a, i) => a.startsWith("-") && !VALUE_FLAGS.has(a) && !BOOLEAN_FLAGS.has(a) && !VALUE_FLAGS.has(argv[i - 1] ?? ""),
  );
  if (unknown) throw new Error(`unknown option ${unknown}\n${USAGE}`);
}

/**
 * What a run does. `defaultEngines`: the engines run when --engines is absent (ort-webgpu only where Chromium
 * is installed).
 */
export function parsePlan(argv: readonly string[], defaultEngines: readonly EngineName[]): BenchPlan {
  checkFlags(argv);
  const name = optionValue(argv, "--config") ?? "attn-only-2l-half";
  if (!(BENCH_CONFIG_NAMES as readonly string[]).includes(name))
    throw new Error(`--config: unknown model "${name}" (known: ${BENCH_CONFIG_NAMES.join(", ")})`);
  const config = name as BenchConfigName;
  const gpt2 = config === "gpt2-small";
  const quick = argv.includes("--quick");
  const engines = (
    optionValue(argv, "--engines") ?? (gpt2 ? ["kernels", "ort-web", "ort-node"] : defaultEngines).join(",")
  ).split(",") as EngineName[];
  const bad = engines.find((e) => !ENGINES.includes(e));
  if (bad) throw new Error(`--engines: unknown engine "${bad}" (known: ${ENGINES.join(", ")})`);
  if (gpt2 && engines.includes("ort-webgpu"))
    throw new Error(
      "--engines: ort-webgpu is not offered with --config gpt2-small (software WebGPU needs minutes a run)",
    );
  const nCtx = benchConfig(config).n_ctx;
  const seq = optionValue(argv, "--T", "--seq");
  const Ts = seq ? intList(argv.includes("--T") ? "--T" : "--seq", seq, nCtx) : quick || gpt2 ? [62] : ALL_T;
  return {
    config,
    engines,
    // GPT-2 small: every engine on the same one thread by default (quick), or on the counts given.
    threads: intList("--threads", optionValue(argv, "--threads") ?? (gpt2 ? "1" : "1,2"), 64),
    Ts,
    modes: gpt2 ? ["patterns", "loss", "full"] : ["patterns", "append1", "loss", "full"],
    repeat: intList("--repeat", optionValue(argv, "--repeat") ?? "1", 100)[0],
    // Relaxed SIMD (what Chromium runs) is measured in a child started with Node 20's flag for it.
    relaxed: quick || gpt2 ? argv.includes("--relaxed") : !argv.includes("--no-relaxed"),
    quick,
  };
}
