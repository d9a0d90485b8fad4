import { describe, expect, it } from "vitest";
import { planRun, type PlannedStage, type StagePlan } from "../../src/model/run-plan.js";
import { TransformerBlock } from "../../src/components/transformer-block.js";
import { tsBackend } from "../../src/backend/ts-backend.js";
import { createKernelsBackend } from "../../src/backend/kernels-backend.js";
import { extractWeights } from "../../src/model/model-weights.js";
import { hookNames } from "../../src/model/hook-names.js";
import type { Backend } from "../../src/backend/backend.js";
import { randomStateDict, smallConfig } from "../helpers/random-state-dict.js";

/** A stage that records what the planner asked it. */
function stage(name: string, hooks: string[], opts: { last?: boolean; none?: boolean } = {}) {
  const asked: boolean[] = [];
  const s: PlannedStage<string> & { asked: boolean[] } = {
    hookPoints: hooks,
    asked,
    plan(q, outputNeeded): StagePlan<string> | null {
      asked.push(outputNeeded);
      if (opts.none) return null;
      return { detail: name, joined: hooks.filter((h) => q.wanted(h)), last: opts.last };
    },
  };
  return s;
}

const query = (wanted: string[], backend: Backend = tsBackend) => ({
  wanted: (n: string) => wanted.includes(n),
  backend,
});

describe("planRun", () => {
  it("tells a stage its output is needed exactly when a later stage's declared hook point is wanted or the run returns something", () => {
    const a = stage("a", ["a.hook_x"]);
    const b = stage("b", ["b.hook_y"]);
    const c = stage("c", ["c.hook_z"]);
    planRun([a, b, c], query(["b.hook_y"]), false);
    expect([a.asked, b.asked, c.asked]).toEqual([[true], [false], [false]]);
    const a2 = stage("a", ["a.hook_x"]);
    const b2 = stage("b", ["b.hook_y"]);
    planRun([a2, b2], query([]), true);
    expect([a2.asked, b2.asked]).toEqual([[true], [true]]);
  });

  it("stops at a stage that needs nothing and after one that says it is the last, and joins what the planned stages keep", () => {
    const a = stage("a", ["a.hook_x"]);
    const b = stage("b", ["b.hook_y"], { last: true });
    const c = stage("c", ["c.hook_z"]);
    const plan = planRun([a, b, c], query(["a.hook_x", "b.hook_y", "c.hook_z"]), false);
    expect(plan.of(a)?.detail).toBe("a");
    expect(plan.of(b)?.detail).toBe("b");
    expect(plan.of(c)).toBeUndefined();
    expect(c.asked).toEqual([]);
    expect(plan.joined).toEqual(["a.hook_x", "b.hook_y"]);
    const d = stage("d", [], { none: true });
    const e = stage("e", []);
    expect(planRun([d, e], query([]), true).of(e)).toBeUndefined();
  });

  it("plans real blocks from their declared hook points: patterns of the last layer only stop there, skipping values and z", () => {
    const cfg = smallConfig();
    const w = extractWeights(cfg, randomStateDict(cfg));
    const blocks = w.layers.map((lw, l) => new TransformerBlock(cfg, l, lw));
    const names = hookNames(cfg.n_layers, { useAttnResult: true });
    expect(blocks.flatMap((b) => b.hookPoints)).toEqual(names.filter((n) => n.startsWith("blocks.")));
    const lastPattern = names.filter((n) => n.endsWith("hook_pattern")).at(-1)!;
    const plan = planRun(blocks, query([lastPattern]), false);
    const first = plan.of(blocks[0])!;
    const last = plan.of(blocks[1])!;
    // Layer 0 must produce its output for layer 1; layer 1 only its pattern.
    expect(first.detail.rest).toBe(true);
    expect(last.detail).toMatchObject({ qk: true, v: false, pattern: true, rest: false });
    expect(last.last).toBe(true);
    expect(last.joined).toContain(lastPattern);
    expect(last.joined.some((n) => n.endsWith("hook_z") || n.endsWith("hook_v"))).toBe(false);
  });

  it("asks for raw scores only when they are observed or the backend has no fused pattern", async () => {
    const cfg = smallConfig();
    const w = extractWeights(cfg, randomStateDict(cfg));
    const block = new TransformerBlock(cfg, 0, w.layers[0]);
    const pattern = block.hookPoints.find((n) => n.endsWith("hook_pattern"))!;
    const scores = block.hookPoints.find((n) => n.endsWith("hook_attn_scores"))!;
    const kernels = await createKernelsBackend({ threads: 1 });
    try {
      expect(planRun([block], query([pattern], kernels), false).of(block)!.detail.scores).toBe(false);
      expect(planRun([block], query([scores], kernels), false).of(block)!.detail.scores).toBe(true);
      expect(planRun([block], query([pattern], tsBackend), false).of(block)!.detail.scores).toBe(true);
    } finally {
      kernels.dispose();
    }
  });
});
