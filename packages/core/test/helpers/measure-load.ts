/**
 * Measures loading a weight file: wall time to read and to parse, and how much memory the process
 * grows by (RSS and ArrayBuffer bytes) compared with the file size. Run with `--expose-gc` for steadier
 * numbers. Used by the full-size weight tests and benchmarks; asserts nothing about speed.
 */
import { readFile, stat } from "node:fs/promises";
import { parseWeights } from "../../src/weights/load.js";
import type { StateDict } from "../../src/weights/state-dict.js";

export interface LoadMeasurement {
  file: string;
  fileBytes: number;
  readMs: number;
  parseMs: number;
  /** RSS growth from before the read to after the parse. */
  rssIncrease: number;
  /** Growth of memory held by ArrayBuffers (the file bytes plus any converted copies). */
  arrayBuffersIncrease: number;
  /** Bytes of tensor data that are views into the file buffer (no copy). */
  viewBytes: number;
  /** Bytes of tensor data that were copied or converted. */
  copiedBytes: number;
  stateDict: StateDict;
}

export async function measureLoad(file: string): Promise<LoadMeasurement> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const buf = await readFile(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const t1 = performance.now();
  const stateDict = parseWeights(bytes, file);
  const t2 = performance.now();
  const after = process.memoryUsage();
  let viewBytes = 0;
  let copiedBytes = 0;
  for (const t of stateDict.values()) {
    if (t.data.buffer === bytes.buffer) viewBytes += t.data.byteLength;
    else copiedBytes += t.data.byteLength;
  }
  return {
    file,
    fileBytes: (await stat(file)).size,
    readMs: t1 - t0,
    parseMs: t2 - t1,
    rssIncrease: after.rss - before.rss,
    arrayBuffersIncrease: after.arrayBuffers - before.arrayBuffers,
    viewBytes,
    copiedBytes,
    stateDict,
  };
}

export function formatMeasurement(m: LoadMeasurement): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return (
    `${m.file}: ${mb(m.fileBytes)}, read ${m.readMs.toFixed(0)} ms + parse ${m.parseMs.toFixed(0)} ms; ` +
    `RSS +${mb(m.rssIncrease)} (${(m.rssIncrease / m.fileBytes).toFixed(2)}x file), ArrayBuffers +${mb(m.arrayBuffersIncrease)}; ` +
    `views ${mb(m.viewBytes)}, copied/converted ${mb(m.copiedBytes)}`
  );
}
