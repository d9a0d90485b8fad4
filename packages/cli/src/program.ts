import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError, processIO, type CliIO } from "./context.js";
import { cacheCommand } from "./commands/cache.js";
import { detectCommand } from "./commands/detect.js";
import { inductionCommand } from "./commands/induction.js";
import { trainCommand } from "./commands/train.js";
import { circuitCommand } from "./commands/circuit.js";
import { attributeCommand } from "./commands/attribute.js";
import { ablateCommand } from "./commands/ablate.js";
import { trainTokenizerCommand } from "./commands/train-tokenizer.js";
import { exportOnnxCommand } from "./commands/export-onnx.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** The `attnscope` program, writing to `io` (process streams by default, buffers in tests). */
export function createProgram(io: CliIO = processIO()): Command {
  const program = new Command("attnscope")
    .description(
      "TransformerLens-style attention analysis of attention-only transformers: detect heads, dump caches, run the induction experiment, analyse circuits",
    )
    .version(version)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  for (const cmd of [
    detectCommand(io),
    cacheCommand(io),
    inductionCommand(io),
    circuitCommand(io),
    attributeCommand(io),
    ablateCommand(io),
    trainCommand(io),
    trainTokenizerCommand(io),
    exportOnnxCommand(io),
  ]) {
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) }).exitOverride();
    program.addCommand(cmd);
  }
  return program;
}

/**
 * Run the CLI on `argv` (as process.argv: node, script, args...) and return the exit code. Errors print one
 * line on stderr (the stack too when ATTNSCOPE_DEBUG=1).
 */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has printed its message (or the help)
    const err = e as Error;
    if (io.env.ATTNSCOPE_DEBUG === "1") io.stderr.write(`${err?.stack ?? String(e)}\n`);
    else io.stderr.write(`attnscope: error: ${oneLine(err instanceof Error ? err.message : String(e))}\n`);
    return 1;
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

export { CliError };
