/**
 * A self-contained HTML page showing one component: the one-file bundle inlined in a <script>,
 * the props as JSON. It opens offline, from file://, with no server and no CDN.
 */

/** JSON of the props with typed arrays as plain arrays, safe inside a <script> element. */
export function propsToJson(props: unknown): string {
  const json = JSON.stringify(props, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView))
      return Array.from(value as unknown as ArrayLike<number>);
    return value;
  });
  if (json === undefined) throw new Error("toStandaloneHtml: props must be a JSON-serialisable object");
  // "<" never appears raw, so neither "</script>" nor "<!--" can end or change the script element.
  return json
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Options of the standalone page. */
export interface StandaloneOptions {
  /** The page's <title>. @default the component's name */
  title?: string;
}

/** The page, given the IIFE bundle's source text. */
export function standaloneHtml(
  bundleSource: string,
  name: string,
  props: object,
  options: StandaloneOptions = {},
): string {
  if (!/^[A-Za-z]+$/.test(name)) throw new Error(`toStandaloneHtml: ${JSON.stringify(name)} is not a component name`);
  // A bundle containing "</script" would end the inline script early; the build never emits one.
  const bundle = bundleSource.replace(/<\/script/gi, "<\\/script");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title ?? name)}</title>`,
    '<link rel="icon" href="data:,">',
    "</head>",
    "<body>",
    '<div id="attnscope-root"></div>',
    `<script>${bundle}</script>`,
    `<script type="application/json" id="attnscope-props">${propsToJson(props)}</script>`,
    "<script>",
    `attnscope.render(document.getElementById("attnscope-root"), ${JSON.stringify(name)}, JSON.parse(document.getElementById("attnscope-props").textContent));`,
    "</script>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
