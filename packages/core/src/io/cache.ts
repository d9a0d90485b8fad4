/**
 * Download caches. Node: a folder (`$ATTNSCOPE_CACHE`, default `~/.cache/attnscope`), one file per URL,
 * written to a temporary name and renamed into place, so the cache never holds a partial file. Browsers: the
 * Cache API (`caches.open("attnscope")`), keyed by the full URL. Entries are only ever put complete, and only
 * after the caller checked that they parse as what was asked for.
 *
 * Folder layout: `<host>[_port]/<sha256 of the full URL, 24 hex digits>-<last path segment>`, so two URLs never
 * share a file (`/x?y` and `/x_y` did in the earlier `<host>/<path>` layout). Files of that earlier layout are
 * still read for URLs it mapped unambiguously (no query, every path segment already file-safe) and moved to
 * their new name once they pass the caller's check.
 */
import { envVar, isNode, nodeCrypto, nodeFs, nodeOs, nodePath } from "./env.js";

export interface SourceCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  /** Drop an entry that turned out to be damaged. */
  delete?(url: string): Promise<void>;
  /** Called after a hit passed the caller's check (the folder cache moves an earlier layout's file into place). */
  confirm?(url: string): Promise<void>;
  /** Where the cache is, for messages. */
  readonly location?: string;
}

/** Cache folder used in Node when none is given. */
export async function defaultCacheDir(): Promise<string> {
  const fromEnv = envVar("ATTNSCOPE_CACHE");
  if (fromEnv) return fromEnv;
  const [os, path] = await Promise.all([nodeOs(), nodePath()]);
  return path.join(os.homedir(), ".cache", "attnscope");
}

const SAFE = /^[A-Za-z0-9._-]+$/;
const safeSegment = (s: string) => {
  let t: string;
  try {
    t = decodeURIComponent(s);
  } catch {
    t = s;
  }
  t = t.replace(/[^A-Za-z0-9._-]/g, "_");
  return t === "." || t === ".." || t === "" ? "_" + t : t;
};

/** Relative file path of a URL in the cache folder: `<host>[_port]/<url hash>-<last segment>`. */
export async function cacheKeyPath(url: string): Promise<string[]> {
  const u = new URL(url);
  const hash = (await nodeCrypto()).createHash("sha256").update(u.href).digest("hex").slice(0, 24);
  const last = u.pathname.split("/").filter(Boolean).pop() ?? "index";
  return [safeSegment(u.host.replace(":", "_")), `${hash}-${safeSegment(last).slice(0, 100)}`];
}

/** The earlier layout's path (`<host>/<path segments>`), only for URLs it mapped without ambiguity. */
export function legacyCacheKeyPath(url: string): string[] | undefined {
  const u = new URL(url);
  const segments = u.pathname.split("/").filter(Boolean);
  if (u.search || segments.length === 0 || !segments.every((s) => SAFE.test(s) && s !== "." && s !== ".."))
    return undefined;
  return [u.host.replace(":", "_"), ...segments];
}

/** Why a cache folder cannot be used, in words, from the error of a file operation under it. */
function whyUnusable(e: NodeJS.ErrnoException, dir: string): string {
  switch (e.code) {
    case "ENOTDIR":
    case "EEXIST":
      return `${dir} (or a folder in it) is a file, not a folder`;
    case "EACCES":
    case "EPERM":
      return `${dir} is not writable (${e.code})`;
    case "EROFS":
      return `${dir} is on a read-only file system`;
    case "ENOSPC":
      return `the disk holding ${dir} is full`;
    default:
      return `${dir}: ${e.message}`;
  }
}

/** The error a folder cache throws when it cannot be used; the load goes on without it. */
export class CacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CacheError";
  }
}

export function folderCache(dir: string): SourceCache {
  const [pathP, fsP] = [nodePath(), nodeFs()];
  const fileFor = async (url: string) => (await pathP).join(dir, ...(await cacheKeyPath(url)));
  const legacyFor = async (url: string) => {
    const parts = legacyCacheKeyPath(url);
    return parts && (await pathP).join(dir, ...parts);
  };
  const read = async (file: string): Promise<Uint8Array | undefined> => {
    try {
      const b = await (await fsP).readFile(file);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR") return undefined;
      throw new CacheError(`cannot read the download cache: ${whyUnusable(e as NodeJS.ErrnoException, dir)}`);
    }
  };
  return {
    location: dir,
    async get(url) {
      return (await read(await fileFor(url))) ?? (await legacyFor(url).then((f) => (f ? read(f) : undefined)));
    },
    async put(url, bytes) {
      const [fs, path] = await Promise.all([fsP, pathP]);
      const file = await fileFor(url);
      const tmp = `${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.partial`;
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(tmp, bytes);
        await fs.rename(tmp, file);
      } catch (e) {
        await fs.rm(tmp, { force: true }).catch(() => {});
        throw new CacheError(`cannot write to the download cache: ${whyUnusable(e as NodeJS.ErrnoException, dir)}`);
      }
    },
    async delete(url) {
      const fs = await fsP;
      for (const f of [await fileFor(url), await legacyFor(url)])
        if (f) await fs.rm(f, { force: true }).catch(() => {});
    },
    async confirm(url) {
      // A hit from the earlier layout moves to its collision-free name.
      const [fs, path] = await Promise.all([fsP, pathP]);
      const legacy = await legacyFor(url);
      const file = await fileFor(url);
      if (
        !legacy ||
        (await fs.stat(file).then(
          () => true,
          () => false,
        ))
      )
        return;
      if (
        !(await fs.stat(legacy).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        return;
      await fs
        .mkdir(path.dirname(file), { recursive: true })
        .then(() => fs.rename(legacy, file))
        .catch(() => {});
    },
  };
}

export function browserCache(name = "attnscope"): SourceCache | undefined {
  const c = (globalThis as { caches?: CacheStorage }).caches;
  if (!c) return undefined;
  return {
    location: `the browser's Cache API ("${name}")`,
    async get(url) {
      const res = await (await c.open(name)).match(url);
      return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
    },
    async put(url, bytes) {
      // The Response constructor copies the bytes itself (fetch spec, "extract a body").
      const body = bytes as Uint8Array<ArrayBuffer>;
      await (await c.open(name)).put(url, new Response(body, { headers: { "content-length": String(bytes.length) } }));
    },
    async delete(url) {
      await (await c.open(name)).delete(url);
    },
  };
}

/** `true` → the platform default; a string → that folder (Node); an object → itself; `false` → no cache. */
export async function resolveCache(
  option: boolean | string | SourceCache | undefined,
): Promise<SourceCache | undefined> {
  if (option === false) return undefined;
  if (typeof option === "object") return option;
  if (typeof option === "string") return folderCache(option);
  return isNode ? folderCache(await defaultCacheDir()) : browserCache();
}
