/**
 * `attnscope detect --batch-file prompts.txt`: ARENA's three detectors on every prompt of a text file (one a
 * line, BOS prepended), one JSON line per prompt, with a progress bar. Every line is tokenized and checked
 * before the first run, so a bad line stops the job before it starts, naming the line; the output file appears
 * only when every prompt is done.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import cliProgress from "cli-progress";
import {
  currentAttnDetector,
  firstAttnDetector,
  prevAttnDetector,
  toTokens,
  type HookedTransformer,
} from "@attnscope/core";
import { requireFiniteActivations } from "../checks.js";
import { CliError, type CliIO } from "../context.js";

export interface BatchOptions {
  file: string;
  out?: string;
  threshold: number;
  progress: boolean;
}

interface Prompt {
  line: number;
  tokens: number[];
}

/** The file's non-blank lines as token sequences (BOS prepended), each checked against the model. */
async function readPrompts(model: HookedTransformer, file: string): Promise<Prompt[]> {
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read --batch-file ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  });
  if (!model.tokenizer) throw new CliError("this model has no tokenizer: pass --tokenizer FILE (a tokenizer.json)");
  const { n_ctx: nCtx, d_vocab: dVocab } = model.cfg;
  const prompts: Prompt[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      prompts.push({ line: i + 1, tokens: toTokens(model.tokenizer!, raw, { prependBos: true, nCtx, dVocab }) });
    } catch (e) {
      throw new CliError(`--batch-file ${file} line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (prompts.length === 0) throw new CliError(`--batch-file ${file} has no prompts (every line is blank)`);
  return prompts;
}

function progressBar(io: CliIO, force: boolean, total: number) {
  if (!force && !io.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      noTTYOutput: !io.stderr.isTTY,
      notTTYSchedule: 1000,
      hideCursor: Boolean(io.stderr.isTTY),
      format: "Detecting |{bar}| {value}/{total} prompts, {rate} prompts/s, ETA {eta_formatted}",
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: "0" });
  return bar;
}

export async function detectBatch(model: HookedTransformer, opts: BatchOptions, io: CliIO): Promise<void> {
  const prompts = await readPrompts(model, opts.file);
  const cannotWrite = (e: NodeJS.ErrnoException) =>
    new CliError(`cannot write ${opts.out}: ${e.code === "ENOENT" ? "its folder does not exist" : e.message}`);
  // Written next to the target and renamed at the end: a failed run leaves no half-written file under its name.
  const tmp = opts.out ? `${opts.out}.partial` : null;
  const stream = tmp
    ? (
        await open(tmp, "w").catch((e: NodeJS.ErrnoException) => {
          throw cannotWrite(e);
        })
      ).createWriteStream()
    : null;
  const done = stream ? finished(stream).catch((e: NodeJS.ErrnoException) => Promise.reject(cannotWrite(e))) : null;
  done?.catch(() => {}); // awaited below; never unhandled
  const write = async (line: string) => {
    if (!stream) return void io.stdout.write(line);
    if (!stream.write(line)) await Promise.race([new Promise<void>((r) => stream.once("drain", () => r())), done]);
  };
  const bar = progressBar(io, opts.progress, prompts.length);
  const started = performance.now();
  try {
    for (const [i, p] of prompts.entries()) {
      const { cache } = await model.runWithCache(p.tokens, {
        namesFilter: (name) => name.endsWith(".attn.hook_pattern"),
        removeBatchDim: true,
        returnType: "none",
      });
      requireFiniteActivations(cache, `the model computes NaN or ±Infinity on --batch-file line ${p.line}`);
      const current = currentAttnDetector(cache, opts.threshold);
      const previous = prevAttnDetector(cache, opts.threshold);
      const first = firstAttnDetector(cache, opts.threshold);
      const result = {
        line: p.line,
        tokens: p.tokens,
        detectors: { current: current.heads, previous: previous.heads, first: first.heads },
        scores: { current: current.scores, previous: previous.scores, first: first.scores },
      };
      await write(`${JSON.stringify(result)}\n`); // NaN scores as null
      bar?.update(i + 1, { rate: ((i + 1) / ((performance.now() - started) / 1000)).toFixed(1) });
    }
    if (stream) {
      stream.end();
      await done;
      await rename(tmp!, opts.out!);
    }
  } catch (e) {
    stream?.destroy();
    if (tmp) await rm(tmp, { force: true });
    throw e;
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const tokens = prompts.reduce((s, p) => s + p.tokens.length, 0);
  io.stderr.write(
    `${prompts.length} prompts (${tokens} tokens) in ${seconds.toFixed(1)} s: ${(prompts.length / seconds).toFixed(1)} prompts/s` +
      `${opts.out ? `; wrote ${opts.out}` : ""}\n`,
  );
}
