// One WebAssembly.Memory per kernels backend: weights copied once, activations in a reused arena. After the
// first runs have sized the arena, a thousand more forwards must not grow the memory at all.
import { afterAll, expect, it } from "vitest";
import { HookedTransformer, SeededRandom } from "../../src/index.js";
import { createKernelsBackend, type KernelsBackend } from "../../src/backend/kernels-backend.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const made: KernelsBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

it.each([1, 2])("1,000 forwards keep memory flat (%i thread(s))", async (threads) => {
  const backend = await createKernelsBackend({ threads, minSplitWork: 0 });
  made.push(backend);
  const cfg = smallConfig();
  const model = new HookedTransformer(cfg, randomStateDict(cfg, 3), { backend });
  const rng = new SeededRandom(11);
  const tokens = (n: number) => [0, ...Array.from({ length: n - 1 }, () => rng.int(0, cfg.d_vocab))];
  const run = async (i: number) => {
    // Different lengths and fresh tokens: full runs, not incremental ones; every mode of the unembedding.
    const input = tokens(8 + (i % 20));
    await model.runWithCache(input, { returnType: i % 2 ? "loss" : "both" });
  };
  for (let i = 0; i < 40; i++) await run(i);
  const before = backend.memory.buffer.byteLength;
  for (let i = 0; i < 1000; i++) await run(i);
  expect(backend.memory.buffer.byteLength).toBe(before);
});

it("arrays passed once in a weight's place (training activations) leave nothing behind", async () => {
  const backend = await createKernelsBackend({ threads: 1 });
  made.push(backend);
  const x = new Float32Array(8 * 64).fill(0.5);
  const step = () => backend.matmul(x, new Float32Array(64 * 4096).fill(0.25), 8, 64, 4096);
  for (let i = 0; i < 5; i++) step();
  const before = backend.memory.buffer.byteLength;
  for (let i = 0; i < 300; i++) expect(step()[4095]).toBe(8);
  expect(backend.memory.buffer.byteLength).toBe(before);
});
