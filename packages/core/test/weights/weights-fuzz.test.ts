// Fuzz: seeded mutants of the three fixture checkpoints (model.pth, model-fp16.pth, model.safetensors), each loaded
// (parsed and checked against config.json) in a worker thread with a 2 s limit. Every mutant must give a WeightsError
// naming the file, or load bit-identical weights; none may hang, crash or load other numbers.
//
// One kind is not damage but crafting: "repickle" changes data.pkl and recomputes its CRC-32, as an author of a file
// would. Such a file may validly describe other views of its storages (a smaller stride, a stride-0 broadcast), so
// for it a load of other, valid tensors is allowed (and counted); it must still never hang or crash.
//
// ATTNSCOPE_FUZZ_MUTANTS sets the count (default 3000; nightly: 100000), ATTNSCOPE_FUZZ_SEED the first seed.
// A failure prints its fixture and seed: `mutate(readFileSync(fixture), format, seed)` (helpers/fuzz-mutate.mjs)
// rebuilds the mutant.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";
import { describeWithFixtures, fixturePath, readFixture } from "../helpers/fixtures.js";
import { parseWeights } from "../../src/weights/load.js";

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const distDir = path.resolve(here, "..", "dist");
const COUNT = Number(process.env.ATTNSCOPE_FUZZ_MUTANTS ?? 3000);
const FIRST_SEED = Number(process.env.ATTNSCOPE_FUZZ_SEED ?? 1);
const LIMIT_MS = 2000;
const THREADS = 2;

const fixtures = [
  { name: "model.pth", format: "pth" },
  { name: "model-fp16.pth", format: "pth" },
  { name: "model.safetensors", format: "safetensors" },
].map((f) => ({ ...f, path: fixturePath(f.name) }));

interface Result {
  id: number;
  fixture: number;
  seed: number;
  kind: string;
  what: string;
  ms: number;
  outcome: "error" | "identical" | "different" | "crash" | "hang";
  detail?: string;
}

interface Job {
  id: number;
  fixture: number;
  seed: number;
}

/** Run the jobs through a pool of workers; a worker that overruns the limit is terminated and replaced. */
async function runJobs(jobs: readonly Job[], threads: number): Promise<Result[]> {
  const results: Result[] = [];
  let next = 0;
  const spawn = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(path.join(here, "helpers", "fuzz-worker.mjs"), {
        workerData: { distDir, fixtures, configPath: fixturePath("config.json") },
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      let job: Job | undefined;
      const give = () => {
        if (next >= jobs.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        job = jobs[next++];
        timer = setTimeout(() => {
          results.push({ ...job!, kind: "?", what: "?", ms: LIMIT_MS, outcome: "hang" });
          void w.terminate().then(() => spawn().then(resolve, reject));
        }, LIMIT_MS);
        w.postMessage(job);
      };
      w.on("message", (m: Result & { ready?: boolean }) => {
        if (m.ready) return give();
        clearTimeout(timer);
        results.push(m);
        give();
      });
      w.on("error", (e) => {
        clearTimeout(timer);
        if (job)
          results.push({ ...job, kind: "?", what: "?", ms: 0, outcome: "crash", detail: `worker died: ${e.message}` });
        spawn().then(resolve, reject);
      });
    });
  await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, spawn));
  return results;
}

/**
 * Every mutant, then each one that overran the limit again, alone, up to twice more: the limit is wall-clock
 * time, so on a machine loaded by other work a slow but finite load can overrun it once. A mutant that overruns
 * the limit every time is a hang.
 */
async function runFuzz(count: number): Promise<Result[]> {
  const jobs = Array.from({ length: count }, (_, id) => ({ id, fixture: id % fixtures.length, seed: FIRST_SEED + id }));
  const byId = new Map((await runJobs(jobs, THREADS)).map((r) => [r.id, r]));
  for (let retry = 0; retry < 2; retry++) {
    const overran = [...byId.values()]
      .filter((r) => r.outcome === "hang")
      .map(({ id, fixture, seed }) => ({ id, fixture, seed }));
    if (overran.length === 0) break;
    console.log(`fuzz: ${overran.length} mutant(s) overran ${LIMIT_MS} ms; running them again alone`);
    for (const r of await runJobs(overran, 1)) byId.set(r.id, r);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

describeWithFixtures("fuzzed fixture checkpoints", () => {
  it(
    `${COUNT} seeded mutants: each a WeightsError naming the file or bit-identical weights; none hangs, crashes or loads other numbers`,
    async () => {
      expect(
        existsSync(path.join(distDir, "weights", "load.js")),
        `${distDir} is missing: build the core first (npm run build)`,
      ).toBe(true);
      const t0 = performance.now();
      const results = await runFuzz(COUNT);
      const seconds = (performance.now() - t0) / 1000;

      const tally: Record<string, Record<string, number>> = {};
      for (const r of results) {
        const key = `${fixtures[r.fixture].name} ${r.kind}`;
        tally[key] ??= {};
        tally[key][r.outcome] = (tally[key][r.outcome] ?? 0) + 1;
      }
      const outcomes: Record<string, number> = {};
      for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      const slowest = results.reduce((a, b) => (b.ms > a.ms ? b : a));
      const times = results.map((r) => r.ms).sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0);
      console.log(
        `fuzz: ${results.length} mutants in ${seconds.toFixed(1)} s on ${THREADS} threads: ${JSON.stringify(outcomes)}; ` +
          `load time median ${pct(0.5)} ms, p99 ${pct(0.99)} ms, slowest ${slowest.ms.toFixed(0)} ms (${fixtures[slowest.fixture].name} seed ${slowest.seed}: ${slowest.what})\n` +
          Object.entries(tally)
            .sort()
            .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
            .join("\n"),
      );

      const crafted = (r: Result) => r.kind === "repickle" && r.outcome === "different";
      console.log(
        `fuzz: ${results.filter(crafted).length} crafted (re-checksummed) pickles loaded other valid views of their storages`,
      );
      const bad = results.filter(
        (r) => r.outcome === "hang" || r.outcome === "crash" || (r.outcome === "different" && !crafted(r)),
      );
      const show = bad
        .slice(0, 10)
        .map((r) => `${fixtures[r.fixture].name} seed ${r.seed} (${r.what}): ${r.outcome} ${r.detail ?? ""}`);
      expect(show).toEqual([]);
      expect(results).toHaveLength(COUNT);
    },
    Math.max(600_000, COUNT * 250),
  );

  it("the re-checksummed pickles a 10,000-mutant run found loading overlapping views are refused", async () => {
    // @ts-expect-error: a plain ES module of the test helpers, without types
    const { mutate } = await import("../helpers/fuzz-mutate.mjs");
    const found: [string, number, string][] = [
      ["model-fp16.pth", 3455, "embed.W_E"],
      ["model.pth", 6292, "blocks.0.attn.W_Q"],
      ["model.pth", 7072, "blocks.1.attn.W_V"],
      ["model-fp16.pth", 8807, "pos_embed.W_pos"],
      ["model-fp16.pth", 9494, "blocks.0.attn.b_V"],
    ];
    for (const [file, seed, key] of found) {
      const { bytes } = mutate(readFixture(file), "pth", seed);
      expect(() => parseWeights(bytes, file), `${file} seed ${seed}`).toThrow(
        new RegExp(`^${file.replace(".", "\\.")}: tensor "${key}" .* has overlapping strides`),
      );
    }
  });
});
