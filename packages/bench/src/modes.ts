/** The benchmark's modes and what each asks an engine for (shared by the Node engines and the browser page). */
import type { EngineOutputs } from "@attnscope/core";

export type Mode = "patterns" | "full" | "loss" | "append1";

/** "patterns" is what the detectors need: every layer's, no unembedding. */
export const OUTPUTS: Record<Mode, EngineOutputs> = {
  patterns: { patterns: true },
  append1: { patterns: true },
  full: { logits: true },
  loss: { loss: true },
};
