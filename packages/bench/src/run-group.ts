/** The child process's side: one engine at one thread count over every case, measured. */
import { createKernelsBackend, type HookedTransformerConfig } from "@attnscope/core";
import { BENCH_CONFIGS, benchConfig, forwardFlops, randomStateDict } from "./random-model.js";
import { modelEngine, ortEngine, type Engine, type Mode } from "./engines.js";
import { webgpuEngine } from "./browser-engine.js";
import { peakRssMb, rssMb, round, time } from "./measure.js";
import type { GroupSpec, Row } from "./types.js";

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Runs one engine at one thread count (inside a child process) and prints its rows as JSON. */
export async function runGroup(spec: GroupSpec): Promise<Row[]> {
  const t0 = performance.now();
  const cfg = benchConfig(spec.config);
  const flopsOf = (mode: Mode, T: number) => forwardFlops(mode, T, spec.config);
  const sd = randomStateDict(1, spec.config);
  const engine: Engine =
    spec.engine === "kernels" || spec.engine === "ts"
      ? await modelEngine(spec.engine, BENCH_CONFIGS[spec.config ?? "attn-only-2l-half"], sd, spec.threads)
      : spec.engine === "ort-webgpu"
        ? await webgpuEngine() // the page builds the same seeded model itself
        : await ortEngine(spec.engine, BENCH_CONFIGS[spec.config ?? "attn-only-2l-half"], sd, spec.threads);
  log(`  ${engine.label}: model ready in ${Math.round(performance.now() - t0)} ms, rss ${rssMb()} MB`);
  const rows: Row[] = [];
  let seed = 12345;
  const randomTokens = (n: number) =>
    Int32Array.from({ length: n }, (_, i) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return i === 0 ? 0 : 1 + (seed % (cfg.d_vocab - 1));
    });
  for (const T of spec.Ts) {
    for (const mode of spec.modes) {
      if (mode === "append1" && T !== 62) continue;
      if (spec.engine === "ts" && !tsAffordable(mode, T)) continue;
      if (spec.engine === "ort-webgpu" && T > 256) continue; // software Vulkan: seconds per run already at 256
      // --quick keeps to about a minute: onnxruntime's loss graph is one more session to build, and the
      // reference backend's loss and logits take seconds each.
      if (spec.quick && mode === "loss" && spec.engine.startsWith("ort")) continue;
      if (spec.quick && (mode === "loss" || mode === "full") && (spec.engine === "ts" || spec.engine === "ort-webgpu"))
        continue;
      const tokens = randomTokens(mode === "append1" ? T + 1 : T);
      await engine.prepare(mode);
      const heavy = flopsOf(mode, T) > 2e10;
      // Software WebGPU takes seconds per run even for patterns: a run or two after its warm-up.
      const slow =
        (spec.engine === "ts" && mode !== "append1" && (mode !== "patterns" || T > 62)) || spec.engine === "ort-webgpu";
      // WebGPU's first run compiles its shaders: always warm it up once.
      const warmup = slow ? (spec.quick && spec.engine !== "ort-webgpu" ? 0 : 1) : heavy || spec.quick ? 1 : 2;
      const reps = slow ? (spec.quick ? 1 : 2) : heavy ? 3 : T <= 256 ? (spec.quick ? 5 : 10) : 5;
      const before =
        mode === "append1" && engine.beforeAppend ? () => engine.beforeAppend!(tokens.subarray(0, T)) : undefined;
      // Cheap runs (T = 62 patterns and appends) warm up for a while and are measured over at least as long;
      // the rest of T = 62 (a few hundred ms a run) is measured for two seconds in the full benchmark.
      const cheap = !slow && flopsOf(mode, T) < 2e9;
      // GPT-2 small takes seconds per run on two shared cores: a fixed, small count, and a warm-up only for the
      // first length (the process is warm after it).
      const plan =
        spec.config === "gpt2-small"
          ? { warmup: T === spec.Ts[0] ? 1 : 0, reps: T <= 62 ? 3 : T <= 256 ? 2 : 1, warmupMs: 0, minMs: 0 }
          : {
              warmup,
              reps,
              warmupMs: cheap ? (spec.quick ? 300 : 1000) : 0,
              minMs: cheap ? (spec.quick ? 500 : 2000) : !slow && T === 62 && !spec.quick ? 2000 : 0,
            };
      const t = await time(() => engine.run(mode, tokens), plan, before);
      const flops = flopsOf(mode, mode === "append1" ? T + 1 : T);
      const row: Row = {
        engine: spec.engine,
        label: engine.label,
        threads: spec.threads,
        T,
        mode,
        ...(spec.config === "gpt2-small" ? { config: spec.config } : {}),
        ...t,
        gflops: round(flops / (t.median_ms * 1e6), 2),
        peak_rss_mb: peakRssMb(),
      };
      if (spec.engine === "kernels") row.build = spec.relaxed ? "relaxed-simd" : "simd";
      if (mode === "append1" && spec.engine.startsWith("ort"))
        row.note = "no incremental run: full patterns pass on 63 tokens";
      if (spec.engine === "ort-webgpu") {
        const software = "software WebGPU: SwiftShader (Vulkan on the CPU), not a GPU; timed through the page";
        row.note = row.note ? `${software}; ${row.note}` : software;
      }
      rows.push(row);
      log(
        `  ${engine.label} T=${T} ${mode}: p50 ${t.median_ms} ms (p10 ${t.p10_ms}, p90 ${t.p90_ms}, slow ${t.outliers}/${t.runs})`,
      );
    }
  }
  await engine.dispose();
  if (spec.engine === "kernels" && !spec.noUnembed) rows.push(...(await unembedRows(sd, spec, cfg)));
  return rows;
}

/** The unembedding matmul alone ([62, 768] · [768, 50278] + b_U): the kernels' GFLOP/s per thread. */
async function unembedRows(
  sd: ReturnType<typeof randomStateDict>,
  spec: GroupSpec,
  cfg: HookedTransformerConfig,
): Promise<Row[]> {
  const be = await createKernelsBackend({ threads: spec.threads });
  const { d_model: D, d_vocab: V } = cfg;
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
