/**
 * The ablation comparison, rerun (debounced) whenever the text, the ablated heads, the mode or the induction
 * settings change; and ARENA's per-head ablation scores, rerun for each model and induction batch.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ModelClient } from "../model/model-client.js";
import type {
  AblationMode,
  AblationResult,
  AblationScoresResult,
  InductionSettings,
  ModelInfo,
} from "../model/protocol.js";
import { parseHead } from "../lib/heads.js";

export interface Async<T> {
  result: T | null;
  error: string | null;
  running: boolean;
}

const ABLATION_DEBOUNCE_MS = 150;

export function useAblation(
  client: ModelClient | null,
  info: ModelInfo | null,
  text: string,
  heads: string[],
  mode: AblationMode,
  settings: InductionSettings,
): Async<AblationResult> {
  const [state, setState] = useState<Async<AblationResult>>({ result: null, error: null, running: false });
  const key = heads.join(",");
  useEffect(() => {
    if (!client || !info) return;
    const parsed = key
      ? key
          .split(",")
          .map((h) => parseHead(h)!)
          .filter((h) => h[0] < info.nLayers && h[1] < info.nHeads)
      : [];
    if (parsed.length === 0) {
      setState({ result: null, error: null, running: false });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    const timer = setTimeout(() => {
      client.ablate(text, parsed, mode, settings).then(
        (result) => !cancelled && setState({ result, error: null, running: false }),
        (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
      );
    }, ABLATION_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [client, info, text, key, mode, settings]);
  return state;
}

/**
 * Models with at most this many heads get their ablation scores as soon as they load (2 · heads + 1 passes of
 * the induction batch: seconds for the 2-layer models). Larger ones (GPT-2 small: 289 passes, most of an hour
 * on two cores) wait for the visitor to ask.
 */
export const AUTO_ABLATION_SCORES_MAX_HEADS = 48;

/** The ablation scores' state, and for a model too large to score on load, whether and how to start. */
export interface AblationScoresState extends Async<AblationScoresResult> {
  /** Forward passes of the induction batch the scores take (the clean run, then each head zero- and mean-ablated). */
  passes: number;
  /** False until the visitor starts them, for a model with more than AUTO_ABLATION_SCORES_MAX_HEADS heads. */
  requested: boolean;
  start(): void;
}

export function useAblationScores(
  client: ModelClient | null,
  info: ModelInfo | null,
  settings: InductionSettings,
): AblationScoresState {
  const [state, setState] = useState<Async<AblationScoresResult>>({ result: null, error: null, running: false });
  const heads = info ? info.nLayers * info.nHeads : 0;
  // Asked for on this model (a new model starts unasked again).
  const [askedFor, setAskedFor] = useState<ModelInfo | null>(null);
  const requested = heads <= AUTO_ABLATION_SCORES_MAX_HEADS || (askedFor !== null && askedFor === info);
  const start = useCallback(() => setAskedFor(info), [info]);
  useEffect(() => {
    if (!client || !info) return;
    if (!requested) {
      setState({ result: null, error: null, running: false });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    client.ablationScores(settings).then(
      (result) => !cancelled && setState({ result, error: null, running: false }),
      (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [client, info, settings, requested]);
  return useMemo(() => ({ ...state, passes: 2 * heads + 1, requested, start }), [state, heads, requested, start]);
}
