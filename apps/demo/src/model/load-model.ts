/**
 * Loading the demo's models inside the worker: the kernels backend when the engine can run it, the
 * plain-TypeScript backend otherwise; the embedded default model or a registry model fetched (and cached).
 */
import { HookedTransformer, resolveBackend, type Backend, type KernelsBackend, type ProgressCallback } from "@attnscope/core";
import type { ModelChoice } from "./protocol.js";

export interface LoadedModel {
  model: HookedTransformer;
  backend: Backend;
  name: string;
  tokenizer: string;
  /** Frees what the model holds outside the JS heap (the kernels' memory and threads). */
  dispose(): void;
}

export interface LoadModelOptions {
  onProgress: ProgressCallback;
  signal?: AbortSignal;
}

export async function loadModel(choice: ModelChoice, opts: LoadModelOptions): Promise<LoadedModel> {
  // A backend per model: the kernels keep that model's weights in their own memory.
  const backend = await resolveBackend("auto");
  const dispose = () => (backend as Partial<KernelsBackend>).dispose?.();
  try {
    const model = await HookedTransformer.fromPretrained(choice === "default" ? undefined : choice, { backend, ...opts });
    return {
      model,
      backend,
      name: choice === "default" ? "embedded default model" : choice,
      // The config names the tokenizer as TransformerLens does ("EleutherAI/gpt-neox-20b", "byte").
      tokenizer: model.cfg.tokenizer_name ?? model.tokenizer?.name ?? "none",
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}
