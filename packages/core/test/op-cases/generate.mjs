// Writes the op-case JSON files: inputs from a seeded PRNG, expected outputs from the float64 definitions
// below (written from the Backend interface's doc comments, independent of any backend's code).
// Run: node test/op-cases/generate.mjs   (from packages/core)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

// mulberry32: small, seedable, the same everywhere.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20240611);
/** Values on a 1/1024 grid in [-r, r]: exact in float32 and short in JSON. */
const vec = (n, r = 1) => Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * r * 1024) / 1024);

// ---- float64 definitions --------------------------------------------------------------------------
function matmul({ a, b, m, k, n, bias, addA, transA, transB, accumulate, out }) {
  const c = new Array(m * n);
  // addA: the left operand is A + addA (the grid values make that sum exact in float32).
  const A = (i) => a[i] + (addA ? addA[i] : 0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? A(p * m + i) : A(i * k + p)) * (transB ? b[j * k + p] : b[p * n + j]);
      if (bias) s += bias[j];
      c[i * n + j] = accumulate ? out[i * n + j] + s : s;
    }
  return c;
}
function attnScores({ q, k, tq, tk, nHeads: H, dHead: D, scale, maskValue }) {
  const out = new Array(H * tq * tk);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tk; j++) {
        if (j > tk - tq + i) {
          out[(h * tq + i) * tk + j] = maskValue;
          continue;
        }
        let s = 0;
        for (let d = 0; d < D; d++) s += q[(i * H + h) * D + d] * k[(j * H + h) * D + d];
        out[(h * tq + i) * tk + j] = s / scale;
      }
  return out;
}
function causalSoftmax({ scores, nHeads: H, tq, tk }) {
  const out = new Array(H * tq * tk).fill(0);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < tq; i++) {
      const o = (h * tq + i) * tk,
        last = tk - tq + i;
      let mx = -Infinity;
      for (let j = 0; j <= last; j++) mx = Math.max(mx, scores[o + j]);
      let sum = 0;
      for (let j = 0; j <= last; j++) sum += Math.exp(scores[o + j] - mx);
      for (let j = 0; j <= last; j++) out[o + j] = Math.exp(scores[o + j] - mx) / sum;
    }
  return out;
}
function patternValue({ pattern, v, tq, tk, nHeads: H, dHead: D }) {
  const z = new Array(tq * H * D).fill(0);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < tq; i++)
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let j = 0; j < tk; j++) s += pattern[(h * tq + i) * tk + j] * v[(j * H + h) * D + d];
        z[(i * H + h) * D + d] = s;
      }
  return z;
}
function headResults({ z, wO, t, nHeads: H, dHead: D, dModel: M }) {
  const r = new Array(t * H * M);
  for (let i = 0; i < t; i++)
    for (let h = 0; h < H; h++)
      for (let m = 0; m < M; m++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += z[(i * H + h) * D + d] * wO[(h * D + d) * M + m];
        r[(i * H + h) * M + m] = s;
      }
  return r;
}
function unembedStats({ x, wU, bU, t, dModel, vocab, targets }) {
  const logsumexp = [],
    targetLogits = [];
  for (let i = 0; i < t; i++) {
    const logits = new Array(vocab);
    for (let v = 0; v < vocab; v++) {
      let s = bU[v];
      for (let d = 0; d < dModel; d++) s += x[i * dModel + d] * wU[d * vocab + v];
      logits[v] = s;
    }
    const mx = Math.max(...logits);
    logsumexp.push(mx + Math.log(logits.reduce((acc, l) => acc + Math.exp(l - mx), 0)));
    targetLogits.push(targets[i] >= 0 && targets[i] < vocab ? logits[targets[i]] : NaN);
  }
  return { logsumexp, targetLogits };
}

