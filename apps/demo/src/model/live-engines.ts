/**
 * The engines the live view can run a model on: its own in-process backend (the kernels, or TypeScript where
 * they do not start) and onnxruntime-web on an ONNX export of the same weights, created on first use.
 *
 * The ort engine is used through its own `run` here, never installed on the shared model with `useEngine`:
 * the induction, ablation and circuit requests need hooks, which only the in-process backend serves.
 */
import { createOrtEngine, modelEngine, type Engine, type HookedTransformer } from "@attnscope/core";
import type { EngineChoice } from "./protocol.js";

export interface LiveEngine {
  engine: Engine;
  /** Why this is not the engine asked for (onnxruntime-web failed to start), else null. */
  fallback: string | null;
}

export interface LiveEngines {
  /** The engine for `choice`; the in-process one, with the reason, when onnxruntime cannot start. */
  get(choice: EngineChoice): Promise<LiveEngine>;
  /**
   * Records that the ort engine failed to run (e.g. its session could not be created): later runs of this model
   * go in process with this reason, instead of exporting the model again on every keystroke.
   */
  ortFailed(reason: string): void;
  /** Frees the ort engine's sessions (the in-process backend belongs to the loaded model). */
  dispose(): Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function liveEngines(model: HookedTransformer): LiveEngines {
  const inProcess = modelEngine(model);
  let ort: Promise<Engine> | null = null;
  let broken: string | null = null;
  return {
    async get(choice) {
      if (choice === "kernels") return { engine: inProcess, fallback: null };
      if (broken) return { engine: inProcess, fallback: broken };
      // onnxruntime-web's bundles find their .wasm with `new URL("ort-wasm-simd-threaded….wasm", import.meta.url)`,
      // which Vite resolves to the package's own file and emits beside the worker: no wasmPaths needed, nothing
      // fetched from a CDN. One thread: the page's worker already runs the kernels' threads beside it.
      ort ??= createOrtEngine(model, { threads: 1 });
      try {
        return { engine: await ort, fallback: null };
      } catch (e) {
        broken = `onnxruntime could not start: ${message(e)}`;
        return { engine: inProcess, fallback: broken };
      }
    },
    ortFailed(reason) {
      broken = reason;
    },
    async dispose() {
      const made = ort;
      ort = null;
      await made?.then((e) => e.dispose()).catch(() => {});
    },
  };
}
