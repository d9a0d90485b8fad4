/**
 * The Circuit panel's data: what the weights say (once per model and induction batch) and what the current
 * text and the chosen induction head show (debounced). Computed only once the panel has been on screen, so
 * a large model's circuits never hold up typing before anyone looks at them.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ModelClient } from "../model/model-client.js";
import {
  DEFAULT_THRESHOLD,
  type CircuitPair,
  type CircuitTextResult,
  type CircuitWeightsResult,
  type InductionSettings,
  type ModelInfo,
} from "../model/protocol.js";
import type { Async } from "./use-ablation.js";

const CIRCUIT_DEBOUNCE_MS = 250;

/**
 * Models with at most this many heads get all three composition modes at once; larger ones (GPT-2 small) get
 * K (which the circuit search computes anyway) and Q and V when the visitor asks.
 */
export const ALL_COMPOSITION_MAX_HEADS = 48;

export interface CircuitWeightsState extends Async<CircuitWeightsResult> {
  /** Whether Q- and V-composition are (being) computed. */
  withQV: boolean;
  /** Asks for Q- and V-composition too. */
  addQV(): void;
}

export function useCircuitWeights(
  client: ModelClient | null,
  info: ModelInfo | null,
  settings: InductionSettings,
  active: boolean,
): CircuitWeightsState {
  const [state, setState] = useState<Async<CircuitWeightsResult>>({ result: null, error: null, running: false });
  const [askedFor, setAskedFor] = useState<ModelInfo | null>(null);
  const withQV =
    (info !== null && info.nLayers * info.nHeads <= ALL_COMPOSITION_MAX_HEADS) ||
    (askedFor !== null && askedFor === info);
  const addQV = useCallback(() => setAskedFor(info), [info]);
  useEffect(() => {
    if (!client || !info || !active) return;
    if (info.nLayers < 2) {
      setState({
        result: null,
        error: "This model has one layer: there is no earlier head to compose with.",
        running: false,
      });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    client.circuitWeights(settings, DEFAULT_THRESHOLD, withQV).then(
      (result) => !cancelled && setState({ result, error: null, running: false }),
      (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
    );
    return () => {
      cancelled = true;
    };
  }, [client, info, settings, active, withQV]);
  return useMemo(() => ({ ...state, withQV, addQV }), [state, withQV, addQV]);
}

export function useCircuitText(
  client: ModelClient | null,
  info: ModelInfo | null,
  text: string,
  pair: { head: string; keyHead: string } | null,
  settings: InductionSettings,
): Async<CircuitTextResult> {
  const [state, setState] = useState<Async<CircuitTextResult>>({ result: null, error: null, running: false });
  const head = pair?.head;
  const keyHead = pair?.keyHead;
  useEffect(() => {
    if (!client || !info || !head || !keyHead) return;
    let cancelled = false;
    setState((s) => ({ ...s, running: true }));
    const timer = setTimeout(() => {
      client.circuitText(text, head, keyHead, settings).then(
        (result) => !cancelled && setState({ result, error: null, running: false }),
        (e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message, running: false })),
      );
    }, CIRCUIT_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [client, info, text, head, keyHead, settings]);
  return state;
}

/**
 * The pairs as the page's threshold sees them: circuits (both heads above it) first, strongest K-composition
 * first, then every other pair by K-composition.
 */
export function rankCircuits(pairs: readonly CircuitPair[], threshold: number): CircuitPair[] {
  return pairs
    .map((p) => ({ ...p, isCircuit: p.previousScore > threshold && p.inductionScore > threshold }))
    .sort((a, b) => Number(b.isCircuit) - Number(a.isCircuit) || b.kComposition - a.kComposition);
}