// LayerNorm (TransformerLens LayerNorm / LayerNormPre), in float64.
function layerNorm({ x, rows, d, eps, w, b }) {
  const normalized = [],
    scale = [];
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * d, (r + 1) * d);
    const mean = row.reduce((a, v) => a + v, 0) / d;
    const c = row.map((v) => v - mean);
    const s = Math.sqrt(c.reduce((a, v) => a + v * v, 0) / d + eps);
    scale.push(s);
    c.forEach((v, j) => normalized.push(w ? (v / s) * w[j] + b[j] : v / s));
  }
  return { normalized, scale };
}
// erf by its Taylor series near 0 and erfc by its continued fraction in the tails: two textbook expansions,
// accurate to ~1e-15 here, and a different method from any backend's.
function erfSeries(z) {
  let term = z,
    sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
function erfcContinuedFraction(z) {
  // erfc(z) = e^{-z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), z > 0
  let f = z;
  for (let n = 80; n >= 1; n--) f = z + n / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}
/** Φ(x), the standard normal CDF. */
function normalCdf(x) {
  const z = x / Math.SQRT2;
  if (Math.abs(z) < 2.5) return 0.5 * (1 + erfSeries(z));
  return z > 0 ? 1 - 0.5 * erfcContinuedFraction(z) : 0.5 * erfcContinuedFraction(-z);
}
const ACT = {
  gelu: (v) => v * normalCdf(v),
  gelu_new: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
  gelu_fast: (v) => 0.5 * v * (1 + Math.tanh(v * 0.7978845608 * (1 + 0.044715 * v * v))),
  relu: (v) => (Number.isNaN(v) ? NaN : Math.max(v, 0)),
  silu: (v) => v / (1 + Math.exp(-v)),
};

// ---- cases -----------------------------------------------------------------------------------------
const cases = {
  attention: [],
  matmul: [],
  attnScores: [],
  causalSoftmax: [],
  attnPattern: [],
  patternValue: [],
  headResults: [],
  unembedStats: [],
  layerNorm: [],
  activation: [],
};

for (const [name, m, k, n, o] of [
  ["8x8x8", 8, 8, 8, {}],
  ["ragged 5x7x13 with bias", 5, 7, 13, { bias: true }],
  ["transB 6x9x11 (X·Wᵀ)", 6, 9, 11, { transB: true }],
  ["transA 7x5x10 (Xᵀ·dY)", 7, 5, 10, { transA: true }],
  ["transA+transB 3x4x5 with bias", 3, 4, 5, { transA: true, transB: true, bias: true }],
  ["accumulate 9x6x17 with bias", 9, 6, 17, { accumulate: true, bias: true }],
  ["accumulate transA 4x6x9", 4, 6, 9, { accumulate: true, transA: true }],
  ["single row 1x33x20", 1, 33, 20, {}],
  ["k=1 outer product 4x1x9", 4, 1, 9, { bias: true }],
  ["wide 3x16x70 with bias", 3, 16, 70, { bias: true }],
  ["tall 13x12x8", 13, 12, 8, {}],
  ["3 rows accumulate with bias 3x10x9 (few-row path)", 3, 10, 9, { accumulate: true, bias: true }],
  ["addA 6x10x12 with bias ((resid + pos)·W_Q + b_Q)", 6, 10, 12, { addA: true, bias: true }],
  ["addA single row 1x8x9", 1, 8, 9, { addA: true }],
  ["addA accumulate transB 5x7x16", 5, 7, 16, { addA: true, accumulate: true, transB: true }],
]) {
  const args = {
    a: vec(m * k),
    b: vec(k * n),
    m,
    k,
    n,
    transA: !!o.transA,
    transB: !!o.transB,
    accumulate: !!o.accumulate,
  };
  if (o.addA) args.addA = vec(m * k);
  if (o.bias) args.bias = vec(n);
  if (o.accumulate) args.out = vec(m * n, 2);
  cases.matmul.push({ name, args, expected: { out: matmul(args) } });
}

for (const [name, H, D, tq, tk, scale, maskValue] of [
  ["2 heads, square 5x5, mask -inf", 2, 4, 5, 5, 2, -Infinity],
  ["3 heads, 3 new queries against 7 keys, mask -1e5", 3, 8, 3, 7, Math.sqrt(8), -100000],
  ["one query against 9 keys (appending a token)", 2, 5, 1, 9, Math.sqrt(5), -Infinity],
  ["1 head, 17x17, dHead 16", 1, 16, 17, 17, 4, -Infinity],
  ["4 heads, 6x6, scale 1", 4, 3, 6, 6, 1, -Infinity],
]) {
  const args = { q: vec(tq * H * D, 2), k: vec(tk * H * D, 2), tq, tk, nHeads: H, dHead: D, scale, maskValue };
  cases.attnScores.push({ name, args, expected: { out: attnScores(args) } });
  const { maskValue: _m, ...pArgs } = args;
  cases.attnPattern.push({
    name: name.replace(/, mask [^,]+$/, ""),
    args: pArgs,
    expected: { out: causalSoftmax({ scores: attnScores({ ...args, maskValue: 0 }), nHeads: H, tq, tk }) },
  });
}

for (const [name, H, tq, tk, fill] of [
  ["2 heads 5x5, junk above the diagonal", 2, 5, 5, 1e4],
  ["3 heads, 3 queries against 8 keys", 3, 3, 8, -Infinity],
  ["one query against 6 keys", 1, 1, 6, 7],
  ["2 heads 9x9, wide score range and -inf inside the causal part", 2, 9, 9, NaN],
  ["1 head 11x11, large equal scores", 1, 11, 11, 0],
]) {
  const scores = vec(H * tq * tk, name.includes("wide") ? 40 : 3);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < tq; i++)
      for (let j = 0; j < tk; j++) {
        const at = (h * tq + i) * tk + j;
        if (j > tk - tq + i) scores[at] = fill;
        else if (name.includes("large equal")) scores[at] = 80;
      }
  if (name.includes("-inf inside")) {
    scores[9 * 9 + 4 * 9 + 1] = -Infinity;
    scores[8 * 9 + 3] = -Infinity;
  }
  const args = { scores, nHeads: H, tq, tk };
  cases.causalSoftmax.push({ name, args, expected: { out: causalSoftmax(args) } });
}

