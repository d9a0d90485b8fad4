// A pool of compute workers sharing the kernels' WebAssembly.Memory. The host thread always does one share
// of each split op itself; every worker does another, synchronised through Atomics on a small control block.
import { isNode } from "./features.js";
import { workerSource } from "./worker-source.js";

export const EXPORT_NAMES = [
  "gemm",
  "gemmPacked",
  "attnScores",
  "causalSoftmax",
  "attnPattern",
  "patternValue",
  "headResults",
  "unembedStats",
] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

const CTL_STRIDE = 512;

export class WorkerPool {
  private readonly ctl: Int32Array[] = [];
  private readonly args: Float64Array[] = [];
  private seq = 0;
  /** Sequence number of the job last posted to each worker. */
  private readonly posted: number[] = [];
  private readonly canBlock: boolean;

  private constructor(
    private readonly workers: AnyWorker[],
    memory: WebAssembly.Memory,
    ctlBase: number,
  ) {
    for (let i = 0; i < workers.length; i++) {
      this.ctl.push(new Int32Array(memory.buffer, ctlBase + i * CTL_STRIDE, 4));
      this.args.push(new Float64Array(memory.buffer, ctlBase + i * CTL_STRIDE + 16, 30));
    }
    // Atomics.wait is refused on a browser's main thread; there the host spins instead.
    const g = globalThis as { document?: unknown };
    this.canBlock = isNode() || typeof g.document === "undefined";
  }

  get size(): number {
    return this.workers.length;
  }

  static async start(
    count: number,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctlBase: number,
  ): Promise<WorkerPool> {
    const workers: AnyWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const { worker, firstMessage } = await spawn();
      workers.push(worker);
      ready.push(firstMessage);
      worker.postMessage({ module, memory, ctl: ctlBase + i * CTL_STRIDE, names: EXPORT_NAMES });
    }
    await Promise.all(ready);
    return new WorkerPool(workers, memory, ctlBase);
  }

  /** Starts `fn(args)` on worker `w`; pair with `wait(w)`. */
  post(w: number, fn: ExportName, args: number[]): void {
    const a = this.args[w];
    for (let i = 0; i < args.length; i++) a[i] = args[i];
    const c = this.ctl[w];
    c[2] = EXPORT_NAMES.indexOf(fn);
    c[3] = args.length;
    const s = ++this.seq;
    this.posted[w] = s;
    Atomics.store(c, 0, s);
    Atomics.notify(c, 0);
  }

  wait(w: number): void {
    const c = this.ctl[w];
    const s = this.posted[w];
    for (let spin = 0; Atomics.load(c, 1) !== s; spin++) {
      if (this.canBlock && spin > 2000) Atomics.wait(c, 1, Atomics.load(c, 1), 50);
    }
    if (c[3] === -1) throw new Error("kernels: a worker thread failed (see its error above)");
  }

  terminate(): void {
    for (let i = 0; i < this.workers.length; i++) {
      this.ctl[i][2] = -1;
      Atomics.store(this.ctl[i], 0, ++this.seq);
      Atomics.notify(this.ctl[i], 0);
      this.workers[i].terminate();
    }
  }
}

async function spawn(): Promise<{ worker: AnyWorker; firstMessage: Promise<void> }> {
  if (isNode()) {
    const wt = await import("node:worker_threads");
    const worker = new wt.Worker(workerSource, { eval: true });
    // Idle workers must not keep a Node process alive.
    worker.unref();
    const firstMessage = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    return { worker, firstMessage };
  }
  const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
  const worker = new Worker(url);
  const firstMessage = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`kernels worker failed: ${e.message}`));
  });
  return { worker, firstMessage };
}
