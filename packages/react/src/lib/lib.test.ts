import { describe, expect, it } from "vitest";
import { attentionColumn, attentionRow, stackLayers, toAttentionTensor, toPatternTensor } from "./attention-data.js";
import { colorAt, getColorScale, lutIndex } from "./color-scales.js";
import { paintHeatmap } from "./heatmap.js";
import { SvgPainter } from "./painter.js";
import { darkTheme, lightTheme, resolveTheme } from "./theme.js";
import { displayToken, escapeNonPrintable, flowToken } from "./format-token.js";
import { layoutTokens, tokenAt, tokenBoundary } from "./token-layout.js";

const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const close = (a: readonly number[], b: readonly number[], tol: number) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe("colour scales", () => {
  it("viridis and cividis end where matplotlib's do", () => {
    // matplotlib: viridis(0) = #440154, viridis(1) = #fde725, cividis(0) = #00224e, cividis(1) = #fee838.
    const v = getColorScale("viridis");
    expect(close(colorAt(v, 0, 0, 1), hex("#440154"), 4)).toBe(true);
    expect(close(colorAt(v, 1, 0, 1), hex("#fde725"), 4)).toBe(true);
    expect(close(colorAt(v, 0.5, 0, 1), hex("#21918c"), 4)).toBe(true); // viridis(0.5)
    const c = getColorScale("cividis");
    expect(colorAt(c, 0, 0, 1)).toEqual(hex("#00224e"));
    expect(colorAt(c, 1, 0, 1)).toEqual(hex("#fee838"));
  });

  it("blue-orange is diverging, blue below zero and orange above", () => {
    const s = getColorScale("blue-orange");
    expect(s.diverging).toBe(true);
    const [r1, , b1] = colorAt(s, -1, -1, 1);
    const [r2, , b2] = colorAt(s, 1, -1, 1);
    expect(b1).toBeGreaterThan(r1);
    expect(r2).toBeGreaterThan(b2);
    expect(close(colorAt(s, 0, -1, 1), [247, 247, 247], 2)).toBe(true);
  });

  it("clamps out-of-range and NaN values", () => {
    expect(lutIndex(-5, 0, 1)).toBe(0);
    expect(lutIndex(5, 0, 1)).toBe(255);
    expect(lutIndex(NaN, 0, 1)).toBe(0);
    expect(lutIndex(0.5, 0, 0)).toBe(0);
  });
});

describe("attention data", () => {
  const nested = [
    [
      [1, 0],
      [0.25, 0.75],
    ],
    [
      [1, 0],
      [0.5, 0.5],
    ],
  ];
  it("normalises nested and flat input to the same layout", () => {
    const a = toAttentionTensor(nested, 2, 2);
    const b = toAttentionTensor(new Float32Array([1, 0, 0.25, 0.75, 1, 0, 0.5, 0.5]), 2, 2);
    expect(a.heads).toBe(2);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(attentionRow(a, 1, 1))).toEqual([0.5, 0.5]);
    expect(Array.from(attentionColumn(a, 0, 0))).toEqual([1, 0.25]);
  });

  it("keeps a Float32Array without copying", () => {
    const f = new Float32Array(8);
    expect(toAttentionTensor(f, 2, 2).data).toBe(f);
  });

  it("accepts { data, shape } with a batch of one and checks it against the tokens", () => {
    const t = toAttentionTensor({ data: new Float32Array(8), shape: [1, 2, 2, 2] }, 2, 2);
    expect(t.heads).toBe(2);
    expect(() => toAttentionTensor({ data: new Float32Array(8), shape: [2, 2, 2] }, 3, 3)).toThrow(
      /shape \[2, 2, 2\] but there are 3 query and 3 key tokens/,
    );
    expect(() => toPatternTensor({ data: new Float32Array(8), shape: [2, 2, 2] }, 2, 2)).toThrow(/holds 2 heads/);
  });

  it("names the head and row of a ragged array", () => {
    expect(() => toAttentionTensor([[[1, 0], [1]]], 2, 2)).toThrow(
      "attention[0][1] has 1 values, expected 2 (one per key token)",
    );
  });

  it("stacks layers with layer.head labels", () => {
    const s = stackLayers([nested, nested.map((h) => h.map((r) => r.map((v) => v / 2)))], 2);
    expect(s.headLabels).toEqual(["0.0", "0.1", "1.0", "1.1"]);
    expect(s.headsPerLayer).toBe(2);
    expect(s.attention[3 * 4 + 3]).toBe(0.25); // layer 1 head 1 row 1 col 1 = 0.5 / 2
    expect(() => stackLayers([nested, [nested[0]!]], 2)).toThrow(/layer 1 has 1 heads but layer 0 has 2/);
  });
});

