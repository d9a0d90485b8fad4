/// <reference lib="webworker" />
/**
 * The training worker: trains a tiny attention-only model from scratch with the core's trainer and streams
 * its progress (loss every step, probe losses and every head's scores every few steps) to the page.
 */
import {
  createKernelsBackend,
  createTrainer,
  kernelsAvailable,
  trainingConfigJson,
  tsBackend,
  writeSafetensors,
  type Backend,
  type Trainer,
} from "@attnscope/core";
import type { TrainRequest, TrainResponse, TrainSettings, TrainState } from "./train-protocol.js";

declare const self: DedicatedWorkerGlobalScope;

let trainer: Trainer | null = null;
let controller: AbortController | null = null;
let backend: Backend | null = null;
let running: Promise<void> | null = null;

const post = (msg: TrainResponse, transfer: Transferable[] = []) => self.postMessage(msg, transfer);
const state = (s: TrainState) =>
  post({ type: "state", state: s, step: trainer?.stepCount ?? 0, backend: backend?.name });

self.onmessage = (e: MessageEvent<TrainRequest>) => {
  const msg = e.data;
  switch (msg.type) {
    case "start":
      void start(msg.settings);
      return;
    case "stop":
      controller?.abort();
      return;
    case "resume":
      if (trainer && !running) running = train(trainer);
      return;
    case "export":
      exportWeights();
      return;
  }
};

async function getBackend(): Promise<Backend> {
  if (backend) return backend;
  // One compute thread: the model worker keeps the page's live view responsive on the other core.
  backend = kernelsAvailable() ? await createKernelsBackend({ threads: 1 }).catch(() => tsBackend) : tsBackend;
  return backend;
}

async function start(settings: TrainSettings): Promise<void> {
  controller?.abort();
  await running;
  try {
    trainer = null;
    state("starting");
    trainer = createTrainer({
      config: {
        ...settings.config,
        attn_only: true,
        normalization_type: null,
        positional_embedding_type: "shortformer",
        attention_dir: "causal",
      },
      steps: settings.steps,
      batchSize: settings.batchSize,
      seqLen: settings.seqLen,
      lr: settings.lr,
      warmup: settings.warmup,
      evalEvery: settings.evalEvery,
      seed: settings.seed,
      probe: { half: settings.probeHalf },
      posInit: { kind: settings.posInit },
      bosTokenId: settings.config.d_vocab - 1,
      backend: await getBackend(),
    });
    running = train(trainer);
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
    state("error");
  }
}

async function train(t: Trainer): Promise<void> {
  controller = new AbortController();
  const ctl = controller;
  let batch: number[] = [];
  let firstStep = t.stepCount + 1;
  let lastPost = performance.now();
  const flush = () => {
    if (batch.length) post({ type: "losses", firstStep, losses: batch });
    batch = [];
    firstStep = t.stepCount + 1;
    lastPost = performance.now();
  };
  state("running");
  try {
    const r = await t.run({
      signal: ctl.signal,
      onStep: (s) => {
        batch.push(s.loss);
        if (performance.now() - lastPost > 100) flush();
      },
      onProgress: (p) => {
        flush();
        post({ type: "progress", progress: p });
      },
    });
    flush();
    if (trainer === t) state(r.aborted ? "stopped" : "done");
  } catch (e) {
    flush();
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
    state("error");
  } finally {
    running = null;
  }
}

/** The weights as they are now (between two steps), with a config the model worker can load. */
function exportWeights(): void {
  if (!trainer) {
    post({ type: "error", message: "Nothing has been trained yet: start training first" });
    return;
  }
  const config = trainingConfigJson(trainer.config);
  // Byte ids with BOS 256 are what the byte tokenizer reads, so text can go through the trained model too.
  if (trainer.config.d_vocab === 257) config.tokenizer_name = "byte";
  config.model_name = `tiny model trained here (step ${trainer.stepCount})`;
  const bytes = writeSafetensors(trainer.stateDict());
  post({ type: "weights", step: trainer.stepCount, config, weights: bytes.buffer as ArrayBuffer }, [
    bytes.buffer as ArrayBuffer,
  ]);
}
