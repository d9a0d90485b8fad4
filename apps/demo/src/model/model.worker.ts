/// <reference lib="webworker" />
/**
 * The model worker: loads a model, runs text with an activation cache and scores every head, runs the
 * induction experiment. Runs and experiments are served one at a time; a run request replaces any run still
 * waiting, so fast typing never queues up stale work, and goes before the experiments waiting (on GPT-2 small
 * an experiment takes seconds to minutes; the text box should not wait for it). Long jobs (the ablation
 * scores) let waiting runs through between their passes. Loading happens beside them: the current model keeps
 * answering during a long download and is swapped out between two requests once the new one is ready.
 */
import {
  ActivationCache,
  currentAttnDetector,
  DEFAULT_CORPUS,
  firstAttnDetector,
  generateRepeatedTokens,
  halfLosses,
  inductionAttnDetector,
  loadDefaultModelFiles,
  prevAttnDetector,
  runInductionExperiment,
  type EngineResult,
  type HookedTransformer,
  type Tensor,
} from "@attnscope/core";
import { stackLayers } from "@attnscope/react/data";
import { ablationHooks, runHooked, type HookedRun } from "./ablation.js";
import { circuitText, circuitWeights } from "./circuit.js";
import { liveEngines, type LiveEngines } from "./live-engines.js";
import { loadModel, type LoadedModel } from "./load-model.js";
import {
  DEFAULT_THRESHOLD,
  liveMaxTokens,
  type AblationMode,
  type AblationResult,
  type AblationScoresResult,
  type AblationSide,
  type EngineChoice,
  type HeadIndex,
  type InductionSettings,
  type ModelChoice,
  type ModelRequest,
  type ModelResponse,
  type RunResult,
  type InductionResult,
  type ModelInfo,
  type RecordedTrainingLog,
} from "./protocol.js";

declare const self: DedicatedWorkerGlobalScope;

type QueuedRequest = Extract<
  ModelRequest,
  { type: "run" | "induction" | "ablate" | "ablation-scores" | "circuit-weights" | "circuit-text" }
>;

let loaded: LoadedModel | null = null;
/** The live view's engines for the loaded model (the ort one made on first use), disposed with it. */
let live: LiveEngines | null = null;
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
      const next = pendingRun ?? queue.shift();
      if (!next) break;
      if (next === pendingRun) pendingRun = null;
      await serve(next);
    }
  } finally {
    draining = false;
  }
}

async function serve(msg: QueuedRequest): Promise<void> {
  try {
    await handle(msg);
  } catch (err) {
    post({ type: "error", id: msg.id, request: msg.type, message: errorMessage(err) });
  }
}

/** Inside a long job: serve the run that arrived meanwhile (on the same model), then go on. */
async function letRunsThrough(): Promise<void> {
  await tick();
  const next = pendingRun;
  if (!next) return;
  pendingRun = null;
  await serve(next);
}

