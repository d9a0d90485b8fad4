import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Command } from "commander";
import cliProgress from "cli-progress";
import {
  ByteTokenizer,
  createKernelsBackend,
  createTrainer,
  DEFAULT_CORPUS,
  findPhaseChange,
  kernelsAvailable,
  loadTokenizer,
  resolveConfig,
  trainingConfigJson,
  writeSafetensors,
  type Backend,
  type RandomTokensFrom,
  type Tokenizer,
  type TrainProgress,
  tsBackend,
} from "@attnscope/core";
import { CliError, type CliIO } from "../context.js";
import { parseInteger, parseNumber } from "../parse.js";

interface TrainOptions {
  dModel: string;
  nHeads: string;
  dHead?: string;
  nLayers: string;
  nCtx: string;
  positional: string;
  posInit: string;
  tokenizer: string;
  corpus: string;
  steps: string;
  batch: string;
  seqLen: string;
  lr: string;
  warmup: string;
  schedule: string;
  weightDecay: string;
  clip: string;
  seed: string;
  evalEvery: string;
  repeatFraction: string;
  repeatTextFraction: string;
  withoutBosFraction: string;
  randomTokensFrom: string;
  segMin: string;
  charTextFraction: string;
  segMax?: string;
  dtype: string;
  backend: string;
  threads: string;
  out: string;
  curriculum?: string;
  probeHalf?: string;
  freezePos?: boolean;
  modelName?: string;
  progress?: boolean;
  saveAt?: string;
}