describe("heatmap painting", () => {
  const style = { scale: getColorScale("viridis"), min: 0, max: 1, maskUpper: true, maskColor: [1, 2, 3] as const };
  it("paints one pixel per cell with the causal mask", () => {
    const t = toAttentionTensor(
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
      2,
      2,
    );
    const px = paintHeatmap(t, 0, style);
    expect([px.width, px.height, px.block]).toEqual([2, 2, 1]);
    const top = Array.from(style.scale.rgb.subarray(255 * 3, 256 * 3));
    const bottom = Array.from(style.scale.rgb.subarray(0, 3));
    expect(Array.from(px.rgba.subarray(0, 3))).toEqual(top); // (0,0) = 1
    expect(Array.from(px.rgba.subarray(4, 7))).toEqual([1, 2, 3]); // (0,1) masked
    expect(Array.from(px.rgba.subarray(8, 11))).toEqual(bottom); // (1,0) = 0
  });

  it("max-pools long sequences so a single spike stays visible", () => {
    const T = 2048;
    const data = new Float32Array(T * T);
    data[1000 * T + 3] = 1; // one cell of 4 million
    const px = paintHeatmap({ data, heads: 1, queries: T, keys: T }, 0, style, 512);
    expect(px.block).toBe(4);
    const p = (Math.floor(1000 / 4) * px.width + 0) * 4;
    expect(Array.from(px.rgba.subarray(p, p + 3))).toEqual(Array.from(style.scale.rgb.subarray(255 * 3, 256 * 3)));
  });
});

describe("SVG export", () => {
  it("escapes token text", () => {
    const p = new SvgPainter();
    p.text(0, 0, '<img src=x onerror="alert(1)">', { fill: "#000" });
    p.rect(0, 0, 1, 1, "red");
    const svg = p.toString(10, 10, "#fff");
    expect(svg).not.toContain("<img");
    expect(svg).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });
});

describe("themes", () => {
  it("resolves names, auto and partial overrides", () => {
    expect(resolveTheme("dark")).toBe(darkTheme);
    expect(resolveTheme("auto", true)).toBe(darkTheme);
    expect(resolveTheme(undefined, false)).toBe(lightTheme);
    const t = resolveTheme({ name: "dark", accent: "#f0f" });
    expect(t.accent).toBe("#f0f");
    expect(t.background).toBe(darkTheme.background);
  });
});

describe("exported figures and colour helpers", () => {
  it("exports a pattern big enough to label every token, with a title and the axes named", async () => {
    const { exportPatternFigure } = await import("./pattern-figure.js");
    const T = 101;
    const tensor = { data: new Float32Array(T * T), heads: 1, queries: T, keys: T };
    const style = { scale: getColorScale("viridis"), min: 0, max: 1, maskUpper: true, maskColor: lightTheme.mask };
    const tokens = Array.from({ length: T }, (_, i) => `t${i}`);
    const fig = exportPatternFigure(
      { tensor, head: 0, style, queryTokens: tokens, keyTokens: tokens, theme: lightTheme },
      360,
      true,
      "Head 1.4",
    );
    const texts: string[] = [];
    fig.draw({ rect() {}, line() {}, image() {}, text: (_x, _y, t) => void texts.push(t) });
    expect(fig.width).toBeGreaterThan(9 * T);
    expect(texts[0]).toBe("Head 1.4");
    // Each token labels its row and its column.
    for (const t of ["t0", "t50", "t100"]) expect(texts.filter((x) => x === t)).toHaveLength(2);
    expect(texts.at(-1)).toBe("rows: destination (query) ↓ · columns: source (key) → · 101 × 101");
  });

  it("CircuitsVis's two-colour scale is white at zero and the given colours at the ends", async () => {
    const { twoColorScale } = await import("./color-scales.js");
    const { parseCssColor } = await import("./css-color.js");
    const lut = twoColorScale(parseCssColor("red"), parseCssColor("#00f"), -2, 2);
    expect(colorAt(lut, -2, -2, 2)).toEqual([255, 0, 0]);
    expect(colorAt(lut, 2, -2, 2)).toEqual([0, 0, 255]);
    const mid = colorAt(lut, 0, -2, 2);
    expect(mid.every((c) => c >= 250)).toBe(true);
    expect(parseCssColor("rgb(1, 2, 3)")).toEqual([1, 2, 3]);
    // hsl(210 60% 40%) is #2966a3 by the CSS Color 4 formula.
    expect(parseCssColor("hsl(210 60% 40%)")).toEqual(hex("#2966a3"));
    expect(() => parseCssColor("not-a-colour", "positiveColor")).toThrow(
      /positiveColor "not-a-colour" is not a CSS colour/,
    );
  });

  it("a standalone page keeps hostile props inside their JSON", async () => {
    const { standaloneHtml } = await import("./standalone.js");
    const html = standaloneHtml("var attnscope={};", "ColoredTokens", {
      tokens: ["</script><script>alert(1)</script>"],
      values: new Float32Array([0.5]),
    });
    expect(html.match(/<script/g)).toHaveLength(3);
    const json = /<script type="application\/json" id="attnscope-props">(.*)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual({ tokens: ["</script><script>alert(1)</script>"], values: [0.5] });
    expect(() => standaloneHtml("", "x<y", {})).toThrow(/is not a component name/);
  });
});

