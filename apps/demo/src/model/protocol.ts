/**
 * Messages between the page and the model worker. Every request carries an id; responses echo it, so the
 * page can drop answers to requests it no longer cares about (the text changed, another model was picked).
 */
import type { DefaultModelTrainingLog, DetectorResult, InductionCircuit, ProgressEvent } from "@attnscope/core";

/** A registry model the worker can fetch: the embedded default (offline) or a name fetched from Hugging Face. */
export type RegistryChoice = "default" | "attn-only-2l-half" | "gpt2-small";

/** Every registry choice the picker offers, in its order. */
export const REGISTRY_CHOICES: readonly RegistryChoice[] = ["default", "attn-only-2l-half", "gpt2-small"];

export const isRegistryChoice = (v: unknown): v is RegistryChoice =>
  (REGISTRY_CHOICES as readonly unknown[]).includes(v);

/** A checkpoint from the visitor's disk: weights (.pth or .safetensors), its config, optionally a tokenizer.json. */
export interface LocalFilesChoice {
  kind: "files";
  /** Shown as the model's name, e.g. the weights' file name. */
  name: string;
  weights: File;
  /** A config.json file, or a known config (TransformerLens fields) picked in the page. */
  config: File | Record<string, unknown>;
  tokenizer?: File;
}

/** Weights trained in the page's training worker, as safetensors bytes, with their config. */
export interface TrainedChoice {
  kind: "trained";
  name: string;
  weights: ArrayBuffer;
  config: Record<string, unknown>;
}

/** Which model the worker loads. */
export type ModelChoice = RegistryChoice | LocalFilesChoice | TrainedChoice;

/**
 * Which engine the live view runs on: the in-process backend the model was loaded with (the kernels, or
 * TypeScript where they do not start), or onnxruntime-web on an ONNX export of the same model. The
 * induction, ablation and circuit panels always run in-process: they need hooks, which the ONNX graph lacks.
 */
export type EngineChoice = "kernels" | "onnxruntime";

export const ENGINE_CHOICES: readonly EngineChoice[] = ["kernels", "onnxruntime"];

/** Detector threshold the page starts with, as in ARENA's "Finding induction heads". */
export const DEFAULT_THRESHOLD = 0.4;

/**
 * Longest text the live view runs, in tokens. Every head's full pattern travels to the page: at 24 heads,
 * 1,024 tokens are 100 MB of float32, about what a tab can hold comfortably next to the model's own cache.
 */
export const LIVE_MAX_TOKENS = 1024;

/**
 * Longest text the live view runs on a model of `heads` heads in all: LIVE_MAX_TOKENS at up to 24 heads, and
 * as many tokens as keep the stacked patterns to the same 100 MB with more (418 on GPT-2 small's 144, whose
 * 1,024-token patterns would be 600 MB, twice: the worker's copy and the page's).
 */
export function liveMaxTokens(heads: number, nCtx: number): number {
  return Math.min(nCtx, LIVE_MAX_TOKENS, Math.floor(LIVE_MAX_TOKENS * Math.sqrt(24 / Math.max(24, heads))));
}

/** One detector's heads above the threshold and every head's score, as the core's detectors give them. */
export type HeadScores = DetectorResult;

/**
 * How a shipped model was trained: the parts of its training log (the core's `DefaultModelTrainingLog`) the
 * page plots, with the corpus in words and the run's duration.
 */
export type RecordedTrainingLog = Pick<DefaultModelTrainingLog, "command" | "losses" | "phaseChange"> & {
  /** Where the training text came from, in words. */
  corpus: string;
  elapsedMs: number;
  evals: Pick<DefaultModelTrainingLog["evals"][number], "step" | "probe" | "inductionScores" | "prevTokenScores">[];
};

