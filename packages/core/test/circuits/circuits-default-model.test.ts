/**
 * The induction circuit of the embedded default model. Head names are not hard-coded (the model is retrained
 * from time to time): the previous-token head comes from the previous-token detector on ARENA's seed paragraph,
 * the induction heads from the induction experiment; the circuit functions must then agree with them.
 */
import { describe, expect, it } from "vitest";
import {
  ablationInductionScore,
  compositionBaseline,
  findInductionCircuits,
  HookedTransformer,
  prevAttnDetector,
  runInductionExperiment,
} from "../../src/index.js";
import { loadDefaultModelFiles } from "../../src/default-model/index.js";

const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this " +
  "century. If current machine learning techniques were scaled up to this level, we think they would by default " +
  "produce systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

const files = loadDefaultModelFiles();
const model = new HookedTransformer(files.config, files.stateDict, { tokenizer: files.tokenizer });

/** The head with the highest score in `scores[layer]` among `names`. */
function best(names: string[], scores: number[][]): string {
  return [...names].sort((a, b) => {
    const [la, ha] = a.split(".").map(Number);
    const [lb, hb] = b.split(".").map(Number);
    return scores[lb][hb] - scores[la][ha];
  })[0];
}

describe("induction circuit of the embedded default model", async () => {
  const { cache } = await model.runWithCache(SEED_TEXT, {
    returnType: "none",
    namesFilter: (n) => n.endsWith("hook_pattern"),
  });
  const prev = prevAttnDetector(cache);
  const experiment = await runInductionExperiment(model, { seqLen: 50, batch: 10, seed: 0 });
  const prevLayer0 = prev.heads.filter((h) => h.startsWith("0."));
  const inductionLater = experiment.inductionHeads.filter((h) => !h.startsWith("0."));

  it("the detectors find a layer-0 previous-token head and a later induction head", () => {
    expect(prevLayer0.length, `previous-token scores ${JSON.stringify(prev.scores)}`).toBeGreaterThanOrEqual(1);
    expect(
      inductionLater.length,
      `induction scores ${JSON.stringify(experiment.inductionScores)}`,
    ).toBeGreaterThanOrEqual(1);
  });

  it("findInductionCircuits ranks the previous-token head → an induction head first, and that K-composition stands out", async () => {
    const prevHead = best(prevLayer0, prev.scores);
    const r = await findInductionCircuits(model);
    const top = r.circuits[0];
    console.log(
      `default model: previous-token head ${prevHead} (seed text ${prev.scores[0][Number(prevHead.split(".")[1])].toFixed(3)}), ` +
        `induction heads ${experiment.inductionHeads.join(" ")}; top circuits: ` +
        r.circuits
          .slice(0, 4)
          .map((c) => `${c.previous}→${c.induction} K ${c.kComposition.toFixed(3)}`)
          .join(", "),
    );
    expect(top.previous).toBe(prevHead);
    expect(experiment.inductionHeads).toContain(top.induction);
    expect(top.isCircuit).toBe(true);
    // For the strongest induction head, no other earlier head composes with its keys as much as the previous-token head.
    const indHead = best(inductionLater, experiment.inductionScores);
    const column = r.circuits.filter((c) => c.induction === indHead).sort((a, b) => b.kComposition - a.kComposition);
    expect(column[0].previous).toBe(prevHead);
    // and it is well above chance: ARENA's random baseline for these dimensions
    const baseline = compositionBaseline(model, 50, 0);
    console.log(
      `K-composition ${prevHead}→${indHead} ${column[0].kComposition.toFixed(3)}, next ${column[1].kComposition.toFixed(3)}, baseline ${baseline.toFixed(3)}`,
    );
    expect(column[0].kComposition).toBeGreaterThan(2 * baseline);
  });

  it("zeroing the previous-token head's values drops the induction head's score", async () => {
    const prevHead = best(prevLayer0, prev.scores);
    const indHead = best(inductionLater, experiment.inductionScores);
    const tokens = experiment.tokens;
    const clean = await ablationInductionScore(model, tokens, null, indHead);
    const ablated = await ablationInductionScore(model, tokens, prevHead, indHead);
    // another layer-0 head with a low previous-token score, for comparison
    const other = prev.scores[0].map((s, h) => [s, h] as const).sort((a, b) => a[0] - b[0])[0][1];
    const control = await ablationInductionScore(model, tokens, `0.${other}`, indHead);
    console.log(
      `induction score of ${indHead}: clean ${clean.toFixed(3)}, ${prevHead}'s values zeroed ${ablated.toFixed(3)}, 0.${other}'s values zeroed ${control.toFixed(3)}`,
    );
    expect(
      Math.abs(clean - experiment.inductionScores[Number(indHead.split(".")[0])][Number(indHead.split(".")[1])]),
    ).toBeLessThan(1e-5);
    expect(ablated).toBeLessThan(clean / 2);
    expect(control).toBeGreaterThan(ablated);
  });
});
