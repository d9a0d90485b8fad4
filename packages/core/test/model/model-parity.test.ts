/**
 * Parity with TransformerLens: the goldens in ../shared/fixtures/tl-attn2l-tiny were produced by
 * TransformerLens 2.14 itself. Every cached tensor must agree within 1e-4 × max(1, max |golden|).
 */
import { readFileSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import {
  HookedTransformer,
  readSafetensors,
  tsBackend,
  currentAttnDetector,
  prevAttnDetector,
  firstAttnDetector,
  inductionAttnDetector,
  runInductionExperiment,
  type StateDictTensor,
  type Backend,
} from "../../src/index.js";
import { describeWithFixtures, fixturePath, readFixture } from "../helpers/fixtures.js";

interface GoldenInput {
  name: string;
  n_tokens: number;
  tokens: number[];
  golden_file: string;
  tensors: Record<string, number[]>;
  heads: { current_token: string[]; previous_token: string[]; first_token: string[] };
  scores: { current_token: (number | null)[][]; previous_token: (number | null)[][]; first_token: (number | null)[][] };
  induction_heads?: string[];
  induction_scores?: number[][];
  mean_loss_first_half?: number;
  mean_loss_second_half?: number;
  repeated_random?: { seq_len: number };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Largest |a - b|, treating equal infinities (the -inf mask) as equal and any other mismatch as Infinity. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const d = Math.abs(a[i] - b[i]);
    m = Math.max(m, Number.isNaN(d) ? Infinity : d);
  }
  return m;
}

