/**
 * Where the shared TransformerLens fixtures live: `../shared` next to the repository root. Tests that need
 * them use `describeWithFixtures`, which skips (saying why) when the folder is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const sharedDir = path.resolve(repoRoot, "..", "shared");
export const tinyDir = path.join(sharedDir, "fixtures", "tl-attn2l-tiny");
export const hasFixtures = existsSync(path.join(tinyDir, "goldens.json"));

export function fixturePath(name: string): string {
  return path.join(tinyDir, name);
}

export function readFixture(name: string): Uint8Array {
  const b = readFileSync(fixturePath(name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface Goldens {
  state_dict: Record<string, { shape: number[]; dtype: string }>;
  inputs: { name: string; golden_file: string; tensors: Record<string, number[]> }[];
  config: Record<string, unknown>;
}

export function readGoldens(): Goldens {
  return JSON.parse(readFileSync(fixturePath("goldens.json"), "utf8")) as Goldens;
}

/**
 * `describe` that runs only when ../shared/fixtures is present, and says so when it is not. The suite's body is
 * not even collected without the fixtures (it may read them at collection time).
 */
export const describeWithFixtures: typeof describe = (
  hasFixtures
    ? describe
    : (name: string) =>
        describe.skip(`${name} (skipped: fixtures not found at ${tinyDir})`, () => {
          it.skip("needs ../shared/fixtures", () => {});
        })
) as typeof describe;
