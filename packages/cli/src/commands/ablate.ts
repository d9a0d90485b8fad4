import { Command } from "commander";
import {
  ablationInductionScore,
  ablationScores,
  formatHead,
  parseHead,
  repeatedTokensFor,
  validateTokenBatch,
  type HeadIndex,
} from "@attnscope/core";
import { CliError, type CliIO } from "../context.js";
import { scoreTable } from "../format.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withModelOptions } from "../options.js";
import { parseInteger, parseTokenBatch } from "../parse.js";
import { workBar } from "../progress.js";

interface AblateOptions extends ModelOptions {
  mode: string;
  seqLen: string;
  batch: string;
  seed: string;
  tokens?: string;
  inductionHead?: string;
  json?: boolean;
}

/** `attnscope ablate`: ARENA's ablation scores on repeated random tokens (loss increase when a head is removed). */
export function ablateCommand(io: CliIO): Command {
  const cmd = new Command("ablate").description(
    "ablate each head (zero or mean) on repeated random tokens and report the loss increase on the repeat",
  );
  withModelOptions(cmd)
    .option("--mode <mode>", "zero or mean (over the batch)", "zero")
    .option("--seq-len <n>", "length of the random half", "50")
    .option("--batch <n>", "number of random sequences", "10")
    .option("--seed <n>", "random seed", "0")
    .option("--tokens <ids>", "repeated sequences to use instead (BOS + half + the same half), separated by ';'")
    .option(
      "--induction-head <layer.head>",
      "also zero each earlier head's values in turn and report this head's induction score (ARENA's ablation_induction_score, on the first sequence)",
    )
    .option(
      "--json",
      "print JSON: mode, loss_clean, ablation_scores ([layer][head], ablated − clean loss); with --induction-head also induction_head and ablation_induction_scores",
    )
    .action(async (opts: AblateOptions) => {
      if (opts.mode !== "zero" && opts.mode !== "mean")
        throw new CliError(`--mode must be zero or mean, got ${JSON.stringify(opts.mode)}`);
      const seqLen = parseInteger(opts.seqLen, "--seq-len", 2);
      const batch = parseInteger(opts.batch, "--batch", 1);
      const seed = parseInteger(opts.seed, "--seed", 0);
      const given = opts.tokens === undefined ? undefined : parseTokenBatch(opts.tokens);
      const model = await loadModel(opts, io);
      let ind: HeadIndex | undefined;
      if (opts.inductionHead !== undefined) {
        try {
          ind = parseHead(opts.inductionHead, model.cfg, "induction head");
        } catch (e) {
          throw new CliError(`--induction-head: ${(e as Error).message}`);
        }
        if (ind.layer === 0)
          throw new CliError(
            `--induction-head ${formatHead(ind)} is in layer 0: no earlier head's values can reach it`,
          );
      }
      let tokens: number[][];
      if (given) {
        validateTokenBatch(given, model.cfg.d_vocab, model.cfg.n_ctx);
        tokens = given;
      } else {
        if (2 * seqLen + 1 > model.cfg.n_ctx)
          throw new CliError(
            `--seq-len ${seqLen} makes sequences of ${2 * seqLen + 1} tokens, more than the model's n_ctx = ${model.cfg.n_ctx}`,
          );
        tokens = repeatedTokensFor(model, seqLen, batch, seed);
      }
      const bar = workBar(io, Boolean(opts.progress), "Ablating");
      let r;
      try {
        r = await ablationScores(model, tokens, {
          mode: opts.mode,
          onProgress: (done, total) =>
            bar.update(
              done,
              total,
              `head ${Math.floor((done - 1) / model.cfg.n_heads)}.${(done - 1) % model.cfg.n_heads}`,
            ),
        });
      } catch (e) {
        throw given && e instanceof RangeError ? new CliError(`--tokens: ${e.message}`) : e;
      } finally {
        bar.stop();
      }
      let induction: Record<string, number> | undefined;
      if (ind) {
        induction = { none: await ablationInductionScore(model, tokens[0], null, ind) };
        for (let l = 0; l < ind.layer; l++) {
          for (let h = 0; h < model.cfg.n_heads; h++)
            induction[`${l}.${h}`] = await ablationInductionScore(model, tokens[0], { layer: l, head: h }, ind);
        }
      }
      if (opts.json) {
        const result: Record<string, unknown> = {
          mode: r.mode,
          loss_clean: r.lossClean,
          ablation_scores: r.scores.toArray(),
        };
        if (ind && induction)
          Object.assign(result, { induction_head: formatHead(ind), ablation_induction_scores: induction });
        io.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const S = (tokens[0].length - 1) / 2;
      io.stdout.write(
        [
          `${tokens.length} sequence${tokens.length === 1 ? "" : "s"} of BOS + ${S} tokens + the same ${S}; loss on the last ${S - 1} predictions`,
          `clean loss: ${r.lossClean.toFixed(4)}`,
          "",
          scoreTable(`${r.mode}-ablation scores (ablated − clean loss)`, r.scores.toArray() as number[][]),
          "",
          ...(ind && induction
            ? [
                `induction score of ${formatHead(ind)} on the first sequence, with one earlier head's values zeroed:`,
                ...Object.entries(induction).map(([k, x]) => `  ${k.padEnd(6)} ${x.toFixed(4)}`),
                "",
              ]
            : []),
        ].join("\n"),
      );
    });
  return cmd;
}
