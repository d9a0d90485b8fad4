/** Where a command writes: real process streams in `main.ts`, buffers in tests. */
export interface CliIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** An error meant for the user: printed as one line, without a stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** A warning on stderr, one line, prefixed like errors: the command goes on. */
export function warn(io: CliIO, message: string): void {
  io.stderr.write(`attnscope: warning: ${message}\n`);
}