for (const [name, H, D, tq, tk, causal] of [
  ["2 heads 5x5 causal pattern", 2, 4, 5, 5, true],
  ["3 heads, 3 queries against 7 keys", 3, 8, 3, 7, true],
  ["one query against 9 keys", 2, 5, 1, 9, true],
  ["1 head 9x9, weights above the diagonal count too", 1, 16, 9, 9, false],
  ["2 heads dHead 10, 12x12", 2, 10, 12, 12, true],
]) {
  const pattern = vec(H * tq * tk).map((x) => Math.abs(x));
  if (causal)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < tq; i++) for (let j = tk - tq + i + 1; j < tk; j++) pattern[(h * tq + i) * tk + j] = 0;
  const args = { pattern, v: vec(tk * H * D, 2), tq, tk, nHeads: H, dHead: D };
  cases.patternValue.push({ name, args, expected: { out: patternValue(args) } });
}

for (const [name, t, H, D, M] of [
  ["3 positions, 2 heads, 4 -> 5", 3, 2, 4, 5],
  ["5 positions, 3 heads, 8 -> 12", 5, 3, 8, 12],
  ["1 position, 4 heads, 2 -> 9", 1, 4, 2, 9],
  ["6 positions, 2 heads, 16 -> 20", 6, 2, 16, 20],
]) {
  const args = { z: vec(t * H * D), wO: vec(H * D * M), t, nHeads: H, dHead: D, dModel: M };
  cases.headResults.push({ name, args, expected: { out: headResults(args) } });
}

for (const [name, t, dModel, vocab, rising] of [
  ["3 rows, vocab 10", 3, 6, 10, false],
  ["35 rows, vocab 1100 (several row and column tiles), max grows across tiles", 35, 4, 1100, true],
  ["1 row, vocab 9, no targets", 1, 5, 9, false],
]) {
  const x = vec(t * dModel, 3);
  const wU = vec(dModel * vocab, 2);
  const bU = vec(vocab).map((b, v) => (rising ? b + Math.round(v / 64) : b));
  const targets = Array.from({ length: t }, (_, i) =>
    name.includes("no targets") || i % 7 === 3 ? -1 : Math.floor(rnd() * vocab),
  );
  if (t > 2 && !name.includes("no targets")) {
    targets[0] = 0;
    targets[1] = vocab - 1;
  }
  const args = { x, wU, bU, t, dModel, vocab, targets };
  cases.unembedStats.push({ name, args, expected: unembedStats(args) });
}

