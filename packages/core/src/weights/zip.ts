/**
 * Minimal zip reader for torch checkpoints: parses the central directory and returns each entry's bytes
 * as a subarray of the input (no copy) when the entry is stored, as torch writes them. Only a deflated
 * entry is decompressed (with fflate). Zip64 archives (> 4 GB, or written by torch with zip64 records)
 * are understood.
 *
 * A downloaded checkpoint is untrusted and may be damaged, so every entry is checked before its bytes are
 * handed out: its local header (name, method, sizes, and the data descriptor torch writes after the data)
 * must agree with the central directory, entries may not overlap each other or the directory, and the data
 * must match its CRC-32. A flipped byte is then a "corrupted" error, never different numbers.
 */
import CRC32 from "crc-32";
import { inflateSync } from "fflate";
import { WeightsError } from "./errors.js";

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** The central record carried zip64 sizes (so a data descriptor holds 8-byte sizes). */
  zip64: boolean;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
/** General-purpose flag bit 3: sizes and CRC follow the data in a data descriptor (torch sets it). */
const HAS_DESCRIPTOR = 0x0008;
const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;
  private cdOffset = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly source = "zip file",
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
    this.checkLayout();
  }

  private fail(why: string): never {
    throw new WeightsError(`${this.source}: truncated or corrupt zip: ${why}`, this.source);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }
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
      if (this.u32(i) === EOCD && i + 22 + this.u16(i + 20) <= b.length) {
        eocd = i;
        break;
      }
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
    this.cdOffset = cdOffset;
    if (cdOffset + cdSize > b.length)
      this.fail(
        `central directory (bytes ${cdOffset}-${cdOffset + cdSize}) lies beyond the end of the file (${b.length} bytes)`,
      );
    let p = cdOffset;
    const decoder = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdOffset + cdSize || this.u32(p) !== CENTRAL) this.fail(`central directory entry ${i} is damaged`);
      const flags = this.u16(p + 8);
      const method = this.u16(p + 10);
      const crc = this.u32(p + 16);
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      let localHeaderOffset = this.u32(p + 42);
      if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize)
        this.fail(`central directory entry ${i} is damaged`);
      const name = decoder.decode(b.subarray(p + 46, p + 46 + nameLen));
      // Zip64 extended information: the 64-bit values replace, in order, the 32-bit fields set to 0xffffffff.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      let zip64 = false;
      while (e + 4 <= extraEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 0x0001) {
          zip64 = true;
          let q = e + 4;
          const field = () => {
            if (q + 8 > e + 4 + len || q + 8 > extraEnd)
              this.fail(`zip64 field of central directory entry ${i} ("${name}") is cut off`);
            q += 8;
            return this.u64(q - 8);
          };
          if (size === 0xffffffff) size = field();
          if (compressedSize === 0xffffffff) compressedSize = field();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = field();
        }
        e += 4 + len;
      }
      if (this.entries.has(name)) this.fail(`the central directory names "${name}" twice`);
      this.entries.set(name, { name, method, flags, crc, compressedSize, size, localHeaderOffset, zip64 });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** Where an entry's data lies, after its local header has been checked against the central record. */
  private dataRange(entry: ZipEntry): { start: number; end: number } {
    const { name } = entry;
    const at = entry.localHeaderOffset;
    if (at + 30 > this.bytes.length || this.u32(at) !== LOCAL)
      this.fail(`local header of "${name}" not found at byte ${at}`);
    const nameLen = this.u16(at + 26);
    const localName = new TextDecoder().decode(
      this.bytes.subarray(at + 30, Math.min(this.bytes.length, at + 30 + nameLen)),
    );
    if (localName !== name)
      this.fail(`the local header at byte ${at} names ${JSON.stringify(localName)}, the central directory "${name}"`);
    const method = this.u16(at + 8);
    if (method !== entry.method)
      this.fail(`entry "${name}": local header says compression method ${method}, central directory ${entry.method}`);
    // The local header's extra field can differ from the central one (torch pads it to align the data).
    const start = at + 30 + nameLen + this.u16(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length)
      this.fail(`entry "${name}" (bytes ${start}-${end}) runs past the end of the file (${this.bytes.length} bytes)`);
    const flags = this.u16(at + 6);
    if ((flags & HAS_DESCRIPTOR) === 0) {
      const [crc, cs, us] = [this.u32(at + 14), this.u32(at + 18), this.u32(at + 22)];
      const zip64 = cs === 0xffffffff && us === 0xffffffff;
      if (crc !== entry.crc || (!zip64 && (cs !== entry.compressedSize || us !== entry.size))) {
        this.fail(
          `entry "${name}": local header (CRC ${hex(crc)}, ${cs}/${us} bytes) disagrees with the central directory (CRC ${hex(entry.crc)}, ${entry.compressedSize}/${entry.size} bytes)`,
        );
      }
    } else {
      // torch streams its entries: CRC and sizes follow the data, optionally after a signature.
      let d = end;
      if (d + 4 <= this.bytes.length && this.u32(d) === DESCRIPTOR) d += 4;
      const wide = entry.zip64 ? 8 : 4;
      if (d + 4 + 2 * wide > this.bytes.length) this.fail(`entry "${name}": data descriptor at byte ${end} is cut off`);
      const crc = this.u32(d);
      const cs = wide === 8 ? this.u64(d + 4) : this.u32(d + 4);
      const us = wide === 8 ? this.u64(d + 12) : this.u32(d + 8);
      if (crc !== entry.crc || cs !== entry.compressedSize || us !== entry.size) {
        this.fail(
          `entry "${name}": data descriptor (CRC ${hex(crc)}, ${cs}/${us} bytes) disagrees with the central directory (CRC ${hex(entry.crc)}, ${entry.compressedSize}/${entry.size} bytes)`,
        );
      }
    }
    return { start, end };
  }

  /** Entries' headers and data may not overlap one another or the central directory. */
  private checkLayout(): void {
    const ranges = [...this.entries.values()]
      .map((e) => ({ e, ...this.dataRange(e) }))
      .sort((a, b) => a.e.localHeaderOffset - b.e.localHeaderOffset);
    for (let i = 0; i + 1 < ranges.length; i++) {
      const [a, b] = [ranges[i], ranges[i + 1]];
      if (a.end > b.e.localHeaderOffset)
        this.fail(
          `entry "${a.e.name}" (bytes ${a.e.localHeaderOffset}-${a.end}) overlaps entry "${b.e.name}" at byte ${b.e.localHeaderOffset}`,
        );
    }
    const last = ranges[ranges.length - 1];
    if (last && last.end > this.cdOffset)
      this.fail(
        `entry "${last.e.name}" (bytes ${last.e.localHeaderOffset}-${last.end}) overlaps the central directory at byte ${this.cdOffset}`,
      );
  }

  /**
   * Bytes of an entry, checked against its CRC-32: a subarray of the archive when stored, an inflated copy
   * when deflated. `what` says what the entry holds, for the error (e.g. the tensor it backs).
   */
  read(name: string, what?: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new WeightsError(`${this.source}: zip entry "${name}" not found`, this.source);
    const { start, end } = this.dataRange(entry);
    const raw = this.bytes.subarray(start, end);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize)
        this.fail(
          `stored entry "${name}" declares ${entry.compressedSize} stored but ${entry.size} uncompressed bytes`,
        );
      out = raw;
    } else if (entry.method === 8) {
      try {
        out = inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (err) {
        return this.fail(`entry "${name}" does not inflate (${(err as Error).message})`);
      }
      if (out.length !== entry.size)
        this.fail(`entry "${name}" inflates to ${out.length} bytes, expected ${entry.size}`);
    } else {
      throw new WeightsError(
        `${this.source}: zip entry "${name}" uses compression method ${entry.method}; only stored and deflated entries are supported`,
        this.source,
      );
    }
    const crc = CRC32.buf(out) >>> 0;
    if (crc !== entry.crc) {
      throw new WeightsError(
        `${this.source}: corrupted: zip entry "${name}"${what ? ` (${what})` : ""} fails its CRC-32 check (computed ${hex(crc)}, ` +
          `the archive says ${hex(entry.crc)}); the file was damaged on disk or in transit: download or copy it again`,
        this.source,
      );
    }
    return out;
  }
}
