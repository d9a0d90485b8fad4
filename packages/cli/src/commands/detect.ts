import { Command } from "commander";
import { currentAttnDetector, firstAttnDetector, prevAttnDetector } from "@attnscope/core";
import { warn, type CliIO } from "../context.js";
import { headList, scoreTable, tokenLine } from "../format.js";
import { loadModel, type ModelOptions } from "../load-model.js";
import { withInputOptions, withModelOptions } from "../options.js";
import { parseThreshold } from "../parse.js";
import { requireFiniteActivations, warnIfShort } from "../checks.js";
import { inputTokens, strTokens, type InputOptions } from "../tokens.js";
import { CliError } from "../context.js";
import { detectBatch } from "./detect-batch.js";

interface DetectOptions extends ModelOptions, InputOptions {
  threshold: string;
  json?: boolean;
  batchFile?: string;
  out?: string;
}

/** `attnscope detect`: ARENA's current-, previous- and first-token head detectors on one sequence. */
export function detectCommand(io: CliIO): Command {
  const cmd = new Command("detect").description("find current-token, previous-token and first-token heads");
  withInputOptions(withModelOptions(cmd))
    .option("--threshold <x>", "a head is detected when its score is above this", "0.4")
    .option("--json", "print JSON: tokens, str_tokens, detectors (head names) and scores ([layer][head], NaN → null)")
    .option(
      "--batch-file <file>",
      "run every line of a text file (one prompt a line, BOS prepended): one JSON line each",
    )
    .option("--out <file>", "with --batch-file: write the JSON lines here instead of stdout")
    .action(async (opts: DetectOptions) => {
      const threshold = parseThreshold(opts.threshold, (m) => warn(io, m));
      if (opts.batchFile !== undefined) {
        if (opts.text !== undefined || opts.tokens !== undefined)
          throw new CliError("give either --batch-file or --text/--tokens, not both");
        const model = await loadModel(opts, io);
        const batch = { file: opts.batchFile, out: opts.out, threshold, progress: Boolean(opts.progress) };
        return detectBatch(model, batch, io);
      }
      if (opts.out !== undefined) throw new CliError("--out goes with --batch-file (one JSON line per prompt)");
      const model = await loadModel(opts, io);
      const tokens = inputTokens(model, opts);
      warnIfShort(io, tokens);
      const { cache } = await model.runWithCache(tokens, {
        namesFilter: (name) => name.endsWith(".attn.hook_pattern"),
        removeBatchDim: true,
        returnType: "none",
      });
      requireFiniteActivations(
        cache,
        "the model computes NaN or ±Infinity on this input, so its scores mean nothing (are its weights finite?)",
      );
      const current = currentAttnDetector(cache, threshold);
      const previous = prevAttnDetector(cache, threshold);
      const first = firstAttnDetector(cache, threshold);
      const str = strTokens(model, tokens);
      if (opts.json) {
        const result = {
          tokens,
          str_tokens: str,
          detectors: { current: current.heads, previous: previous.heads, first: first.heads },
          scores: { current: current.scores, previous: previous.scores, first: first.scores },
        };
        io.stdout.write(`${JSON.stringify(result)}\n`); // JSON.stringify writes NaN as null
        return;
      }
      io.stdout.write(
        [
          `${tokens.length} tokens: ${tokenLine(str)}`,
          "",
          scoreTable("current-token scores (mean of the diagonal)", current.scores),
          "",
          scoreTable("previous-token scores (mean of the sub-diagonal)", previous.scores),
          "",
          scoreTable("first-token scores (mean of column 0)", first.scores),
          "",
          `heads scoring above ${threshold}:`,
          `  current-token:  ${headList(current.heads)}`,
          `  previous-token: ${headList(previous.heads)}`,
          `  first-token:    ${headList(first.heads)}`,
          "",
        ].join("\n"),
      );
    });
  return cmd;
}
