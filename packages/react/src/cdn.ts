/**
 * Entry of the one-file bundles in dist/cdn/ (React included): `attnscope.mjs` (ES module) and
 * `attnscope.iife.js` (a classic script defining the global `attnscope`). Both expose every
 * component plus `render(element, "AttentionPatterns", props)` and `toStandaloneHtml`.
 */
import * as components from "./components.js";
import { mountComponent, type MountedComponent } from "./lib/plain-render.js";
import { standaloneHtml, type StandaloneOptions } from "./lib/standalone.js";

export * from "./index.js";

/** Name of a component `render` can mount. */
export type ComponentName = keyof typeof components;

/** Every component name, for error messages and menus. */
export const componentNames = Object.keys(components).sort() as ComponentName[];

/**
 * Mount the component called `name` into `element` (an element or its id) with `props`; returns
 * `{ update, unmount }`.
 */
export function render(element: Element | string, name: ComponentName, props: object): MountedComponent<object> {
  const el = typeof element === "string" ? document.getElementById(element) : element;
  if (!el) throw new Error(`attnscope.render: no element with id ${JSON.stringify(element)}`);
  const component = (components as Record<string, unknown>)[name];
  if (typeof component !== "function") {
    throw new Error(
      `attnscope.render: unknown component ${JSON.stringify(name)}; use one of ${componentNames.join(", ")}`,
    );
  }
  return mountComponent(component as (p: object) => ReturnType<typeof components.AttentionPatterns>, el, props);
}

// The inline <script> this bundle runs from, when it is inlined (a standalone page, a notebook).
const self = typeof document !== "undefined" ? (document.currentScript as HTMLScriptElement | null) : null;
const inlineSource = self && !self.src ? self.textContent : null;

/**
 * A self-contained HTML page showing `name` with `props` (the bundle inlined, the data as JSON).
 * Works where the bundle's own source is at hand: when it runs inline (as in the pages this
 * function writes and in notebooks), or when `options.bundle` gives it. In Node, use
 * `toStandaloneHtml` from "@attnscope/react/standalone", which reads the bundle from disk.
 */
export function toStandaloneHtml(
  name: ComponentName,
  props: object,
  options: StandaloneOptions & { bundle?: string } = {},
): string {
  const source = options.bundle ?? inlineSource;
  if (!source) {
    throw new Error(
      "toStandaloneHtml: this bundle was loaded from a URL, so its source is not at hand; pass { bundle: await (await fetch(url)).text() }",
    );
  }
  if (!(name in components))
    throw new Error(
      `toStandaloneHtml: unknown component ${JSON.stringify(name)}; use one of ${componentNames.join(", ")}`,
    );
  return standaloneHtml(source, name, props, options);
}
