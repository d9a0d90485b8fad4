import type { Backend, MatmulOptions } from "./backend.js";
import { checkAddA, checkAttn, checkCausal, checkLen, checkUnembedStats, checkedOut } from "./checks.js";

/**
 * The reference backend: straightforward TypeScript loops over Float32Arrays, accumulating in
 * float64 where a sum runs long (dot products, softmax denominators) so it stays a trustworthy yardstick.
 */
export const tsBackend: Backend = {
  name: "ts",

  matmul(a, b, m, k, n, opts: MatmulOptions = {}) {
    const { bias, transA = false, transB = false, accumulate = false, addA } = opts;
    const out = checkedOut(opts.out, m * n, "matmul");
    if (!accumulate) out.fill(0);
    checkLen(a, m * k, "matmul A");
    if (addA) a = addedA(a, addA, transA);
    checkLen(b, k * n, "matmul B");
    if (bias) checkLen(bias, n, "matmul bias");
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      if (!transB) {
        // i-k-j order: streams rows of B, vectorises well in JIT.
        for (let p = 0; p < k; p++) {
          const av = transA ? a[p * m + i] : a[i * k + p];
          if (av === 0) continue;
          const bo = p * n;
          for (let j = 0; j < n; j++) row[j] += av * b[bo + j];
        }
      } else {
        for (let j = 0; j < n; j++) {
          const bo = j * k;
          let s = 0;
          if (transA) for (let p = 0; p < k; p++) s += a[p * m + i] * b[bo + p];
          else {
            const ao = i * k;
            for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
          }
          row[j] = s;
        }
      }
      const o = i * n;
      for (let j = 0; j < n; j++) out[o + j] += row[j] + (bias ? bias[j] : 0);
    }
    return out;
  },

  attnScores(q, k, tq, tk, nHeads, dHead, scale, maskValue, out) {
    const res = checkedOut(out, nHeads * tq * tk, "attnScores");
    checkAttn(q, k, tq, tk, nHeads, dHead, "attnScores");
    const offset = tk - tq;
    const hd = nHeads * dHead;
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < tq; i++) {
        const qo = i * hd + h * dHead;
        const ro = (h * tq + i) * tk;
        const last = offset + i;
        for (let j = 0; j < tk; j++) {
          if (j > last) {
            res[ro + j] = maskValue;
            continue;
          }
          const ko = j * hd + h * dHead;
          let s = 0;
          for (let d = 0; d < dHead; d++) s += q[qo + d] * k[ko + d];
          res[ro + j] = s / scale;
        }
      }
    }
    return res;
  },

  causalSoftmax(scores, nHeads, tq, tk, out) {
    const res = checkedOut(out, nHeads * tq * tk, "causalSoftmax");
    checkLen(scores, nHeads * tq * tk, "causalSoftmax scores");
    checkCausal(tq, tk, "causalSoftmax");
    const offset = tk - tq;
    for (let r = 0; r < nHeads * tq; r++) {
      const i = r % tq;
      const last = offset + i;
      const o = r * tk;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) if (scores[o + j] > max) max = scores[o + j];
      let sum = 0;
      for (let j = 0; j <= last; j++) sum += Math.exp(scores[o + j] - max);
      for (let j = 0; j <= last; j++) res[o + j] = Math.exp(scores[o + j] - max) / sum;
      for (let j = last + 1; j < tk; j++) res[o + j] = 0;
    }
    return res;
  },

  patternValue(pattern, v, tq, tk, nHeads, dHead, out) {
    const z = checkedOut(out, tq * nHeads * dHead, "patternValue");
    checkLen(pattern, nHeads * tq * tk, "patternValue pattern");
    checkLen(v, tk * nHeads * dHead, "patternValue v");
    const hd = nHeads * dHead;
    const acc = new Float64Array(dHead);
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < tq; i++) {
        acc.fill(0);
        const po = (h * tq + i) * tk;
        for (let j = 0; j < tk; j++) {
          const p = pattern[po + j];
          if (p === 0) continue;
          const vo = j * hd + h * dHead;
          for (let d = 0; d < dHead; d++) acc[d] += p * v[vo + d];
        }
        const zo = i * hd + h * dHead;
        for (let d = 0; d < dHead; d++) z[zo + d] = acc[d];
      }
    }
    return z;
  },

  headResults(z, wO, t, nHeads, dHead, dModel, out) {
    const res = checkedOut(out, t * nHeads * dModel, "headResults");
    checkLen(z, t * nHeads * dHead, "headResults z");
    checkLen(wO, nHeads * dHead * dModel, "headResults W_O");
    const acc = new Float64Array(dModel);
    for (let i = 0; i < t; i++) {
      for (let h = 0; h < nHeads; h++) {
        acc.fill(0);
        const zo = (i * nHeads + h) * dHead;
        for (let d = 0; d < dHead; d++) {
          const zv = z[zo + d];
          const wo = (h * dHead + d) * dModel;
          for (let m = 0; m < dModel; m++) acc[m] += zv * wO[wo + m];
        }
        const ro = (i * nHeads + h) * dModel;
        for (let m = 0; m < dModel; m++) res[ro + m] = acc[m];
      }
    }
    return res;
  },

  unembedStats(x, wU, bU, t, dModel, vocab, targets) {
    checkUnembedStats(x, wU, bU, targets, t, dModel, vocab);
    const logsumexp = new Float32Array(t);
    const targetLogits = new Float32Array(t).fill(NaN);
    // Vocabulary in chunks so the working set is a few rows, never [T, V].
    const CHUNK = 4096;
    const logits = new Float64Array(CHUNK);
    for (let i = 0; i < t; i++) {
      let max = -Infinity;
      let sum = 0;
      const xo = i * dModel;
      for (let v0 = 0; v0 < vocab; v0 += CHUNK) {
        const len = Math.min(CHUNK, vocab - v0);
        for (let j = 0; j < len; j++) logits[j] = bU[v0 + j];
        for (let d = 0; d < dModel; d++) {
          const xv = x[xo + d];
          const wo = d * vocab + v0;
          for (let j = 0; j < len; j++) logits[j] += xv * wU[wo + j];
        }
        // Online logsumexp: rescale the running sum when the max grows.
        let cmax = -Infinity;
        for (let j = 0; j < len; j++) if (logits[j] > cmax) cmax = logits[j];
        if (cmax > max) {
          sum *= Math.exp(max - cmax);
          max = cmax;
        }
        for (let j = 0; j < len; j++) sum += Math.exp(logits[j] - max);
        const tg = targets[i];
        if (tg >= v0 && tg < v0 + len) targetLogits[i] = logits[tg - v0];
      }
      logsumexp[i] = max + Math.log(sum);
    }
    return { logsumexp, targetLogits };
  },
};

/** A + addA in float32, the left operand of a product with `addA`. */
function addedA(a: Float32Array, addA: Float32Array, transA: boolean): Float32Array {
  checkAddA(addA, transA, a.length);
  const s = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) s[i] = a[i] + addA[i];
  return s;
}