export function checkParity(backend: Backend, label: string): void {
  describeWithFixtures(`TransformerLens parity (${label} backend)`, () => {
    let model: HookedTransformer;
    let goldens: { inputs: GoldenInput[]; config: Record<string, unknown> };

    beforeAll(() => {
      goldens = JSON.parse(readFileSync(fixturePath("goldens.json"), "utf8"));
      const { tensors } = readSafetensors(readFixture("model.safetensors"), "model.safetensors");
      model = new HookedTransformer(goldens.config, tensors, { backend, source: "model.safetensors" });
    });

    for (const name of ["seed_text", "unicode_text", "repeated_random", "bos_only"]) {
      it(`${name}: every hook, logits, logsumexp and loss match TransformerLens`, async () => {
        const input = goldens.inputs.find((i) => i.name === name)!;
        const golden = readSafetensors(readFixture(input.golden_file), input.golden_file).tensors;
        const { logits, loss, cache } = await model.runWithCache(input.tokens, {
          removeBatchDim: true,
          returnType: "both",
          lossPerToken: true,
        });

        const hookKeys = Object.keys(input.tensors).filter((k) => k.startsWith("hook_") || k.startsWith("blocks."));
        expect(hookKeys.length).toBe(2 + 2 * 10);
        expect(new Set(cache.keys())).toEqual(new Set(hookKeys));
        const report: string[] = [];
        for (const key of hookKeys) {
          const g = golden.get(key)!;
          const ours = cache.get(key);
          expect(ours.shape, key).toEqual(g.shape);
          const gd = g.data as Float32Array;
          const tol = 1e-4 * Math.max(1, maxAbs(gd));
          const diff = maxDiff(ours.data, gd);
          report.push(`${key}: ${diff.toExponential(2)}`);
          expect(diff, `${key} differs by ${diff} (tolerance ${tol})`).toBeLessThanOrEqual(tol);
        }

        const T = input.n_tokens;
        const V = 50278;
        const lg = logits!.data;
        expect(logits!.shape).toEqual([1, T, V]);
        const lse = golden.get("logsumexp")!.data as Float32Array;
        const ourLse = new Float32Array(T);
        for (let t = 0; t < T; t++) {
          let max = -Infinity;
          for (let j = 0; j < V; j++) max = Math.max(max, lg[t * V + j]);
          let s = 0;
          for (let j = 0; j < V; j++) s += Math.exp(lg[t * V + j] - max);
          ourLse[t] = max + Math.log(s);
        }
        expect(maxDiff(ourLse, lse)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(lse)));

        const gLoss = golden.get("loss")!.data as Float32Array;
        expect(loss!.shape).toEqual([1, T - 1]);
        expect(maxDiff(loss!.data, gLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(gLoss)));

        if (golden.has("logits")) {
          const g = golden.get("logits")!.data as Float32Array;
          expect(maxDiff(lg, g)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(g)));
        } else if (golden.has("logits_first_cols")) {
          const cols = golden.get("logits_first_cols")!.data as Float32Array;
          const ourCols = new Float32Array(T * 1024);
          for (let t = 0; t < T; t++) ourCols.set(lg.subarray(t * V, t * V + 1024), t * 1024);
          expect(maxDiff(ourCols, cols)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(cols)));
          const pos = golden.get("logits_rows_positions")! as StateDictTensor;
          const rows = golden.get("logits_rows")!.data as Float32Array;
          const positions = Array.from(pos.data as BigInt64Array, Number);
          positions.forEach((p, r) => {
            const g = rows.subarray(r * V, (r + 1) * V);
            expect(maxDiff(lg.subarray(p * V, (p + 1) * V), g)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(g)));
          });
        }

        // Loss without materialising logits agrees with the logits path.
        const lossOnly = await model.forward(input.tokens, { returnType: "loss", lossPerToken: true });
        expect(lossOnly.logits).toBeNull();
        expect(maxDiff(lossOnly.loss!.data, gLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(gLoss)));
        // TransformerLens's model(x, return_type="loss"): the mean of the per-token loss, a scalar.
        const meanLoss = await model.forward(input.tokens, { returnType: "loss" });
        expect(meanLoss.loss!.shape).toEqual([]);
        if (T > 1) expect(meanLoss.loss!.item()).toBeCloseTo(gLoss.reduce((s, x) => s + x, 0) / gLoss.length, 4);
        else expect(Number.isNaN(meanLoss.loss!.item())).toBe(true);
      });

      it(`${name}: detectors name exactly the golden heads`, async () => {
        const input = goldens.inputs.find((i) => i.name === name)!;
        const { cache } = await model.runWithCache(input.tokens, { removeBatchDim: true, returnType: "none" });
        const cur = currentAttnDetector(cache);
        const prev = prevAttnDetector(cache);
        const first = firstAttnDetector(cache);
        expect(cur.heads).toEqual(input.heads.current_token);
        expect(prev.heads).toEqual(input.heads.previous_token);
        expect(first.heads).toEqual(input.heads.first_token);
        const cmp = (ours: number[][], g: (number | null)[][]) =>
          g.forEach((row, l) =>
            row.forEach((s, h) => (s === null ? expect(ours[l][h]).toBeNaN() : expect(ours[l][h]).toBeCloseTo(s, 4))),
          );
        cmp(cur.scores, input.scores.current_token);
        cmp(prev.scores, input.scores.previous_token);
        cmp(first.scores, input.scores.first_token);
        if (input.induction_heads) {
          const seqLen = input.repeated_random!.seq_len;
          const ind = inductionAttnDetector(cache, seqLen);
          expect(ind.heads).toEqual(input.induction_heads);
          input.induction_scores!.forEach((row, l) =>
            row.forEach((s, h) => expect(ind.scores[l][h]).toBeCloseTo(s, 4)),
          );
          const exp = await runInductionExperiment(model, { tokens: [input.tokens] });
          expect(exp.inductionHeads).toEqual(input.induction_heads);
          expect(exp.lossFirstHalf).toBeCloseTo(input.mean_loss_first_half!, 3);
          expect(exp.lossSecondHalf).toBeCloseTo(input.mean_loss_second_half!, 3);
        }
      });
    }
  });
}

checkParity(tsBackend, "ts");
