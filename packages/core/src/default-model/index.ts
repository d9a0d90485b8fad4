import { resolveConfig, type HookedTransformerConfig } from "../config.js";
import { modelTokenizer } from "../tokenizer/load.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { readSafetensors } from "../weights/safetensors.js";
import type { StateDict } from "../weights/state-dict.js";
import * as defaultModule from "./embedded-default.generated.js";
import { DEFAULT_MODEL_NAME, OTHER_EMBEDDED_MODELS } from "./embedded-names.generated.js";

/**
 * The embedded models: 2-layer attention-only shortformer transformers trained by `attnscope train` on
 * public-domain text (see assets/<name>/README.md), built into the package so they work offline in Node,
 * browsers and workers. The default one (`DEFAULT_MODEL_NAME`) is what every surface runs when no model is
 * named; the others are loaded by name (`loadEmbeddedModelFiles("attnscope-byte-2l")`), each from its own
 * module, so a bundle carries them only when it asks for them.
 */
export interface DefaultModelFiles {
  /** The model's name (its config's `model_name`). */
  name: string;
  /** Resolved TransformerLens config. */
  config: HookedTransformerConfig;
  /** The config exactly as in its config.json (TransformerLens keyword arguments). */
  configJson: Record<string, unknown>;
  stateDict: StateDict;
  /** Its tokenizer.json tokenizer, or the byte tokenizer for a byte-level model. */
  tokenizer: Tokenizer;
  /** tokenizer.json as shipped, or null for a byte-level model. */
  tokenizerJson: Record<string, unknown> | null;
  /** training-log.json: command, options, corpus, loss per step, probe and head scores every eval. */
  trainingLog: DefaultModelTrainingLog;
}

export interface DefaultModelTrainingLog {
  format: "attnscope-training-log";
  command: string;
  losses: number[];
  evals: {
    step: number;
    loss: number | null;
    lr: number;
    elapsedMs: number;
    probe: { lossFirstHalf: number; lossSecondHalf: number };
    inductionScores: number[][];
    prevTokenScores: number[][];
    firstTokenScores: number[][];
  }[];
  phaseChange: {
    startStep: number;
    endStep: number;
    scoreBefore: number;
    scoreAfter: number;
    secondHalfLossBefore: number;
    secondHalfLossAfter: number;
    head: string;
  } | null;
  [key: string]: unknown;
}

type EmbeddedModule = typeof defaultModule;

export { DEFAULT_MODEL_NAME };

/** Names of every embedded model, the default first. */
export const EMBEDDED_MODEL_NAMES: readonly string[] = [DEFAULT_MODEL_NAME, ...Object.keys(OTHER_EMBEDDED_MODELS)];

export function isEmbeddedModelName(name: unknown): name is string {
  return typeof name === "string" && EMBEDDED_MODEL_NAMES.includes(name);
}

// Decoded once per model, then shared (the tensors are read-only by convention, as every loaded state dict).
const decoded = new Map<string, { config: HookedTransformerConfig; stateDict: StateDict; tokenizer: Tokenizer }>();

function filesOf(m: EmbeddedModule): DefaultModelFiles {
  let d = decoded.get(m.MODEL_NAME);
  if (!d) {
    const what = `embedded model ${m.MODEL_NAME}`;
    d = {
      config: resolveConfig(m.MODEL_CONFIG, `${what} config.json`),
      stateDict: readSafetensors(base64ToBytes(m.MODEL_SAFETENSORS_BASE64), `${what} model.safetensors`).tensors,
      tokenizer: modelTokenizer(m.MODEL_CONFIG, m.MODEL_TOKENIZER_JSON, `${what} tokenizer.json`)!,
    };
    decoded.set(m.MODEL_NAME, d);
  }
  return {
    name: m.MODEL_NAME,
    config: d.config,
    configJson: m.MODEL_CONFIG,
    stateDict: d.stateDict,
    tokenizer: d.tokenizer,
    tokenizerJson: m.MODEL_TOKENIZER_JSON,
    trainingLog: m.MODEL_TRAINING_LOG as unknown as DefaultModelTrainingLog,
  };
}

/** The default model's config, weights, tokenizer and training log (synchronous: it is always in the bundle). */
export function loadDefaultModelFiles(): DefaultModelFiles {
  return filesOf(defaultModule);
}

/** An embedded model by name (see `EMBEDDED_MODEL_NAMES`). */
export async function loadEmbeddedModelFiles(name: string): Promise<DefaultModelFiles> {
  if (name === DEFAULT_MODEL_NAME) return loadDefaultModelFiles();
  const load = Object.prototype.hasOwnProperty.call(OTHER_EMBEDDED_MODELS, name)
    ? OTHER_EMBEDDED_MODELS[name]
    : undefined;
  if (!load) throw new Error(`no embedded model "${name}"; embedded models: ${EMBEDDED_MODEL_NAMES.join(", ")}`);
  return filesOf(await load());
}

function base64ToBytes(b64: string): Uint8Array {
  // atob exists in Node ≥ 16, browsers and workers; Buffer is not assumed.
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export { SEED_TEXT, HELD_OUT_TEXT, COMMITTEE_TEXT, inductionTargets, headWeights } from "./reference-texts.js";
