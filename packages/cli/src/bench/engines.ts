/** The engines the benchmark compares, each behind the same small interface. */
import {
  createKernelsBackend,
  HookedTransformer,
  tsBackend,
  type KernelsBackend,
  type StateDict,
} from "@attnscope/core";
import { BENCH_CONFIG } from "./random-model.js";
import { buildOnnxModel, type OnnxMode } from "./onnx-graph.js";

export type Mode = "patterns" | "full" | "loss" | "append1";
export type EngineName = "kernels" | "ts" | "ort-web" | "ort-node";

export interface Engine {
  /** Detailed name, e.g. "kernels-relaxed-simd x2" or "ort-web wasm x2". */
  label: string;
  /** Prepares what a mode needs (an ONNX session) outside the timed region. */
  prepare(mode: Mode): Promise<void>;
  /** One timed forward; `before` runs first, untimed (the prefix of an append). */
  run(mode: Mode, tokens: Int32Array): Promise<void>;
  /** Untimed set-up before each timed append1 run. */
  beforeAppend?(prefix: Int32Array): Promise<void>;
  dispose(): Promise<void>;
}

const noop = () => undefined;

/** kernels or ts: the project's own HookedTransformer on a backend. */
export async function modelEngine(which: "kernels" | "ts", sd: StateDict, threads: number): Promise<Engine> {
  const backend: KernelsBackend | null = which === "kernels" ? await createKernelsBackend({ threads }) : null;
  const model = new HookedTransformer(BENCH_CONFIG, sd, { backend: backend ?? tsBackend });
  // A no-op hook turns off the incremental reuse of the previous run, so every timed run is a full forward.
  const fresh = [["hook_embed", noop]] as const;
  // "patterns" is what the detectors ask for: every layer's hook_pattern, no unembedding.
  const patternsOnly = (name: string) => name.endsWith("attn.hook_pattern");
  return {
    label: backend ? backend.name : "ts",
    async prepare() {},
    async run(mode, tokens) {
      if (mode === "append1") {
        await model.runWithCache(tokens, { returnType: "none", namesFilter: patternsOnly });
        return;
      }
      if (mode === "patterns") {
        model.addHook(...fresh[0]);
        await model.runWithCache(tokens, { returnType: "none", namesFilter: patternsOnly });
        model.resetHooks();
        return;
      }
      await model.runWithHooks(tokens, {
        returnType: mode === "full" ? "logits" : "loss",
        lossPerToken: true,
        fwdHooks: fresh,
      });
    },
    async beforeAppend(prefix) {
      // Without hooks the model keeps this run's rows; the timed run then computes only the new token.
      await model.runWithCache(prefix, { returnType: "none", namesFilter: patternsOnly });
    },
    async dispose() {
      backend?.dispose();
    },
  };
}

interface OrtLike {
  InferenceSession: { create(bytes: Uint8Array, opts: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}

/** onnxruntime-web (its wasm backend) or onnxruntime-node on the same model as an ONNX graph. */
export async function ortEngine(which: "ort-web" | "ort-node", sd: StateDict, threads: number): Promise<Engine> {
  let ort: OrtLike;
  let opts: Record<string, unknown>;
  if (which === "ort-web") {
    const web = await import("onnxruntime-web");
    web.env.wasm.numThreads = threads;
    web.env.wasm.simd = true;
    ort = web as unknown as OrtLike;
    opts = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  } else {
    ort = (await import("onnxruntime-node")) as unknown as OrtLike;
    opts = {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    };
  }
  const sessions = new Map<OnnxMode, OrtSession>();
  const graphMode = (m: Mode): OnnxMode => (m === "append1" ? "patterns" : m);
  const session = async (m: OnnxMode) => {
    let s = sessions.get(m);
    if (!s) {
      // One session at a time keeps memory to one copy of the weights per engine.
      for (const [k, old] of sessions) {
        await old.release();
        sessions.delete(k);
      }
      s = await ort.InferenceSession.create(buildOnnxModel(sd, m), opts);
      sessions.set(m, s);
    }
    return s;
  };
  return {
    label:
      which === "ort-web"
        ? `ort-web wasm${threads > 1 ? ` x${threads}` : ""}`
        : `ort-node cpu${threads > 1 ? ` x${threads}` : ""}`,
    async prepare(mode) {
      await session(graphMode(mode));
    },
    async run(mode, tokens) {
      const T = tokens.length;
      const s = await session(graphMode(mode));
      const mask = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
      const feeds: Record<string, unknown> = {
        ids: new ort.Tensor(
          "int64",
          BigInt64Array.from(tokens, (t) => BigInt(t)),
          [T],
        ),
        pos: new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
          [T],
        ),
        mask: new ort.Tensor("float32", mask, [T, T]),
      };
      if (mode === "loss") {
        feeds.targets = new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: T }, (_, i) => BigInt(tokens[Math.min(i + 1, T - 1)])),
          [T, 1],
        );
      }
      await s.run(feeds);
    },
    async dispose() {
      for (const s of sessions.values()) await s.release();
    },
  };
}
