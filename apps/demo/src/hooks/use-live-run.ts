/**
 * Runs the text through the model (on the engine chosen) as it changes: debounced by ~50 ms, superseded runs dropped, the last
 * good result kept on screen while a newer one computes (or when the text is invalid, e.g. too long).
 */
import { useEffect, useRef, useState } from "react";
import type { ModelClient } from "../model/model-client.js";
import type { EngineChoice, ModelInfo, RunResult } from "../model/protocol.js";

export const TYPING_DEBOUNCE_MS = 50;

export interface LiveRun {
  result: RunResult | null;
  error: string | null;
  running: boolean;
}

export function useLiveRun(
  client: ModelClient | null,
  info: ModelInfo | null,
  text: string,
  engine: EngineChoice = "kernels",
): LiveRun {
  const [state, setState] = useState<LiveRun>({ result: null, error: null, running: false });
  const ranFor = useRef<ModelInfo | null>(null);

  useEffect(() => {
    if (!client || !info) return;
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    const send = () =>
      client.run(text, engine).then(
        (result) => {
          if (!cancelled && result) setState({ result, error: null, running: false });
        },
        (e: Error) => {
          if (!cancelled) setState((s) => ({ ...s, error: e.message, running: false }));
        },
      );
    // A new model's first run is posted at once, before the experiments the page asks for on the same load
    // (the worker serves a waiting run first, but cannot interrupt an experiment that has started).
    const firstRun = ranFor.current !== info;
    ranFor.current = info;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (firstRun) void send();
    else timer = setTimeout(send, TYPING_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [client, info, text, engine]);

  return state;
}
