// Seeded mutants of a weight file, for the fuzz test: the same (bytes, seed) always gives the same mutant, so a
// failure is reproduced with `mutate(readFileSync(fixture), kind, seed)`.
//
// Mutations aim at the bytes that carry structure: a zip's local headers, data.pkl, central directory and end
// record; a safetensors file's length and JSON header. A safetensors file's tensor data carries no checksum, so a
// changed data byte there is simply another valid file: its mutants change its structure or its length only.
// In a .pth every entry has a CRC-32, so mutants also hit tensor data anywhere.
import CRC32 from "crc-32";
import { SeededRandom } from "../../dist/util/random.js";

/** Uniform floats in [0, 1) from the project's seeded PRNG (the built one: the fuzz worker runs on dist/). */
export function rng(seed) {
  const r = new SeededRandom(seed);
  return () => r.next();
}

/** Zip layout of a pristine torch checkpoint: each entry's local header and data, the central directory. */
export function zipLayout(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = b.length - 22;
  while (eocd > 0 && v.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const count = v.getUint16(eocd + 10, true);
  const cdOffset = v.getUint32(eocd + 16, true);
  const entries = [];
  for (let i = 0, p = cdOffset; i < count; i++) {
    const nameLen = v.getUint16(p + 28, true);
    const name = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen));
    const local = v.getUint32(p + 42, true);
    const size = v.getUint32(p + 20, true);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    entries.push({ name, central: p, local, start, end: start + size });
    p += 46 + nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return { entries, cdOffset, eocd };
}

/** Byte ranges [start, end) that carry structure. */
export function structuralRegions(b, format) {
  if (format === "safetensors") {
    const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
    return [[0, 8 + n]]; // the length and the JSON header; the file's end is moved by truncate/extend/insert/delete
  }
  const { entries, cdOffset } = zipLayout(b);
  const out = [[cdOffset, b.length]];
  for (const e of entries) {
    out.push([e.local, e.start + 8]); // local header, name, extra field and the first data bytes
    out.push([Math.max(e.start, e.end - 8), Math.min(b.length, e.end + 24)]); // data end and descriptor
    if (e.name.endsWith("data.pkl") || e.name.endsWith("version") || e.name.endsWith("byteorder"))
      out.push([e.start, e.end]);
  }
  return out;
}

const INTERESTING_BYTES = [
  0x00, 0xff, 0x7f, 0x80, 0x01, 0x30, 0x39, 0x22, 0x7b, 0x7d, 0x2c, 0x5b, 0x5d, 0x2e, 0x28, 0x4b, 0x71, 0x68,
];
const INTERESTING_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe];

/**
 * One mutant of `bytes` (a fixture of `format` "pth" or "safetensors") from `seed`: returns the new bytes and a
 * short description. Kinds: flip, byte, u32, truncate, extend, insert, delete, splice, repickle (pth: data.pkl
 * bytes changed and its CRC-32 recomputed, as a crafted file would).
 *
 * With `scratch` (a copy of `bytes`), changes that keep the length are made in it in place, and `undo()` puts it
 * back: a 26 MB fixture is then not copied for every mutant. The mutant is the same either way.
 */
