/// <reference types="node" />
/**
 * `@attnscope/react/standalone` (Node): write a self-contained HTML page for a component, with
 * the one-file bundle of dist/cdn/ inlined, e.g. to save a figure from a script or a test.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { standaloneHtml, type StandaloneOptions } from "./lib/standalone.js";

export { propsToJson, standaloneHtml } from "./lib/standalone.js";
export type { StandaloneOptions } from "./lib/standalone.js";

/** Path of the IIFE bundle (React included) this package ships. */
export const iifeBundlePath = fileURLToPath(new URL("./cdn/attnscope.iife.js", import.meta.url));

let cached: string | null = null;

/** The page as a string: `writeFileSync("view.html", toStandaloneHtml("AttentionPatterns", { tokens, attention }))`. */
export function toStandaloneHtml(name: string, props: object, options: StandaloneOptions = {}): string {
  if (cached === null) {
    try {
      cached = readFileSync(iifeBundlePath, "utf8");
    } catch {
      throw new Error(
        `toStandaloneHtml: the bundle ${iifeBundlePath} is missing; run "npm run build" in packages/react`,
      );
    }
  }
  return standaloneHtml(cached, name, props, options);
}
