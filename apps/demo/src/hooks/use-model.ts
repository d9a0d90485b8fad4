/**
 * The model worker's state for the page: which model is loaded, what is loading (with download progress)
 * and the last load error. A failed load keeps the previous model working.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ModelClient } from "../model/model-client.js";
import type { LoadProgress, ModelChoice, ModelInfo, RegistryChoice } from "../model/protocol.js";

export interface ModelState {
  client: ModelClient | null;
  /** The model runs use; null until the first load finishes. */
  info: ModelInfo | null;
  loading: { choice: ModelChoice; progress: LoadProgress | null } | null;
  error: { choice: ModelChoice; message: string } | null;
  select(choice: ModelChoice): void;
  /** Stop the load in progress and keep the current model. */
  cancel(): void;
}

/** Shortest time between two redraws of the download's progress. */
const PROGRESS_MS = 100;

/** A choice in words, for status lines and errors. */
export function choiceName(choice: ModelChoice): string {
  if (choice === "default") return "the embedded default model";
  return typeof choice === "string" ? choice : choice.name;
}

export function useModel(initial: RegistryChoice = "default"): ModelState {
  const [client, setClient] = useState<ModelClient | null>(null);
  const [info, setInfo] = useState<ModelInfo | null>(null);
  const [loading, setLoading] = useState<ModelState["loading"]>(null);
  const [error, setError] = useState<ModelState["error"]>(null);
  const loadSeq = useRef(0);

  const load = useCallback((c: ModelClient, choice: ModelChoice) => {
    const seq = ++loadSeq.current;
    setLoading({ choice, progress: null });
    setError(null);
    // GPT-2 small's download reports a few hundred steps: the page redraws at most every PROGRESS_MS with the
    // latest, so the message that the model is ready is not queued behind a backlog of redraws.
    let latest: LoadProgress | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = () => {
      timer = undefined;
      if (seq === loadSeq.current) setLoading({ choice, progress: latest });
    };
    c.load(choice, (progress) => {
      latest = progress;
      timer ??= setTimeout(show, PROGRESS_MS);
    }).then(
      (i) => {
        clearTimeout(timer);
        if (seq !== loadSeq.current) return;
        setInfo(i);
        setLoading(null);
      },
      (e: Error) => {
        clearTimeout(timer);
        if (seq !== loadSeq.current) return;
        setError({ choice, message: e.message });
        setLoading(null);
      },
    );
  }, []);

  useEffect(() => {
    const c = new ModelClient();
    setClient(c);
    load(c, initial);
    return () => c.terminate();
  }, [initial, load]);

  const select = useCallback(
    (choice: ModelChoice) => {
      if (client) load(client, choice);
    },
    [client, load],
  );

  const cancel = useCallback(() => {
    loadSeq.current++;
    client?.cancelLoad();
    setLoading(null);
  }, [client]);

  return useMemo(
    () => ({ client, info, loading, error, select, cancel }),
    [client, info, loading, error, select, cancel],
  );
}
