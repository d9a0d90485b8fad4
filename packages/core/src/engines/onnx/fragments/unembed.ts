/**
 * The unembedding as a graph fragment (components/unembed.ts): `logits` = x · W_U + b_U [B, T, V] from the final
 * residual stream (ln_final's output with LayerNorm), and `loss` [B, T − 1], the per-token next-token loss
 * −log softmax(logits[t])[tokens[t + 1]].
 *
 * Dimension legend: B batch, T seq, D d_model, V d_vocab_out.
 */
import type { ExportGraph, Lazy } from "../export-graph.js";

export interface UnembedGraph {
  /** logits [B, T, V], named "logits". */
  logits(): string;
  /** loss [B, T − 1], named "loss"; from the returned logits when `fromLogits`, else from T − 1 rows only. */
  loss(fromLogits: boolean): string;
}

export function unembedGraph(x: ExportGraph, final: Lazy): UnembedGraph {
  const { g, tokens } = x;
  const unembed = (v: string, name?: string) =>
    g.node("Add", [g.node("MatMul", [v, x.weight("unembed.W_U")]), x.weight("unembed.b_U")], {}, name);
  const logits = () => x.once("logits", () => unembed(final(), "logits"));
  const sliceSeq = (v: string, start: number, end: number) =>
    g.node("Slice", [v, g.int64(g.fresh("start"), [start]), g.int64(g.fresh("end"), [end]), x.ints("axes_1", [1])]);
  return {
    logits,
    loss: (fromLogits) => {
      // Every position but the last predicts the next token: slice before the unembedding when logits are not
      // returned, so the last row's [V] is never computed.
      const predicting = fromLogits ? sliceSeq(logits(), 0, -1) : unembed(sliceSeq(final(), 0, -1));
      const targets = g.node("Unsqueeze", [sliceSeq(tokens, 1, Number.MAX_SAFE_INTEGER), x.ints("axes_2", [2])]);
      const logp = g.node("LogSoftmax", [predicting], { axis: -1 });
      const picked = g.node("GatherElements", [logp, targets], { axis: 2 });
      return g.node("Neg", [g.node("Squeeze", [picked, x.ints("axes_2", [2])])], {}, "loss");
    },
  };
}
