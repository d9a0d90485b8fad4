/**
 * The browser side of the `ort-webgpu` engine: bundled by browser-engine.ts and run in headless Chromium,
 * it builds the same seeded full-size model in the page and runs it on core's ort engine, which picks
 * onnxruntime-web's WebGPU provider when `navigator.gpu` gives an adapter. Each run returns its in-page time.
 */
import { createOrtEngine, HookedTransformer, tsBackend, type Engine } from "@attnscope/core";
import { OUTPUTS, type Mode } from "./modes.js";
import { BENCH_CONFIG, randomStateDict } from "./random-model.js";

let engine: Engine | null = null;

const page = {
  async setup(wasmPaths: string) {
    const model = new HookedTransformer(BENCH_CONFIG, randomStateDict(1), { backend: tsBackend });
    engine = await createOrtEngine(model, { wasmPaths, maxSessions: 1 });
    return engine.status;
  },
  async prepare(mode: Mode) {
    await engine!.prepare(OUTPUTS[mode]);
  },
  async run(mode: Mode, tokens: number[]): Promise<number> {
    const t0 = performance.now();
    await engine!.run(tokens, OUTPUTS[mode]);
    return performance.now() - t0;
  },
  async dispose() {
    await engine?.dispose();
  },
};

(globalThis as { benchPage?: typeof page }).benchPage = page;
