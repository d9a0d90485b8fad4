/**
 * Minimal zip reader for torch checkpoints: parses the central directory and returns each entry's bytes
 * as a subarray of the input (no copy) when the entry is stored, as torch writes them. Only a deflated
 * entry is decompressed (with fflate). Zip64 archives (> 4 GB, or written by torch with zip64 records)
 * are understood.
 */
import { inflateSync } from "fflate";
import { WeightsError } from "./errors.js";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array, readonly source = "zip file") {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(why: string): never {
    throw new WeightsError(`${this.source}: truncated or corrupt zip: ${why}`, this.source);
  }

  private u16(at: number): number { return this.view.getUint16(at, true); }
  private u32(at: number): number { return this.view.getUint32(at, true); }
  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit field at byte ${at} is out of range`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    const b = this.bytes;
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535 bytes.
    let eocd = -1;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
      if (this.u32(i) === EOCD && i + 22 + this.u16(i + 20) <= b.length) { eocd = i; break; }
    }
    if (eocd < 0) this.fail("end of central directory not found");
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || this.u32(loc) !== ZIP64_LOCATOR) this.fail("zip64 end of central directory locator not found");
      const z = this.u64(loc + 8);
      if (z + 56 > b.length || this.u32(z) !== ZIP64_EOCD) this.fail("zip64 end of central directory not found");
      count = this.u64(z + 32);
      cdSize = this.u64(z + 40);
      cdOffset = this.u64(z + 48);
    }
    if (cdOffset + cdSize > b.length) this.fail(`central directory (bytes ${cdOffset}-${cdOffset + cdSize}) lies beyond the end of the file (${b.length} bytes)`);
    let p = cdOffset;
    const decoder = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdOffset + cdSize || this.u32(p) !== CENTRAL) this.fail(`central directory entry ${i} is damaged`);
      const method = this.u16(p + 10);
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      let localHeaderOffset = this.u32(p + 42);
      if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize) this.fail(`central directory entry ${i} is damaged`);
      const name = decoder.decode(b.subarray(p + 46, p + 46 + nameLen));
      // Zip64 extended information: the 64-bit values replace, in order, the 32-bit fields set to 0xffffffff.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) { size = this.u64(q); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = this.u64(q); q += 8; }
          if (localHeaderOffset === 0xffffffff) { localHeaderOffset = this.u64(q); q += 8; }
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** Bytes of an entry: a subarray of the archive when stored, an inflated copy when deflated. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new WeightsError(`${this.source}: zip entry "${name}" not found`, this.source);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.bytes.length || this.u32(at) !== LOCAL) this.fail(`local header of "${name}" not found at byte ${at}`);
    // The local header's extra field can differ from the central one (torch pads it to align the data).
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) this.fail(`entry "${name}" (bytes ${start}-${end}) runs past the end of the file (${this.bytes.length} bytes)`);
    const raw = this.bytes.subarray(start, end);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      let out: Uint8Array;
      try {
        out = inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (err) {
        return this.fail(`entry "${name}" does not inflate (${(err as Error).message})`);
      }
      if (out.length !== entry.size) this.fail(`entry "${name}" inflates to ${out.length} bytes, expected ${entry.size}`);
      return out;
    }
    throw new WeightsError(`${this.source}: zip entry "${name}" uses compression method ${entry.method}; only stored and deflated entries are supported`, this.source);
  }
}
