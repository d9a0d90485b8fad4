/** Temporary cache folders for download tests, removed after the file's tests, and what a folder holds. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/** A temporary folder for this test file (removed afterwards) and a function giving a fresh folder name in it. */
export function tempWork(prefix: string): { work: string; freshDir: () => string } {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;
  return { work, freshDir: () => path.join(work, `cache-${n++}`) };
}

/** Every file under a folder, recursively, relative paths. */
export const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    : [];
