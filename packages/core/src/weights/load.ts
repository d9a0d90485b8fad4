/**
 * Weight files by content, not by name: `detectFormat` looks at the magic bytes, `parseWeights` reads
 * either format into a state dict, and `checkStateDict` (check.ts) compares the keys and shapes with what a
 * config's architecture needs.
 */
import { WeightsError } from "./errors.js";
import { isLegacyTorchFile, readPth } from "./pth.js";
import { readSafetensors } from "./safetensors.js";
import type { StateDict } from "./state-dict.js";

export type WeightsFormat = "pth" | "safetensors" | "pth-legacy" | "unknown";

/** Format of a weight file from its first bytes. */
export function detectFormat(bytes: Uint8Array): WeightsFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return "pth";
  if (isLegacyTorchFile(bytes)) return "pth-legacy";
  if (bytes.length >= 9) {
    // safetensors: u64 little-endian header length, then a JSON object. A length beyond the file still
    // says "safetensors" (cut off, or a damaged length), so the reader can say which.
    const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (len >= 2n && bytes[8] === 0x7b) return "safetensors";
  }
  return "unknown";
}

/** Read a `.pth` (torch zip) or safetensors file into a state dict; `source` names it in errors. */
export function parseWeights(bytes: Uint8Array, source = "weights"): StateDict {
  switch (detectFormat(bytes)) {
    case "pth":
    case "pth-legacy":
      return readPth(bytes, source);
    case "safetensors":
      return readSafetensors(bytes, source).tensors;
    default:
      throw new WeightsError(
        `${source} is not a PyTorch checkpoint (.pth zip) or safetensors file${describeContent(bytes)}`,
        source,
      );
  }
}

/** A hint at what a non-checkpoint file is, e.g. an HTML error page saved instead of the weights. */
export function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return " (it is empty)";
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 16));
  if (head.startsWith("\x89PNG")) return " (it is a PNG image)";
  if (head.startsWith("version https://git-lfs")) return " (it is a Git LFS pointer, not the file itself)";
  if (/^\s*</.test(head)) return " (it looks like HTML or XML)";
  if (/^\s*[{[]/.test(head)) return " (it looks like JSON)";
  if (bytes.subarray(0, 512).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128))
    return " (it looks like text)";
  return "";
}

export { checkStateDict, expectedStateDict } from "./check.js";
