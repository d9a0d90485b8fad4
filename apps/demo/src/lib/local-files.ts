/**
 * Sorting the files a visitor opens (picker or drop) into a checkpoint: weights (.pth or .safetensors),
 * a config.json (or a known config picked instead), an optional tokenizer.json. Problems are said in words
 * before anything is sent to the worker.
 */
import type { LocalFilesChoice } from "../model/protocol.js";

export interface SortedFiles {
  weights: File[];
  configs: File[];
  tokenizers: File[];
  other: File[];
}

/**
 * Which file is which: weights by extension; a JSON file by name (config.json, tokenizer.json), or else by
 * its start (a config names d_model; anything else is taken for a tokenizer.json, which the worker checks).
 */
export async function sortFiles(files: readonly File[]): Promise<SortedFiles> {
  const out: SortedFiles = { weights: [], configs: [], tokenizers: [], other: [] };
  for (const f of files) {
    const name = f.name.toLowerCase();
    if (/\.(pth|pt|safetensors)$/.test(name)) out.weights.push(f);
    else if (/tokenizer.*\.json$/.test(name)) out.tokenizers.push(f);
    else if (/config.*\.json$/.test(name)) out.configs.push(f);
    else if (name.endsWith(".json"))
      (/"d_model"\s*:/.test(await f.slice(0, 65536).text()) ? out.configs : out.tokenizers).push(f);
    else out.other.push(f);
  }
  return out;
}

/** The checkpoint to load, or a sentence saying what is missing or ambiguous. */
export async function checkpointFrom(
  files: readonly File[],
  knownConfig: Record<string, unknown> | null,
  knownConfigName: string | null,
): Promise<LocalFilesChoice | { error: string }> {
  const s = await sortFiles(files);
  const names = files.map((f) => f.name).join(", ") || "no files";
  if (s.other.length) {
    return {
      error: `Cannot use ${s.other.map((f) => f.name).join(", ")}: open a .pth or .safetensors file, its config.json and optionally a tokenizer.json.`,
    };
  }
  if (s.weights.length === 0)
    return { error: `No weights among ${names}: add the checkpoint's .pth or .safetensors file.` };
  if (s.weights.length > 1)
    return {
      error: `Several weight files (${s.weights.map((f) => f.name).join(", ")}): open one checkpoint at a time.`,
    };
  if (s.configs.length > 1)
    return {
      error: `Several configs (${s.configs.map((f) => f.name).join(", ")}): open the one that belongs to ${s.weights[0].name}.`,
    };
  if (s.tokenizers.length > 1)
    return { error: `Several tokenizers (${s.tokenizers.map((f) => f.name).join(", ")}): open one tokenizer.json.` };
  const config = s.configs[0] ?? knownConfig;
  if (!config) {
    return { error: `${s.weights[0].name} needs its config: add its config.json, or pick a known config below.` };
  }
  const with_ = s.configs[0] ? s.configs[0].name : `the ${knownConfigName ?? "known"} config`;
  return {
    kind: "files",
    name: `${s.weights[0].name} (${with_})`,
    weights: s.weights[0],
    config,
    tokenizer: s.tokenizers[0],
  };
}
