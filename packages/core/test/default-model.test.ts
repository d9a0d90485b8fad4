/**
 * The embedded default model does what it is shipped for: previous-token, first-token and induction heads on
 * ARENA's seed paragraph and on Moby-Dick text held out of its training, induction heads on repeated random
 * bytes; and its training log shows the induction phase change.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  firstAttnDetector, HookedTransformer, prevAttnDetector, runInductionExperiment, tsBackend,
} from "../src/index.js";
import { DEFAULT_CORPUS, forward, paramsFromStateDict, perTokenLoss } from "../src/train/index.js";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const assets = path.join(pkgDir, "assets", "default-model");
// The embedded module is generated at build time; make it when the tests run first.
if (!existsSync(path.join(pkgDir, "src", "default-model", "embedded.generated.ts"))) {
  execFileSync(process.execPath, [path.join(pkgDir, "scripts", "embed-default-model.mjs")]);
}
const { loadDefaultModelFiles } = await import("../src/default-model/index.js");

const SEED_TEXT =
  "We think that powerful, significantly superhuman machine intelligence is more likely than not to be created this " +
  "century. If current machine learning techniques were scaled up to this level, we think they would by default " +
  "produce systems that are deceptive or manipulative, and that no solid plans are known for how to avoid this.";

/** A paragraph of a chapter that was held out of training (chapter 133, its second paragraph). */
function unseenText(): string {
  const req = createRequire(path.join(pkgDir, "package.json"));
  const moby = DEFAULT_CORPUS.sources[0];
  const dir = path.join(path.dirname(req.resolve(`${moby.package}/package.json`)), "data");
  expect(moby.heldOutFiles).toContain("chapter_133.txt");
  expect(moby.trainFiles).not.toContain("chapter_133.txt");
  const paragraphs = readFileSync(path.join(dir, "chapter_133.txt"), "utf8").split("\n").filter((p) => p.trim());
  return paragraphs[2];
}

const files = loadDefaultModelFiles();
const model = new HookedTransformer(files.config, files.stateDict, { tokenizer: files.tokenizer });

describe("embedded default model", () => {
  it("is a 2-layer attention-only shortformer over bytes, committed under 8 MB", () => {
    expect(files.config).toMatchObject({
      n_layers: 2, attn_only: true, positional_embedding_type: "shortformer", d_vocab: 257, normalization_type: null,
    });
    expect(files.config.n_ctx).toBeGreaterThanOrEqual(256);
    expect(files.tokenizer.bosTokenId).toBe(256);
    expect(statSync(path.join(assets, "model.safetensors")).size).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(JSON.parse(readFileSync(path.join(assets, "config.json"), "utf8"))).toEqual(files.configJson);
    expect(files.trainingLog.command).toMatch(/^attnscope train /);
  });

  it("computes the same loss in the training forward pass and in HookedTransformer", async () => {
    const tokens = model.toTokens(SEED_TEXT);
    const { loss } = await model.runWithCache([tokens], { returnType: "loss", namesFilter: [] });
    const params = paramsFromStateDict(files.config, files.stateDict);
    const ours = perTokenLoss(files.config, forward(files.config, params, Int32Array.from(tokens), 1, tokens.length, tsBackend));
    expect(loss!.data.length).toBe(ours.length);
    for (let i = 0; i < ours.length; i++) expect(Math.abs(loss!.data[i] - ours[i])).toBeLessThan(1e-3);
  });

  for (const [name, text] of [["the seed paragraph", SEED_TEXT], ["held-out Moby-Dick text", unseenText()]] as const) {
    it(`finds previous-token and first-token heads above 0.4 on ${name}`, async () => {
      const tokens = model.toTokens(text);
      expect(tokens.length).toBeGreaterThan(250);
      const { cache } = await model.runWithCache(text, { returnType: "none", namesFilter: (n) => n.endsWith("hook_pattern") });
      const prev = prevAttnDetector(cache);
      const first = firstAttnDetector(cache);
      expect(prev.heads.length, `previous-token scores ${JSON.stringify(prev.scores)}`).toBeGreaterThanOrEqual(1);
      expect(first.heads.length, `first-token scores ${JSON.stringify(first.scores)}`).toBeGreaterThanOrEqual(1);
    });
  }

  it("has an induction head above 0.4 on repeated random bytes and halves the loss on the repeat", async () => {
    const r = await runInductionExperiment(model, { seqLen: 50, batch: 10, seed: 0 });
    // random ids over the bytes, never BOS
    expect(r.tokens.flat().filter((t, i) => i % 101 !== 0).every((t) => t >= 0 && t < 256)).toBe(true);
    expect(r.inductionHeads.length, `induction scores ${JSON.stringify(r.inductionScores)}`).toBeGreaterThanOrEqual(1);
    expect(r.lossSecondHalf).toBeLessThan(r.lossFirstHalf / 2);
  });

  it("its training log shows the induction score rising sharply, with the probe loss on the repeat falling", () => {
    const log = files.trainingLog;
    const steps = log.evals.at(-1)!.step;
    expect(log.losses).toHaveLength(steps);
    const pc = log.phaseChange!;
    expect(pc).not.toBeNull();
    // Most of the rise happens within a tenth of the run.
    expect(pc.endStep - pc.startStep).toBeLessThanOrEqual(steps / 10);
    expect(pc.scoreAfter).toBeGreaterThan(0.4);
    expect(pc.secondHalfLossBefore - pc.secondHalfLossAfter).toBeGreaterThan(1);
    // The training loss drops with it: the 20 steps after the span average well below the 20 before.
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const before = mean(log.losses.slice(pc.startStep - 20, pc.startStep));
    const after = mean(log.losses.slice(pc.endStep, pc.endStep + 20));
    expect(before - after).toBeGreaterThan(0.5);
  });
});
