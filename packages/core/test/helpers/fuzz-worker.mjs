// Fuzz worker: loads mutants of the fixture checkpoints with the built loaders (dist/) and reports, for each, a
// WeightsError naming the file, bit-identical weights, other weights, or a crash. The test runs it in worker
// threads so that a mutant which hangs can be stopped (the thread is terminated after the time limit).
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { mutate } from "./fuzz-mutate.mjs";

const { distDir, fixtures, configPath } = workerData;
const { parseWeights, checkStateDict } = await import(`${distDir}/weights/load.js`);
const { resolveConfig } = await import(`${distDir}/config.js`);
const { WeightsError } = await import(`${distDir}/weights/errors.js`);

const cfg = resolveConfig(JSON.parse(readFileSync(configPath, "utf8")), "config.json");
const loaded = fixtures.map((f) => {
  const b = readFileSync(f.path);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return { ...f, bytes, scratch: bytes.slice(), reference: load(bytes, f.name) };
});

function load(bytes, name) {
  const sd = parseWeights(bytes, name);
  checkStateDict(sd, cfg, name);
  return sd;
}

const raw = (t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Why `sd` differs from `ref`, or null when every key, dtype, shape and byte is the same. */
function difference(sd, ref) {
  if (sd.size !== ref.size) return `${sd.size} tensors instead of ${ref.size}`;
  for (const [key, t] of ref) {
    const m = sd.get(key);
    if (!m) return `no ${key}`;
    if (m.dtype !== t.dtype) return `${key}: dtype ${m.dtype}, not ${t.dtype}`;
    if (m.shape.length !== t.shape.length || m.shape.some((d, i) => d !== t.shape[i]))
      return `${key}: shape [${m.shape}], not [${t.shape}]`;
    if (!raw(m).equals(raw(t))) return `${key}: other values`;
  }
  return null;
}

parentPort.on("message", ({ id, fixture, seed }) => {
  const f = loaded[fixture];
  const { bytes, kind, what, undo } = mutate(f.bytes, f.format, seed, f.scratch);
  const t0 = performance.now();
  let result;
  try {
    const sd = load(bytes, f.name);
    const diff = difference(sd, f.reference);
    result = diff ? { outcome: "different", detail: diff } : { outcome: "identical" };
  } catch (e) {
    const named = e instanceof WeightsError && e.message.startsWith(f.name) && e.file === f.name;
    result = named
      ? { outcome: "error", detail: e.message.split("\n")[0].slice(0, 200) }
      : { outcome: "crash", detail: `${e?.name}: ${e?.message}\n${e?.stack ?? ""}`.slice(0, 2000) };
  }
  undo();
  parentPort.postMessage({ id, fixture, seed, kind, what, ms: performance.now() - t0, ...result });
});
parentPort.postMessage({ ready: true });
