import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";

export const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(cliDir, "..", "..");
export const mainJs = path.join(cliDir, "dist", "main.js");
export const sharedDir = path.resolve(repoRoot, "..", "shared");
export const tinyDir = path.join(sharedDir, "fixtures", "tl-attn2l-tiny");
export const neoxTokenizer = path.join(sharedDir, "tokenizers", "gpt-neox-20b.json");
export const hasFixtures = existsSync(path.join(tinyDir, "goldens.json")) && existsSync(neoxTokenizer);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (`node dist/main.js ...args`). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} not found: build the CLI first (npm run build)`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [mainJs, ...args],
      { env: { ...process.env, ATTNSCOPE_DEBUG: "", ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface GoldenInput {
  name: string;
  text: string | null;
  tokens: number[];
  str_tokens: string[];
  golden_file: string;
  tensors: Record<string, number[]>;
  heads: { current_token: string[]; previous_token: string[]; first_token: string[] };
  scores: { current_token: (number | null)[][]; previous_token: (number | null)[][]; first_token: (number | null)[][] };
  induction_heads?: string[];
  induction_scores?: number[][];
  mean_loss_first_half?: number;
  mean_loss_second_half?: number;
}

export function goldenInputs(): GoldenInput[] {
  return JSON.parse(readFileSync(path.join(tinyDir, "goldens.json"), "utf8")).inputs;
}

export function goldenInput(name: string): GoldenInput {
  const input = goldenInputs().find((i) => i.name === name);
  if (!input) throw new Error(`golden input ${name} not found in ${tinyDir}/goldens.json`);
  return input;
}

/** `describe` that runs only when ../shared/fixtures is present, and says so when it is not. */
export const describeWithFixtures: typeof describe = (
  hasFixtures
    ? describe
    : (name: string, ...rest: unknown[]) =>
        (describe.skip as (n: string, ...r: unknown[]) => void)(
          `${name} (skipped: fixtures not found at ${tinyDir})`,
          ...rest,
        )
) as typeof describe;

export type Scores = (number | null)[][];

/** Detector scores `[layer][head]` within `tol` of the goldens; a null (undefined) score must stay null. */
export function expectScoresClose(actual: Scores, golden: Scores, tol = 1e-4): void {
  expect(actual.length).toBe(golden.length);
  golden.forEach((row, l) => {
    expect(actual[l].length).toBe(row.length);
    row.forEach((g, h) => {
      const a = actual[l][h];
      if (g === null) expect(a, `[${l}][${h}]`).toBeNull();
      else expect(Math.abs((a as number) - g), `[${l}][${h}]: ${a} vs ${g}`).toBeLessThanOrEqual(tol);
    });
  });
}
