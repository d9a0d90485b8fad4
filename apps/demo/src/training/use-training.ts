/** The training worker's state for the page: live losses, periodic probe results, start/stop/resume. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { TrainProgress } from "@attnscope/core";
import type { TrainRequest, TrainResponse, TrainSettings, TrainState } from "./train-protocol.js";

export interface Training {
  state: TrainState;
  step: number;
  backend: string | null;
  /** Training loss of every step so far (index = step − 1). */
  losses: number[];
  evals: TrainProgress[];
  error: string | null;
  start(settings: TrainSettings): void;
  stop(): void;
  resume(): void;
  /** Asks for the current weights; `onWeights` receives them. */
  exportWeights(onWeights: (w: Extract<TrainResponse, { type: "weights" }>) => void): void;
}

export function useTraining(): Training {
  const worker = useRef<Worker | null>(null);
  const [state, setState] = useState<TrainState>("idle");
  const [step, setStep] = useState(0);
  const [backend, setBackend] = useState<string | null>(null);
  const [losses, setLosses] = useState<number[]>([]);
  const [evals, setEvals] = useState<TrainProgress[]>([]);
  const [error, setError] = useState<string | null>(null);
  const onWeights = useRef<((w: Extract<TrainResponse, { type: "weights" }>) => void) | null>(null);

  useEffect(() => () => worker.current?.terminate(), []);

  const send = useCallback((msg: TrainRequest) => {
    if (!worker.current) {
      const w = new Worker(new URL("./train.worker.ts", import.meta.url), { type: "module", name: "attnscope-train" });
      w.onmessage = (e: MessageEvent<TrainResponse>) => {
        const m = e.data;
        if (m.type === "state") {
          setState(m.state);
          setStep(m.step);
          if (m.backend) setBackend(m.backend);
        } else if (m.type === "losses") {
          setLosses((prev) => [...prev.slice(0, m.firstStep - 1), ...m.losses]);
          setStep(m.firstStep + m.losses.length - 1);
        } else if (m.type === "progress") {
          setEvals((prev) => [...prev.filter((p) => p.step < m.progress.step), m.progress]);
        } else if (m.type === "weights") {
          onWeights.current?.(m);
          onWeights.current = null;
        } else {
          setError(m.message);
        }
      };
      w.onerror = (e) => {
        setError(`The training worker failed: ${e.message || "unknown error"}`);
        setState("error");
      };
      worker.current = w;
    }
    worker.current.postMessage(msg);
  }, []);

  const start = useCallback(
    (settings: TrainSettings) => {
      setLosses([]);
      setEvals([]);
      setError(null);
      setStep(0);
      send({ type: "start", settings });
    },
    [send],
  );
  const stop = useCallback(() => send({ type: "stop" }), [send]);
  const resume = useCallback(() => send({ type: "resume" }), [send]);

  const exportWeights = useCallback(
    (cb: (w: Extract<TrainResponse, { type: "weights" }>) => void) => {
      onWeights.current = cb;
      send({ type: "export" });
    },
    [send],
  );

  return { state, step, backend, losses, evals, error, start, stop, resume, exportWeights };
}
