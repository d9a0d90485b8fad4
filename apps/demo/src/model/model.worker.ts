/// <reference lib="webworker" />
/**
 * The model worker: loads a model, runs text with an activation cache and scores every head, runs the
 * induction experiment. Runs and experiments are served one at a time; a run request replaces any run still
 * waiting, so fast typing never queues up stale work. Loading happens beside them: the current model keeps
 * answering during a long download and is swapped out between two requests once the new one is ready.
 */
import {
  currentAttnDetector, DEFAULT_CORPUS, firstAttnDetector, loadDefaultModelFiles, prevAttnDetector, runInductionExperiment, type ActivationCache,
  type HookedTransformer,
} from "@attnscope/core";
import { loadModel, type LoadedModel } from "./load-model.js";
import {
  DETECTOR_THRESHOLD, LIVE_MAX_TOKENS, type ModelChoice, type ModelRequest, type ModelResponse, type RunResult, type InductionResult, type ModelInfo,
  type RecordedTrainingLog,
} from "./protocol.js";

declare const self: DedicatedWorkerGlobalScope;

type QueuedRequest = Extract<ModelRequest, { type: "run" | "induction" }>;

let loaded: LoadedModel | null = null;
/** The load in progress, which a newer load or a cancel aborts. */
let loading: { id: number; controller: AbortController } | null = null;
/** A loaded model waiting to replace the current one between two requests. */
let pendingSwap: { id: number; next: LoadedModel; apply: () => void } | null = null;
/** Waiting requests in arrival order, except runs: only the latest run waits. */
const queue: QueuedRequest[] = [];
let pendingRun: Extract<ModelRequest, { type: "run" }> | null = null;
let draining = false;

function post(msg: ModelResponse, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

self.onmessage = (e: MessageEvent<ModelRequest>) => {
  const msg = e.data;
  if (msg.type === "load") void load(msg.id, msg.choice);
  else if (msg.type === "cancel-load") {
    if (loading?.id === msg.loadId) loading.controller.abort();
  } else {
    if (msg.type === "run") pendingRun = msg;
    else queue.push(msg);
    void drain();
  }
};

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Yield a macrotask so messages that arrived during a computation are seen before the next one. */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    for (;;) {
      await tick();
      if (pendingSwap) {
        pendingSwap.apply();
        pendingSwap = null;
      }
      const next = queue.shift() ?? pendingRun;
      if (!next) break;
      if (next === pendingRun) pendingRun = null;
      try {
        await handle(next);
      } catch (err) {
        post({ type: "error", id: next.id, request: next.type, message: errorMessage(err) });
      }
    }
  } finally {
    draining = false;
  }
}

async function handle(msg: QueuedRequest): Promise<void> {
  switch (msg.type) {
    case "run":
      return run(msg.id, msg.text);
    case "induction":
      return induction(msg.id, msg.seqLen, msg.batch, msg.seed);
  }
}

async function load(id: number, choice: ModelChoice): Promise<void> {
  loading?.controller.abort();
  const controller = new AbortController();
  loading = { id, controller };
  const t0 = performance.now();
  let next: LoadedModel;
  try {
    next = await loadModel(choice, {
      signal: controller.signal,
      onProgress: (p) => post({ type: "progress", id, progress: { phase: p.phase, file: p.file, loaded: p.loaded, total: p.total } }),
    });
    if (controller.signal.aborted) {
      next.dispose();
      throw new Error("cancelled");
    }
  } catch (err) {
    // The current model stays: a failed or cancelled load changes nothing.
    post({ type: "error", id, request: "load", message: controller.signal.aborted ? "loading was cancelled" : errorMessage(err) });
    return;
  } finally {
    if (loading?.controller === controller) loading = null;
  }
  const loadMs = performance.now() - t0;
  if (pendingSwap) {
    // An earlier load finished but was never swapped in: this one replaces it.
    pendingSwap.next.dispose();
    post({ type: "error", id: pendingSwap.id, request: "load", message: "replaced by a newer load" });
  }
  const apply = () => {
    loaded?.dispose();
    loaded = next;
    const { cfg } = next.model;
    const info: ModelInfo = {
      choice, name: next.name, nLayers: cfg.n_layers, nHeads: cfg.n_heads, dModel: cfg.d_model, nCtx: cfg.n_ctx,
      dVocab: cfg.d_vocab, tokenizer: next.tokenizer, backend: next.backend.name, loadMs,
      trainingLog: choice === "default" ? defaultTrainingLog() : undefined,
    };
    post({ type: "loaded", id, info });
  };
  pendingSwap = { id, next, apply };
  void drain();
}

