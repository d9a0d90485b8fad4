// Training of attention-only transformers: forward/backward, AdamW, the Worker-friendly trainer.
export { createTrainer } from "./trainer.js";
export type {
  Trainer,
  TrainerOptions,
  TrainProgress,
  TrainerSnapshot,
  StepResult,
  TrainRunOptions,
} from "./trainer.js";
export { initParams, toStateDict, paramsFromStateDict, paramEntries, zerosLike } from "./params.js";
export type { Params, LayerParams, ParamEntry, PosInit } from "./params.js";
export { forward, lossAndGrad, perTokenLoss } from "./forward-backward.js";
export type { ForwardResult, LayerActivations } from "./forward-backward.js";
export { AdamW, learningRate, clipGradNorm, globalGradNorm } from "./optimizer.js";
export { BatchSampler, randomTokens } from "./data.js";
export type { RandomTokensFrom } from "./data.js";
export { runProbe } from "./probe.js";
export type { ProbeResult } from "./probe.js";
export { trainingConfigJson } from "./config-json.js";
export { findPhaseChange } from "./phase-change.js";
export type { PhaseChange } from "./phase-change.js";
export { DEFAULT_CORPUS } from "./default-corpus.js";
