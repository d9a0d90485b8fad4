import type { Backend } from "../backend/backend.js";
import { resolveBackendWithStatus, type BackendChoice, type ResolvedBackend } from "../backend/resolve-backend.js";
import { processWeights } from "../processing/weight-processing.js";
import { loadModelFiles, type LoadModelFilesOptions, type ModelSource } from "../io/model-files.js";
import { loadTokenizer, isTokenizer, modelTokenizer, type TokenizerSource } from "../tokenizer/load.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { isEmbeddedModelName, loadDefaultModelFiles, loadEmbeddedModelFiles } from "../default-model/index.js";
import { HookedTransformer } from "./hooked-transformer.js";
import type { OrtEngineOptions } from "../engines/ort/ort-engine.js";

export interface FromPretrainedOptions extends Omit<LoadModelFilesOptions, "tokenizer"> {
  /**
   * The engine: "auto" uses the SIMD kernels when the platform runs them, else plain TypeScript;
   * or pass a Backend. "ort" runs `forward` and `runWithCache` on onnxruntime (onnxruntime-node in Node,
   * onnxruntime-web with WebGPU or wasm in browsers; see `createOrtEngine`), with "auto" for the rest.
   * @default "auto"
   */
  backend?: BackendChoice | "ort";
  /** With backend "ort": the onnxruntime module, execution providers, threads, wasm paths, weight dtype. */
  ort?: OrtEngineOptions;
  /** Tokenizer overriding the model's own: a Tokenizer, a tokenizer.json (object, path, URL, `hf:`) or "byte". */
  tokenizer?: TokenizerSource;
  /** Build the model even when its weights hold NaN or ±Infinity (refused by default, naming the tensor). @default false */
  allowNonFinite?: boolean;
  /**
   * Hand the weight matrices over to the kernels' memory and keep no JavaScript copy, so they are held once
   * (see `HookedTransformerOptions.weightsInBackend`); false keeps both. @default true
   */
  weightsInBackend?: boolean;
}

/**
 * Load a model, transformers.js-style. `source`: a folder (Node), a known model's name
 * (`"attn-only-2l-half"`), an embedded model's name (`"attnscope-byte-2l"`, offline), `hf:owner/repo`, or
 * `{config, weights, tokenizer?}`; omitted, the embedded default model, which needs no network.
 */
export async function fromPretrained(
  source?: ModelSource,
  opts: FromPretrainedOptions = {},
): Promise<HookedTransformer> {
  const { backend: choice, ort, tokenizer: tokenizerOpt, allowNonFinite, weightsInBackend = true, ...readOpts } = opts;
  const backendPromise = resolveBackendWithStatus(choice === "ort" ? "auto" : choice);
  const withEngine = async (model: HookedTransformer) => {
    if (choice !== "ort") return model;
    const { createOrtEngine } = await import("../engines/ort/ort-engine.js");
    model.useEngine(await createOrtEngine(model, ort));
    return model;
  };
  let tokenizer: Tokenizer | null = null;
  if (tokenizerOpt !== undefined) {
    tokenizer = isTokenizer(tokenizerOpt) ? tokenizerOpt : await loadTokenizer(tokenizerOpt, readOpts);
  }
  if (source === undefined || isEmbeddedModelName(source)) {
    const files = source === undefined ? loadDefaultModelFiles() : await loadEmbeddedModelFiles(source);
    const name = source === undefined ? "embedded default model" : `embedded model ${source}`;
    // Embedded models are TransformerLens-format checkpoints: loaded as stored unless processing is asked for.
    let { config, stateDict } = files;
    if (readOpts.processing !== undefined) {
      const processed = processWeights(stateDict, config, readOpts.processing, name);
      const warn = readOpts.onWarning ?? ((m: string) => console.warn(`attnscope: ${m}`));
      for (const note of processed.notes) warn(`${name}: ${note}`);
      stateDict = processed.stateDict;
      config = { ...config, normalization_type: processed.normalization_type };
    }
    const model = new HookedTransformer(config, stateDict, {
      ...backendOptions(await backendPromise),
      tokenizer: tokenizer ?? files.tokenizer,
      allowNonFinite,
      weightsInBackend,
      source: name,
    });
    return withEngine(model);
  }
  // With the weights going to kernels memory, a local file is read a tensor at a time as the model takes them.
  const files = await loadModelFiles(source, {
    ...readOpts,
    tokenizer: tokenizer === null,
    readTensorsOnUse: weightsInBackend,
  });
  tokenizer ??= modelTokenizer(files.config, files.tokenizerJson, `${files.source} tokenizer.json`);
  const model = new HookedTransformer(files.resolvedConfig, files.stateDict, {
    ...backendOptions(await backendPromise),
    tokenizer,
    source: files.source,
    allowNonFinite,
    weightsInBackend,
  });
  return withEngine(model);
}

function backendOptions(r: ResolvedBackend): { backend: Backend; backendStatus?: string } {
  return r.warning ? { backend: r.backend, backendStatus: r.warning } : { backend: r.backend };
}
