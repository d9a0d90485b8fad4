/**
 * The onnxruntime engine in Node (onnxruntime-node): on ../shared/fixtures/tl-attn2l-tiny, a model loaded with
 * `backend: "ort"` gives the kernels' patterns, logits, per-token loss and cache within 1e-4 on every golden
 * input; sessions are cached per output set; hooks, hook points its graph lacks, unknown names and a session
 * that cannot be created are refused with errors that say what and why.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import {
  createKernelsBackend,
  createOrtEngine,
  HookedTransformer,
  readSafetensors,
  type KernelsBackend,
  type OrtModule,
} from "../../src/index.js";
import { expectClose } from "../helpers/compare.js";
import { describeWithFixtures, readFixture, readGoldens, tinyDir } from "../helpers/fixtures.js";

describeWithFixtures("the ort engine (onnxruntime-node, tl-attn2l-tiny)", () => {
  const goldens = readGoldens() as unknown as {
    inputs: { name: string; tokens: number[] }[];
    config: Record<string, unknown>;
  };
  let ort: HookedTransformer;
  let kernels: KernelsBackend;
  let reference: HookedTransformer;

  beforeAll(async () => {
    ort = await HookedTransformer.fromPretrained(tinyDir, { backend: "ort" });
    kernels = await createKernelsBackend({ threads: 1 });
    const sd = readSafetensors(readFixture("model.safetensors"), "model.safetensors").tensors;
    reference = new HookedTransformer(goldens.config, sd, { backend: kernels });
  });
  afterAll(() => kernels?.dispose());

  it('fromPretrained(…, { backend: "ort" }) runs on onnxruntime-node, and says so', () => {
    expect(ort.status).toEqual({ backend: "ort-node cpu", warning: null });
  });

  it("patterns, logits and per-token loss agree with the kernels within 1e-4 on every input", async () => {
    const isPattern = (n: string) => n.endsWith(".attn.hook_pattern");
    for (const input of goldens.inputs) {
      const opts = { returnType: "both", lossPerToken: true, namesFilter: isPattern } as const;
      const ours = await ort.runWithCache(input.tokens, opts);
      const ref = await reference.runWithCache(input.tokens, opts);
      expect([...ours.cache.keys()]).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"]);
      for (const key of ref.cache.keys()) {
        expect(ours.cache.get(key).shape, key).toEqual(ref.cache.get(key).shape);
        expectClose(ours.cache.get(key).data, ref.cache.get(key).data, `${input.name} ${key}`);
      }
      expect(ours.logits!.shape).toEqual(ref.logits!.shape);
      expectClose(ours.logits!.data, ref.logits!.data, `${input.name} logits`);
      expect(ours.loss!.shape).toEqual(ref.loss!.shape);
      expectClose(ours.loss!.data, ref.loss!.data, `${input.name} loss`);
    }
  });

  it("runWithCache with every hook point, a batch of two and removeBatchDim; forward's mean loss", async () => {
    const seed = goldens.inputs.find((i) => i.name === "seed_text")!.tokens;
    const batch = [seed.slice(0, 20), seed.slice(20, 40)];
    const ours = await ort.runWithCache(batch, { returnType: "none" });
    const ref = await reference.runWithCache(batch, { returnType: "none" });
    expect([...ours.cache.keys()]).toEqual([...ref.cache.keys()]);
    for (const key of ref.cache.keys()) expectClose(ours.cache.get(key).data, ref.cache.get(key).data, key);
    const one = await ort.runWithCache(seed, {
      returnType: "none",
      namesFilter: "blocks.1.hook_resid_post",
      removeBatchDim: true,
    });
    expect(one.cache.get("blocks.1.hook_resid_post").shape).toEqual([seed.length, 64]);
    const mean = await ort.forward(seed, { returnType: "loss" });
    const refMean = await reference.forward(seed, { returnType: "loss" });
    expect(mean.loss!.shape).toEqual([]);
    expect(Math.abs(mean.loss!.item() - refMean.loss!.item())).toBeLessThan(1e-4);
  });

  it("caches one session per output set, and releases the least recently used beyond maxSessions", async () => {
    let created = 0;
    let released = 0;
    const counting: OrtModule = {
      ...(ortNode as unknown as OrtModule),
      InferenceSession: {
        async create(bytes, options) {
          created++;
          const s = await (ortNode as unknown as OrtModule).InferenceSession.create(bytes, options);
          return {
            ...s,
            inputNames: s.inputNames,
            outputNames: s.outputNames,
            run: (f) => s.run(f),
            release: () => (released++, s.release()),
          };
        },
      },
    };
    const engine = await createOrtEngine(ort, { ort: counting, maxSessions: 1 });
    const toks = [0, 1000, 1001, 1002];
    await engine.prepare({ patterns: true });
    await engine.run(toks, { patterns: true });
    await engine.run([toks, toks], { patterns: true });
    expect(created).toBe(1);
    const { logits } = await engine.run(toks, { logits: true });
    expect(logits!.shape).toEqual([1, 4, 50278]);
    expect(created).toBe(2);
    await new Promise((r) => setTimeout(r, 10));
    expect(released).toBe(1);
    await engine.run(toks, { patterns: true });
    expect(created).toBe(3);
    await engine.dispose();
    expect(released).toBe(3);
  });

  it("refuses JavaScript hooks, naming them and the backends that run them", async () => {
    const hook = () => undefined;
    await expect(ort.runWithHooks([0, 1000], { fwdHooks: [["blocks.0.attn.hook_z", hook]] })).rejects.toThrow(
      /^ort-node cpu runs no JavaScript hooks \(runWithHooks on "blocks\.0\.attn\.hook_z"\): hooks need the in-process backends \("kernels", "ts"\)/,
    );
    expect(() => ort.addHook("blocks.0.attn.hook_pattern", hook)).toThrow(
      /runs no JavaScript hooks \(addHook\("blocks\.0\.attn\.hook_pattern"\)\)/,
    );
  });

  it("refuses a hook point its graph has no output for, naming it and the backends that can serve it", async () => {
    // A model with one more hook point than the exporter knows (as a model family grows before its export does).
    const wider = Object.create(ort, { hookPoints: { get: () => [...ort.hookPoints, "blocks.0.mlp.hook_post"] } });
    const engine = await createOrtEngine(wider);
    await expect(engine.run([0, 1000], { cache: "blocks.0.mlp.hook_post" })).rejects.toThrow(
      'the ort engine cannot serve hook "blocks.0.mlp.hook_post": its ONNX graph has no such output; the in-process backends ("kernels", "ts") can',
    );
    await expect(engine.run([0, 1000], { cache: ["blocks.7.attn.hook_q"] })).rejects.toThrow(
      'the ort engine: "blocks.7.attn.hook_q" is not a hook point of this model',
    );
    await expect(engine.run([0, 60000], { patterns: true })).rejects.toThrow(/60000/);
    await engine.dispose();
  });

  it("a session that cannot be created gives onnxruntime's message and what it was creating", async () => {
    const engine = await createOrtEngine(ort, { executionProviders: ["no-such-provider"] });
    await expect(engine.run([0, 1000], { patterns: true })).rejects.toThrow(
      /^ort-node no-such-provider could not create a session for the ONNX export of .* \(outputs blocks\.0\.attn\.hook_pattern, blocks\.1\.attn\.hook_pattern\): .*no-such-provider/,
    );
    await engine.dispose();
  });
});
