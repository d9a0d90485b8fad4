import { Command } from "commander";
import { CliError, type CliIO } from "../context.js";

/** `attnscope train`: placeholder until training lands; the real command replaces this file. */
export function trainCommand(_io: CliIO): Command {
  return new Command("train")
    .description("train a toy attention-only model (not available yet)")
    .allowUnknownOption(true)
    .action(() => {
      throw new CliError("attnscope train is not available yet");
    });
}
