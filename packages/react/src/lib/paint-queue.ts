/**
 * Spreads expensive bitmap painting (dozens of thumbnails of a 2,048-token pattern) over
 * successive frames so mounting never blocks input for long.
 */
type Job = () => void;
const queue: Job[] = [];
let scheduled = false;

let idleWaiters: (() => void)[] = [];

function run(): void {
  scheduled = false;
  const start = performance.now();
  // Do jobs until ~8 ms of this frame are used, then yield.
  while (queue.length && performance.now() - start < 8) queue.shift()!();
  if (queue.length) schedule();
  else {
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((w) => w());
  }
}

/** Resolves once every queued paint has run (used by benchmarks to measure a settled view). */
export function paintQueueIdle(): Promise<void> {
  if (!queue.length && !scheduled) return Promise.resolve();
  return new Promise((r) => idleWaiters.push(r));
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
  else setTimeout(run, 0);
}

/** Queue `job`; returns a function that cancels it if it has not run yet. */
export function enqueuePaint(job: Job): () => void {
  queue.push(job);
  schedule();
  return () => {
    const i = queue.indexOf(job);
    if (i >= 0) queue.splice(i, 1);
  };
}
