import { useEffect, useMemo, useRef, useState } from "react";
import { AttentionPatterns } from "../AttentionPatterns/AttentionPatterns.js";
import { paintQueueIdle } from "../lib/paint-queue.js";
import { formatStats, measureEnter, measureHover } from "./hover-benchmark.js";
import { repeatedRandomTokens, syntheticAttention, type HeadKind } from "./synthetic.js";

const KINDS: HeadKind[] = [
  "previous",
  "first",
  "current",
  "induction",
  "diffuse",
  "previous",
  "first",
  "induction",
  "diffuse",
  "current",
  "first",
  "previous",
];

/**
 * 2,048 tokens × 12 heads in AttentionPatterns, with a button that sweeps the pointer over the
 * large heatmap and the token strip and shows the measured frame times.
 */
export function HoverBenchmark({
  tokensCount = 2048,
  heads = 12,
  steps = 90,
}: {
  tokensCount?: number;
  heads?: number;
  steps?: number;
}) {
  const [setupMs, setSetupMs] = useState<number | null>(null);
  const data = useMemo(() => {
    const t0 = performance.now();
    const tokens = repeatedRandomTokens(Math.floor((tokensCount - 1) / 2), 3).slice(0, tokensCount);
    while (tokens.length < tokensCount) tokens.push(" pad");
    const attention = syntheticAttention(tokens, KINDS.slice(0, heads), 11);
    return { tokens, attention, ms: performance.now() - t0 };
  }, [tokensCount, heads]);
  const root = useRef<HTMLDivElement>(null);
  const [results, setResults] = useState<string[]>([]);
  const [running, setRunning] = useState(false);
  const mountStart = useRef(performance.now());

  useEffect(() => {
    // First paint after mount: data generation excluded, render + first heatmap paint included.
    requestAnimationFrame(() => setSetupMs(performance.now() - mountStart.current));
  }, []);

  const run = async () => {
    const el = root.current;
    if (!el) return;
    setRunning(true);
    // Measure the settled view: thumbnails finish painting first, then a short warm-up.
    await paintQueueIdle();
    const heatmap = el.querySelector('[aria-label^="Attention pattern of head"]');
    const strip = el.querySelector('[aria-label="Tokens"]');
    const out: string[] = [];
    if (heatmap) {
      await measureHover(heatmap, 10, (i, r) => [r.width * 0.4, 40 + i * 7]);
      const s = await measureHover(heatmap, steps, (i, r) => [
        r.width * 0.45,
        30 + ((i * 37) % Math.max(1, r.height - 40)),
      ]);
      out.push(formatStats("Heatmap row hover", s));
    }
    if (strip) {
      const s = await measureHover(strip, steps, (i, r) => [
        8 + ((i * 53) % Math.max(1, r.width - 16)),
        5 + ((i * 11) % Math.max(1, Math.min(r.height, 200) - 10)),
      ]);
      out.push(formatStats("Token strip hover", s));
    }
    const thumbs = [...el.querySelectorAll('[role="option"][data-head-index]')];
    if (thumbs.length) {
      // Every head once uncached (a fresh 2,048² paint), then from the cache.
      const s = await measureEnter(thumbs, thumbs.length * 3);
      out.push(formatStats("Head thumbnail hover (switches the large view)", s));
    }
    setResults(out);
    setRunning(false);
    // Also visible in the browser console / test output.
    console.info(out.join("\n"));
  };

  return (
    <div ref={root}>
      <div style={{ fontFamily: "system-ui, sans-serif", fontSize: 13, marginBottom: 8 }}>
        <button type="button" onClick={() => void run()} disabled={running}>
          {running ? "Measuring…" : "Measure hover frame times"}
        </button>{" "}
        <span>
          {tokensCount} tokens × {heads} heads · data generated in {data.ms.toFixed(0)} ms
          {setupMs !== null ? ` · first frame after mount ${setupMs.toFixed(0)} ms` : ""}
        </span>
        <output aria-label="Benchmark results" style={{ display: "block", whiteSpace: "pre-wrap", marginTop: 6 }}>
          {results.join("\n")}
        </output>
      </div>
      <AttentionPatterns
        tokens={data.tokens}
        attention={data.attention}
        initialHead={3}
        size={480}
        thumbnailSize={56}
        title={`${tokensCount} tokens × ${heads} heads`}
      />
    </div>
  );
}
