import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { tokenizerFromJson, trainByteLevelBpe } from "@attnscope/core";
import type { CliIO } from "../context.js";
import { parseInteger } from "../parse.js";
import { readCorpus } from "./train.js";

interface TrainTokenizerOptions {
  corpus: string;
  vocabSize: string;
  minFrequency: string;
  out: string;
}

/** `attnscope train-tokenizer`: learn byte-level BPE merges on a corpus and write a Hugging Face tokenizer.json. */
export function trainTokenizerCommand(io: CliIO): Command {
  return new Command("train-tokenizer")
    .description(
      "learn a byte-level BPE tokenizer (<|endoftext|> = id 0, the 256 bytes, then merges) and write tokenizer.json",
    )
    .option("--corpus <file>", 'training text file, or "default" (the default model\'s corpus)', "default")
    .option("--vocab-size <n>", "vocabulary size including <|endoftext|> and the 256 bytes", "4096")
    .option("--min-frequency <n>", "a pair must occur this often to be merged", "2")
    .requiredOption("--out <file>", "tokenizer.json to write")
    .action((opts: TrainTokenizerOptions) => {
      const vocabSize = parseInteger(opts.vocabSize, "--vocab-size", 257);
      const corpus = readCorpus(opts.corpus);
      const started = Date.now();
      const json = trainByteLevelBpe([corpus.text], {
        vocabSize,
        minFrequency: parseInteger(opts.minFrequency, "--min-frequency", 1),
      });
      const tok = tokenizerFromJson(json, { name: opts.out }); // fails here, not later, if the library rejects it
      const ids = tok.encode(corpus.text);
      const out = path.resolve(opts.out);
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(json)}\n`);
      io.stdout.write(
        [
          `learned ${(json.model.merges as unknown[]).length} merges (vocabulary ${tok.vocabSize}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `corpus: ${corpus.text.length} characters -> ${ids.length} tokens (${(corpus.text.length / ids.length).toFixed(2)} characters per token)`,
          `wrote ${out}`,
          "",
        ].join("\n"),
      );
    });
}
