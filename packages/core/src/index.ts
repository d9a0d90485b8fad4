// Public API of @attnscope/core. Keep this list small: loaders, the model, the cache, detectors.
export { Tensor, shapeSize, shapeEquals, formatShape } from "./tensor.js";
export { resolveConfig, ConfigError } from "./config.js";
export type { HookedTransformerConfig, HookedTransformerConfigInput, PositionalEmbeddingType } from "./config.js";
export type { Backend, MatmulOptions } from "./backend/backend.js";
export { tsBackend } from "./backend/ts-backend.js";
export type { StateDict, StateDictTensor, StoredDType, ProgressEvent, ProgressCallback } from "./weights/state-dict.js";
export * from "./tokenizer/index.js";
export { readSafetensors, writeSafetensors } from "./weights/safetensors.js";
export type { SafetensorsFile, TensorToWrite, TensorsToWrite } from "./weights/safetensors.js";
export { WeightsError } from "./weights/errors.js";
export { HookedTransformer, lossFromLogits } from "./model/hooked-transformer.js";
export type {
  ReturnType, NameFilter, HookFn, ModelInput, RunOptions, RunWithCacheOptions, RunWithHooksOptions, ForwardResult,
  RunWithCacheResult, HookedTransformerOptions,
} from "./model/hooked-transformer.js";
export { ActivationCache } from "./model/activation-cache.js";
export { getActName, hookNames } from "./model/hook-names.js";
export {
  genericAttnDetector, currentAttnDetector, prevAttnDetector, firstAttnDetector, inductionAttnDetector, diagonalMean, columnMean,
} from "./detectors/attn-detectors.js";
export type { DetectorResult, PatternScoreFn } from "./detectors/attn-detectors.js";
export { generateRepeatedTokens } from "./induction/repeated-tokens.js";
export type { RepeatedTokensOptions } from "./induction/repeated-tokens.js";
export { runInductionExperiment } from "./induction/induction-experiment.js";
export type { InductionExperimentOptions, InductionExperimentResult } from "./induction/induction-experiment.js";
export { SeededRandom } from "./util/random.js";