describe("token text", () => {
  it("escapes only what does not print", () => {
    expect(escapeNonPrintable("we think, é 😀 ½")).toBe("we think, é 😀 ½");
    expect(escapeNonPrintable("\n\t\r")).toBe("↵⇥␍");
    // C0 controls as control pictures (U+2400 + code), DEL as ␡.
    expect(escapeNonPrintable("\u0000\u001b\u007f")).toBe("␀␛␡");
    // C1 controls as the byte escapes a byte-level tokenizer shows for 0x80-0xff.
    expect(escapeNonPrintable("\u0085")).toBe("\\x85");
    // Invisible format characters, separators and lone surrogates as \uXXXX.
    expect(escapeNonPrintable("a\u200bb\u2028\ufeff")).toBe("a\\u200bb\\u2028\\ufeff");
    expect(escapeNonPrintable("\ud800")).toBe("\\ud800");
    // A joiner inside an emoji sequence joins it; alone it would be invisible.
    expect(escapeNonPrintable("👩\u200d💻")).toBe("👩\u200d💻");
    expect(escapeNonPrintable("\u200d")).toBe("\\u200d");
    // Escapes the byte tokenizer already made are text and stay as they are.
    expect(escapeNonPrintable("\\xc3")).toBe("\\xc3");
  });

  it("labels keep no-break spaces; running text keeps real ones and breaks after newlines", () => {
    expect(displayToken(" a")).toBe("\u00a0a");
    expect(displayToken("")).toBe("∅");
    expect(flowToken(" a")).toEqual({ text: " a", breakAfter: false });
    expect(flowToken("\n\n")).toEqual({ text: "↵↵", breakAfter: true });
    expect(flowToken("")).toEqual({ text: "∅", breakAfter: false });
  });

  // A monospace stand-in: every character 7 px wide, so expected positions follow by counting.
  const mono = (t: string) => flowToken(t).text.length * 7;
  const bytes = (s: string) => [...s];

  it("lays byte tokens out edge to edge: a space is one character wide", () => {
    const l = layoutTokens(bytes("we think"), 1000, "x", mono);
    expect(l.boxes.map((b) => b.x)).toEqual([0, 7, 14, 21, 28, 35, 42, 49]);
    expect(l.boxes.every((b) => b.w === 7)).toBe(true);
    expect(l.lines).toBe(1);
    expect(tokenAt(l, 17, 5)).toBe(2);
  });

  it("wraps between words, carrying a started word to the next line", () => {
    // 7 characters fit a 49 px line: "ab " then "cdefgh", not "ab cdef" + "gh".
    const l = layoutTokens(bytes("ab cdefgh"), 49, "x", mono);
    expect(l.lineStarts).toEqual([0, 3]);
    expect(l.boxes.slice(3).map((b) => [b.x, b.line])).toEqual([
      [0, 1],
      [7, 1],
      [14, 1],
      [21, 1],
      [28, 1],
      [35, 1],
    ]);
    expect(tokenAt(l, 3, 22 + 5)).toBe(3);
    // A space that does not fit hangs at the end of the line; the next word starts the next one.
    expect(layoutTokens(bytes("abcdef gh"), 42, "x", mono).lineStarts).toEqual([0, 7]);
    // A word longer than the line breaks where it must.
    expect(layoutTokens(bytes("abcdefghij"), 49, "x", mono).lineStarts).toEqual([0, 7]);
    // Subword tokens that start with a space begin a new word.
    expect(layoutTokens(["The", " cat", " sat"], 56, "x", mono).lineStarts).toEqual([0, 2]);
  });

  it("starts a new line after a newline token", () => {
    const l = layoutTokens(["a", "\n", "b"], 1000, "x", mono);
    expect(l.lineStarts).toEqual([0, 2]);
    expect(l.boxes[2]).toEqual({ x: 0, y: 22, w: 7, line: 1 });
    // A trailing newline adds no empty line.
    expect(layoutTokens(["a", "\n"], 1000, "x", mono).lines).toBe(1);
  });

  it("marks boundaries by alternating a faint shade, or a hairline between coloured tokens", () => {
    expect(tokenBoundary(0, null, lightTheme)).toEqual({ background: null, hairline: null });
    expect(tokenBoundary(1, null, lightTheme)).toEqual({ background: lightTheme.surface, hairline: null });
    expect(tokenBoundary(0, "red", lightTheme)).toEqual({ background: "red", hairline: null });
    expect(tokenBoundary(3, "red", lightTheme)).toEqual({ background: "red", hairline: lightTheme.border });
  });
});
