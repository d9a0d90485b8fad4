import type { Backend } from "../backend/backend.js";
import { tsBackend } from "../backend/ts-backend.js";
import { resolveConfig, type HookedTransformerConfig, type HookedTransformerConfigInput } from "../config.js";
import { checkTrainable } from "./trainable.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { StateDict } from "../weights/state-dict.js";
import { SeededRandom } from "../util/random.js";
import { BatchSampler, type RandomTokensFrom } from "./data.js";
import { generateRepeatedTokens } from "../induction/repeated-tokens.js";
import { lossAndGrad } from "./forward-backward.js";
import { AdamW, clipGradNorm, learningRate } from "./optimizer.js";
import { initParams, paramEntries, toStateDict, zerosLike, type Params, type PosInit } from "./params.js";
import { runProbe, type ProbeResult } from "./probe.js";

export interface TrainerOptions {
  /** TransformerLens config (snake_case dict or resolved); must be attention-only. */
  config: HookedTransformerConfigInput | HookedTransformerConfig;
  /** Token ids of the training text (without BOS). Needed unless `batches` is given or `repeatFraction` is 1. */
  corpus?: ArrayLike<number>;
  /** Custom data instead of `corpus`: rows of `seqLen` ids for a 0-based step (must be deterministic in `step`). */
  batches?: (step: number) => readonly (readonly number[])[];
  /** Used for BOS and display; `bosTokenId` wins if both are given. */
  tokenizer?: Tokenizer;
  /** BOS id prepended to every row (default: the tokenizer's, else 0 as in TransformerLens). */
  bosTokenId?: number;
  /** Total number of optimizer steps. */
  steps: number;
  batchSize: number;
  /** Tokens per row including BOS (≤ n_ctx). */
  seqLen: number;
  /**
   * Earlier phases with other shapes: steps before `until` use that entry's `seqLen` and `batchSize` (entries in
   * increasing `until`); later steps use `seqLen`/`batchSize`. Short cheap rows first let the induction circuit
   * form quickly; long rows afterwards train the positions a long text needs.
   */
  curriculum?: { until: number; seqLen: number; batchSize: number }[];
  lr: number;
  /** Linear warm-up steps (default 0). */
  warmup?: number;
  /** After warm-up: "constant" (default) or "cosine" down to 10 % of lr at `steps`. */
  schedule?: "constant" | "cosine";
  /** AdamW decoupled weight decay on weight matrices and embeddings (default 0). */
  weightDecay?: number;
  /** Global gradient-norm clip (default 1; 0 disables). */
  clip?: number;
  beta1?: number;
  beta2?: number;
  /** W_pos initialisation (default TransformerLens's normal; see `PosInit`). */
  posInit?: PosInit;
  /**
   * Parameters kept at their initial value, by TransformerLens key (e.g. `["pos_embed.W_pos"]`). With sinusoidal
   * positions frozen, one W_Q·W_Kᵀ makes a previous-token head at every position — including positions longer
   * than the training rows — as with the original Transformer's fixed positional encodings.
   */
  frozen?: string[];
  /** Seeds the initialisation and the data order (default 0). */
  seed?: number;
  /** Run the probe and emit a progress event every this many steps (default 50; 0 = only at start and end). */
  evalEvery?: number;
  /** Fraction of rows that are a random segment repeated (default 0.25; ignored with `batches`). */
  repeatFraction?: number;
  /** Fraction of rows that are a window of the corpus repeated (default 0; ignored with `batches`). */
  repeatTextFraction?: number;
  /** Fraction of rows that start without BOS, mid-text (default 0; see `BatchSamplerOptions.withoutBosFraction`). */
  withoutBosFraction?: number;
  /** Where random segments draw their tokens (default "vocab"; see `BatchSamplerOptions.randomTokensFrom`). */
  randomTokensFrom?: RandomTokensFrom;
  /** Later sources of random segments, each from its step on (see `BatchSamplerOptions.randomTokensLater`). */
  randomTokensLater?: { fromStep: number; from: RandomTokensFrom }[];
  /** The corpus in single-character tokens, and the fraction of rows drawn from it (see `BatchSamplerOptions`). */
  charCorpus?: ArrayLike<number>;
  charTextFraction?: number;
  segMin?: number;
  segMax?: number;
  /** The fixed repeated-random-token probe: `half` tokens repeated once, `batch` rows, `seed` (defaults 50 / 4 / 0). */
  probe?: { half?: number; batch?: number; seed?: number };
  backend?: Backend;
  /** Continue from a snapshot taken by `trainer.snapshot()` (same config and options). */
  resume?: TrainerSnapshot;
}