for (const [name, H, D, tq, tk] of [
  ["2 heads, square 5x5", 2, 4, 5, 5],
  ["3 heads, 3 new queries against 7 keys", 3, 8, 3, 7],
  ["one query against 9 keys (appending a token)", 2, 5, 1, 9],
  ["1 head 12x12, dHead 16", 1, 16, 12, 12],
]) {
  const args = {
    q: vec(tq * H * D, 2),
    k: vec(tk * H * D, 2),
    v: vec(tk * H * D, 2),
    tq,
    tk,
    nHeads: H,
    dHead: D,
    scale: Math.sqrt(D),
  };
  const pattern = causalSoftmax({ scores: attnScores({ ...args, maskValue: 0 }), nHeads: H, tq, tk });
  cases.attention.push({
    name,
    args,
    expected: { out: patternValue({ pattern, v: args.v, tq, tk, nHeads: H, dHead: D }) },
  });
}

// ---- LayerNorm, activations and MLP-shaped products (after every older case, so their inputs stay put) ----
for (const [name, rows, d, eps, affine] of [
  ["LayerNorm 4 rows of 8 with w and b", 4, 8, 1e-5, true],
  ["LayerNormPre 3 rows of 33 (ragged for SIMD)", 3, 33, 1e-5, false],
  [
    "LayerNorm 2 rows of 12: a constant row (scale = sqrt(eps), output = b) and a row offset by 1000",
    2,
    12,
    1e-5,
    true,
  ],
  ["LayerNorm one row of 768, eps 1e-12", 1, 768, 1e-12, true],
  ["LayerNormPre 7 rows of 1: every value centres to 0", 7, 1, 1e-5, false],
  ["LayerNormPre 5 rows of 64, eps 0.1 (eps dominates small rows)", 5, 64, 0.1, false],
]) {
  const x = vec(rows * d, 2);
  if (name.includes("constant row")) {
    for (let j = 0; j < d; j++) x[j] = 0.375;
    for (let j = d; j < 2 * d; j++) x[j] += 1000;
  }
  if (name.includes("eps dominates")) for (let j = 0; j < d; j++) x[j] = Math.round(x[j] * 8) / 1024;
  const args = { x, rows, d, eps };
  if (affine) {
    args.w = vec(d, 1.5);
    args.b = vec(d, 0.5);
  }
  cases.layerNorm.push({ name, args, expected: layerNorm(args) });
}

for (const fn of Object.keys(ACT)) {
  for (const [name, x] of [
    [`${fn} on [-4, 4]`, vec(70, 4)],
    [`${fn} in the far tails (±10, ±30, ±100)`, [10, -10, 30, -30, 100, -100, 12.5, -12.5, -7]],
    [`${fn} near 0 ([-0.5, 0.5], tight relative tolerance)`, vec(9, 0.5)],
    [`${fn}: NaN stays NaN`, [1, Number.NaN, -1, 0.5]],
  ]) {
    cases.activation.push({ name, args: { x, fn }, expected: { out: x.map(ACT[fn]) } });
  }
}

for (const [name, m, k, n] of [
  ["MLP in: 5 positions · W_in 32x128 + b_in", 5, 32, 128],
  ["MLP out: 5 positions · W_out 128x32 + b_out", 5, 128, 32],
  ["MLP in, one position (appending a token) 1x24x100 + bias", 1, 24, 100],
]) {
  const args = {
    a: vec(m * k),
    b: vec(k * n, 0.25),
    m,
    k,
    n,
    bias: vec(n),
    transA: false,
    transB: false,
    accumulate: false,
  };
  cases.matmul.push({ name, args, expected: { out: matmul(args) } });
}

// JSON has no ±Infinity or NaN: write them as strings, read back by check.mjs.
const replacer = (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v);
for (const [op, list] of Object.entries(cases)) {
  const file = join(here, `${op}.json`);
  const text = JSON.stringify({ op, cases: list }, replacer);
  writeFileSync(file, text + "\n");
  console.log(`${op}.json: ${list.length} cases, ${(text.length / 1024).toFixed(1)} KB`);
}
