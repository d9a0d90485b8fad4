/**
 * What every component of the forward pass shares: the hook points it declares (names relative to the
 * component, with their shapes) and the two calls the model makes, `plan` before a run and `forward` during it.
 *
 * Dimension names in hook shapes are TransformerLens's: batch, pos, d_model, n_heads, d_head, query_pos, key_pos.
 */
import type { Tensor } from "../tensor.js";
import type { RunContext } from "../model/run-context.js";
import type { PlanQuery, StagePlan } from "../model/run-plan.js";

/** One hook point a component fires. */
export interface HookDecl {
  /** Name relative to the component, e.g. `"hook_q"` inside `blocks.0.attn`. */
  readonly name: string;
  /** Symbolic shape of the activation, batch axis first. */
  readonly shape: readonly string[];
}

/** A stage of the forward pass: it plans what a run needs from it, then computes that. */
export interface Component<In, Out, Detail = unknown> {
  /** Every hook point it fires (its children's included), full names, in firing order. */
  readonly hookPoints: readonly string[];
  /**
   * What to compute, given what is observed (`q.wanted`) and whether a later stage reads this one's output;
   * null when the run needs nothing from it (nor from any later stage).
   */
  plan(q: PlanQuery, outputNeeded: boolean): StagePlan<Detail> | null;
  forward(ctx: RunContext, x: In, plan: Detail): Out;
}

/** Full hook names under `prefix` (`"blocks.0.attn."`), keyed by the declared name without `hook_`. */
export function hookTable<N extends string>(prefix: string, decls: readonly HookDecl[]): Record<N, string> {
  return Object.fromEntries(decls.map((d) => [d.name.replace(/^hook_/, ""), `${prefix}${d.name}`])) as Record<
    N,
    string
  >;
}

/** Full names of `decls` under `prefix`, in order. */
export function prefixed(prefix: string, decls: readonly HookDecl[]): string[] {
  return decls.map((d) => `${prefix}${d.name}`);
}

export type { Tensor };