/** The embedded model's training log, trimmed to what the page plots. */
function defaultTrainingLog(): RecordedTrainingLog {
  const log = loadDefaultModelFiles().trainingLog;
  const corpus = (log.corpus ?? {}) as Record<string, unknown>;
  // Logs describe each source of the default corpus under its name ("package@version: files; licence"); older
  // ones name a single package and its files.
  const sources = DEFAULT_CORPUS.sources.filter((src) => typeof corpus[src.name] === "string");
  return {
    command: log.command,
    corpus: sources.length
      ? `${sources.map((src) => src.name).join(" + ")} (npm packages ${sources.map((src) => `${src.package}@${src.version}`).join(", ")})`
      : `${String(corpus.name ?? "corpus")} (${String(corpus.files ?? "")}, npm package ${String(corpus.package ?? "?")})`,
    elapsedMs: Number(log.elapsedMs) || 0,
    losses: log.losses,
    evals: log.evals.map((e) => ({ step: e.step, probe: e.probe, inductionScores: e.inductionScores, prevTokenScores: e.prevTokenScores })),
    phaseChange: log.phaseChange,
  };
}

function requireModel(): LoadedModel {
  if (!loaded) throw new Error("No model is loaded yet");
  return loaded;
}

async function run(id: number, text: string): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  const tokens = model.toTokens(text);
  if (tokens.length > LIVE_MAX_TOKENS) {
    throw new Error(
      `The text is ${tokens.length} tokens (with BOS); the live view shows at most ${LIVE_MAX_TOKENS}. Shorten it by ${tokens.length - LIVE_MAX_TOKENS} tokens.`,
    );
  }
  // Patterns for the view and the detectors, and per-token loss (the unembed computes log-sum-exp and the
  // target's logit per row, never the full logits). Appending to the previous text reuses the previous run's
  // rows inside the model, so a keystroke costs one or two new rows per activation.
  const { cache, loss } = await model.runWithCache(tokens, {
    namesFilter: (n) => n.endsWith("attn.hook_pattern"), removeBatchDim: true, returnType: "loss",
  });
  const result: RunResult = {
    tokens,
    strTokens: model.toStrTokens(tokens),
    attention: stackedPatterns(cache, model.cfg.n_layers),
    headLabels: headLabels(model.cfg.n_layers, model.cfg.n_heads),
    nLayers: model.cfg.n_layers,
    nHeads: model.cfg.n_heads,
    detectors: {
      current: currentAttnDetector(cache, DETECTOR_THRESHOLD),
      previous: prevAttnDetector(cache, DETECTOR_THRESHOLD),
      first: firstAttnDetector(cache, DETECTOR_THRESHOLD),
    },
    loss: loss!.data.slice(),
    ms: performance.now() - t0,
  };
  post({ type: "run-result", id, result }, [result.attention.buffer, result.loss.buffer]);
}

/** All layers' [heads, T, T] patterns in one new array (the model keeps its own for the next incremental run). */
function stackedPatterns(cache: ActivationCache, nLayers: number): Float32Array {
  return stack(Array.from({ length: nLayers }, (_, l) => cache.get("pattern", l).data));
}

function stack(layers: Float32Array[]): Float32Array {
  const out = new Float32Array(layers.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of layers) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function headLabels(nLayers: number, nHeads: number): string[] {
  return Array.from({ length: nLayers * nHeads }, (_, i) => `${Math.floor(i / nHeads)}.${i % nHeads}`);
}

async function induction(id: number, seqLen: number, batch: number, seed: number): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  const half = Math.min(seqLen, Math.floor((model.cfg.n_ctx - 1) / 2));
  const r = await runInductionExperiment(model, { seqLen: half, batch, seed, threshold: DETECTOR_THRESHOLD });
  const T1 = r.perTokenLoss[0].length;
  const meanLoss = Array.from({ length: T1 }, (_, t) => r.perTokenLoss.reduce((s, row) => s + row[t], 0) / r.perTokenLoss.length);
  const { n_layers: L, n_heads: H } = model.cfg;
  const result: InductionResult = {
    seqLen: r.seqLen, batch: r.tokens.length, inductionScores: r.inductionScores, inductionHeads: r.inductionHeads,
    lossFirstHalf: r.lossFirstHalf, lossSecondHalf: r.lossSecondHalf, meanLoss,
    strTokens: model.toStrTokens(r.tokens[0]), attention: await patternsOf(model, r.tokens[0]), headLabels: headLabels(L, H),
    nLayers: L, nHeads: H, ms: performance.now() - t0,
  };
  post({ type: "induction-result", id, result }, [result.attention.buffer]);
}

/**
 * Every head's pattern on one sequence, read with a hook rather than runWithCache: a hooked run leaves the
 * model's incremental state alone, so the next keystroke in the text box still only computes new tokens.
 */
async function patternsOf(model: HookedTransformer, tokens: number[]): Promise<Float32Array> {
  const layers: Float32Array[] = [];
  await model.runWithHooks([tokens], {
    returnType: "none",
    fwdHooks: [[(name) => name.endsWith("attn.hook_pattern"), (act, hook) => {
      layers[Number(hook.name.split(".")[1])] = act.data.slice(); // [1, H, T, T]
    }]],
  });
  return stack(layers);
}
