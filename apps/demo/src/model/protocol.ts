/**
 * Messages between the page and the model worker. Every request carries an id; responses echo it, so the
 * page can drop answers to requests it no longer cares about (the text changed, another model was picked).
 */

/** Which model the worker loads: the embedded default (offline) or a registry name fetched from Hugging Face. */
export type ModelChoice = "default" | "attn-only-2l-half";

/** Detector threshold used throughout the demo, as in ARENA's "Finding induction heads". */
export const DETECTOR_THRESHOLD = 0.4;

/**
 * Longest text the live view runs, in tokens. Every head's full pattern travels to the page: at 24 heads,
 * 1,024 tokens are 100 MB of float32, about what a tab can hold comfortably next to the model's own cache.
 */
export const LIVE_MAX_TOKENS = 1024;

export interface HeadScores {
  /** Heads strictly above the threshold, "layer.head". */
  heads: string[];
  /** [layer][head], NaN where undefined. */
  scores: number[][];
}

/** How a shipped model was trained, from its training log. */
export interface RecordedTrainingLog {
  /** The command that trained it. */
  command: string;
  /** Where the training text came from, in words. */
  corpus: string;
  elapsedMs: number;
  /** Training loss per step. */
  losses: number[];
  evals: {
    step: number;
    probe: { lossFirstHalf: number; lossSecondHalf: number };
    inductionScores: number[][];
    prevTokenScores: number[][];
  }[];
  phaseChange: {
    startStep: number; endStep: number; scoreBefore: number; scoreAfter: number;
    secondHalfLossBefore: number; secondHalfLossAfter: number; head: string;
  } | null;
}

export interface ModelInfo {
  choice: ModelChoice;
  /** Human-readable name, e.g. "embedded default model". */
  name: string;
  nLayers: number;
  nHeads: number;
  dModel: number;
  nCtx: number;
  dVocab: number;
  tokenizer: string;
  /** Numeric backend the forward pass runs on. */
  backend: string;
  loadMs: number;
  /** The embedded default model's training log. */
  trainingLog?: RecordedTrainingLog;
}

export interface RunResult {
  tokens: number[];
  strTokens: string[];
  /**
   * Every layer's blocks.{l}.attn.hook_pattern stacked: [nLayers · nHeads, T, T], head `l · nHeads + h` is
   * layer l head h. Transferred, not copied.
   */
  attention: Float32Array;
  /** "layer.head" per stacked head. */
  headLabels: string[];
  nLayers: number;
  nHeads: number;
  detectors: { current: HeadScores; previous: HeadScores; first: HeadScores };
  /** Per-token loss [T − 1]: entry t is −log p(token t+1 | tokens ≤ t). Transferred. */
  loss: Float32Array;
  /** Forward pass + detectors in the worker. */
  ms: number;
}

export interface InductionResult {
  seqLen: number;
  batch: number;
  inductionScores: number[][];
  inductionHeads: string[];
  lossFirstHalf: number;
  lossSecondHalf: number;
  /** Per-position loss averaged over the batch (position t predicts token t + 1). */
  meanLoss: number[];
  /** Display strings of the first sequence (BOS + half + half). */
  strTokens: string[];
  /** Every head's pattern on the first sequence, stacked as in RunResult: [nLayers · nHeads, T, T]. */
  attention: Float32Array;
  headLabels: string[];
  nLayers: number;
  nHeads: number;
  ms: number;
}

export type ModelRequest =
  | { type: "load"; id: number; choice: ModelChoice }
  /** Abort the load with id `loadId` (its promise rejects with "loading was cancelled"). */
  | { type: "cancel-load"; id: number; loadId: number }
  | { type: "run"; id: number; text: string }
  | { type: "induction"; id: number; seqLen: number; batch: number; seed: number };

export interface LoadProgress {
  phase: "download" | "read" | "parse";
  file: string;
  loaded: number;
  total?: number;
}

export type ModelResponse =
  | { type: "progress"; id: number; progress: LoadProgress }
  | { type: "loaded"; id: number; info: ModelInfo }
  | { type: "run-result"; id: number; result: RunResult }
  | { type: "induction-result"; id: number; result: InductionResult }
  | { type: "error"; id: number; request: ModelRequest["type"]; message: string };
