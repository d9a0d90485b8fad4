#!/usr/bin/env node
/**
 * Prints the figures the default model's README states, measured on a model folder (default: the committed
 * assets/attnscope-bpe-2l), so they are regenerated from the model rather than typed in:
 *   node packages/core/scripts/measure-default-model.mjs [folder]      (after npm run build)
 * The texts are src/default-model/reference-texts.ts, as in test/default-model.test.ts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  COMMITTEE_TEXT,
  firstAttnDetector,
  headWeights,
  HELD_OUT_TEXT,
  HookedTransformer,
  inductionTargets,
  prevAttnDetector,
  runInductionExperiment,
  SEED_TEXT,
  toStrTokens,
} from "../dist/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const folder = process.argv[2] ?? path.join(root, "assets", "attnscope-bpe-2l");
const model = await HookedTransformer.fromPretrained(folder, { backend: "ts" });
const tk = model.tokenizer;
const { n_layers: L, n_heads: H } = model.cfg;
const fmt = (scores) => scores.map((row) => row.map((x) => x.toFixed(2)).join(" ")).join(" | ");
const pattern = async (tokens) =>
  await model.runWithCache([tokens], {
    returnType: "loss",
    lossPerToken: true,
    namesFilter: (n) => n.endsWith("hook_pattern"),
  });

for (const [name, text] of [
  ["seed paragraph", SEED_TEXT],
  ["held-out paragraph", HELD_OUT_TEXT],
]) {
  const tokens = model.toTokens(text);
  const { cache, loss } = await pattern(tokens);
  const prev = prevAttnDetector(cache);
  const first = firstAttnDetector(cache);
  const meanLoss = Array.from(loss.data).reduce((a, b) => a + b, 0) / loss.data.length;
  console.log(`${name}: ${tokens.length} tokens, mean loss ${meanLoss.toFixed(3)}`);
  console.log(`  previous-token heads ${prev.heads.join(" ") || "-"}; scores ${fmt(prev.scores)}`);
  console.log(
    `  first-token heads ${first.heads.join(" ") || "-"} (${first.heads.length} of ${L * H}); scores ${fmt(first.scores)}`,
  );
}

const p = tk.encode(HELD_OUT_TEXT);
const rep = await runInductionExperiment(model, { tokens: [[tk.bosTokenId, ...p, ...p]] });
console.log(
  `held-out paragraph repeated (BOS + ${p.length} + ${p.length} tokens): induction heads ${rep.inductionHeads.join(" ") || "-"}; ` +
    `scores ${fmt(rep.inductionScores)}; loss first copy ${rep.lossFirstHalf.toFixed(3)}, second copy ${rep.lossSecondHalf.toFixed(3)} ` +
    `(ratio ${(rep.lossSecondHalf / rep.lossFirstHalf).toFixed(3)})`,
);

const rnd = await runInductionExperiment(model, { seqLen: 50, batch: 10, seed: 0 });
console.log(
  `induction experiment (BOS + 50 random tokens + the same 50, batch 10, seed 0): induction heads ${rnd.inductionHeads.join(" ") || "-"}; ` +
    `scores ${fmt(rnd.inductionScores)}; loss ${rnd.lossFirstHalf.toFixed(3)} -> ${rnd.lossSecondHalf.toFixed(3)}`,
);

const ct = model.toTokens(COMMITTEE_TEXT);
const { cache: cc, loss: cl } = await pattern(ct);
const committee = tk.encode(" committee");
const occurrences = ct.map((t, i) => (t === committee[0] && committee.length === 1 ? i : -1)).filter((i) => i >= 0);
const query = occurrences[2];
const targets = inductionTargets(ct, query);
const layer1 = cc.get("pattern", 1);
const perHead = Array.from({ length: H }, (_, h) => {
  const w = targets.map((k) => headWeights(layer1, query, k)[h]);
  const best = w.indexOf(Math.max(...w));
  return { head: `1.${h}`, weight: w[best], key: targets[best], sum: w.reduce((a, b) => a + b, 0) };
});
const best = perHead.reduce((a, b) => (b.weight > a.weight ? b : a));
console.log(
  `committee sentence (${ct.length} tokens, " committee" = ${JSON.stringify(committee)}): third " committee" at position ${query}, ` +
    `tokens after the earlier ones at ${targets.join(", ")} (${targets.map((k) => JSON.stringify(toStrTokens(tk, [ct[k]])[0])).join(", ")})`,
);
console.log(`  best layer-1 head ${best.head} puts ${best.weight.toFixed(3)} on position ${best.key}`);
console.log(
  `  every layer-1 head (max, sum over the targets): ${perHead.map((h) => `${h.head} ${h.weight.toFixed(2)}/${h.sum.toFixed(2)}`).join(", ")}`,
);
console.log(`  loss predicting the third " committee": ${cl.data[query - 1].toFixed(3)} nats`);
