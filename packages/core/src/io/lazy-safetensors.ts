/**
 * A local safetensors file (Node) opened without reading it whole: the header is read and checked, and each
 * tensor's bytes are read from the file when its data is first used (see `readSafetensorsLazily`). A model
 * that hands its weights to kernels memory one at a time then never holds the file's 500 MB and its own copy
 * together. Anything else (a URL, bytes, a browser, a .pth, a file that cannot be opened) is left to the
 * ordinary reader, which reports its errors.
 */
import { detectFormat } from "../weights/load.js";
import { readSafetensorsLazily, safetensorsHeaderBytes } from "../weights/safetensors.js";
import type { StateDict } from "../weights/state-dict.js";
import { isNode, nodeFsSync } from "./env.js";
import { sourceUrl, type Source } from "./source.js";

export interface LazyWeightsFile {
  stateDict: StateDict;
  /** The file's size in bytes. */
  size: number;
}

/** The lazily read state dict of `source` when it is a local safetensors file, else null. */
export async function openLocalSafetensors(source: Source, name: string): Promise<LazyWeightsFile | null> {
  if (!isNode || typeof source !== "string" || sourceUrl(source) !== undefined) return null;
  const fs = await nodeFsSync();
  const file = source.startsWith("file:") ? new URL(source) : source;
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return null;
  }
  let size: number, head: Uint8Array;
  try {
    size = fs.fstatSync(fd).size;
    if (!fs.fstatSync(fd).isFile() || size < 9) return null;
    const first = new Uint8Array(16);
    fs.readSync(fd, first, 0, 16, 0);
    if (detectFormat(first) !== "safetensors") return null;
    head = new Uint8Array(safetensorsHeaderBytes(first, size, name));
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const read = (begin: number, end: number): Uint8Array => {
    // Each tensor gets its own buffer (8-byte aligned, so float32 data is used without another copy).
    const out = new Uint8Array(end - begin);
    const f = fs.openSync(file, "r");
    try {
      let at = 0;
      while (at < out.length) {
        const n = fs.readSync(f, out, at, out.length - at, begin + at);
        if (n === 0) break;
        at += n;
      }
      return at === out.length ? out : out.subarray(0, at);
    } finally {
      fs.closeSync(f);
    }
  };
  return { stateDict: readSafetensorsLazily(head, size, read, name).tensors, size };
}