/** `attnscope train`: train an attention-only transformer and write config.json, model.safetensors, training-log.json. */
export function trainCommand(io: CliIO): Command {
  return new Command("train")
    .description("train a small attention-only transformer (TransformerLens layout) and write it as a model folder")
    .option("--d-model <n>", "residual stream width", "64")
    .option("--n-heads <n>", "attention heads per layer", "8")
    .option("--d-head <n>", "head width (default d_model / n_heads)")
    .option("--n-layers <n>", "layers", "2")
    .option("--n-ctx <n>", "context length of the model", "512")
    .option("--positional <type>", "shortformer (positions into queries/keys only) or standard", "shortformer")
    .option("--pos-init <kind>", "W_pos initialisation: normal (TransformerLens) or sinusoidal", "normal")
    .option("--freeze-pos", "keep W_pos at its initial value (with --pos-init sinusoidal: fixed positional encodings)")
    .option("--tokenizer <t>", '"byte" (256 bytes + BOS) or a tokenizer.json file', "byte")
    .option(
      "--corpus <file>",
      'training text file, "default" (Moby-Dick chapters 1-130 and the State of the Union addresses) or one of those: "moby-dick", "sotu"',
      "default",
    )
    .option("--steps <n>", "optimizer steps", "2000")
    .option("--batch <n>", "sequences per step", "8")
    .option("--seq-len <n>", "tokens per sequence including BOS", "256")
    .option(
      "--curriculum <phases>",
      "earlier phases as until:seqLen:batch,... (e.g. 1000:64:16: steps before 1000 use 16 rows of 64)",
    )
    .option(
      "--probe-half <n>",
      "random half length of the repeated-token probe (default: fits the shortest rows, at most 50)",
    )
    .option("--lr <x>", "peak learning rate (AdamW)", "0.005")
    .option("--warmup <n>", "linear warm-up steps", "100")
    .option("--schedule <s>", "after warm-up: constant or cosine", "constant")
    .option("--weight-decay <x>", "AdamW weight decay on weight matrices", "0.01")
    .option("--clip <x>", "global gradient-norm clip (0: off)", "1")
    .option("--seed <n>", "seed of the initialisation and the data order", "0")
    .option("--eval-every <n>", "score the heads on the repeated-token probe every n steps", "25")
    .option("--repeat-fraction <x>", "fraction of sequences that are a random token segment repeated", "0.25")
    .option("--repeat-text-fraction <x>", "fraction of sequences that are a window of the corpus repeated", "0")
    .option(
      "--char-text-fraction <x>",
      "fraction of sequences that are a window of the corpus spelt one character per token (ASCII characters, each its base token)",
      "0",
    )
    .option(
      "--seg-min <n>",
      "shortest repeated segment, in tokens (2: a period-2 row, where the next token is the previous one)",
      "4",
    )
    .option("--seg-max <n>", "longest repeated segment, in tokens (default: half the row)")
    .option(
      "--without-bos-fraction <x>",
      "fraction of sequences that start mid-text without BOS (so position 0 is not a free resting place for attention)",
      "0",
    )
    .option(
      "--random-tokens-from <s>",
      "where random segments draw their tokens: vocab (uniform over the vocabulary), corpus (by the corpus's token frequencies) or top:K (uniform over the corpus's K most frequent tokens); then, optionally, STEP:SOURCE,... for sources from a step on (top:256,1400:vocab)",
      "vocab",
    )
    .option(
      "--dtype <t>",
      "dtype of the written model.safetensors: float32 or float16 (half the size; training is float32)",
      "float32",
    )
    .option(
      "--backend <b>",
      "kernels (AssemblyScript SIMD) or ts (plain TypeScript)",
      kernelsAvailable() ? "kernels" : "ts",
    )
    .option("--threads <n>", "kernel threads (1 keeps runs bit-reproducible across machines)", "1")
    .option("--progress", "draw the progress bar even when stderr is not a terminal")
    .option(
      "--save-at <steps>",
      "also write the model as it is after these steps (comma-separated) to <out>-step<N>; each folder's log gives the command that trains exactly it (--steps N: the run is deterministic)",
    )
    .option("--model-name <name>", "model_name in config.json (default: the --out folder's name)")
    .requiredOption("--out <dir>", "folder to write config.json, model.safetensors and training-log.json")
    .action(async (opts: TrainOptions) => {
      const dModel = parseInteger(opts.dModel, "--d-model", 1);
      const nHeads = parseInteger(opts.nHeads, "--n-heads", 1);
      if (opts.dHead === undefined && dModel % nHeads !== 0)
        throw new CliError(`--d-model ${dModel} is not divisible by --n-heads ${nHeads}: give --d-head`);
      const dHead = opts.dHead === undefined ? dModel / nHeads : parseInteger(opts.dHead, "--d-head", 1);
      if (opts.positional !== "shortformer" && opts.positional !== "standard")
        throw new CliError(`--positional must be shortformer or standard, got "${opts.positional}"`);
      if (opts.posInit !== "normal" && opts.posInit !== "sinusoidal")
        throw new CliError(`--pos-init must be normal or sinusoidal, got "${opts.posInit}"`);
      if (opts.schedule !== "constant" && opts.schedule !== "cosine")
        throw new CliError(`--schedule must be constant or cosine, got "${opts.schedule}"`);
      const [firstSource, ...laterSources] = opts.randomTokensFrom.split(",");
      const randomTokensFrom = parseRandomSource(firstSource, opts.randomTokensFrom);
      const randomTokensLater = laterSources.map((phase) => {
        const m = /^(\d+):(.+)$/.exec(phase);
        if (!m) throw new CliError(`--random-tokens-from: "${phase}" should be STEP:SOURCE (e.g. 1400:vocab)`);
        return { fromStep: Number(m[1]), from: parseRandomSource(m[2], opts.randomTokensFrom) };
      });
      randomTokensLater.forEach((p, i) => {
        const before = i === 0 ? 0 : randomTokensLater[i - 1].fromStep;
        if (!(p.fromStep > before))
          throw new CliError(`--random-tokens-from: the steps must increase from 1, got ${p.fromStep} after ${before}`);
      });
      if (opts.dtype !== "float32" && opts.dtype !== "float16")
        throw new CliError(`--dtype must be float32 or float16, got "${opts.dtype}"`);
      if (opts.backend !== "kernels" && opts.backend !== "ts")
        throw new CliError(`--backend must be kernels or ts, got "${opts.backend}"`);

      const tokenizer: Tokenizer =
        opts.tokenizer === "byte" ? new ByteTokenizer() : await loadTokenizer(opts.tokenizer);
      const corpus = readCorpus(opts.corpus);
      const ids = tokenizer.encode(corpus.text);
      const charTextFraction = parseNumber(opts.charTextFraction, "--char-text-fraction");
      const charCorpus = charTextFraction > 0 ? spellInCharacters(corpus.text, tokenizer) : undefined;
      const config = resolveConfig(
        {
          d_model: dModel,
          n_heads: nHeads,
          d_head: dHead,
          n_layers: parseInteger(opts.nLayers, "--n-layers", 1),
          n_ctx: parseInteger(opts.nCtx, "--n-ctx", 2),
          d_vocab: tokenizer.vocabSize,
          attn_only: true,
          normalization_type: null,
          positional_embedding_type: opts.positional,
          use_attn_result: true,
          seed: parseInteger(opts.seed, "--seed", 0),
          tokenizer_name: opts.tokenizer === "byte" ? "byte" : path.basename(opts.tokenizer),
          model_name: opts.modelName ?? path.basename(path.resolve(opts.out)),
        },
        "--d-model/--n-heads/...",
      );
      const steps = parseInteger(opts.steps, "--steps", 1);
      const saveAt = new Set(
        (opts.saveAt ?? "")
          .split(",")
          .filter((x) => x !== "")
          .map((x) => {
            const n = parseInteger(x, "--save-at", 1);
            if (n >= steps) throw new CliError(`--save-at ${n}: not before the last step (--steps ${steps})`);
            return n;
          }),
      );
      const backend: Backend =
        opts.backend === "kernels"
          ? await createKernelsBackend({ threads: parseInteger(opts.threads, "--threads", 1) })
          : tsBackend;
      const options = {
        steps,
        batchSize: parseInteger(opts.batch, "--batch", 1),
        seqLen: parseInteger(opts.seqLen, "--seq-len", 2),
        lr: parseNumber(opts.lr, "--lr"),
        warmup: parseInteger(opts.warmup, "--warmup", 0),
        schedule: opts.schedule as "constant" | "cosine",
        weightDecay: parseNumber(opts.weightDecay, "--weight-decay"),
        clip: parseNumber(opts.clip, "--clip"),
        seed: config.seed ?? 0,
        evalEvery: parseInteger(opts.evalEvery, "--eval-every", 0),
        repeatFraction: parseNumber(opts.repeatFraction, "--repeat-fraction"),
        repeatTextFraction: parseNumber(opts.repeatTextFraction, "--repeat-text-fraction"),
        withoutBosFraction: parseNumber(opts.withoutBosFraction, "--without-bos-fraction"),
        randomTokensFrom,
        randomTokensLater: randomTokensLater.length ? randomTokensLater : undefined,
        segMin: parseInteger(opts.segMin, "--seg-min", 1),
        charTextFraction,
        segMax: opts.segMax === undefined ? undefined : parseInteger(opts.segMax, "--seg-max", 1),
        posInit: opts.posInit === "sinusoidal" ? { kind: "sinusoidal" as const } : { kind: "normal" as const },
        frozen: opts.freezePos ? ["pos_embed.W_pos"] : [],
      };
      const curriculum =
        opts.curriculum === undefined
          ? undefined
          : opts.curriculum.split(",").map((phase) => {
              const parts = phase.split(":");
              if (parts.length !== 3) throw new CliError(`--curriculum: "${phase}" is not until:seqLen:batch`);
              return {
                until: parseInteger(parts[0], "--curriculum until", 1),
                seqLen: parseInteger(parts[1], "--curriculum seqLen", 2),
                batchSize: parseInteger(parts[2], "--curriculum batch", 1),
              };
            });
      const probe =
        opts.probeHalf === undefined ? undefined : { half: parseInteger(opts.probeHalf, "--probe-half", 1) };
      const trainer = createTrainer({
        config,
        corpus: ids,
        charCorpus,
        tokenizer,
        backend,
        curriculum,
        probe,
        ...options,
      });

      const dtype = opts.dtype as "float32" | "float16";
      /** Writes the model as it is now, with its log; the log's command is the one that trains exactly it. */
      const writeModelFolder = (out: string, stepsDone: number) => {
        mkdirSync(out, { recursive: true });
        const cfgJson = trainingConfigJson(config);
        writeFileSync(path.join(out, "config.json"), `${JSON.stringify(cfgJson, null, 2)}\n`);
        const tensors = new Map([...trainer.stateDict()].map(([k, t]) => [k, { ...t, dtype }]));
        writeFileSync(path.join(out, "model.safetensors"), writeSafetensors(tensors, { format: "pt" }));
        // The folder is a complete model: a tokenizer.json-based model carries its tokenizer.json.
        if (opts.tokenizer !== "byte") writeFileSync(path.join(out, "tokenizer.json"), readFileSync(opts.tokenizer));
        const phaseChange = findPhaseChange(trainer.evals);
        const log = {
          format: "attnscope-training-log",
          version: 1,
          command: commandFor(process.argv.slice(3), stepsDone, steps),
          config: cfgJson,
          options: {
            ...options,
            steps: stepsDone,
            curriculum,
            probe,
            backend: backend.name,
            tokenizer: opts.tokenizer,
            dtype,
          },
          corpus: { source: corpus.source, ...(corpus.info ?? {}), bytes: corpus.text.length, tokens: ids.length },
          stepsDone,
          elapsedMs: trainer.evals.at(-1)?.elapsedMs ?? 0,
          phaseChange,
          losses: trainer.losses.map((l) => Number(l.toFixed(5))),
          evals: trainer.evals.map((e) => roundEval({ ...e, totalSteps: stepsDone })),
        };
        writeFileSync(path.join(out, "training-log.json"), `${JSON.stringify(log)}\n`);
        return log;
      };

      const showBar = opts.progress === true || io.stderr.isTTY === true;
      const bar = showBar
        ? new cliProgress.SingleBar(
            {
              stream: io.stderr as NodeJS.WritableStream,
              noTTYOutput: !io.stderr.isTTY,
              notTTYSchedule: 2000,
              format:
                "Training |{bar}| {value}/{total} steps | loss {loss} | prev-token {prev} | induction {ind} | probe 2nd-half loss {probe} | {eta_formatted} left",
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const fmt = (p: TrainProgress) => ({
        ind: Math.max(...p.inductionScores.flat()).toFixed(2),
        prev: Math.max(...p.prevTokenScores.flat()).toFixed(2),
        probe: p.probe.lossSecondHalf.toFixed(2),
      });
      let last = { ind: "-", prev: "-", probe: "-" };
      bar?.start(steps, 0, { loss: "-", ...last });
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once("SIGINT", onSigint);
      try {
        await trainer.run({
          signal: abort.signal,
          onProgress: (p) => {
            last = fmt(p);
            // After the step's evaluation, so the folder's log ends with it.
            if (saveAt.has(p.step)) writeModelFolder(`${path.resolve(opts.out)}-step${p.step}`, p.step);
          },
          onStep: (s) => bar?.update(s.step, { loss: s.loss.toFixed(3), ...last }),
        });
      } finally {
        process.off("SIGINT", onSigint);
        bar?.stop();
        if ("dispose" in backend && typeof backend.dispose === "function") backend.dispose();
      }

      const out = path.resolve(opts.out);
      const log = writeModelFolder(out, trainer.stepCount);
      const phaseChange = log.phaseChange;
      const fin = trainer.evals.at(-1)!;
      io.stdout.write(
        [
          `trained ${trainer.stepCount}/${steps} steps in ${(log.elapsedMs / 1000).toFixed(1)} s on ${backend.name}`,
          `final loss ${trainer.losses.at(-1)?.toFixed(3)}; probe loss first half ${fin.probe.lossFirstHalf.toFixed(3)}, second half ${fin.probe.lossSecondHalf.toFixed(3)}`,
          phaseChange
            ? `induction phase change: steps ${phaseChange.startStep}-${phaseChange.endStep} (best induction score ${phaseChange.scoreBefore.toFixed(2)} -> ${phaseChange.scoreAfter.toFixed(2)}, head ${phaseChange.head})`
            : "no induction phase change seen",
          `wrote ${path.join(out, "config.json")}, model.safetensors, ${opts.tokenizer !== "byte" ? "tokenizer.json, " : ""}training-log.json`,
          "",
        ].join("\n"),
      );
    });
}

/** Add `attnscope train` to a program. */
export function registerTrainCommand(program: Command, io: CliIO): Command {
  const cmd = trainCommand(io);
  program.addCommand(cmd);
  return cmd;
}

function roundEval(e: TrainProgress): TrainProgress {
  const r = (x: number) => Number(x.toFixed(4));
  return {
    ...e,
    loss: e.loss === null ? null : r(e.loss),
    lr: Number(e.lr.toPrecision(4)),
    probe: { lossFirstHalf: r(e.probe.lossFirstHalf), lossSecondHalf: r(e.probe.lossSecondHalf) },
    inductionScores: e.inductionScores.map((row) => row.map(r)),
    prevTokenScores: e.prevTokenScores.map((row) => row.map(r)),
    firstTokenScores: e.firstTokenScores.map((row) => row.map(r)),
  };
}

interface Corpus {
  text: string;
  source: string;
  info?: Record<string, string>;
}

/**
 * A text file; "default", the default public-domain corpus from its npm packages (see DEFAULT_CORPUS); or the
 * name of one of its sources ("moby-dick" alone is what the byte-level model was trained on).
 */
export function readCorpus(spec: string): Corpus {
  const named = DEFAULT_CORPUS.sources.filter((src) => spec === "default" || spec === src.name);
  if (!named.length) {
    try {
      return { text: readFileSync(spec, "utf8"), source: path.basename(spec) };
    } catch (e) {
      throw new CliError(
        `--corpus ${spec}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
          `or name the default corpus ("default") or one of its sources (${DEFAULT_CORPUS.sources.map((src) => src.name).join(", ")})`,
      );
    }
  }
  const req = createRequire(createRequire(import.meta.url).resolve("@attnscope/core/package.json"));
  const parts: string[] = [];
  const info: Record<string, string> = { name: spec === "default" ? DEFAULT_CORPUS.name : spec };
  for (const src of named) {
    let dir: string;
    try {
      dir = path.join(path.dirname(req.resolve(`${src.package}/package.json`)), "data");
    } catch {
      throw new CliError(
        `--corpus ${spec} needs the dev dependency ${src.package} (run npm ci in the repository), or pass --corpus FILE`,
      );
    }
    const files =
      src.trainFiles === "*.txt"
        ? readdirSync(dir)
            .filter((f) => f.endsWith(".txt"))
            .sort()
        : [...src.trainFiles];
    for (const f of files) parts.push(readFileSync(path.join(dir, f), "utf8").trim());
    info[src.name] =
      `${src.package}@${src.version}: ${files.length} files, ${files[0]} .. ${files.at(-1)}; ${src.licence}`;
  }
  return { text: parts.join("\n\n"), source: spec, info };
}

/**
 * `text` as one token per ASCII character, each the token the tokenizer gives that character alone (its base
 * token); other characters are left out.
 */
function spellInCharacters(text: string, tokenizer: Tokenizer): Int32Array {
  const idOf = new Map<number, number>();
  for (let c = 0; c < 128; c++) {
    const ids = tokenizer.encode(String.fromCharCode(c));
    if (ids.length === 1) idOf.set(c, ids[0]!);
  }
  const out = new Int32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const id = idOf.get(text.charCodeAt(i));
    if (id !== undefined) out[n++] = id;
  }
  return out.subarray(0, n);
}

/** One source of random segments: vocab, corpus or top:K. */
function parseRandomSource(s: string, whole: string): RandomTokensFrom {
  const top = /^top:(\d+)$/.exec(s);
  if (top && Number(top[1]) >= 1) return { top: Number(top[1]) };
  if (s === "vocab" || s === "corpus") return s;
  throw new CliError(
    `--random-tokens-from must be vocab, corpus or top:K (K ≥ 1), then optionally STEP:SOURCE,..., got "${whole}"`,
  );
}

/**
 * The command that trains exactly the model after `stepsDone` steps: the given arguments with --steps set to
 * it (the data order, curriculum and learning rate do not depend on --steps) and without --save-at.
 */
function commandFor(args: string[], stepsDone: number, steps: number): string {
  const out: string[] = [];
  let stepsGiven = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const hasValue = inline === undefined && (flag === "--steps" || flag === "--save-at");
    if (flag === "--save-at") {
      if (hasValue) i++;
      continue;
    }
    if (flag === "--steps") stepsGiven = true;
    if (flag === "--steps" && stepsDone !== steps) {
      out.push("--steps", String(stepsDone));
      if (hasValue) i++;
      continue;
    }
    out.push(args[i]);
  }
  if (!stepsGiven && stepsDone !== steps) out.push("--steps", String(stepsDone));
  return `attnscope train ${out.join(" ")}`.trim();
}
