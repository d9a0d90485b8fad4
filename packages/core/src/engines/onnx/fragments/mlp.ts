/**
 * The MLP of a block as a graph fragment (components/mlp.ts): `hook_pre` = x · W_in + b_in [B, T, M],
 * `hook_post` = act_fn(pre), out = post · W_out + b_out [B, T, D]. The activations are written with ONNX ops
 * in the definitions the backends use (backend/ts-elementwise.ts): gelu with erf, gelu_new and gelu_fast in
 * their tanh forms, relu, and silu = x · sigmoid(x).
 *
 * Dimension legend: B batch, T seq, D d_model, M d_mlp.
 */
import type { ActivationFn } from "../../../backend/backend.js";
import { MLP_HOOKS } from "../../../components/mlp.js";
import type { OnnxGraphBuilder } from "../onnx-graph.js";
import { offerHooks, type ExportGraph, type Lazy } from "../export-graph.js";

/** act_fn(v), named `name`. */
function activation(x: ExportGraph, fn: ActivationFn, v: string, name: string): string {
  const g: OnnxGraphBuilder = x.g;
  const c = (label: string, value: number) => x.scalar(`act.${label}`, value);
  // 0.5 · v · (1 + inner)
  const halfTimes = (inner: string) =>
    g.node("Mul", [g.node("Mul", [v, c("half", 0.5)]), g.node("Add", [c("one", 1), inner])], {}, name);
  switch (fn) {
    case "gelu":
      return halfTimes(g.node("Erf", [g.node("Mul", [v, c("inv_sqrt2", Math.SQRT1_2)])]));
    case "gelu_new": {
      const cube = g.node("Mul", [g.node("Mul", [v, v]), v]);
      const inner = g.node("Add", [v, g.node("Mul", [cube, c("k", 0.044715)])]);
      return halfTimes(g.node("Tanh", [g.node("Mul", [inner, c("sqrt_2_over_pi", Math.sqrt(2 / Math.PI))])]));
    }
    case "gelu_fast": {
      const square = g.node("Mul", [v, v]);
      const inner = g.node("Add", [c("one", 1), g.node("Mul", [square, c("k", 0.044715)])]);
      return halfTimes(g.node("Tanh", [g.node("Mul", [g.node("Mul", [v, c("fast", 0.7978845608)]), inner])]));
    }
    case "relu":
      return g.node("Relu", [v], {}, name);
    case "silu":
      return g.node("Mul", [v, g.node("Sigmoid", [v])], {}, name);
    default:
      throw new Error(`exportOnnx: no graph for act_fn ${JSON.stringify(fn)}`);
  }
}

export interface MlpGraph {
  /** post · W_out + b_out, named `name`. */
  out(name: string): string;
}

/** The fragment of layer `layer`'s MLP over `input` (ln2's output, or resid_mid without LayerNorm). */
export function mlpGraph(x: ExportGraph, layer: number, input: Lazy): MlpGraph {
  const { g, cfg } = x;
  const p = `blocks.${layer}.mlp.`;
  const affine = (v: string, w: string, b: string, name?: string) =>
    g.node("Add", [g.node("MatMul", [v, x.weight(`${p}${w}`)]), x.weight(`${p}${b}`)], {}, name);
  const hooks: Record<"pre" | "post", Lazy> = offerHooks<"pre" | "post">(x, p, MLP_HOOKS, {
    pre: (name) => affine(input(), "W_in", "b_in", name),
    post: (name) => activation(x, cfg.act_fn!, hooks.pre(), name),
  });
  return { out: (name) => affine(hooks.post(), "W_out", "b_out", name) };
}