export function mutate(bytes, format, seed, scratch) {
  const saved = [];
  /** A buffer to change in place: scratch (remembering what it held) or a fresh copy. */
  const writable = () => (scratch ? scratch : bytes.slice());
  const remember = (buf, at, n) => {
    if (buf === scratch) saved.push([at, buf.slice(at, at + n)]);
  };
  const r = rng(seed);
  const int = (n) => Math.floor(r() * n);
  const regions = structuralRegions(bytes, format);
  /** A position in a structural region, or (pth only, 1 in 5) anywhere. */
  const pos = (len = bytes.length) => {
    if (format === "pth" && r() < 0.2) return int(len);
    const [s, e] = regions[int(regions.length)];
    return Math.min(len - 1, s + int(Math.max(1, e - s)));
  };
  const kinds =
    format === "pth"
      ? ["flip", "flip", "byte", "u32", "truncate", "extend", "insert", "delete", "splice", "repickle", "repickle"]
      : ["flip", "flip", "byte", "byte", "u32", "truncate", "extend", "insert", "delete", "splice"];
  const kind = kinds[int(kinds.length)];
  let out;
  let what;
  switch (kind) {
    case "flip": {
      out = writable();
      const n = 1 + int(4);
      const at = [];
      for (let i = 0; i < n; i++) {
        const p = pos();
        remember(out, p, 1);
        out[p] ^= 1 << int(8);
        at.push(p);
      }
      what = `flip bits at ${at.join(",")}`;
      break;
    }
    case "byte": {
      out = writable();
      const p = pos();
      remember(out, p, 1);
      out[p] = r() < 0.5 ? INTERESTING_BYTES[int(INTERESTING_BYTES.length)] : int(256);
      what = `byte ${p} = ${out[p]}`;
      break;
    }
    case "u32": {
      out = writable();
      const p = Math.min(bytes.length - 4, pos());
      const candidates = [...INTERESTING_U32, bytes.length, bytes.length - 1, bytes.length + 1, int(2 ** 32)];
      const val = candidates[int(candidates.length)];
      remember(out, p, 4);
      new DataView(out.buffer).setUint32(p, val >>> 0, true);
      what = `u32 at ${p} = ${val >>> 0}`;
      break;
    }
    case "truncate": {
      const len = r() < 0.5 ? pos() : int(bytes.length);
      out = bytes.subarray(0, len); // the loaders only read
      what = `truncate to ${len}`;
      break;
    }
    case "extend": {
      const n = 1 + int(64);
      out = new Uint8Array(bytes.length + n);
      out.set(bytes);
      for (let i = 0; i < n; i++) out[bytes.length + i] = r() < 0.5 ? 0 : int(256);
      what = `extend by ${n}`;
      break;
    }
    case "insert": {
      const p = pos();
      const n = 1 + int(16);
      out = new Uint8Array(bytes.length + n);
      out.set(bytes.subarray(0, p));
      for (let i = 0; i < n; i++) out[p + i] = int(256);
      out.set(bytes.subarray(p), p + n);
      what = `insert ${n} at ${p}`;
      break;
    }
    case "delete": {
      const p = pos();
      const n = Math.min(1 + int(16), bytes.length - p);
      out = new Uint8Array(bytes.length - n);
      out.set(bytes.subarray(0, p));
      out.set(bytes.subarray(p + n), p);
      what = `delete ${n} at ${p}`;
      break;
    }
    case "splice": {
      out = writable();
      const from = pos();
      const to = pos();
      const n = Math.min(1 + int(64), bytes.length - from, bytes.length - to);
      remember(out, to, n);
      out.copyWithin(to, from, from + n);
      what = `copy ${n} from ${from} to ${to}`;
      break;
    }
    case "repickle": {
      out = writable();
      const { entries } = zipLayout(bytes);
      const pkl = entries.find((e) => e.name.endsWith("data.pkl"));
      remember(out, pkl.start, pkl.end - pkl.start + 32); // data.pkl and its descriptor
      remember(out, pkl.central + 16, 4);
      remember(out, pkl.local + 14, 4);
      const n = 1 + int(3);
      const at = [];
      for (let i = 0; i < n; i++) {
        const p = pkl.start + int(pkl.end - pkl.start);
        out[p] = r() < 0.5 ? INTERESTING_BYTES[int(INTERESTING_BYTES.length)] : int(256);
        at.push(p);
      }
      // Keep the archive consistent, as a crafted file would: new CRC in the central directory and the descriptor.
      const crc = CRC32.buf(out.subarray(pkl.start, pkl.end)) >>> 0;
      const v = new DataView(out.buffer);
      v.setUint32(pkl.central + 16, crc, true);
      const d = v.getUint32(pkl.end, true) === 0x08074b50 ? pkl.end + 4 : pkl.end;
      if (v.getUint16(pkl.local + 6, true) & 8) v.setUint32(d, crc, true);
      else v.setUint32(pkl.local + 14, crc, true);
      what = `repickle: data.pkl bytes ${at.join(",")} changed, CRC fixed`;
      break;
    }
  }
  const undo = () => {
    for (let i = saved.length - 1; i >= 0; i--) scratch.set(saved[i][1], saved[i][0]);
  };
  return { bytes: out, kind, what, undo };
}
