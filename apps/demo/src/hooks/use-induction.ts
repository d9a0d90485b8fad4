/** ARENA's repeated-random-tokens experiment, rerun whenever another model is loaded. */
import { useEffect, useState } from "react";
import type { ModelClient } from "../model/model-client.js";
import type { InductionResult, ModelInfo } from "../model/protocol.js";

/** As in "Finding induction heads": 10 sequences of 50 random tokens, each repeated once. */
export const INDUCTION_SETTINGS = { seqLen: 50, batch: 10, seed: 0 };

export interface InductionState {
  result: InductionResult | null;
  error: string | null;
  running: boolean;
}

export function useInduction(client: ModelClient | null, info: ModelInfo | null): InductionState {
  const [state, setState] = useState<InductionState>({ result: null, error: null, running: false });
  useEffect(() => {
    if (!client || !info) return;
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    const { seqLen, batch, seed } = INDUCTION_SETTINGS;
    client.induction(seqLen, batch, seed).then(
      (result) => !cancelled && setState({ result, error: null, running: false }),
      (e: Error) => !cancelled && setState({ result: null, error: e.message, running: false }),
    );
    return () => {
      cancelled = true;
    };
  }, [client, info]);
  return state;
}
