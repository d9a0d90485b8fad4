// On the TransformerLens fixtures every kernels build computes what the reference backend computes: every
// cached activation, logits and loss within 1e-5 × max(1, max |reference|), and the same detector lists as
// the goldens.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  HookedTransformer,
  readSafetensors,
  tsBackend,
  currentAttnDetector,
  prevAttnDetector,
  firstAttnDetector,
} from "../../src/index.js";
import { createKernelsBackend, type KernelsBackend } from "../../src/backend/kernels-backend.js";
import { describeWithFixtures, fixturePath, readFixture } from "../helpers/fixtures.js";

interface GoldenInput {
  name: string;
  tokens: number[];
  heads: { current_token: string[]; previous_token: string[]; first_token: string[] };
}

function check(ours: Float32Array, ref: Float32Array, what: string): void {
  let scale = 1,
    err = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(ref[i])) {
      expect(ours[i], `${what}[${i}]`).toBe(ref[i]);
      continue;
    }
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(ours[i] - ref[i]));
  }
  expect(err, `${what}: max error ${err} against scale ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
}

for (const threads of [1, 2]) {
  describeWithFixtures(`kernels (${threads} thread(s)) vs ts on the TransformerLens fixtures`, () => {
    let goldens: { inputs: GoldenInput[]; config: Record<string, unknown> };
    let kernels: KernelsBackend;
    let fast: HookedTransformer;
    let ref: HookedTransformer;

    beforeAll(async () => {
      goldens = JSON.parse(readFileSync(fixturePath("goldens.json"), "utf8"));
      const { tensors } = readSafetensors(readFixture("model.safetensors"), "model.safetensors");
      kernels = await createKernelsBackend({ threads, minSplitWork: 0 });
      fast = new HookedTransformer(goldens.config, tensors, { backend: kernels });
      ref = new HookedTransformer(goldens.config, tensors, { backend: tsBackend });
    });
    afterAll(() => kernels?.dispose());

    for (const name of ["seed_text", "unicode_text", "repeated_random", "bos_only"]) {
      it(`${name}: every hook, logits and loss; detector lists`, async () => {
        const input = goldens.inputs.find((i) => i.name === name)!;
        const a = await fast.runWithCache(input.tokens, {
          removeBatchDim: true,
          returnType: "both",
          lossPerToken: true,
        });
        const b = await ref.runWithCache(input.tokens, {
          removeBatchDim: true,
          returnType: "both",
          lossPerToken: true,
        });
        expect([...a.cache.keys()].sort()).toEqual([...b.cache.keys()].sort());
        for (const key of b.cache.keys()) check(a.cache.get(key).data, b.cache.get(key).data, key);
        check(a.logits!.data, b.logits!.data, "logits");
        check(a.loss!.data, b.loss!.data, "loss");
        // The fused pattern path (nothing asks for raw scores) and the loss-only unembedding.
        const fused = await fast.runWithCache(input.tokens, {
          removeBatchDim: true,
          returnType: "loss",
          lossPerToken: true,
          namesFilter: (n) => n.endsWith("hook_pattern"),
        });
        check(fused.cache.get("pattern", 0).data, b.cache.get("pattern", 0).data, "fused pattern 0");
        check(fused.cache.get("pattern", 1).data, b.cache.get("pattern", 1).data, "fused pattern 1");
        check(fused.loss!.data, b.loss!.data, "loss via unembedStats");
        expect(currentAttnDetector(a.cache).heads).toEqual(input.heads.current_token);
        expect(prevAttnDetector(a.cache).heads).toEqual(input.heads.previous_token);
        expect(firstAttnDetector(a.cache).heads).toEqual(input.heads.first_token);
      });
    }
  });
}
