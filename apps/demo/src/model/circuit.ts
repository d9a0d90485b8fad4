/**
 * The induction circuit in the worker, through the core's circuit functions: composition scores (Q, K, V)
 * with their random baseline, the previous-token → induction pairs, each head's OV copying score and
 * positional QK score; and on an input, direct logit attribution and one head's decomposed attention scores.
 *
 * Dimensions: L layers, H heads, T positions, C components of a head's input.
 */
import {
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
  type Tensor,
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

export async function circuitWeights(
  model: HookedTransformer,
  rep: number[][],
  threshold: number,
): Promise<Omit<CircuitWeightsResult, "ms">> {
  const found = await findInductionCircuits(model, { tokens: rep, threshold });
  return {
    nLayers: model.cfg.n_layers,
    nHeads: model.cfg.n_heads,
    composition: {
      Q: nested4(compositionScores(model, "Q")),
      K: nested4(compositionScores(model, "K")),
      V: nested4(compositionScores(model, "V")),
    },
    baseline: compositionBaseline(model),
    circuits: found.circuits,
    copying: perHead(model, (h) => copyingScore(fullOvCircuit(model, h))),
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
  const scores = decomposedAttnScores(decomposeQ(rep, head, input), decomposeK(rep, head, input)); // [C, C, T, T]
  const C = input.labels.length;
  const T = repeated.length;
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