async function handle(msg: QueuedRequest): Promise<void> {
  switch (msg.type) {
    case "run":
      return run(msg.id, msg.text, msg.engine);
    case "induction":
      return induction(msg.id, msg.seqLen, msg.batch, msg.seed);
    case "ablate":
      return ablate(msg.id, msg.text, msg.heads, msg.mode, msg.induction);
    case "ablation-scores":
      return ablationScores(msg.id, msg.induction);
    case "circuit-weights": {
      const { model } = requireModel();
      const t0 = performance.now();
      const rep = repeatedTokens(model, checkInduction(model, msg.induction));
      const r = await circuitWeights(model, rep, msg.threshold, msg.withQV);
      post({ type: "circuit-weights-result", id: msg.id, result: { ...r, ms: performance.now() - t0 } });
      return;
    }
    case "circuit-text": {
      const { model } = requireModel();
      const t0 = performance.now();
      const tokens = model.toTokens(msg.text);
      const max = maxTokens(model);
      if (tokens.length > max)
        throw new Error(`The text is ${tokens.length} tokens; the circuit panel runs on at most ${max}`);
      const rep = repeatedTokens(model, { ...checkInduction(model, msg.induction), batch: 1 })[0];
      const r = await circuitText(model, msg.text, rep, msg.head, msg.keyHead);
      const result = { ...r, ms: performance.now() - t0 };
      post({ type: "circuit-text-result", id: msg.id, result }, [
        result.attribution.buffer,
        result.correctLogits.buffer,
        result.std.buffer,
        result.pair.scores.buffer,
      ]);
      return;
    }
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
      onProgress: (p) =>
        post({ type: "progress", id, progress: { phase: p.phase, file: p.file, loaded: p.loaded, total: p.total } }),
    });
    if (controller.signal.aborted) {
      next.dispose();
      throw new Error("cancelled");
    }
  } catch (err) {
    // The current model stays: a failed or cancelled load changes nothing.
    post({
      type: "error",
      id,
      request: "load",
      message: controller.signal.aborted ? "loading was cancelled" : errorMessage(err),
    });
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
    void live?.dispose();
    live = null;
    loaded?.dispose();
    loaded = next;
    // What still waits was asked of the previous model (the page asks again once it hears of this one): run on
    // this one, it would answer the wrong question, and on a large model keep the new model's first run waiting.
    for (const stale of [...queue.splice(0), ...(pendingRun ? [pendingRun] : [])])
      post({ type: "error", id: stale.id, request: stale.type, message: "the model changed before this ran" });
    pendingRun = null;
    const { cfg } = next.model;
    const info: ModelInfo = {
      choice: typeof choice === "string" ? choice : choice.kind,
      name: next.name,
      nLayers: cfg.n_layers,
      nHeads: cfg.n_heads,
      dModel: cfg.d_model,
      nCtx: cfg.n_ctx,
      dVocab: cfg.d_vocab,
      tokenizer: next.tokenizer,
      backend: next.backend.name,
      loadMs,
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
    evals: log.evals.map((e) => ({
      step: e.step,
      probe: e.probe,
      inductionScores: e.inductionScores,
      prevTokenScores: e.prevTokenScores,
    })),
    phaseChange: log.phaseChange,
  };
}

const maxTokens = (model: HookedTransformer) => liveMaxTokens(model.cfg.n_layers * model.cfg.n_heads, model.cfg.n_ctx);

function requireModel(): LoadedModel {
  if (!loaded) throw new Error("No model is loaded yet");
  return loaded;
}

async function run(id: number, text: string, choice: EngineChoice): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  const tokens = model.toTokens(text);
  const max = maxTokens(model);
  if (tokens.length > max) {
    throw new Error(
      `The text is ${tokens.length} tokens (with BOS); the live view shows at most ${max} on this model. Shorten it by ${tokens.length - max} tokens.`,
    );
  }
  const engines = (live ??= liveEngines(model));
  let { engine, fallback } = await engines.get(choice);
  // Patterns for the view and the detectors, and per-token loss (the unembed computes log-sum-exp and the
  // target's logit per row, never the full logits). In process, appending to the previous text reuses the
  // previous run's rows inside the model, so a keystroke costs one or two new rows per activation.
  const outputs = { patterns: true, loss: true } as const;
  let out: EngineResult;
  try {
    out = await engine.run([tokens], outputs);
  } catch (err) {
    if (choice === "kernels") throw err;
    // onnxruntime failed on this text (e.g. its session did not start): the live view runs in process instead.
    fallback = `onnxruntime failed: ${errorMessage(err)}`;
    engines.ortFailed(fallback);
    engine = (await engines.get("kernels")).engine;
    out = await engine.run([tokens], outputs);
  }
  const cache = patternCache(out.patterns!);
  const result: RunResult = {
    tokens,
    strTokens: model.toStrTokens(tokens),
    ...stackedPatterns(
      out.patterns!.map((p) => p.data),
      tokens.length,
    ),
    nLayers: model.cfg.n_layers,
    nHeads: model.cfg.n_heads,
    detectors: {
      current: currentAttnDetector(cache, DEFAULT_THRESHOLD),
      previous: prevAttnDetector(cache, DEFAULT_THRESHOLD),
      first: firstAttnDetector(cache, DEFAULT_THRESHOLD),
    },
    loss: out.loss!.data.slice(),
    ms: performance.now() - t0,
    engine: engine.status.name,
    engineWarning: fallback ? `${fallback}; ran on ${engine.status.name}` : engine.status.warning,
  };
  post({ type: "run-result", id, result }, [result.attention.buffer, result.loss.buffer]);
}

