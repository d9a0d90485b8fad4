/** The engines the benchmark compares, each behind the same small interface. */
import {
  createKernelsBackend,
  exportOnnx,
  HookedTransformer,
  tsBackend,
  type ExportOnnxOptions,
  type HookedTransformerConfigInput,
  type KernelsBackend,
  type StateDict,
} from "@attnscope/core";

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
export async function modelEngine(
  which: "kernels" | "ts",
  cfg: HookedTransformerConfigInput,
  sd: StateDict,
  threads: number,
): Promise<Engine> {
  const backend: KernelsBackend | null = which === "kernels" ? await createKernelsBackend({ threads }) : null;
  const model = new HookedTransformer(cfg, sd, { backend: backend ?? tsBackend });
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

type GraphMode = "patterns" | "full" | "loss";

/** What each mode's graph returns: what the kernels compute for the same mode. */
const GRAPHS: Record<GraphMode, ExportOnnxOptions> = {
  patterns: {}, // every layer's hook_pattern, the exporter's default
  full: { outputs: [], logits: true },
  loss: { outputs: [], loss: true },
};

/** onnxruntime-web (its wasm backend) or onnxruntime-node on the same model, exported by core's exportOnnx. */
export async function ortEngine(
  which: "ort-web" | "ort-node",
  cfg: HookedTransformerConfigInput,
  sd: StateDict,
  threads: number,
): Promise<Engine> {
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
  // The exporter reads the weights through the model's weight views; the plain backend needs no start-up.
  const model = new HookedTransformer(cfg, sd, { backend: tsBackend });
  const sessions = new Map<GraphMode, OrtSession>();
  const graphMode = (m: Mode): GraphMode => (m === "append1" ? "patterns" : m);
  const session = async (m: GraphMode) => {
    let s = sessions.get(m);
    if (!s) {
      // One session at a time keeps memory to one copy of the weights per engine.
      for (const [k, old] of sessions) {
        await old.release();
        sessions.delete(k);
      }
      s = await ort.InferenceSession.create((await exportOnnx(model, GRAPHS[m])).bytes, opts);
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
      const s = await session(graphMode(mode));
      const ids = BigInt64Array.from(tokens, (t) => BigInt(t));
      await s.run({ tokens: new ort.Tensor("int64", ids, [1, tokens.length]) });
    },
    async dispose() {
      for (const s of sessions.values()) await s.release();
    },
  };
}
