// Runs the op-case JSON files against a Backend. Shared by the vitest suites and by the child process that
// exercises the relaxed-SIMD build (Node 20 needs a V8 flag for it).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** Allowed error, relative to the largest finite magnitude of the expected output. */
export const REL_TOL = 1e-5;

const reviver = (_k, v) => (v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v === "NaN" ? NaN : v);

/** [{ op, cases: [{ name, args, expected }] }] for every op-case file. */
export function loadOpCases() {
  return readdirSync(here)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(here, f), "utf8"), reviver));
}

const f32 = (a) => Float32Array.from(a);

/** Calls the backend op for one case; returns { name: Float32Array } outputs. */
export function runOp(backend, op, args) {
  const a = args;
  switch (op) {
    case "matmul": {
      const out = a.out ? f32(a.out) : undefined;
      const r = backend.matmul(f32(a.a), f32(a.b), a.m, a.k, a.n, {
        bias: a.bias ? f32(a.bias) : undefined,
        addA: a.addA ? f32(a.addA) : undefined,
        transA: a.transA,
        transB: a.transB,
        accumulate: a.accumulate,
        out,
      });
      return { out: r };
    }
    case "attnScores":
      return { out: backend.attnScores(f32(a.q), f32(a.k), a.tq, a.tk, a.nHeads, a.dHead, a.scale, a.maskValue) };
    case "attnPattern":
      if (!backend.attnPattern) return null;
      return { out: backend.attnPattern(f32(a.q), f32(a.k), a.tq, a.tk, a.nHeads, a.dHead, a.scale) };
    case "attention":
      if (!backend.attention) return null;
      return { out: backend.attention(f32(a.q), f32(a.k), f32(a.v), a.tq, a.tk, a.nHeads, a.dHead, a.scale) };
    case "causalSoftmax":
      return { out: backend.causalSoftmax(f32(a.scores), a.nHeads, a.tq, a.tk) };
    case "patternValue":
      return { out: backend.patternValue(f32(a.pattern), f32(a.v), a.tq, a.tk, a.nHeads, a.dHead) };
    case "headResults":
      return { out: backend.headResults(f32(a.z), f32(a.wO), a.t, a.nHeads, a.dHead, a.dModel) };
    case "unembedStats":
      return backend.unembedStats(f32(a.x), f32(a.wU), f32(a.bU), a.t, a.dModel, a.vocab, Int32Array.from(a.targets));
    case "layerNorm": {
      const opts = a.w ? { w: f32(a.w), b: f32(a.b) } : {};
      const r = backend.layerNorm(f32(a.x), a.rows, a.d, a.eps, opts);
      return { normalized: r.normalized, scale: r.scale };
    }
    case "activation":
      return { out: backend.activation(f32(a.x), a.fn) };
    default:
      throw new Error(`unknown op ${op}`);
  }
}

/**
 * Compares outputs with the expected values: non-finite expectations must match exactly (same infinity,
 * NaN), finite ones within REL_TOL × max |expected|. Returns a list of problems (empty = pass).
 */
export function compare(got, expected) {
  const problems = [];
  for (const [key, exp] of Object.entries(expected)) {
    const g = got[key];
    if (!g) {
      problems.push(`${key}: missing`);
      continue;
    }
    if (g.length !== exp.length) {
      problems.push(`${key}: length ${g.length}, expected ${exp.length}`);
      continue;
    }
    let scale = 0;
    for (const e of exp) if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
    const tol = REL_TOL * Math.max(scale, 1e-30);
    let worst = 0,
      worstAt = -1;
    for (let i = 0; i < exp.length; i++) {
      const e = exp[i],
        v = g[i];
      if (!Number.isFinite(e)) {
        if (!Object.is(e, v) && !(Number.isNaN(e) && Number.isNaN(v)))
          problems.push(`${key}[${i}] = ${v}, expected ${e}`);
        continue;
      }
      const err = Math.abs(v - e);
      if (!(err <= worst)) {
        worst = err;
        worstAt = i;
      }
    }
    if (!(worst <= tol))
      problems.push(`${key}[${worstAt}] = ${g[worstAt]}, expected ${exp[worstAt]} (error ${worst}, tolerance ${tol})`);
  }
  return problems.slice(0, 5);
}

/** Runs every case; returns [{ op, name, problems, skipped }]. */
export function runAllCases(backend) {
  const results = [];
  for (const { op, cases } of loadOpCases()) {
    for (const c of cases) {
      const got = runOp(backend, op, c.args);
      results.push({ op, name: c.name, skipped: got === null, problems: got === null ? [] : compare(got, c.expected) });
    }
  }
  return results;
}