export interface ModelInfo {
  /** The registry choice, or "files" / "trained" for a model the page supplied. */
  choice: RegistryChoice | "files" | "trained";
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
  /** The engine that ran, as it names itself (its `status.name`), e.g. "kernels-simd" or "ort-web wasm". */
  engine: string;
  /**
   * Why the run is not on the engine asked for, or what that engine warned of (e.g. onnxruntime-web failed to
   * start, so the kernels ran); null when there is nothing to say.
   */
  engineWarning: string | null;
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

/** How an ablated head's output is replaced (on blocks.L.attn.hook_v, as ARENA does). */
export type AblationMode = "zero" | "mean";

/** A head as [layer, head]. */
export type HeadIndex = readonly [number, number];

export interface InductionSettings {
  seqLen: number;
  batch: number;
  seed: number;
}

/** One side (clean or ablated) of an ablation comparison. */
export interface AblationSide {
  /** Per-token loss on the text [T − 1]. */
  loss: Float32Array;
  meanLoss: number;
  detectors: { current: number[][]; previous: number[][]; first: number[][] };
  /** Every head's pattern on the text, stacked as in RunResult. */
  attention: Float32Array;
  induction: { inductionScores: number[][]; lossFirstHalf: number; lossSecondHalf: number; meanLoss: number[] };
}

export interface AblationResult {
  text: string;
  heads: HeadIndex[];
  mode: AblationMode;
  strTokens: string[];
  induction: InductionSettings & { strTokens: string[] };
  clean: AblationSide;
  ablated: AblationSide;
  nLayers: number;
  nHeads: number;
  ms: number;
}

/**
 * ARENA's ablation scores on the induction batch: for every head, the loss on the repeated half
 * (its last seqLen − 1 predictions) with that head ablated minus the clean loss.
 */
export interface AblationScoresResult {
  settings: InductionSettings;
  zero: number[][];
  mean: number[][];
  cleanLoss: number;
  ms: number;
}

/** One previous-token head → induction head pair, as the core's findInductionCircuits gives it. */
export type CircuitPair = InductionCircuit;

/**
 * What the model's weights say about the induction circuit (computed once per model and induction batch):
 * composition scores, the pairs found, each head's OV copying score and positional QK score.
 */
export interface CircuitWeightsResult {
  nLayers: number;
  nHeads: number;
  /**
   * TransformerLens all_composition_scores(mode), [L1][H1][L2][H2]; Q and V only when asked for (`withQV`): on
   * GPT-2 small each mode is minutes of work.
   */
  composition: { Q?: number[][][][]; K: number[][][][]; V?: number[][][][] };
  /** Composition score of random matrices of the same shapes. */
  baseline: number;
  /** Every pair, circuits first, then by K-composition. */
  circuits: CircuitPair[];
  /** [layer][head]: eigenvalue copying score of the full OV circuit. */
  copying: number[][];
  /** [layer][head]: previous-position attention of the QK circuit fed positions only. */
  positional: number[][];
  threshold: number;
  ms: number;
}

/** The circuit on one input: direct logit attribution of the text, decomposed scores of one head on the repeat. */
export interface CircuitTextResult {
  text: string;
  strTokens: string[];
  /** "direct", then every head. */
  labels: string[];
  /** [T − 1, labels.length]: each component's share of the correct next token's logit. */
  attribution: Float32Array;
  correctLogits: Float32Array;
  /** The head decomposed (a head of layer ≥ 1). */
  head: string;
  /** Components of its input: "embed", "pos_embed", earlier heads. */
  components: string[];
  /** [C, C]: std of the decomposed attention scores over all (query, key) of the first repeated sequence. */
  std: Float32Array;
  /** The query component and key component of the map below, and their decomposed scores [T, T] on the repeat. */
  pair: { query: string; key: string; scores: Float32Array; strTokens: string[] };
  ms: number;
}

export type ModelRequest =
  | { type: "load"; id: number; choice: ModelChoice }
  /** Abort the load with id `loadId` (its promise rejects with "loading was cancelled"). */
  | { type: "cancel-load"; id: number; loadId: number }
  | { type: "run"; id: number; text: string; engine: EngineChoice }
  | { type: "induction"; id: number; seqLen: number; batch: number; seed: number }
  | { type: "ablate"; id: number; text: string; heads: HeadIndex[]; mode: AblationMode; induction: InductionSettings }
  | { type: "ablation-scores"; id: number; induction: InductionSettings }
  | { type: "circuit-weights"; id: number; induction: InductionSettings; threshold: number; withQV: boolean }
  /** `head` is decomposed; `keyHead` is the earlier head whose keys the map shows (the pair's previous-token head). */
  | { type: "circuit-text"; id: number; text: string; head: string; keyHead: string; induction: InductionSettings };

/** A loading step's progress, as the core's loaders report it. */
export type LoadProgress = ProgressEvent;

export type ModelResponse =
  | { type: "progress"; id: number; progress: LoadProgress }
  | { type: "loaded"; id: number; info: ModelInfo }
  | { type: "run-result"; id: number; result: RunResult }
  | { type: "induction-result"; id: number; result: InductionResult }
  | { type: "ablate-result"; id: number; result: AblationResult }
  | { type: "ablation-scores-result"; id: number; result: AblationScoresResult }
  | { type: "circuit-weights-result"; id: number; result: CircuitWeightsResult }
  | { type: "circuit-text-result"; id: number; result: CircuitTextResult }
  | { type: "error"; id: number; request: ModelRequest["type"]; message: string };
