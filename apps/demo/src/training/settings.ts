import type { TrainSettings } from "./train-protocol.js";

/**
 * The tiny model trained live: 2 attention-only layers on byte-level tokens (BOS = 256), trained on rows of
 * random token segments that repeat, so the only way to beat chance is to copy: induction.
 */
export const TINY_TRAINING: TrainSettings = {
  config: { d_model: 64, d_head: 16, n_heads: 4, n_layers: 2, n_ctx: 64, d_vocab: 257 },
  steps: 1500,
  batchSize: 16,
  seqLen: 64,
  lr: 3e-3,
  warmup: 50,
  evalEvery: 25,
  seed: 0,
  probeHalf: 20,
};
