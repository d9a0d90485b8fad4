/**
 * The page's side of the model worker: promises over the message protocol. A run that a newer run has
 * superseded resolves to null (the worker may also skip it entirely), so callers only ever see fresh results.
 */
import type {
  AblationMode,
  AblationResult,
  AblationScoresResult,
  CircuitTextResult,
  CircuitWeightsResult,
  EngineChoice,
  HeadIndex,
  InductionResult,
  InductionSettings,
  LoadProgress,
  ModelChoice,
  ModelInfo,
  ModelRequest,
  ModelResponse,
  RunResult,
} from "./protocol.js";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: (p: LoadProgress) => void;
  /** A text run, which a newer run supersedes. */
  isRun: boolean;
}

/** Omit over each member of a union (the built-in Omit merges them). */
type RequestBody = ModelRequest extends infer R ? (R extends ModelRequest ? Omit<R, "id"> : never) : never;

export class ModelClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private latestRun = 0;
  private latestLoad = 0;

  constructor() {
    this.worker = new Worker(new URL("./model.worker.ts", import.meta.url), {
      type: "module",
      name: "attnscope-model",
    });
    this.worker.onmessage = (e: MessageEvent<ModelResponse>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      const err = new Error(`The model worker failed: ${e.message || "unknown error"}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** Loads a model; the current one keeps answering until this one is ready. */
  load(choice: ModelChoice, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo> {
    this.latestLoad = this.nextId;
    return this.send({ type: "load", choice }, onProgress) as Promise<ModelInfo>;
  }

  /** Aborts the latest load (its promise rejects); the current model stays. */
  cancelLoad(): void {
    this.worker.postMessage({ type: "cancel-load", id: this.nextId++, loadId: this.latestLoad } satisfies ModelRequest);
  }

  /** Runs `text` on `engine`; resolves null when a newer run was requested meanwhile. */
  async run(text: string, engine: EngineChoice = "kernels"): Promise<RunResult | null> {
    const id = this.nextId;
    this.latestRun = id;
    // Older runs still waiting will never be answered once the worker skips them: settle them now.
    for (const [pid, p] of this.pending) {
      if (p.isRun && pid < id) {
        p.resolve(null);
        this.pending.delete(pid);
      }
    }
    const result = (await this.send({ type: "run", text, engine }, undefined, true)) as RunResult | null;
    return id === this.latestRun ? result : null;
  }

  induction(seqLen: number, batch: number, seed: number): Promise<InductionResult> {
    return this.send({ type: "induction", seqLen, batch, seed }) as Promise<InductionResult>;
  }

  /** The text and the induction batch, clean and with `heads` ablated. */
  ablate(text: string, heads: HeadIndex[], mode: AblationMode, induction: InductionSettings): Promise<AblationResult> {
    return this.send({ type: "ablate", text, heads, mode, induction }) as Promise<AblationResult>;
  }

  /** ARENA's zero- and mean-ablation score of every head on the induction batch. */
  ablationScores(induction: InductionSettings): Promise<AblationScoresResult> {
    return this.send({ type: "ablation-scores", induction }) as Promise<AblationScoresResult>;
  }

  /** Composition scores, the induction circuits found, copying and positional scores of every head. */
  circuitWeights(induction: InductionSettings, threshold: number, withQV: boolean): Promise<CircuitWeightsResult> {
    return this.send({ type: "circuit-weights", induction, threshold, withQV }) as Promise<CircuitWeightsResult>;
  }

  /** Logit attribution of `text` and the decomposed attention scores of `head` on the first repeated sequence. */
  circuitText(text: string, head: string, keyHead: string, induction: InductionSettings): Promise<CircuitTextResult> {
    return this.send({ type: "circuit-text", text, head, keyHead, induction }) as Promise<CircuitTextResult>;
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error("The model worker was stopped"));
    this.pending.clear();
  }

  private send(body: RequestBody, onProgress?: (p: LoadProgress) => void, isRun = false): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, isRun });
      this.worker.postMessage({ ...body, id } as ModelRequest);
    });
  }

  private receive(msg: ModelResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return; // a superseded run
    switch (msg.type) {
      case "progress":
        p.onProgress?.(msg.progress);
        return;
      case "loaded":
        this.pending.delete(msg.id);
        p.resolve(msg.info);
        return;
      case "run-result":
      case "induction-result":
      case "ablate-result":
      case "ablation-scores-result":
      case "circuit-weights-result":
      case "circuit-text-result":
        this.pending.delete(msg.id);
        p.resolve(msg.result);
        return;
      case "error":
        this.pending.delete(msg.id);
        p.reject(new Error(msg.message));
        return;
    }
  }
}
