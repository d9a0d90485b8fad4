/**
 * Runtime detection and Node-only modules loaded on demand, so that the core bundles for browsers and
 * workers without pulling in `node:*` (the specifier is computed, so bundlers leave it alone).
 */
export const isNode: boolean =
  typeof process !== "undefined" && typeof process.versions === "object" && typeof process.versions?.node === "string";

const importNode = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

export async function nodeFs(): Promise<typeof import("node:fs/promises")> {
  return (await importNode("node:fs/promises")) as typeof import("node:fs/promises");
}

export async function nodeFsSync(): Promise<typeof import("node:fs")> {
  return ((await importNode("node:fs")) as { default: typeof import("node:fs") }).default;
}

export async function nodePath(): Promise<typeof import("node:path")> {
  return ((await importNode("node:path")) as { default: typeof import("node:path") }).default;
}

export async function nodeOs(): Promise<typeof import("node:os")> {
  return ((await importNode("node:os")) as { default: typeof import("node:os") }).default;
}

export async function nodeCrypto(): Promise<typeof import("node:crypto")> {
  return ((await importNode("node:crypto")) as { default: typeof import("node:crypto") }).default;
}

/** An environment variable in Node, undefined elsewhere. */
export function envVar(name: string): string | undefined {
  return isNode ? process.env[name] : undefined;
}
