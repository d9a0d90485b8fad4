/**
 * The model-level engine seam: run a token batch and get back the outputs asked for (attention patterns,
 * logits, per-token loss, an activation cache). The in-process backends (the TypeScript reference and the
 * AssemblyScript kernels) sit behind it through `HookedTransformer`; an out-of-process runtime such as
 * onnxruntime implements the same interface over its own graph.
 *
 * Dimension legend: B batch, T positions, H n_heads, V d_vocab_out.
 */
import type { Backend } from "../backend/backend.js";
import { resolveBackendWithStatus, type BackendChoice } from "../backend/resolve-backend.js";
import type { HookedTransformerConfig, HookedTransformerConfigInput } from "../config.js";
import type { Tensor } from "../tensor.js";
import type { StateDict } from "../weights/state-dict.js";
import type { ActivationCache } from "../model/activation-cache.js";
import { HookedTransformer, type NameFilter } from "../model/hooked-transformer.js";
import { nameMatcher, type Incremental } from "../model/run-context.js";
import { Attention } from "../components/attention.js";

/** What a run should produce; anything not asked for is not computed where the engine can avoid it. */
export interface EngineOutputs {
  /** Every layer's attention pattern, [B, H, T, T] each. */
  patterns?: boolean;
  /** [B, T, V] */
  logits?: boolean;
  /** Per-token next-token loss, [B, T − 1]. */
  loss?: boolean;
  /** Hook points to record (an engine without hook points refuses this). */
  cache?: NameFilter;
}

export interface EngineRunOptions {
  /** Prefix reuse between runs, where the engine has it (see `RunOptions.incremental`). @default "auto" */
  incremental?: Incremental;
}

export interface EngineResult {
  /** Per layer, when asked for. */
  patterns?: Tensor[];
  logits?: Tensor;
  loss?: Tensor;
  cache?: ActivationCache;
}

/** What an engine runs on, for a status line. */
export interface EngineStatus {
  /** Detailed name, e.g. "kernels-relaxed-simd x2", "ts" or "ort-web wasm x2". */
  name: string;
  /** Why the engine is not the one asked for, e.g. "kernels unavailable: …; using ts"; null when it is. */
  warning: string | null;
}

export interface Engine {
  readonly status: EngineStatus;
  /** Prepares what these outputs need (e.g. an inference session), so a timed run does not pay for it. */
  prepare(outputs: EngineOutputs): Promise<void>;
  /** Runs one batch of equal-length token sequences ([T] for one). */
  run(
    tokens: Int32Array | readonly number[] | readonly (readonly number[])[],
    outputs: EngineOutputs,
    opts?: EngineRunOptions,
  ): Promise<EngineResult>;
  /** Frees what the engine holds outside the JS heap (kernels memory and threads, sessions). */
  dispose(): Promise<void>;
}

/**
 * An engine over a constructed model: its backend's work, its hook points and its prefix reuse. With
 * `ownsBackend`, `dispose` frees the model's backend too.
 */
export function modelEngine(model: HookedTransformer, opts: { ownsBackend?: boolean } = {}): Engine {
  const patternNames = Array.from({ length: model.cfg.n_layers }, (_, l) => Attention.patternHook(l));
  return {
    get status() {
      const s = model.status;
      return { name: s.backend, warning: s.warning };
    },
    async prepare() {},
    async run(tokens, outputs, opts = {}) {
      const input = (tokens instanceof Int32Array ? Array.from(tokens) : tokens) as number[] | number[][];
      const returnType = outputs.logits ? (outputs.loss ? "both" : "logits") : outputs.loss ? "loss" : "none";
      const userFilter = outputs.cache;
      const wantsCache = userFilter !== undefined || outputs.patterns;
      const common = { returnType, lossPerToken: true, incremental: opts.incremental } as const;
      if (!wantsCache) {
        const r = await model.forward(input, common);
        return { ...(r.logits ? { logits: r.logits } : {}), ...(r.loss ? { loss: r.loss } : {}) };
      }
      const inUser = userFilter === undefined ? () => false : nameMatcher(userFilter);
      const namesFilter = (n: string) => inUser(n) || (outputs.patterns === true && patternNames.includes(n));
      const r = await model.runWithCache(input, { ...common, namesFilter });
      const patterns = outputs.patterns ? patternNames.map((n) => r.cache.get(n)) : undefined;
      return {
        ...(patterns ? { patterns } : {}),
        ...(r.logits ? { logits: r.logits } : {}),
        ...(r.loss ? { loss: r.loss } : {}),
        ...(userFilter !== undefined ? { cache: r.cache } : {}),
      };
    },
    async dispose() {
      if (opts.ownsBackend) (model.backend as Backend & { dispose?: () => void }).dispose?.();
    },
  };
}

export interface InProcessEngineOptions {
  /** @default "auto": the kernels when they start here, else ts (saying why in `status.warning`). */
  backend?: BackendChoice;
  source?: string;
  /**
   * The kernels hold the weight matrices and the model keeps no JavaScript copy of them (see
   * `HookedTransformerOptions.weightsInBackend`); the state dict's own arrays are the caller's. @default true
   */
  weightsInBackend?: boolean;
}

/** An in-process engine for a config and state dict, on the kernels or the TypeScript backend. */
export async function createInProcessEngine(
  cfg: HookedTransformerConfig | HookedTransformerConfigInput,
  stateDict: StateDict,
  opts: InProcessEngineOptions = {},
): Promise<Engine> {
  const { backend, warning } = await resolveBackendWithStatus(opts.backend);
  const model = new HookedTransformer(cfg, stateDict, {
    backend,
    source: opts.source,
    weightsInBackend: opts.weightsInBackend ?? true,
    ...(warning ? { backendStatus: warning } : {}),
  });
  return modelEngine(model, { ownsBackend: true });
}
