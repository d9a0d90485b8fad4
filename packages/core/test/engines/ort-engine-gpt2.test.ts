/**
 * The ort engine on a GPT-2 style model: `fromPretrained(<tl-gpt2-tiny>/hf, { backend: "ort" })` (processed by
 * default, as TransformerLens's from_pretrained) serves runWithCache with every hook point, the logits and the
 * per-token loss within 1e-4 × max(1, |golden|) of TransformerLens's goldens (helpers/gpt2-compare.ts).
 */
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HookedTransformer } from "../../src/index.js";
import { describeWithGpt2Fixture, gpt2Dir, gpt2Json, gpt2Tensors } from "../helpers/gpt2-fixture.js";
import { GoldenCheck, goldenHooks, type Gpt2Input } from "../helpers/gpt2-compare.js";

describeWithGpt2Fixture("the ort engine (onnxruntime-node, tl-gpt2-tiny)", () => {
  const inputs = gpt2Json("goldens.json").inputs as Gpt2Input[];
  let model: HookedTransformer;
  beforeAll(async () => {
    model = await HookedTransformer.fromPretrained(path.join(gpt2Dir, "hf"), { backend: "ort", tokenizer: "byte" });
  });
  afterAll(() => model?.useEngine(null));

  it('fromPretrained(…, { backend: "ort" }) loads the Hugging Face GPT-2 folder, processed, on onnxruntime-node', () => {
    expect(model.status).toEqual({ backend: "ort-node cpu", warning: null });
    expect(model.cfg.normalization_type).toBe("LNPre");
  });

  it("runWithCache: every hook point, the logits and the loss of every input match TransformerLens", async () => {
    for (const input of inputs) {
      const golden = gpt2Tensors(`${input.name}.processed.safetensors`);
      const c = new GoldenCheck(golden); // strict, as onnx-export-gpt2.test.ts
      const { cache, logits, loss } = await model.runWithCache(input.tokens, {
        returnType: "both",
        lossPerToken: true,
        removeBatchDim: true,
      });
      const hooks = goldenHooks(input, "processed");
      expect(new Set(cache.keys())).toEqual(new Set(hooks));
      for (const key of hooks) {
        expect(cache.get(key).shape, key).toEqual(golden.get(key)!.shape);
        c.check(key, cache.get(key).data);
      }
      c.logits(logits!.data, input.tokens.length, model.cfg.d_vocab_out);
      c.check("loss", loss!.data);
      expect(c.problems, input.name).toEqual([]);
    }
  });

  it("forward: the mean loss, and a patterns-only cache", async () => {
    const input = inputs.find((i) => i.name === "seed_text")!;
    const golden = gpt2Tensors(`${input.name}.processed.safetensors`);
    const per = golden.get("loss")!.data as Float32Array;
    const mean = per.reduce((a, b) => a + b, 0) / per.length;
    const { loss } = await model.forward(input.tokens, { returnType: "loss" });
    expect(Math.abs(loss!.item() - mean)).toBeLessThan(1e-4 * Math.max(1, mean));
    const { cache } = await model.runWithCache(input.tokens, {
      returnType: "none",
      namesFilter: (n) => n.endsWith("hook_pattern"),
    });
    expect(cache.keys()).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"]);
  });
});
