/**
 * Writes checkpoints in the zip layout `torch.save` uses (`<name>/data.pkl`, `<name>/data/<key>`,
 * `<name>/version`), entries stored and their data aligned to 64 bytes like torch's writer. Works in
 * memory or streaming to a file descriptor (CRC patched into the local header afterwards).
 */
import { writeSync } from "node:fs";
import type { StoredDType } from "../../src/weights/state-dict.js";
import { encodeTensorData } from "../../src/weights/safetensors.js";
import { torchStateDictPickle } from "./pickle-writer.js";
import type { PickledTensor } from "./pickle-writer.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32Update(crc: number, b: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export interface ZipSink {
  position: number;
  write(b: Uint8Array): void;
  patch(position: number, b: Uint8Array): void;
}

export class MemorySink implements ZipSink {
  position = 0;
  private chunks: { at: number; b: Uint8Array }[] = [];
  write(b: Uint8Array): void {
    this.chunks.push({ at: this.position, b: b.slice() });
    this.position += b.length;
  }
  patch(position: number, b: Uint8Array): void {
    const c = this.chunks.find((x) => position >= x.at && position + b.length <= x.at + x.b.length)!;
    c.b.set(b, position - c.at);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.position);
    for (const c of this.chunks) out.set(c.b, c.at);
    return out;
  }
}

export class FdSink implements ZipSink {
  position = 0;
  constructor(private readonly fd: number) {}
  write(b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.position + done);
    this.position += b.length;
  }
  patch(position: number, b: Uint8Array): void {
    writeSync(this.fd, b, 0, b.length, position);
  }
}

export class ZipWriter {
  private central: { name: Uint8Array; crc: number; size: number; offset: number }[] = [];
  constructor(
    private readonly sink: ZipSink,
    private readonly align = 64,
  ) {}

  /** One stored entry whose `size` bytes come from `chunks`. */
  add(name: string, size: number, chunks: Iterable<Uint8Array>): void {
    const nameBytes = new TextEncoder().encode(name);
    const offset = this.sink.position;
    // Pad the local extra field (id "FB", as torch does) so the data starts on an `align`-byte boundary.
    const pad = (this.align - ((offset + 30 + nameBytes.length + 4) % this.align)) % this.align;
    const extraLen = 4 + pad;
    const h = new Uint8Array(30 + nameBytes.length + extraLen);
    const v = new DataView(h.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true);
    v.setUint32(18, size, true);
    v.setUint32(22, size, true);
    v.setUint16(26, nameBytes.length, true);
    v.setUint16(28, extraLen, true);
    h.set(nameBytes, 30);
    v.setUint16(30 + nameBytes.length, 0x4246, true);
    v.setUint16(32 + nameBytes.length, pad, true);
    this.sink.write(h);
    let crc = 0;
    let written = 0;
    for (const c of chunks) {
      crc = crc32Update(crc, c);
      written += c.length;
      this.sink.write(c);
    }
    if (written !== size) throw new Error(`zip entry ${name}: wrote ${written} bytes, declared ${size}`);
    const crcBytes = new Uint8Array(4);
    new DataView(crcBytes.buffer).setUint32(0, crc, true);
    this.sink.patch(offset + 14, crcBytes);
    this.central.push({ name: nameBytes, crc, size, offset });
  }

  finish(): void {
    const start = this.sink.position;
    for (const e of this.central) {
      const h = new Uint8Array(46 + e.name.length);
      const v = new DataView(h.buffer);
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, 20, true);
      v.setUint32(16, e.crc, true);
      v.setUint32(20, e.size, true);
      v.setUint32(24, e.size, true);
      v.setUint16(28, e.name.length, true);
      v.setUint32(42, e.offset, true);
      h.set(e.name, 46);
      this.sink.write(h);
    }
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, this.central.length, true);
    v.setUint16(10, this.central.length, true);
    v.setUint32(12, this.sink.position - start, true);
    v.setUint32(16, start, true);
    this.sink.write(end);
  }
}

export interface StorageSpec {
  dtype: StoredDType;
  data: ArrayLike<number>;
}

export interface StridedTensorSpec {
  storage: string;
  shape: number[];
  stride?: number[];
  offset?: number;
}

const rowMajor = (shape: readonly number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** A `.pth` whose tensors are views (shape, stride, offset) into shared storages. */
export function writeStridedPth(
  storages: Record<string, StorageSpec>,
  tensors: Record<string, StridedTensorSpec>,
  archiveName = "archive",
): Uint8Array {
  const pickled: [string, PickledTensor][] = Object.entries(tensors).map(([k, t]) => [
    k,
    {
      storageKey: t.storage,
      storageDtype: storages[t.storage].dtype,
      storageNumel: storages[t.storage].data.length,
      offset: t.offset ?? 0,
      shape: t.shape,
      stride: t.stride ?? rowMajor(t.shape),
    },
  ]);
  const sink = new MemorySink();
  const zip = new ZipWriter(sink);
  const pkl = torchStateDictPickle(pickled);
  zip.add(`${archiveName}/data.pkl`, pkl.length, [pkl]);
  for (const [key, s] of Object.entries(storages)) {
    const b = encodeTensorData(key, { dtype: s.dtype, shape: [s.data.length], data: s.data });
    zip.add(`${archiveName}/data/${key}`, b.length, [b]);
  }
  const version = new TextEncoder().encode("3\n");
  zip.add(`${archiveName}/version`, version.length, [version]);
  zip.finish();
  return sink.bytes();
}

/** A `.pth` of contiguous tensors, one storage each (what torch.save(state_dict) writes). */
export function writePth(
  tensors: Record<string, { dtype: StoredDType; shape: number[]; data: ArrayLike<number> }>,
  archiveName = "archive",
): Uint8Array {
  const storages: Record<string, StorageSpec> = {};
  const specs: Record<string, StridedTensorSpec> = {};
  Object.entries(tensors).forEach(([k, t], i) => {
    storages[String(i)] = { dtype: t.dtype, data: t.data };
    specs[k] = { storage: String(i), shape: t.shape };
  });
  return writeStridedPth(storages, specs, archiveName);
}

/** A zip holding a given data.pkl (and nothing else), e.g. a hostile pickle. */
export function pthWithPickle(pkl: Uint8Array, archiveName = "archive"): Uint8Array {
  const sink = new MemorySink();
  const zip = new ZipWriter(sink);
  zip.add(`${archiveName}/data.pkl`, pkl.length, [pkl]);
  zip.finish();
  return sink.bytes();
}
