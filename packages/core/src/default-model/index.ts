import { resolveConfig, type HookedTransformerConfig } from "../config.js";
import { ByteTokenizer } from "../tokenizer/byte-tokenizer.js";
import { readSafetensors } from "../weights/safetensors.js";
import type { StateDict } from "../weights/state-dict.js";
import {
  DEFAULT_MODEL_CONFIG, DEFAULT_MODEL_SAFETENSORS_BASE64, DEFAULT_MODEL_TRAINING_LOG,
} from "./embedded.generated.js";

/**
 * The embedded default model: a 2-layer attention-only shortformer transformer over bytes (d_vocab 257: 256
 * bytes + BOS), trained by `attnscope train` on public-domain text (see assets/default-model/README.md).
 * Built into the package, so it works offline in Node, browsers and workers.
 */
export interface DefaultModelFiles {
  /** Resolved TransformerLens config. */
  config: HookedTransformerConfig;
  /** The config exactly as in its config.json (TransformerLens keyword arguments). */
  configJson: Record<string, unknown>;
  stateDict: StateDict;
  tokenizer: ByteTokenizer;
  /** training-log.json: command, options, corpus, loss per step, probe and head scores every eval. */
  trainingLog: DefaultModelTrainingLog;
}

export interface DefaultModelTrainingLog {
  format: "attnscope-training-log";
  command: string;
  losses: number[];
  evals: {
    step: number; loss: number | null; lr: number; elapsedMs: number;
    probe: { lossFirstHalf: number; lossSecondHalf: number };
    inductionScores: number[][]; prevTokenScores: number[][]; firstTokenScores: number[][];
  }[];
  phaseChange: {
    startStep: number; endStep: number; scoreBefore: number; scoreAfter: number;
    secondHalfLossBefore: number; secondHalfLossAfter: number; head: string;
  } | null;
  [key: string]: unknown;
}

let cached: { config: HookedTransformerConfig; stateDict: StateDict } | null = null;

/** The default model's config, weights (decoded once, then shared), byte tokenizer and training log. */
export function loadDefaultModelFiles(): DefaultModelFiles {
  if (!cached) {
    const bytes = base64ToBytes(DEFAULT_MODEL_SAFETENSORS_BASE64);
    cached = {
      config: resolveConfig(DEFAULT_MODEL_CONFIG, "embedded default model config.json"),
      stateDict: readSafetensors(bytes, "embedded default model model.safetensors").tensors,
    };
  }
  return {
    config: cached.config,
    configJson: DEFAULT_MODEL_CONFIG,
    stateDict: cached.stateDict,
    tokenizer: new ByteTokenizer(),
    trainingLog: DEFAULT_MODEL_TRAINING_LOG as unknown as DefaultModelTrainingLog,
  };
}

function base64ToBytes(b64: string): Uint8Array {
  // atob exists in Node ≥ 16, browsers and workers; Buffer is not assumed.
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
