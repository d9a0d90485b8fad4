/**
 * `hf:owner/repo/*suffix` names the first file of a Hub repository whose path ends with `suffix`, in the order
 * the Hub lists the repository's files. TransformerLens finds NeelNanda's checkpoints this way (the first file
 * of `list_repo_files` ending in "final.pth"), since their file names are not one fixed name. The listing
 * comes from the Hub's model API (`<endpoint>/api/models/owner/repo/revision/<revision>`, its `siblings`) and
 * goes through the download cache like any file, so a model loaded once loads offline too.
 */
import { hfEndpoint, isHfSource, parseHfSource } from "./hf.js";
import { readSource, type ReadSourceOptions } from "./source.js";

/** Longest listing read, in files: a model repository has tens; this bounds what a hostile answer costs. */
const MAX_LISTED_FILES = 100_000;

/** Whether a source names a file by its suffix (`hf:owner/repo/*suffix`) rather than by its path. */
export function isListedHfSource(source: unknown): source is string {
  return typeof source === "string" && isHfSource(source) && /\/\*[^/*]+$/.test(source);
}

/** The URL of the Hub's description of a repository at a revision, which lists its files. */
export function hfListingUrl(source: string, endpoint?: string): string {
  const { repo, revision } = parseHfSource(source);
  const enc = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  return `${hfEndpoint(endpoint)}/api/models/${enc(repo)}/revision/${encodeURIComponent(revision)}`;
}

/** Resolves `hf:owner/repo[@revision]/*suffix` to `hf:owner/repo[@revision]/<the first listed file ending so>`. */
export async function resolveListedHfSource(source: string, opts: ReadSourceOptions = {}): Promise<string> {
  const { repo, revision } = parseHfSource(source);
  const suffix = source.slice(source.lastIndexOf("/*") + 2);
  const url = hfListingUrl(source, opts.hfEndpoint);
  // Checked before it is cached, so a wrong answer (an HTML page, an error object) never sticks.
  let files: string[] = [];
  const check = (bytes: Uint8Array) => {
    let listing: unknown;
    try {
      listing = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
      throw new Error(`${url}: the repository's listing is not JSON (${(e as Error).message})`, { cause: e });
    }
    files = listedFiles(listing, url);
  };
  await readSource(new URL(url), { ...opts, format: "json", validate: check }); // a URL is always validated
  const file = files.find((f) => f.endsWith(suffix));
  if (file === undefined) {
    const shown = files.slice(0, 20).join(", ") + (files.length > 20 ? `, … (${files.length} files)` : "");
    throw new Error(`${source}: no file of ${repo} ends with "${suffix}" (its files: ${shown || "none"})`);
  }
  return `hf:${repo}${revision === "main" ? "" : `@${revision}`}/${file}`;
}

function listedFiles(listing: unknown, url: string): string[] {
  const siblings = (listing as { siblings?: unknown } | null)?.siblings;
  if (!Array.isArray(siblings))
    throw new Error(`${url}: expected the Hub's model description, a JSON object with a "siblings" array`);
  if (siblings.length > MAX_LISTED_FILES)
    throw new Error(`${url}: lists ${siblings.length} files, more than ${MAX_LISTED_FILES}`);
  return siblings.map((s, i) => {
    const name = (s as { rfilename?: unknown } | null)?.rfilename;
    if (typeof name !== "string" || name.split("/").some((seg) => seg === "" || seg === "." || seg === ".."))
      throw new Error(`${url}: siblings[${i}].rfilename is not a file path in the repository`);
    return name;
  });
}