/**
 * All layers' [heads, T, T] patterns in one new array, with their "layer.head" labels (the model keeps its own
 * arrays for the next incremental run, so they are copied, never transferred).
 */
function stackedPatterns(layers: Float32Array[], T: number): { attention: Float32Array; headLabels: string[] } {
  const { attention, headLabels } = stackLayers(layers, T);
  return { attention, headLabels };
}

/** The settings checked against the model: whole numbers, and a repeated sequence that fits the context. */
function checkInduction(model: HookedTransformer, { seqLen, batch, seed }: InductionSettings): InductionSettings {
  const maxHalf = Math.floor((model.cfg.n_ctx - 1) / 2);
  if (!Number.isInteger(seqLen) || seqLen < 2 || seqLen > maxHalf) {
    throw new Error(
      `seq_len must be a whole number from 2 to ${maxHalf} (BOS + 2 × seq_len must fit the context of ${model.cfg.n_ctx}), got ${seqLen}`,
    );
  }
  if (!Number.isInteger(batch) || batch < 1 || batch > 64)
    throw new Error(`batch must be a whole number from 1 to 64, got ${batch}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a whole number ≥ 0, got ${seed}`);
  return { seqLen, batch, seed };
}

function repeatedTokens(model: HookedTransformer, s: InductionSettings): number[][] {
  const bos = model.tokenizer?.bosTokenId ?? 0;
  const high = model.tokenizer ? Math.min(model.tokenizer.vocabSize, model.cfg.d_vocab) : model.cfg.d_vocab;
  return generateRepeatedTokens(s.seqLen, s.batch, s.seed, { low: 0, high, bosTokenId: bos });
}

async function induction(id: number, seqLen: number, batch: number, seed: number): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  // The same batch the ablations use.
  const r = await runInductionExperiment(model, {
    tokens: repeatedTokens(model, checkInduction(model, { seqLen, batch, seed })),
    threshold: DEFAULT_THRESHOLD,
  });
  const T1 = r.perTokenLoss[0].length;
  const meanLoss = Array.from(
    { length: T1 },
    (_, t) => r.perTokenLoss.reduce((s, row) => s + row[t], 0) / r.perTokenLoss.length,
  );
  const { n_layers: L, n_heads: H } = model.cfg;
  const result: InductionResult = {
    seqLen: r.seqLen,
    batch: r.tokens.length,
    inductionScores: r.inductionScores,
    inductionHeads: r.inductionHeads,
    lossFirstHalf: r.lossFirstHalf,
    lossSecondHalf: r.lossSecondHalf,
    meanLoss,
    strTokens: model.toStrTokens(r.tokens[0]),
    ...stackedPatterns(await patternsOf(model, r.tokens[0]), r.tokens[0].length),
    nLayers: L,
    nHeads: H,
    ms: performance.now() - t0,
  };
  post({ type: "induction-result", id, result }, [result.attention.buffer]);
}

/**
 * Every head's pattern on one sequence, each [1, H, T, T]. A full run (`incremental: false`) leaves the model's
 * reuse state alone, so the next keystroke in the text box still only computes new tokens.
 */
async function patternsOf(model: HookedTransformer, tokens: number[]): Promise<Float32Array[]> {
  const { cache } = await model.runWithCache([tokens], {
    returnType: "none",
    incremental: false,
    namesFilter: (name) => name.endsWith("attn.hook_pattern"),
  });
  return Array.from({ length: model.cfg.n_layers }, (_, l) => cache.get("pattern", l).data);
}

const patternCache = (patterns: Tensor[]) =>
  new ActivationCache(new Map(patterns.map((p, l) => [`blocks.${l}.attn.hook_pattern`, p])), true);

/** Mean loss of the first and second copies (the core's halfLosses), and per position averaged over the batch. */
function lossHalves(loss: Tensor, seqLen: number) {
  const [B, T1] = loss.shape;
  const meanLoss = new Array<number>(T1).fill(0);
  for (let b = 0; b < B; b++) for (let t = 0; t < T1; t++) meanLoss[t] += loss.data[b * T1 + t] / B;
  return { ...halfLosses(loss.data, B, T1, seqLen), meanLoss };
}

