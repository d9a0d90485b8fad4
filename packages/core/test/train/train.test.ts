import { describe, expect, it } from "vitest";
import { createKernelsBackend, kernelsAvailable, tsBackend } from "../../src/index.js";
import {
  createTrainer,
  paramEntries,
  findPhaseChange,
  learningRate,
  type TrainerOptions,
  type TrainProgress,
} from "../../src/train/index.js";

const config = {
  d_model: 16,
  d_head: 4,
  n_heads: 4,
  n_layers: 2,
  n_ctx: 40,
  d_vocab: 20,
  attn_only: true,
  normalization_type: null,
  positional_embedding_type: "shortformer",
} as const;
// A small repetitive "corpus" so the loss has something to learn fast.
const corpus = Array.from(
  { length: 2000 },
  (_, i) => [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8][i % 12] + (i % 36 < 12 ? 0 : 7),
);
const base: TrainerOptions = {
  config,
  corpus,
  bosTokenId: 19,
  steps: 30,
  batchSize: 4,
  seqLen: 24,
  lr: 1e-2,
  warmup: 5,
  weightDecay: 0.01,
  clip: 1,
  seed: 3,
  evalEvery: 10,
  probe: { half: 8, batch: 2 },
  backend: tsBackend,
};

function weights(t: ReturnType<typeof createTrainer>): Float32Array[] {
  return paramEntries(t.params).map((e) => e.data.slice());
}

describe("createTrainer", () => {
  it("is deterministic: the same config and seed give bit-identical weights; another seed does not", async () => {
    const a = createTrainer(base);
    const b = createTrainer(base);
    await a.run();
    await b.run();
    const wa = weights(a);
    const wb = weights(b);
    wa.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(wb[i].buffer))).toBe(true));
    expect(a.losses).toEqual(b.losses);
    const c = createTrainer({ ...base, seed: 4 });
    await c.run();
    expect(Buffer.from(weights(c)[0].buffer).equals(Buffer.from(wa[0].buffer))).toBe(false);
  });

  it.runIf(kernelsAvailable())(
    "is deterministic on the SIMD kernels backend too, and close to the plain backend",
    async () => {
      const kb = await createKernelsBackend({ threads: 1 });
      try {
        const a = createTrainer({ ...base, backend: kb });
        const b = createTrainer({ ...base, backend: kb });
        await a.run();
        await b.run();
        const wb = weights(b);
        weights(a).forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(wb[i].buffer))).toBe(true));
        const t = createTrainer(base);
        await t.run();
        t.losses.forEach((l, i) => expect(Math.abs(l - a.losses[i])).toBeLessThan(1e-3));
      } finally {
        kb.dispose();
      }
    },
  );

  it("lowers the loss and reports progress every evalEvery steps with scores for every head", async () => {
    const t = createTrainer({ ...base, steps: 60 });
    const events: TrainProgress[] = [];
    await t.run({ onProgress: (p) => events.push(p) });
    expect(events.map((e) => e.step)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    for (const e of events) {
      expect(e.inductionScores).toHaveLength(2);
      expect(e.inductionScores[0]).toHaveLength(4);
      expect(e.prevTokenScores[1]).toHaveLength(4);
      expect(e.probe.lossFirstHalf).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(e))).toEqual(e); // plain data: posts across a worker boundary
    }
    const first = t.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = t.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(first).toBeGreaterThan(Math.log(20) - 0.5);
    expect(last).toBeLessThan(first - 1);
  });

  it("stops on an AbortSignal and resumes from a snapshot exactly where an uninterrupted run would be", async () => {
    const straight = createTrainer(base);
    await straight.run();

    const ctrl = new AbortController();
    const first = createTrainer(base);
    const res = await first.run({
      onStep: (s) => {
        if (s.step === 13) ctrl.abort();
      },
      signal: ctrl.signal,
    });
    expect(res).toEqual({ step: 13, aborted: true });
    // Through structuredClone, as a snapshot posted from a worker would arrive.
    const snap = structuredClone(first.snapshot());
    const resumed = createTrainer({ ...base, resume: snap });
    expect(resumed.stepCount).toBe(13);
    await resumed.run();
    expect(resumed.stepCount).toBe(30);
    const ws = weights(straight);
    weights(resumed).forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(ws[i].buffer))).toBe(true));
    expect(resumed.losses).toEqual(straight.losses);
  });

  it("refuses a snapshot of another architecture", () => {
    const snap = createTrainer(base).snapshot();
    expect(() => createTrainer({ ...base, config: { ...config, d_model: 20, d_head: 5 }, resume: snap })).toThrow(
      /snapshot has d_model = 16, the trainer has 20/,
    );
  });

  it("gives clear errors for bad options and data", () => {
    expect(() => createTrainer({ ...base, seqLen: 41 })).toThrow(/seqLen 41 exceeds the model's n_ctx 40/);
    expect(() => createTrainer({ ...base, corpus: [1, 2, 25] })).toThrow(
      /corpus token 25 at index 2 is outside the vocabulary/,
    );
    expect(() => createTrainer({ ...base, corpus: [1, 2, 3] })).toThrow(/fewer than seqLen/);
    expect(() => createTrainer({ ...base, lr: 0 })).toThrow(/lr must be positive/);
    expect(() => createTrainer({ ...base, config: { ...config, attn_only: false } })).toThrow(/attn_only/);
    const t = createTrainer({ ...base, batches: () => [[19, 1, 2]] });
    expect(() => t.step()).toThrow(/batches\(0\) gave 1 rows, expected batchSize 4/);
  });

  it("keeps frozen parameters at their initial value and still trains the rest", async () => {
    const t = createTrainer({ ...base, posInit: { kind: "sinusoidal" }, frozen: ["pos_embed.W_pos"] });
    const before = t.stateDict();
    await t.run();
    const after = t.stateDict();
    expect(after.get("pos_embed.W_pos")!.data).toEqual(before.get("pos_embed.W_pos")!.data);
    expect(before.get("pos_embed.W_pos")!.data[1]).toBeCloseTo(0.5); // cos(0) · amplitude 0.5
    expect(after.get("blocks.0.attn.W_Q")!.data).not.toEqual(before.get("blocks.0.attn.W_Q")!.data);
    expect(() => createTrainer({ ...base, frozen: ["W_pos"] })).toThrow(/frozen: unknown parameter "W_pos"/);
  });

  it("trains the standard positional embedding type too", async () => {
    const t = createTrainer({ ...base, config: { ...config, positional_embedding_type: "standard" }, steps: 40 });
    await t.run();
    expect(t.losses.at(-1)!).toBeLessThan(t.losses[0] - 1);
  });
});

