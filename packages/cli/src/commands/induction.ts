import { Command } from "commander";
import { runInductionExperiment, validateTokenBatch } from "@attnscope/core";
import { warn, type CliIO } from "../context.js";
import { checkRepeated, checkSeqLen, requireFinite, requireFiniteScores } from "../checks.js";
import { headList, scoreTable } from "../format.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withModelOptions } from "../options.js";
import { parseInteger, parseThreshold, parseTokenBatch } from "../parse.js";

interface InductionOptions extends ModelOptions {
  seqLen?: string;
  batch: string;
  seed: string;
  tokens?: string;
  threshold: string;
  json?: boolean;
}

/** `attnscope induction`: ARENA's repeated-random-tokens experiment (loss per half, induction score per head). */
export function inductionCommand(io: CliIO): Command {
  const cmd = new Command("induction").description(
    "run repeated random tokens: loss on each half and every head's induction score",
  );
  withModelOptions(cmd)
    .option("--seq-len <n>", "length of the random half (default 50, or from --tokens)")
    .option("--batch <n>", "number of random sequences", "10")
    .option("--seed <n>", "random seed", "0")
    .option(
      "--tokens <ids>",
      "a repeated sequence to use instead (BOS + half + the same half); several separated by ';'",
    )
    .option("--threshold <x>", "a head is an induction head when its score is above this", "0.4")
    .option(
      "--json",
      "print JSON: induction_scores ([layer][head]), induction_heads, loss_first_half, loss_second_half",
    )
    .action(async (opts: InductionOptions) => {
      const seqLen = opts.seqLen === undefined ? undefined : parseInteger(opts.seqLen, "--seq-len", 1);
      const batch = parseInteger(opts.batch, "--batch", 1);
      const seed = parseInteger(opts.seed, "--seed", 0);
      const threshold = parseThreshold(opts.threshold, (m) => warn(io, m));
      const tokens = opts.tokens === undefined ? undefined : parseTokenBatch(opts.tokens);
      if (tokens) checkRepeated(tokens);
      const model = await loadModel(opts, io);
      if (tokens) validateTokenBatch(tokens, model.cfg.d_vocab, model.cfg.n_ctx);
      if (seqLen !== undefined && !tokens) checkSeqLen(seqLen, model.cfg.n_ctx);
      const r = await runInductionExperiment(model, { seqLen, batch, seed, tokens, threshold });
      const broken = "the model computes NaN or ±Infinity on this input (are its weights finite?)";
      requireFinite("the mean loss on the first half", r.lossFirstHalf, broken);
      requireFinite("the mean loss on the second half", r.lossSecondHalf, broken);
      requireFiniteScores("induction scores", r.inductionScores, broken);
      if (opts.json) {
        const result = {
          induction_scores: r.inductionScores,
          induction_heads: r.inductionHeads,
          loss_first_half: r.lossFirstHalf,
          loss_second_half: r.lossSecondHalf,
        };
        io.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      io.stdout.write(
        [
          `${r.tokens.length} sequence${r.tokens.length === 1 ? "" : "s"} of BOS + ${r.seqLen} random tokens + the same ${r.seqLen} again`,
          `mean loss, first half:  ${r.lossFirstHalf.toFixed(3)}`,
          `mean loss, second half: ${r.lossSecondHalf.toFixed(3)}`,
          "",
          scoreTable(`induction scores (mean of the diagonal at offset -${r.seqLen - 1})`, r.inductionScores),
          "",
          `induction heads (score above ${threshold}): ${headList(r.inductionHeads)}`,
          "",
        ].join("\n"),
      );
    });
  return cmd;
}
