/**
 * `hf:owner/repo/path/in/repo` names a file on the Hugging Face Hub; it resolves to
 * `<endpoint>/owner/repo/resolve/<revision>/path`, with the endpoint from the `hfEndpoint` option, else
 * `HF_ENDPOINT` (Node), else https://huggingface.co. `hf:owner/repo@revision/path` picks a revision.
 */
import { envVar } from "./env.js";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

export interface HfPath {
  repo: string;
  revision: string;
  /** Path inside the repo; empty for `hf:owner/repo`. */
  path: string;
}

export function isHfSource(source: string): boolean {
  return source.startsWith("hf:");
}

export function parseHfSource(source: string): HfPath {
  const m = /^hf:([^/@\s]+)\/([^/@\s]+)(?:@([^/\s]+))?(?:\/(.*))?$/.exec(source);
  if (!m) throw new Error(`${source}: expected hf:owner/repo/path/in/repo`);
  const path = (m[4] ?? "").replace(/\/+$/, "");
  if (path.split("/").some((s) => s === ".." || s === "."))
    throw new Error(`${source}: the path may not contain "." or ".." segments`);
  return { repo: `${m[1]}/${m[2]}`, revision: m[3] ?? "main", path };
}

export function hfEndpoint(override?: string): string {
  return (override ?? envVar("HF_ENDPOINT") ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
}

/** URL of a file in a Hub repo. */
export function resolveHfUrl(source: string, endpoint?: string): string {
  const { repo, revision, path } = parseHfSource(source);
  if (!path) throw new Error(`${source}: names a repository, not a file (expected hf:owner/repo/path/in/repo)`);
  const enc = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  return `${hfEndpoint(endpoint)}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`;
}
