/**
 * Messages between the page and the training worker. The worker owns one trainer at a time: start makes a
 * new one, stop pauses it between steps, resume continues it exactly where it stopped.
 */
import type { HookedTransformerConfig, TrainProgress } from "@attnscope/core";

/** What the page lets you change about the tiny model and its training. */
export interface TrainSettings {
  config: Pick<HookedTransformerConfig, "d_model" | "d_head" | "n_heads" | "n_layers" | "n_ctx" | "d_vocab">;
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  warmup: number;
  evalEvery: number;
  seed: number;
  /** Tokens per half of the repeated-random-token probe. */
  probeHalf: number;
  /** W_pos initialisation. */
  posInit: "normal" | "sinusoidal";
}

export type TrainRequest =
  | { type: "start"; settings: TrainSettings }
  | { type: "stop" }
  | { type: "resume" }
  /** The current weights as safetensors bytes with their config.json, to open in the model worker. */
  | { type: "export" };

export type TrainState = "idle" | "starting" | "running" | "stopped" | "done" | "error";

export type TrainResponse =
  | { type: "state"; state: TrainState; step: number; backend?: string }
  | { type: "progress"; progress: TrainProgress }
  /** Training loss of the steps since the last message (first step number given). */
  | { type: "losses"; firstStep: number; losses: number[] }
  | { type: "error"; message: string }
  | { type: "weights"; step: number; config: Record<string, unknown>; weights: ArrayBuffer };
