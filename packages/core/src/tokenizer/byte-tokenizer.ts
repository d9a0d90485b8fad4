import { TokenizerError } from "./errors.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * Byte-level tokenizer of the embedded default model: ids 0-255 are the UTF-8 bytes of the text, id 256
 * is BOS (after the bytes, so a byte's id is its value). Needs no vocabulary file.
 *
 * Display strings (`idToStr`, `strTokens`) are for token strips and tables, so every token is visible:
 * - printable ASCII and the space show as themselves;
 * - newline → "⏎", tab → "⇥", carriage return → "␍", other control bytes → their Unicode control
 *   picture (0x00 → "␀", 0x1b → "␛", 0x7f → "␡");
 * - bytes 0x80-0xff → "\xNN" (lower-case hex, as Python shows bytes), except that `strTokens`, which sees
 *   the whole sequence, shows the character on the byte that completes a valid UTF-8 sequence
 *   ("é" = [0xc3, 0xa9] → ["\xc3", "é"]);
 * - BOS → "<|BOS|>".
 * `decode` is exact: the UTF-8 decode of the bytes (invalid sequences → U+FFFD), BOS as "<|BOS|>".
 */
export class ByteTokenizer implements Tokenizer {
  static readonly BOS_ID = 256;
  static readonly BOS_STRING = "<|BOS|>";
  readonly vocabSize = 257;
  readonly bosTokenId = ByteTokenizer.BOS_ID;
  readonly name = "byte";
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  encode(text: string): number[] {
    if (typeof text !== "string") throw new TokenizerError(`encode expects a string, got ${typeof text}`);
    return Array.from(this.encoder.encode(text));
  }

  /** Ids the tokenizer does not know (≥ 257) decode to "", as with tokenizer.json tokenizers. */
  decode(ids: readonly number[]): string {
    let out = "";
    let run: number[] = [];
    const flush = () => {
      if (run.length) out += this.decoder.decode(Uint8Array.from(run));
      run = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = checkId(ids[i], i);
      if (id < 256) run.push(id);
      else if (id === ByteTokenizer.BOS_ID) {
        flush();
        out += ByteTokenizer.BOS_STRING;
      }
    }
    flush();
    return out;
  }

  idToStr(id: number): string {
    checkId(id, 0);
    if (id === ByteTokenizer.BOS_ID) return ByteTokenizer.BOS_STRING;
    if (id > 256) return "";
    return byteToStr(id);
  }

  strTokens(ids: readonly number[]): string[] {
    const out = ids.map((id, i) => (checkId(id, i), this.idToStr(id)));
    for (let i = 0; i < ids.length; i++) {
      const n = utf8Length(ids[i]);
      if (n < 2 || i + n > ids.length) continue;
      const bytes = ids.slice(i, i + n);
      if (!bytes.slice(1).every((b) => b >= 0x80 && b <= 0xbf)) continue;
      const ch = decodeStrict(bytes);
      if (ch === undefined) continue;
      out[i + n - 1] = ch;
      i += n - 1;
    }
    return out;
  }
}

const CONTROL_NAMES: Record<number, string> = { 0x0a: "⏎", 0x09: "⇥", 0x0d: "␍", 0x7f: "␡" };

function byteToStr(b: number): string {
  if (CONTROL_NAMES[b]) return CONTROL_NAMES[b];
  if (b < 0x20) return String.fromCharCode(0x2400 + b); // Unicode control pictures ␀..␟
  if (b < 0x80) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, "0")}`;
}

/** Length of the UTF-8 sequence a lead byte starts (0 when it is not a lead byte of a multi-byte one). */
function utf8Length(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeStrict(bytes: number[]): string | undefined {
  try {
    return strictDecoder.decode(Uint8Array.from(bytes)); // rejects overlong forms and surrogates
  } catch {
    return undefined;
  }
}

function checkId(id: number, position: number): number {
  if (!Number.isInteger(id) || id < 0)
    throw new TokenizerError(`token at position ${position} is ${id}, not a token id (a non-negative integer)`);
  return id;
}
