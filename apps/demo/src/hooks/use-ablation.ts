/**
 * The ablation comparison, rerun (debounced) whenever the text, the ablated heads, the mode or the induction
 * settings change; and ARENA's per-head ablation scores, rerun for each model and induction batch.
 */
import { useEffect, useState } from "react";
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

export function useAblationScores(
  client: ModelClient | null,
  info: ModelInfo | null,
  settings: InductionSettings,
): Async<AblationScoresResult> {
  const [state, setState] = useState<Async<AblationScoresResult>>({ result: null, error: null, running: false });
  useEffect(() => {
    if (!client || !info) return;
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    client.ablationScores(settings).then(
      (result) => !cancelled && setState({ result, error: null, running: false }),
      (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [client, info, settings]);
  return state;
}
