/**
 * Loading the demo's models inside the worker: the kernels backend when the engine can run it, the
 * plain-TypeScript backend otherwise; the embedded default model, a registry model fetched (and cached),
 * a checkpoint from the visitor's disk, or the tiny model the training panel trained.
 */
import {
  HookedTransformer,
  resolveBackend,
  type Backend,
  type KernelsBackend,
  type ProgressCallback,
} from "@attnscope/core";
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
    const model = await open(choice, backend, opts);
    if (typeof choice === "object" && !model.tokenizer) {
      throw new Error(
        `${choice.name} has no tokenizer: its config names "${String(model.cfg.tokenizer_name ?? "none")}". ` +
          "Add that tokenizer's tokenizer.json to the files you open.",
      );
    }
    return {
      model,
      backend,
      name: choice === "default" ? "embedded default model" : typeof choice === "string" ? choice : choice.name,
      // The config names the tokenizer as TransformerLens does ("EleutherAI/gpt-neox-20b", "byte").
      tokenizer: model.cfg.tokenizer_name ?? model.tokenizer?.name ?? "none",
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

function open(choice: ModelChoice, backend: Backend, opts: LoadModelOptions): Promise<HookedTransformer> {
  if (choice === "default") return HookedTransformer.fromPretrained(undefined, { backend, ...opts });
  if (typeof choice === "string") return HookedTransformer.fromPretrained(choice, { backend, ...opts });
  if (choice.kind === "trained") {
    return HookedTransformer.fromPretrained(
      { config: choice.config, weights: new Uint8Array(choice.weights) },
      { backend, ...opts },
    );
  }
  return HookedTransformer.fromPretrained(
    { config: choice.config, weights: choice.weights, ...(choice.tokenizer ? { tokenizer: choice.tokenizer } : {}) },
    { backend, ...opts },
  );
}
