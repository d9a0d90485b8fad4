/**
 * `forward` and `runWithCache` of a HookedTransformer served by a model-level engine (`model.useEngine`, e.g.
 * the onnxruntime engine): the same results and shapes as the in-process runs, for what the engine's graphs
 * have. JavaScript hooks run only in process, so a run with hooks is refused, naming the backends that run them.
 */
import type { ActivationCache } from "../model/activation-cache.js";
import { outputsNonFinite } from "../model/finite.js";
import { reduceLoss } from "../model/loss.js";
import type { NameFilter } from "../model/run-context.js";
import type { ReturnType } from "../components/unembed.js";
import type { Tensor } from "../tensor.js";
import type { Engine } from "./engine.js";

export interface ServedRunOptions {
  returnType?: ReturnType;
  lossPerToken?: boolean;
  /** runWithCache only: the hook points to record (all of them when undefined). */
  namesFilter?: NameFilter;
  removeBatchDim?: boolean;
}

export interface ServedRun {
  logits: Tensor | null;
  loss: Tensor | null;
  nonFinite?: string;
  cache?: ActivationCache;
}

/** The error for hooks on an engine that has none. */
export function hooksRefused(engine: Engine, hooks: string): Error {
  return new Error(
    `${engine.status.name} runs no JavaScript hooks (${hooks}): hooks need the in-process backends ("kernels", "ts"); ` +
      "build the model with one of them, or call model.useEngine(null)",
  );
}

export async function runOnEngine(
  engine: Engine,
  batch: Int32Array[],
  opts: ServedRunOptions,
  withCache: boolean,
): Promise<ServedRun> {
  const returnType = opts.returnType ?? "logits";
  const outputs = {
    logits: returnType === "logits" || returnType === "both",
    loss: returnType === "loss" || returnType === "both",
    ...(withCache ? { cache: opts.namesFilter ?? (() => true) } : {}),
  };
  const rows = batch.map((r) => Array.from(r));
  const r = await engine.run(rows, outputs);
  const logits = r.logits ?? null;
  const loss = r.loss ?? null;
  const cache = withCache ? (opts.removeBatchDim ? r.cache!.removeBatchDim() : r.cache!) : undefined;
  const checked = outputsNonFinite({ logits, loss, ...(cache ? { cache } : {}) });
  return { ...checked, loss: reduceLoss(checked.loss, opts.lossPerToken) };
}
