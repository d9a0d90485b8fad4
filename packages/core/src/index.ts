// Public API of @attnscope/core. Keep this list small: loaders, the model, the cache, detectors.
export { Tensor, shapeSize, shapeEquals, formatShape } from "./tensor.js";
export { resolveConfig, ConfigError } from "./config.js";
export type { HookedTransformerConfig, HookedTransformerConfigInput, PositionalEmbeddingType } from "./config.js";
export type { Backend, MatmulOptions } from "./backend/backend.js";
export { tsBackend } from "./backend/ts-backend.js";
export type { StateDict, StateDictTensor, StoredDType, ProgressEvent, ProgressCallback } from "./weights/state-dict.js";
export type { Tokenizer } from "./tokenizer/tokenizer.js";
export { readSafetensors, writeSafetensors } from "./weights/safetensors.js";
export type { SafetensorsFile, TensorToWrite, TensorsToWrite } from "./weights/safetensors.js";
export { WeightsError } from "./weights/errors.js";
