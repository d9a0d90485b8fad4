/**
 * Download caches. Node: a folder (`$ATTNSCOPE_CACHE`, default `~/.cache/attnscope`), one file per URL
 * under `<host>/<path>`, written to a temporary name and renamed into place, so the cache never holds a
 * partial file. Browsers: the Cache API (`caches.open("attnscope")`). Entries are only ever put complete.
 */
import { envVar, isNode, nodeFs, nodeOs, nodePath } from "./env.js";

export interface SourceCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

/** Cache folder used in Node when none is given. */
export async function defaultCacheDir(): Promise<string> {
  const fromEnv = envVar("ATTNSCOPE_CACHE");
  if (fromEnv) return fromEnv;
  const [os, path] = await Promise.all([nodeOs(), nodePath()]);
  return path.join(os.homedir(), ".cache", "attnscope");
}

/** Relative file path for a URL: `<host>[_port]/<path segments>`, each segment made filesystem-safe. */
export function cacheKeyPath(url: string): string[] {
  const u = new URL(url);
  const safe = (s: string) => {
    const t = decodeURIComponent(s).replace(/[^A-Za-z0-9._-]/g, "_");
    return t === "." || t === ".." || t === "" ? "_" + t : t;
  };
  const parts = [safe(u.host.replace(":", "_")), ...u.pathname.split("/").filter(Boolean).map(safe)];
  if (u.search) parts[parts.length - 1] += "_" + safe(u.search.slice(1));
  return parts;
}

export function folderCache(dir: string): SourceCache {
  const fileFor = async (url: string) => {
    const path = await nodePath();
    return path.join(dir, ...cacheKeyPath(url));
  };
  return {
    async get(url) {
      const fs = await nodeFs();
      try {
        const b = await fs.readFile(await fileFor(url));
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async put(url, bytes) {
      const [fs, path] = await Promise.all([nodeFs(), nodePath()]);
      const file = await fileFor(url);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.partial`;
      try {
        await fs.writeFile(tmp, bytes);
        await fs.rename(tmp, file);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
    },
  };
}

export function browserCache(name = "attnscope"): SourceCache | undefined {
  const c = (globalThis as { caches?: CacheStorage }).caches;
  if (!c) return undefined;
  return {
    async get(url) {
      const res = await (await c.open(name)).match(url);
      return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
    },
    async put(url, bytes) {
      // The Response constructor copies the bytes itself (fetch spec, "extract a body").
      const body = bytes as Uint8Array<ArrayBuffer>;
      await (await c.open(name)).put(url, new Response(body, { headers: { "content-length": String(bytes.length) } }));
    },
  };
}

/** `true` → the platform default; a string → that folder (Node); an object → itself; `false` → no cache. */
export async function resolveCache(option: boolean | string | SourceCache | undefined): Promise<SourceCache | undefined> {
  if (option === false) return undefined;
  if (typeof option === "object") return option;
  if (typeof option === "string") return folderCache(option);
  return isNode ? folderCache(await defaultCacheDir()) : browserCache();
}
