/**
 * The induction circuit in the worker, through the core's circuit functions: composition scores (Q, K, V)
 * with their random baseline, the previous-token → induction pairs, each head's OV copying score and
 * positional QK score; and on an input, direct logit attribution and one head's decomposed attention scores.
 *
 * Large models (GPT-2 small: 144 heads) are served within what the core computes in reasonable time: the
 * K-composition scores come from the circuit search (computed once), Q and V only when the visitor asks; the
 * copying scores share one W_U W_E product instead of forming each head's vocabulary-sized factors.
 *
 * Dimensions: L layers, H heads, T positions, C components of a head's input, D d_model, Dh d_head, V d_vocab.
 */
import {
  FactoredMatrix,
  Tensor,
  compositionBaseline,
  compositionScores,
  copyingScore,
  decomposedAttnScores,
  decomposeK,
  decomposeQ,
  decomposeQkInput,
  findInductionCircuits,
  fullOvCircuit,
  logitAttribution,
  positionalQkScore,
  type HookedTransformer,
  type InductionCircuit,
} from "@attnscope/core";
import type { CircuitTextResult, CircuitWeightsResult } from "./protocol.js";

/** [L1, H1, L2, H2] as nested arrays. */
function nested4(t: Tensor): number[][][][] {
  const [L1, H1, L2, H2] = t.shape;
  return Array.from({ length: L1 }, (_, a) =>
    Array.from({ length: H1 }, (_, h) =>
      Array.from({ length: L2 }, (_, b) =>
        Array.from(t.data.subarray(((a * H1 + h) * L2 + b) * H2, ((a * H1 + h) * L2 + b + 1) * H2)),
      ),
    ),
  );
}

const perHead = (model: HookedTransformer, f: (head: string) => number) =>
  Array.from({ length: model.cfg.n_layers }, (_, l) =>
    Array.from({ length: model.cfg.n_heads }, (_, h) => f(`${l}.${h}`)),
  );

/** [L, H, L, H] K-composition scores of every (earlier, later) pair the circuit search scored; zero elsewhere. */
function kFromCircuits(circuits: readonly InductionCircuit[], L: number, H: number): Tensor {
  const out = new Float32Array(L * H * L * H);
  for (const c of circuits) {
    const [l1, h1] = c.previous.split(".").map(Number);
    const [l2, h2] = c.induction.split(".").map(Number);
    out[((l1 * H + h1) * L + l2) * H + h2] = c.kComposition;
  }
  return new Tensor(out, [L, H, L, H]);
}

/**
 * Every head's eigenvalue copying score (the core's copyingScore) of its full OV circuit W_E W_V W_O W_U. The
 * nonzero eigenvalues of that [V, V] product are those of W_O (W_U W_E) W_V [Dh, Dh], so the [D, D] product
 * W_U W_E is formed once and each head's circuit is the FactoredMatrix (W_V, W_O W_U W_E) of inner size d_head.
 */
function copyingScores(model: HookedTransformer): number[][] {
  const { d_model: D, d_head: Dh, d_vocab: V, d_vocab_out: Vout } = model.cfg;
  // An untied vocabulary of another size has no square circuit to share a product for: the core forms each.
  if (Vout !== V) return perHead(model, (h) => copyingScore(fullOvCircuit(model, h)));
  const be = model.backend;
  const unembedEmbed = be.matmul(model.W_U.data, model.W_E.data, D, V, D); // [D, D]
  return perHead(model, (name) => {
    const [l, h] = name.split(".").map(Number);
    const right = be.matmul(model.W_O.index(l, h).data, unembedEmbed, Dh, D, D); // [Dh, D]
    return copyingScore(
      new FactoredMatrix(new Tensor(model.W_V.index(l, h).data.slice(), [D, Dh]), new Tensor(right, [Dh, D])),
    );
  });
}

export async function circuitWeights(
  model: HookedTransformer,
  rep: number[][],
  threshold: number,
  withQV: boolean,
): Promise<Omit<CircuitWeightsResult, "ms">> {
  const { n_layers: L, n_heads: H } = model.cfg;
  const found = await findInductionCircuits(model, { tokens: rep, threshold });
  return {
    nLayers: L,
    nHeads: H,
    composition: {
      ...(withQV ? { Q: nested4(compositionScores(model, "Q")), V: nested4(compositionScores(model, "V")) } : {}),
      K: nested4(kFromCircuits(found.circuits, L, H)),
    },
    baseline: compositionBaseline(model),
    circuits: found.circuits,
    copying: copyingScores(model),
    positional: perHead(model, (h) => positionalQkScore(model, h)),
    threshold,
  };
}

export async function circuitText(
  model: HookedTransformer,
  text: string,
  repeated: number[],
  head: string,
  keyHead: string,
): Promise<Omit<CircuitTextResult, "ms">> {
  const tokens = model.toTokens(text);
  const { cache } = await model.runWithCache(tokens, { returnType: "none", removeBatchDim: true });
  const dla = logitAttribution(cache, tokens);
  const layer = Number(head.split(".")[0]);
  const { cache: rep } = await model.runWithCache([repeated], { returnType: "none", removeBatchDim: true });
  const input = decomposeQkInput(rep, layer);
  const missing = missingFromDecomposition(model, [...dla.labels, ...input.labels]);
  if (missing) throw new Error(missing);
  const C = input.labels.length;
  const T = repeated.length;
  if (C * C * T * T > MAX_DECOMPOSED_SCORES) {
    throw new Error(
      `Head ${head}'s input has ${C} components: their decomposed scores on the ${T}-token repeat are ${C} × ${C} × ${T} × ${T} ` +
        `values, more than the ${MAX_DECOMPOSED_SCORES / 2 ** 20}M the page holds. Pick a head of an earlier layer, or a shorter seq_len.`,
    );
  }
  const scores = decomposedAttnScores(decomposeQ(rep, head, input), decomposeK(rep, head, input)); // [C, C, T, T]
  const std = scores.std([2, 3]);
  // ARENA's figure: queries from the embedding, keys from the previous-token head's output.
  const qi = input.labels.indexOf("embed");
  const ki = Math.max(0, input.labels.indexOf(keyHead));
  return {
    text,
    strTokens: model.toStrTokens(tokens),
    labels: dla.labels,
    attribution: dla.attribution.data.slice(),
    correctLogits: dla.correctLogits.slice(),
    head,
    components: input.labels,
    std: std.data.slice(),
    pair: {
      query: input.labels[qi],
      key: input.labels[ki],
      scores: scores.data.slice((qi * C + ki) * T * T, (qi * C + ki + 1) * T * T),
      strTokens: model.toStrTokens(repeated),
    },
  };
}

/** Float32 values of the [C, C, T, T] decomposed scores the worker computes at most (256 MB). */
const MAX_DECOMPOSED_SCORES = 64 * 2 ** 20;

/**
 * Why the core's logit attribution and QK decomposition would not add up for this model, or null. With MLPs they
 * must have a part per MLP output (labels naming them; LayerNorm's scale the core applies itself). A core
 * without those parts would give numbers that do not sum to the logits, so they are not shown then.
 */
function missingFromDecomposition(model: HookedTransformer, labels: readonly string[]): string | null {
  if (model.cfg.attn_only || labels.some((l) => /mlp/i.test(l))) return null;
  return (
    "This model has MLPs, and attnscope's logit attribution and decomposed attention scores here have no part for " +
    "their outputs, so they would not add up to its logits or scores, and are not shown."
  );
}