/** Emitted every `evalEvery` steps (and at step 0 and at the end). Plain data: posts across workers as is. */
export interface TrainProgress {
  step: number;
  totalSteps: number;
  /** Training loss of the last step (null at step 0, before any). */
  loss: number | null;
  lr: number;
  probe: { lossFirstHalf: number; lossSecondHalf: number };
  inductionScores: number[][];
  prevTokenScores: number[][];
  firstTokenScores: number[][];
  elapsedMs: number;
}

export interface StepResult {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
}

/** Everything needed to continue training exactly where it stopped. Structured-clone friendly. */
export interface TrainerSnapshot {
  format: "attnscope-trainer-snapshot";
  version: 1;
  config: HookedTransformerConfig;
  step: number;
  adamT: number;
  rngState: number;
  elapsedMs: number;
  /** Packed parameters and Adam moments by TransformerLens key. */
  params: Record<string, Float32Array>;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
  losses: number[];
  evals: TrainProgress[];
}

export interface TrainRunOptions {
  onProgress?: (p: TrainProgress) => void;
  /** Called after every step (for progress bars). */
  onStep?: (s: StepResult) => void;
  signal?: AbortSignal;
  /** Stop after this step number (default: the configured `steps`). */
  until?: number;
}

export interface Trainer {
  readonly config: HookedTransformerConfig;
  readonly totalSteps: number;
  /** Steps done so far. */
  readonly stepCount: number;
  /** Training loss of every step so far. */
  readonly losses: readonly number[];
  /** Every progress event emitted so far. */
  readonly evals: readonly TrainProgress[];
  /** One optimizer step, synchronously. */
  step(): StepResult;
  /** Score the heads on the fixed probe now. */
  evaluate(): ProbeResult;
  /** Train until `until`/`steps` or until `signal` aborts; yields to the event loop between steps. */
  run(opts?: TrainRunOptions): Promise<{ step: number; aborted: boolean }>;
  snapshot(): TrainerSnapshot;
  /** TransformerLens-named float32 state dict (fresh copies). */
  stateDict(): StateDict;
  /** The live packed parameters (read-only use). */
  readonly params: Params;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

export function createTrainer(options: TrainerOptions): Trainer {
  const cfg = resolveConfig(options.config as HookedTransformerConfigInput, "trainer config");
  checkTrainable(cfg, "trainer config");
  const backend = options.backend ?? tsBackend;
  const seed = options.seed ?? 0;
  const totalSteps = checkInt(options.steps, "steps", 0);
  const batchSize = checkInt(options.batchSize, "batchSize", 1);
  const seqLen = checkInt(options.seqLen, "seqLen", 2);
  if (seqLen > cfg.n_ctx) throw new RangeError(`seqLen ${seqLen} exceeds the model's n_ctx ${cfg.n_ctx}`);
  if (!(options.lr > 0)) throw new RangeError(`lr must be positive, got ${options.lr}`);
  const curriculum = [...(options.curriculum ?? [])];
  curriculum.forEach((c, i) => {
    checkInt(c.until, `curriculum[${i}].until`, 1);
    checkInt(c.batchSize, `curriculum[${i}].batchSize`, 1);
    checkInt(c.seqLen, `curriculum[${i}].seqLen`, 2);
    if (c.seqLen > cfg.n_ctx)
      throw new RangeError(`curriculum[${i}].seqLen ${c.seqLen} exceeds the model's n_ctx ${cfg.n_ctx}`);
    if (i > 0 && c.until <= curriculum[i - 1].until)
      throw new RangeError(`curriculum entries must have increasing "until"`);
  });
  const shapeAt = (s: number): { seqLen: number; batchSize: number } =>
    curriculum.find((c) => s < c.until) ?? { seqLen, batchSize };
  const minSeqLen = Math.min(seqLen, ...curriculum.map((c) => c.seqLen));
  const maxSeqLen = Math.max(seqLen, ...curriculum.map((c) => c.seqLen));
  const bos = options.bosTokenId ?? options.tokenizer?.bosTokenId ?? 0;
  if (!(bos >= 0 && bos < cfg.d_vocab))
    throw new RangeError(`BOS id ${bos} is outside the vocabulary [0, ${cfg.d_vocab})`);
  const evalEvery = options.evalEvery ?? 50;
  const schedule = {
    lr: options.lr,
    warmup: options.warmup ?? 0,
    schedule: options.schedule ?? "constant",
    totalSteps,
  } as const;
  const clip = options.clip ?? 1;

  let sampler: BatchSampler | null = null;
  if (!options.batches) {
    if (options.corpus) {
      for (let i = 0; i < options.corpus.length; i++) {
        const t = options.corpus[i];
        if (!(t >= 0 && t < cfg.d_vocab))
          throw new RangeError(`corpus token ${t} at index ${i} is outside the vocabulary [0, ${cfg.d_vocab})`);
      }
    }
    sampler = new BatchSampler({
      corpus: options.corpus ?? [],
      bosTokenId: bos,
      vocabSize: cfg.d_vocab,
      batchSize,
      seqLen: maxSeqLen,
      repeatFraction: options.repeatFraction ?? (options.corpus ? 0.25 : 1),
      repeatTextFraction: options.repeatTextFraction,
      withoutBosFraction: options.withoutBosFraction,
      randomTokensFrom: options.randomTokensFrom,
      randomTokensLater: options.randomTokensLater,
      charCorpus: options.charCorpus,
      charTextFraction: options.charTextFraction,
      segMin: options.segMin,
      segMax: options.segMax,
    });
  }

  // By default the probe fits in the shortest training rows, so it stays in distribution in every phase.
  const probeHalf = options.probe?.half ?? Math.min(50, Math.floor((minSeqLen - 1) / 2));
  if (2 * probeHalf + 1 > cfg.n_ctx)
    throw new RangeError(`probe of 2·${probeHalf} + 1 tokens exceeds n_ctx ${cfg.n_ctx}`);
  // The same generator as the induction experiment, over the tokenizer's ids (all of d_vocab without one).
  const probeRows = generateRepeatedTokens(probeHalf, options.probe?.batch ?? 4, options.probe?.seed ?? 0, {
    low: 0,
    high: Math.min(options.tokenizer?.vocabSize ?? cfg.d_vocab, cfg.d_vocab),
    bosTokenId: bos,
  });

  const params = initParams(cfg, seed, { posInit: options.posInit });
  const grads = zerosLike(cfg);
  const m = zerosLike(cfg);
  const v = zerosLike(cfg);
  const pEntries = paramEntries(params);
  const gEntries = paramEntries(grads);
  const frozen = new Set(options.frozen ?? []);
  for (const k of frozen) {
    if (!pEntries.some((e) => e.key === k))
      throw new Error(`frozen: unknown parameter "${k}" (keys are TransformerLens names such as "pos_embed.W_pos")`);
  }
  const frozenGrads = gEntries.filter((e) => frozen.has(e.key));
  const opt = new AdamW(
    pEntries.map((e) => (frozen.has(e.key) ? { ...e, frozen: true } : e)),
    paramEntries(m).map((e) => e.data),
    paramEntries(v).map((e) => e.data),
    {
      weightDecay: options.weightDecay ?? 0,
      beta1: options.beta1,
      beta2: options.beta2,
    },
  );
  // The data stream has its own seed so changing the init never changes the data order.
  const rng = new SeededRandom(seed + 1_000_003);
  let stepCount = 0;
  let elapsedBefore = 0;
  const losses: number[] = [];
  const evals: TrainProgress[] = [];

  if (options.resume) {
    const s = options.resume;
    if (s.format !== "attnscope-trainer-snapshot") throw new Error("resume: not a trainer snapshot");
    for (const k of [
      "d_model",
      "n_heads",
      "d_head",
      "n_layers",
      "n_ctx",
      "d_vocab",
      "positional_embedding_type",
    ] as const) {
      if (s.config[k] !== cfg[k])
        throw new Error(`resume: snapshot has ${k} = ${s.config[k]}, the trainer has ${cfg[k]}`);
    }
    const restore = (dst: Params, src: Record<string, Float32Array>, what: string) => {
      for (const e of paramEntries(dst)) {
        const a = src[e.key];
        if (!a || a.length !== e.data.length)
          throw new Error(`resume: ${what} "${e.key}" is missing or has the wrong size`);
        e.data.set(a);
      }
    };
    restore(params, s.params, "parameter");
    restore(m, s.m, "first moment");
    restore(v, s.v, "second moment");
    opt.t = s.adamT;
    rng.setState(s.rngState);
    stepCount = s.step;
    elapsedBefore = s.elapsedMs;
    losses.push(...s.losses);
    evals.push(...s.evals);
  }
  let startedAt = 0;
  let running = false;
  const elapsed = () => elapsedBefore + (running ? now() - startedAt : 0);

  const nextBatch = (batchSize: number, seqLen: number): Int32Array => {
    if (sampler) return sampler.next(rng, batchSize, seqLen, stepCount);
    const rows = options.batches!(stepCount);
    if (rows.length !== batchSize)
      throw new RangeError(`batches(${stepCount}) gave ${rows.length} rows, expected batchSize ${batchSize}`);
    const out = new Int32Array(batchSize * seqLen);
    rows.forEach((r, b) => {
      if (r.length !== seqLen)
        throw new RangeError(`batches(${stepCount}) row ${b} has ${r.length} tokens, expected seqLen ${seqLen}`);
      out.set(r, b * seqLen);
    });
    return out;
  };

  const step = (): StepResult => {
    const shape = shapeAt(stepCount);
    const tokens = nextBatch(shape.batchSize, shape.seqLen);
    const { loss } = lossAndGrad(cfg, params, grads, tokens, shape.batchSize, shape.seqLen, backend);
    if (!Number.isFinite(loss))
      throw new Error(`training diverged at step ${stepCount}: loss is ${loss} (try a lower lr or a clip)`);
    for (const g of frozenGrads) g.data.fill(0); // no update, no share of the clipping norm
    const gradNorm = clipGradNorm(gEntries, clip);
    const lr = learningRate(schedule, stepCount);
    opt.step(gEntries, lr);
    stepCount++;
    losses.push(loss);
    return { step: stepCount, loss, lr, gradNorm };
  };

  const evaluate = (): ProbeResult => runProbe(cfg, params, probeRows, backend);

  const emit = (onProgress?: (p: TrainProgress) => void): void => {
    const r = evaluate();
    const ev: TrainProgress = {
      step: stepCount,
      totalSteps,
      loss: stepCount ? losses[stepCount - 1] : null,
      lr: learningRate(schedule, Math.max(0, stepCount - 1)),
      probe: { lossFirstHalf: r.lossFirstHalf, lossSecondHalf: r.lossSecondHalf },
      inductionScores: r.inductionScores,
      prevTokenScores: r.prevTokenScores,
      firstTokenScores: r.firstTokenScores,
      elapsedMs: Math.round(elapsed()),
    };
    if (evals.length && evals[evals.length - 1].step === stepCount) evals[evals.length - 1] = ev;
    else evals.push(ev);
    onProgress?.(ev);
  };

  const run = async (opts: TrainRunOptions = {}): Promise<{ step: number; aborted: boolean }> => {
    const until = Math.min(opts.until ?? totalSteps, totalSteps);
    if (running) throw new Error("trainer.run() is already running");
    startedAt = now();
    running = true;
    try {
      if (stepCount === 0 && evals.length === 0) emit(opts.onProgress);
      while (stepCount < until) {
        if (opts.signal?.aborted) return { step: stepCount, aborted: true };
        const s = step();
        opts.onStep?.(s);
        if ((evalEvery > 0 && stepCount % evalEvery === 0) || stepCount === totalSteps) emit(opts.onProgress);
        // Let messages (e.g. a worker's stop request) and timers run between steps.
        await new Promise((r) => setTimeout(r, 0));
      }
      return { step: stepCount, aborted: false };
    } finally {
      elapsedBefore = elapsed();
      running = false;
    }
  };

  const snapshot = (): TrainerSnapshot => {
    const rec = (p: Params) => Object.fromEntries(paramEntries(p).map((e) => [e.key, e.data.slice()]));
    return {
      format: "attnscope-trainer-snapshot",
      version: 1,
      config: cfg,
      step: stepCount,
      adamT: opt.t,
      rngState: rng.getState(),
      elapsedMs: Math.round(elapsed()),
      params: rec(params),
      m: rec(m),
      v: rec(v),
      losses: [...losses],
      evals: evals.map((e) => structuredCloneish(e)),
    };
  };

  return {
    config: cfg,
    totalSteps,
    params,
    get stepCount() {
      return stepCount;
    },
    get losses() {
      return losses;
    },
    get evals() {
      return evals;
    },
    step,
    evaluate,
    run,
    snapshot,
    stateDict: () => toStateDict(cfg, params),
  };
}

function checkInt(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function structuredCloneish<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
