/**
 * The run planner: before a forward pass, every stage (component) says what it must compute given what the
 * run observes — hooked or cached hook points, and whether a later stage reads its output — so a run that
 * returns nothing and caches only patterns stops after the last pattern, and one that needs no pattern never
 * holds it. The stages' declared hook points drive it; no stage copies it.
 */
import type { Backend } from "../backend/backend.js";

/** What a stage's plan may ask about the run. */
export interface PlanQuery {
  /** A hook or the cache receives this hook point. */
  wanted(name: string): boolean;
  backend: Backend;
}

/** One stage's part of a run. */
export interface StagePlan<Detail = unknown> {
  /** What the stage computes, handed back to its `forward`. */
  detail: Detail;
  /** Activations it keeps that an incremental run joins from the previous run (all must be there to reuse). */
  joined: string[];
  /** Nothing after this stage runs (no later output or hook point is needed). */
  last?: boolean;
}

/** A stage as the planner sees it. */
export interface PlannedStage<Detail = unknown> {
  readonly hookPoints: readonly string[];
  plan(q: PlanQuery, outputNeeded: boolean): StagePlan<Detail> | null;
}

export class RunPlan {
  constructor(private readonly plans: Map<PlannedStage, StagePlan>) {}

  /** The stage's plan, or undefined when the run stops before it. */
  of<D>(stage: PlannedStage<D>): StagePlan<D> | undefined {
    return this.plans.get(stage as PlannedStage) as StagePlan<D> | undefined;
  }

  /** Every activation an incremental run joins from the previous run. */
  get joined(): string[] {
    return [...this.plans.values()].flatMap((p) => p.joined);
  }
}

/**
 * Plans `stages` in forward order. A stage's output is needed when the run returns something (`outputNeeded`)
 * or a later stage fires a wanted hook point; planning stops at a stage that needs nothing, or after one
 * that says it is the last.
 */
export function planRun(stages: readonly PlannedStage[], q: PlanQuery, outputNeeded: boolean): RunPlan {
  const plans = new Map<PlannedStage, StagePlan>();
  for (let i = 0; i < stages.length; i++) {
    let needed = outputNeeded;
    for (let j = i + 1; j < stages.length && !needed; j++) needed = stages[j].hookPoints.some((n) => q.wanted(n));
    const p = stages[i].plan(q, needed);
    if (!p) break;
    plans.set(stages[i], p);
    if (p.last) break;
  }
  return new RunPlan(plans);
}
