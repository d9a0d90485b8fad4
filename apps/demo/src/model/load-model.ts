/**
 * Loading the demo's models inside the worker: the kernels backend when the engine can run it, the
 * plain-TypeScript backend otherwise; the embedded default model or a registry model fetched (and cached).
 */
import {
  ByteTokenizer, HookedTransformer, SeededRandom, createKernelsBackend, expectedStateDict, kernelsAvailable, loadModelFiles,
  resolveConfig, tokenizerFromJson, tsBackend, type Backend, type ProgressCallback, type StateDict,
} from "@attnscope/core";
import type { ModelChoice } from "./protocol.js";

export interface LoadedModel {
  model: HookedTransformer;
  backend: Backend;
  name: string;
  tokenizer: string;
  dispose(): void;
}

/** A backend per model: the kernels keep that model's weights in their own memory. */
async function makeBackend(): Promise<{ backend: Backend; dispose(): void }> {
  if (kernelsAvailable()) {
    try {
      const k = await createKernelsBackend();
      return { backend: k, dispose: () => k.dispose() };
    } catch (e) {
      console.warn("Kernels backend unavailable, using the TypeScript backend:", e);
    }
  }
  return { backend: tsBackend, dispose: () => {} };
}

type LoadOptions = { backend: Backend; onProgress: ProgressCallback; signal?: AbortSignal };
type FromPretrained = (source: string | undefined, opts: LoadOptions) => Promise<HookedTransformer>;

export async function loadModel(
  choice: ModelChoice, opts: { onProgress: ProgressCallback; signal?: AbortSignal },
): Promise<LoadedModel> {
  const { backend, dispose } = await makeBackend();
  try {
    const model = await fromPretrained(choice === "default" ? undefined : choice, { backend, ...opts });
    return {
      model,
      backend,
      name: choice === "default" ? "embedded default model" : choice,
      tokenizer: model.tokenizer?.name ?? "none",
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

// TEMPORARY until HookedTransformer.fromPretrained lands in @attnscope/core: the same steps by hand, and an
// untrained byte-level model in place of the embedded default.
async function fromPretrained(source: string | undefined, opts: LoadOptions): Promise<HookedTransformer> {
  const native = (HookedTransformer as unknown as { fromPretrained?: FromPretrained }).fromPretrained;
  if (native) return native.call(HookedTransformer, source, opts);
  if (source === undefined) return untrainedByteModel(opts.backend);
  const files = await loadModelFiles(source, { onProgress: opts.onProgress, signal: opts.signal });
  const tokenizer = files.tokenizerJson ? tokenizerFromJson(files.tokenizerJson as Parameters<typeof tokenizerFromJson>[0]) : null;
  return new HookedTransformer(files.resolvedConfig, files.stateDict, { backend: opts.backend, tokenizer, source: files.source });
}

function untrainedByteModel(backend: Backend): HookedTransformer {
  const cfg = resolveConfig({
    d_model: 64, d_head: 16, n_heads: 4, n_layers: 2, n_ctx: 1024, d_vocab: 257, attn_only: true,
    normalization_type: null, positional_embedding_type: "shortformer", attention_dir: "causal",
  });
  const rng = new SeededRandom(0);
  const sd: StateDict = new Map();
  for (const e of expectedStateDict(cfg)) {
    if (e.optional) continue;
    const data = new Float32Array(e.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() - 0.5) * 0.4;
    sd.set(e.key, { dtype: "float32", shape: e.shape, data });
  }
  return new HookedTransformer(cfg, sd, { backend, tokenizer: new ByteTokenizer(), source: "untrained stand-in" });
}