async function side(
  model: HookedTransformer,
  text: number[],
  rep: number[][],
  s: InductionSettings,
  hooks: ReturnType<typeof ablationHooks>,
): Promise<AblationSide> {
  const t: HookedRun = await runHooked(model, [text], hooks);
  const cache = patternCache(t.patterns);
  const r: HookedRun = await runHooked(model, rep, hooks);
  const loss = t.loss.data.slice();
  return {
    loss,
    meanLoss: loss.length ? loss.reduce((a, b) => a + b, 0) / loss.length : NaN,
    detectors: {
      current: currentAttnDetector(cache).scores,
      previous: prevAttnDetector(cache).scores,
      first: firstAttnDetector(cache).scores,
    },
    attention: stackedPatterns(
      t.patterns.map((p) => p.data),
      text.length,
    ).attention,
    induction: {
      inductionScores: inductionAttnDetector(patternCache(r.patterns), s.seqLen).scores,
      ...lossHalves(r.loss, s.seqLen),
    },
  };
}

/** The text and the induction batch, clean and with `heads` ablated, side by side. */
async function ablate(
  id: number,
  text: string,
  heads: HeadIndex[],
  mode: AblationMode,
  settings: InductionSettings,
): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  const { n_layers: L, n_heads: H } = model.cfg;
  for (const [l, h] of heads) {
    if (!(Number.isInteger(l) && Number.isInteger(h) && l >= 0 && l < L && h >= 0 && h < H)) {
      throw new Error(`Head ${l}.${h} does not exist: the model has ${L} layers × ${H} heads`);
    }
  }
  const s = checkInduction(model, settings);
  const tokens = model.toTokens(text);
  const max = maxTokens(model);
  if (tokens.length > max) throw new Error(`The text is ${tokens.length} tokens; ablations run on at most ${max}`);
  const rep = repeatedTokens(model, s);
  const clean = await side(model, tokens, rep, s, []);
  const ablated = await side(model, tokens, rep, s, ablationHooks(heads, mode));
  const result: AblationResult = {
    text,
    heads,
    mode,
    strTokens: model.toStrTokens(tokens),
    induction: { ...s, strTokens: model.toStrTokens(rep[0]) },
    clean,
    ablated,
    nLayers: L,
    nHeads: H,
    ms: performance.now() - t0,
  };
  post({ type: "ablate-result", id, result }, [
    clean.loss.buffer,
    clean.attention.buffer,
    ablated.loss.buffer,
    ablated.attention.buffer,
  ]);
}

/**
 * ARENA's get_ablation_scores: the loss on the last seqLen − 1 predictions of the induction batch with one
 * head ablated, minus the clean loss; for every head, zero and mean ablation.
 */
async function ablationScores(id: number, settings: InductionSettings): Promise<void> {
  const { model } = requireModel();
  const t0 = performance.now();
  const s = checkInduction(model, settings);
  const rep = repeatedTokens(model, s);
  const tail = async (hooks: ReturnType<typeof ablationHooks>) => {
    const { loss } = await model.runWithHooks(rep, { returnType: "loss", lossPerToken: true, fwdHooks: hooks });
    const [B, T1] = loss!.shape;
    let sum = 0;
    for (let b = 0; b < B; b++) for (let t = T1 - (s.seqLen - 1); t < T1; t++) sum += loss!.data[b * T1 + t];
    return sum / (B * (s.seqLen - 1));
  };
  const cleanLoss = await tail([]);
  const { n_layers: L, n_heads: H } = model.cfg;
  const grid = async (mode: AblationMode) => {
    const out: number[][] = [];
    for (let l = 0; l < L; l++) {
      const row: number[] = [];
      for (let h = 0; h < H; h++) {
        row.push((await tail(ablationHooks([[l, h]], mode))) - cleanLoss);
        await letRunsThrough();
      }
      out.push(row);
    }
    return out;
  };
  const result: AblationScoresResult = {
    settings: s,
    zero: await grid("zero"),
    mean: await grid("mean"),
    cleanLoss,
    ms: performance.now() - t0,
  };
  post({ type: "ablation-scores-result", id, result });
}