describe("schedule and phase-change finder", () => {
  it("warms up linearly, then holds or follows a cosine to 10 %", () => {
    const s = { lr: 1, warmup: 10, schedule: "cosine" as const, totalSteps: 110 };
    expect(learningRate(s, 0)).toBeCloseTo(0.1);
    expect(learningRate(s, 9)).toBeCloseTo(1);
    expect(learningRate(s, 60)).toBeCloseTo(0.55);
    expect(learningRate(s, 110)).toBeCloseTo(0.1);
    expect(learningRate({ ...s, schedule: "constant" }, 100)).toBe(1);
  });

  it("finds the span where the best induction score rises", () => {
    const ev = (step: number, s: number): TrainProgress => ({
      step,
      totalSteps: 100,
      loss: 1,
      lr: 1,
      elapsedMs: 0,
      probe: { lossFirstHalf: 5, lossSecondHalf: 5 - 4 * s },
      inductionScores: [
        [0, 0],
        [s, s / 2],
      ],
      prevTokenScores: [
        [0, 0],
        [0, 0],
      ],
      firstTokenScores: [
        [0, 0],
        [0, 0],
      ],
    });
    const evs = [0, 0.01, 0.02, 0.05, 0.3, 0.7, 0.8, 0.82].map((s, i) => ev(i * 10, s));
    const pc = findPhaseChange(evs)!;
    expect(pc.startStep).toBe(30);
    expect(pc.endStep).toBe(50);
    expect(pc.head).toBe("1.0");
    expect(findPhaseChange(evs.slice(0, 3))).toBeNull();
  });
});
