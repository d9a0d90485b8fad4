/** ARENA's repeated-random-tokens experiment: run when a model is loaded, and again on Run with new settings. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ModelClient } from "../model/model-client.js";
import type { InductionResult, InductionSettings, ModelInfo } from "../model/protocol.js";

/** As in "Finding induction heads": 10 sequences of 50 random tokens, each repeated once. */
export const INDUCTION_SETTINGS: InductionSettings = { seqLen: 50, batch: 10, seed: 0 };

export interface InductionState {
  result: InductionResult | null;
  error: string | null;
  running: boolean;
  /** The settings of the last run asked for (the ablations use the same batch). */
  settings: InductionSettings;
  run(settings: InductionSettings): void;
}

export function useInduction(client: ModelClient | null, info: ModelInfo | null): InductionState {
  const [state, setState] = useState<Omit<InductionState, "run">>({
    result: null,
    error: null,
    running: false,
    settings: INDUCTION_SETTINGS,
  });
  // Settings asked for on Run are sent as they are (the worker says what is wrong with them); settings carried
  // over from another model are fitted to this one's context.
  const [request, setRequest] = useState<{ settings: InductionSettings; forInfo: ModelInfo | null }>({
    settings: INDUCTION_SETTINGS,
    forInfo: null,
  });
  const infoRef = useRef(info);
  infoRef.current = info;
  useEffect(() => {
    if (!client || !info) return;
    let cancelled = false;
    // A model with a short context (the tiny trained one) gets the longest halves that fit.
    const settings =
      request.forInfo === info
        ? request.settings
        : { ...request.settings, seqLen: Math.min(request.settings.seqLen, Math.floor((info.nCtx - 1) / 2)) };
    const { seqLen, batch, seed } = settings;
    setState((s) => ({ ...s, running: true }));
    client.induction(seqLen, batch, seed).then(
      // The ablations follow the batch that ran; a failed Run leaves them on the last good one.
      (result) => !cancelled && setState((s) => ({ ...s, result, settings, error: null, running: false })),
      (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [client, info, request]);
  const run = useCallback((settings: InductionSettings) => setRequest({ settings, forInfo: infoRef.current }), []);
  // One object per change, so panels that take it can skip renders.
  return useMemo(() => ({ ...state, run }), [state, run]);
}
