// The kernels backend in a steady state allocates nothing: the same run repeated, or a prefix of T tokens
// followed by its one-token append, must not grow the memory, take fresh or reused heap blocks, replace the
// arena, copy weights again or create JavaScript typed arrays. Checked through the backend's own counters,
// so the test cannot be fooled (or made flaky) by a busy machine, as a timed one would be.
import { afterAll, describe, expect, it, vi } from "vitest";
import { HookedTransformer, SeededRandom } from "../../src/index.js";
import {
  createKernelsBackend,
  type KernelsBackend,
  type KernelsBackendStats,
} from "../../src/backend/kernels-backend.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

const made: KernelsBackend[] = [];
afterAll(() => made.forEach((b) => b.dispose()));

const cfg = smallConfig({ d_model: 64, d_head: 16, n_heads: 4, n_ctx: 128, d_vocab: 300 });
const sd = randomStateDict(cfg, 5);
const T = 62;
const rng = new SeededRandom(7);
const tokens = [0, ...Array.from({ length: T }, () => rng.int(1, cfg.d_vocab))]; // T + 1 ids
const patternsOnly = (name: string) => name.endsWith("attn.hook_pattern");
const noop = () => undefined;

/** What a run may change: nothing, except typed arrays an op hands back (`typedArrays` of them). */
function expectUnchanged(before: KernelsBackendStats, after: KernelsBackendStats, typedArrays = 0) {
  expect(after).toEqual({ ...before, jsTypedArrays: before.jsTypedArrays + typedArrays });
}

/** Spies on the backend's ops (calling through) for one run: how many calls it made. */
async function opCalls(backend: KernelsBackend, run: () => Promise<unknown>): Promise<number> {
  const ops = ["matmul", "attnPattern", "attention", "patternValue", "headResults", "unembedStats"] as const;
  const spies = ops.map((op) => vi.spyOn(backend, op));
  try {
    await run();
    return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
}

async function setup(threads: number) {
  const backend = await createKernelsBackend({ threads, minSplitWork: 0 });
  made.push(backend);
  return { backend, model: new HookedTransformer(cfg, sd, { backend }) };
}

describe.each([1, 2])("steady state on %i thread(s)", (threads) => {
  const patterns = (m: HookedTransformer, n: number) =>
    m.runWithCache(tokens.slice(0, n), { returnType: "none", namesFilter: patternsOnly });
  const cases: [string, (m: HookedTransformer) => Promise<unknown>, number][] = [
    [
      // What the benchmark times and the detectors ask for; a hook turns off the reuse of the previous run.
      "patterns at the same T, full runs",
      async (m) => {
        m.addHook("hook_embed", noop);
        await patterns(m, T);
        m.resetHooks();
      },
      0,
    ],
    // Without hooks a repeated input reuses every row of the previous run (live typing that changed nothing).
    ["patterns at the same T, prefix reused", (m) => patterns(m, T), 0],
    // Live typing: the prefix, then the same tokens plus one (only the new row is computed).
    ["T then T + 1", (m) => patterns(m, T).then(() => patterns(m, T + 1)), 0],
    ["a full forward with logits", (m) => m.runWithHooks(tokens.slice(0, T), { fwdHooks: [["hook_embed", noop]] }), 0],
    [
      // unembedStats returns its two [T] arrays (logsumexp and target logits): the only typed arrays made.
      "a loss run",
      (m) => m.runWithHooks(tokens.slice(0, T), { returnType: "loss", fwdHooks: [["hook_embed", noop]] }),
      2,
    ],
  ];

  it.each(cases)("%s: no memory.grow, no heap block, no new typed array", async (name, run, returned) => {
    const { backend, model } = await setup(threads);
    for (let i = 0; i < 3; i++) await run(model); // sizes the arena and makes the views it needs
    const warm = backend.stats();
    expect(warm.grows).toBeGreaterThan(0); // the counters count: weights and the arena grew the memory once
    for (let i = 0; i < 20; i++) {
      const before = backend.stats();
      const calls = await opCalls(backend, () => run(model));
      expectUnchanged(before, backend.stats(), returned);
      // Only the fully reused run may skip the backend: every other one really ran its ops.
      if (!name.includes("prefix reused")) expect(calls).toBeGreaterThan(0);
    }
    expect(backend.memory.buffer.byteLength).toBe(warm.memoryBytes);
  });
});

it("views over kernels memory are remade after the memory grows (results stay right)", async () => {
  const backend = await createKernelsBackend({ threads: 1 });
  made.push(backend);
  // A · B with A all ones and B all 0.5: every output is k / 2, whatever the op's place in memory.
  const product = (m: number, k: number, n: number) =>
    backend.matmul(new Float32Array(m * k).fill(1), new Float32Array(k * n).fill(0.5), m, k, n);
  expect(product(4, 8, 8).every((x) => x === 4)).toBe(true);
  const small = backend.stats();
  expect(product(64, 512, 4096).every((x) => x === 256)).toBe(true); // grows memory and arena
  const grown = backend.stats();
  expect(grown.grows).toBeGreaterThan(small.grows);
  expect(grown.viewRebuilds).toBeGreaterThan(small.viewRebuilds);
  expect(product(4, 8, 8).every((x) => x === 4)).toBe(true);
});
