/**
 * Measures hover smoothness in a real browser: moves the pointer over a target once per
 * animation frame and records, per step, the interval between frames and the main-thread time
 * the hover took to handle (event dispatch until React's render task and effects have run).
 */

export interface FrameStats {
  steps: number;
  /** Frame intervals while hovering (ms): the reader-visible smoothness. */
  intervalMedian: number;
  intervalP95: number;
  intervalMax: number;
  /** Main-thread time per hover step (ms). */
  workMedian: number;
  workP95: number;
  workMax: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));
// A macrotask queued after React's own scheduler task, so it runs once the render has happened.
const afterTasks = () =>
  new Promise<void>((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(null);
  });

/** Hover `target` at the points given by `pointAt(step)` for `steps` frames. */
export function measureHover(
  target: Element,
  steps: number,
  pointAt: (step: number, rect: DOMRect) => [number, number],
): Promise<FrameStats> {
  return measureSteps(steps, (i) => {
    const rect = target.getBoundingClientRect();
    const [x, y] = pointAt(i, rect);
    target.dispatchEvent(
      new PointerEvent("pointermove", {
        bubbles: true,
        clientX: rect.left + x,
        clientY: rect.top + y,
        pointerType: "mouse",
      }),
    );
  });
}

/** Move the pointer onto a different element of `targets` each frame (pointerover, as a real pointer does). */
export function measureEnter(targets: readonly Element[], steps: number): Promise<FrameStats> {
  let prev: Element | null = null;
  return measureSteps(steps, (i) => {
    const el = targets[i % targets.length]!;
    const r = el.getBoundingClientRect();
    // A real pointer fires out on the old element, then over on the new one (React derives
    // enter/leave from the pair).
    prev?.dispatchEvent(new PointerEvent("pointerout", { bubbles: true, relatedTarget: el, pointerType: "mouse" }));
    el.dispatchEvent(
      new PointerEvent("pointerover", {
        bubbles: true,
        relatedTarget: prev,
        clientX: r.left + 5,
        clientY: r.top + 5,
        pointerType: "mouse",
      }),
    );
    prev = el;
  });
}

async function measureSteps(steps: number, act: (step: number) => void): Promise<FrameStats> {
  const intervals: number[] = [];
  const work: number[] = [];
  let last = await nextFrame();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    act(i);
    await afterTasks();
    await afterTasks(); // passive effects (overlay redraw) run in a task of their own
    work.push(performance.now() - t0);
    const now = await nextFrame();
    intervals.push(now - last);
    last = now;
  }
  const si = [...intervals].sort((a, b) => a - b);
  const sw = [...work].sort((a, b) => a - b);
  return {
    steps,
    intervalMedian: quantile(si, 0.5),
    intervalP95: quantile(si, 0.95),
    intervalMax: si[si.length - 1] ?? NaN,
    workMedian: quantile(sw, 0.5),
    workP95: quantile(sw, 0.95),
    workMax: sw[sw.length - 1] ?? NaN,
  };
}

export function formatStats(name: string, s: FrameStats): string {
  const f = (v: number) => v.toFixed(1);
  return (
    `${name}: ${s.steps} hover steps · frame interval median ${f(s.intervalMedian)} ms, p95 ${f(s.intervalP95)} ms, ` +
    `max ${f(s.intervalMax)} ms · hover work median ${f(s.workMedian)} ms, p95 ${f(s.workP95)} ms, max ${f(s.workMax)} ms`
  );
}
