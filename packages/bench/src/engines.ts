/**
 * The engines the benchmark compares, each a core `Engine` (engines/engine.ts) behind the same small
 * interface: the project's HookedTransformer on a backend, or onnxruntime through core's ort engine.
 */
import {
  createInProcessEngine,
  createKernelsBackend,
  createOrtEngine,
  HookedTransformer,
  tsBackend,
  type Engine as CoreEngine,
  type HookedTransformerConfigInput,
  type OrtModule,
  type StateDict,
} from "@attnscope/core";

import { OUTPUTS, type Mode } from "./modes.js";

export type { Mode } from "./modes.js";
export type EngineName = "kernels" | "ts" | "ort-web" | "ort-node" | "ort-webgpu";

export interface Engine {
  /** Detailed name, e.g. "kernels-relaxed-simd x2" or "ort-web wasm x2". */
  label: string;
  /** Prepares what a mode needs (an ONNX session) outside the timed region. */
  prepare(mode: Mode): Promise<void>;
  /** One timed forward. */
  run(mode: Mode, tokens: Int32Array): Promise<void>;
  /** Untimed set-up before each timed append1 run. */
  beforeAppend?(prefix: Int32Array): Promise<void>;
  dispose(): Promise<void>;
}

/** Every timed run is a full forward, except append1's, which reuses the untimed run of its first 62 tokens. */
function timed(engine: CoreEngine, label: string, incremental: boolean): Engine {
  return {
    label,
    async prepare(mode) {
      await engine.prepare(OUTPUTS[mode]);
    },
    async run(mode, tokens) {
      await engine.run(tokens, OUTPUTS[mode], { incremental: mode === "append1" && incremental ? "auto" : false });
    },
    ...(incremental
      ? {
          async beforeAppend(prefix: Int32Array) {
            await engine.run(prefix, OUTPUTS.append1, { incremental: "auto" });
          },
        }
      : {}),
    dispose: () => engine.dispose(),
  };
}

/** kernels or ts: the project's own HookedTransformer on a backend. */
export async function modelEngine(
  which: "kernels" | "ts",
  cfg: HookedTransformerConfigInput,
  sd: StateDict,
  threads: number,
): Promise<Engine> {
  const backend = which === "kernels" ? await createKernelsBackend({ threads }) : tsBackend;
  const engine = await createInProcessEngine(cfg, sd, { backend });
  return timed(engine, engine.status.name, true);
}

/**
 * onnxruntime-web (its wasm backend, in Node) or onnxruntime-node on the same model, through core's ort engine.
 * onnxruntime has no incremental run, so its append1 is a patterns pass over all 63 tokens.
 */
export async function ortEngine(
  which: "ort-web" | "ort-node",
  cfg: HookedTransformerConfigInput,
  sd: StateDict,
  threads: number,
): Promise<Engine> {
  // The exporter reads the weights through the model's weight views; the plain backend needs no start-up.
  const model = new HookedTransformer(cfg, sd, { backend: tsBackend });
  const x = threads > 1 ? ` x${threads}` : "";
  if (which === "ort-web") {
    const web = (await import("onnxruntime-web")) as unknown as OrtModule;
    if (web.env?.wasm) web.env.wasm.simd = true;
    const engine = await createOrtEngine(model, { ort: web, executionProviders: ["wasm"], threads, maxSessions: 1 });
    return timed(engine, `ort-web wasm${x}`, false);
  }
  // One session at a time keeps memory to one copy of the weights per engine.
  const engine = await createOrtEngine(model, { threads, maxSessions: 1 });
  return timed(engine, `ort-node cpu${x}`, false);
}
