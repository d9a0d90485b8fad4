// Public API of @attnscope/core. Keep this list small: loaders, the model, the cache, detectors.
export { Tensor, shapeSize, shapeEquals, formatShape } from "./tensor.js";
export { resolveConfig, ConfigError } from "./config.js";
export type {
  HookedTransformerConfig,
  HookedTransformerConfigInput,
  PositionalEmbeddingType,
  NormalizationType,
  ActivationFn,
} from "./config.js";
export type { Backend, MatmulOptions } from "./backend/backend.js";
export { tsBackend } from "./backend/ts-backend.js";
export type { StateDict, StateDictTensor, StoredDType } from "./weights/state-dict.js";
export type { ProgressEvent, ProgressCallback } from "./io/progress.js";
export * from "./tokenizer/index.js";
export { readSafetensors, writeSafetensors } from "./weights/safetensors.js";
export type { SafetensorsFile, TensorToWrite, TensorsToWrite } from "./weights/safetensors.js";
export { WeightsError } from "./weights/errors.js";
export { HookedTransformer } from "./model/hooked-transformer.js";
export { lossFromLogits, halfLosses } from "./model/loss.js";
export type {
  ReturnType,
  NameFilter,
  HookFn,
  ModelInput,
  RunOptions,
  RunWithCacheOptions,
  RunWithHooksOptions,
  ForwardResult,
  RunWithCacheResult,
  HookedTransformerOptions,
  ModelStatus,
  Incremental,
} from "./model/hooked-transformer.js";
export { ActivationCache } from "./model/activation-cache.js";
export { getActName, hookNames } from "./model/hook-names.js";
export {
  genericAttnDetector,
  currentAttnDetector,
  prevAttnDetector,
  firstAttnDetector,
  inductionAttnDetector,
  diagonalMean,
  columnMean,
} from "./detectors/attn-detectors.js";
export type { DetectorResult, PatternScoreFn } from "./detectors/attn-detectors.js";
export { generateRepeatedTokens, repeatedTokensFor } from "./induction/repeated-tokens.js";
export type { RepeatedTokensOptions } from "./induction/repeated-tokens.js";
export { runInductionExperiment } from "./induction/induction-experiment.js";
export type { InductionExperimentOptions, InductionExperimentResult } from "./induction/induction-experiment.js";
export { SeededRandom } from "./util/random.js";
export { globToRegExp } from "./util/glob.js";
export { readPth } from "./weights/pth.js";
export { detectFormat, parseWeights, checkStateDict, expectedStateDict } from "./weights/load.js";
export type { WeightsFormat } from "./weights/load.js";
export { readSource, readTextSource, readJsonSource, sourceName } from "./io/source.js";
export type { Source, ReadSourceOptions } from "./io/source.js";
export type { SourceCache } from "./io/cache.js";
export { DownloadError } from "./io/download.js";
export { resolveHfUrl } from "./io/hf.js";
export { loadModelFiles } from "./io/model-files.js";
export type { ModelSource, ModelFilesSpec, ModelFiles, LoadModelFilesOptions } from "./io/model-files.js";
export { KNOWN_MODELS, getKnownModel } from "./registry/known-models.js";
export type { KnownModel } from "./registry/known-models.js";
export { createKernelsBackend, kernelsAvailable } from "./backend/kernels-backend.js";
export type { KernelsBackend, KernelsBackendOptions, KernelsBackendStats } from "./backend/kernels-backend.js";
// Training (attention-only models, in Node, browsers and workers).
export {
  createTrainer,
  trainingConfigJson,
  findPhaseChange,
  DEFAULT_CORPUS,
  toStateDict as trainingStateDict,
} from "./train/index.js";
export type {
  Trainer,
  TrainerOptions,
  TrainProgress,
  TrainerSnapshot,
  StepResult,
  TrainRunOptions,
  PhaseChange,
  PosInit,
  RandomTokensFrom,
} from "./train/index.js";
// The embedded default model (byte-level, trained by `attnscope train`; works offline everywhere).
export {
  loadDefaultModelFiles,
  loadEmbeddedModelFiles,
  isEmbeddedModelName,
  EMBEDDED_MODEL_NAMES,
  DEFAULT_MODEL_NAME,
  SEED_TEXT,
  HELD_OUT_TEXT,
  COMMITTEE_TEXT,
  inductionTargets,
  headWeights,
} from "./default-model/index.js";
export type { DefaultModelFiles, DefaultModelTrainingLog } from "./default-model/index.js";
export { resolveBackend, resolveBackendWithStatus } from "./backend/resolve-backend.js";
export type { BackendChoice, ResolvedBackend } from "./backend/resolve-backend.js";
// The model-level engine seam (the in-process backends; onnxruntime below).
export { modelEngine, createInProcessEngine } from "./engines/engine.js";
export type {
  Engine,
  EngineOutputs,
  EngineRunOptions,
  EngineResult,
  EngineStatus,
  InProcessEngineOptions,
} from "./engines/engine.js";
// The parameter schema: every state-dict key with its shape and layout, and random weights for it.
export { paramSchema, randomStateDict, packHeadsIn, unpackHeadsIn } from "./architecture/params.js";
export type { ParamSpec, ParamDim, RandomStateDictOptions } from "./architecture/params.js";
export type { FromPretrainedOptions } from "./model/from-pretrained.js";
// Circuits: factored matrices and the quantities of ARENA's "Finding induction heads" (second half).
export { FactoredMatrix } from "./linalg/factored-matrix.js";
export type { LabeledStack } from "./model/cache-decompositions.js";
export type { HookPoint } from "./model/hooked-transformer.js";
export type { WeightName } from "./model/weight-views.js";
export { hookLayer } from "./model/hook-names.js";
export * from "./circuits/index.js";
// ONNX export: any loaded model as a graph onnxruntime runs, returning hook points by name.
export { exportOnnx } from "./engines/onnx/export-onnx.js";
export type { ExportOnnxOptions, OnnxExport } from "./engines/onnx/export-onnx.js";
// onnxruntime as the second engine (onnxruntime-node / onnxruntime-web are optional peer dependencies).
export { createOrtEngine } from "./engines/ort/ort-engine.js";
export type { OrtEngineOptions } from "./engines/ort/ort-engine.js";
export type { OrtModule, LoadOrtOptions } from "./engines/ort/load-ort.js";
