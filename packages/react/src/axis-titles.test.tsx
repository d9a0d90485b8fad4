// Every heatmap names its axes and its colour bar, on screen and in what PNG/SVG export saves,
// and `showAxisLabels={false}` turns the titles off.
import { fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Figure } from "./lib/export.js";

const exported: Figure[] = [];
vi.mock("./lib/export.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./lib/export.js")>()),
  downloadFigure: async (fig: Figure) => void exported.push(fig),
}));

const { AttentionHeads, AttentionPattern, AttentionPatterns, CompositionScores, HeadScoreGrid, LogitAttribution } =
  await import("./index.js");

/** The texts a figure draws. */
function texts(fig: Figure): string[] {
  const out: string[] = [];
  fig.draw({ rect() {}, line() {}, image() {}, text: (_x, _y, t) => void out.push(t) });
  return out;
}

/** Click the view's SVG button and return the texts of the figure it saves. */
function exportTexts(): string[] {
  exported.length = 0;
  fireEvent.click(screen.getByRole("button", { name: "Download view as SVG" }));
  expect(exported).toHaveLength(1);
  return texts(exported[0]!);
}

const onScreen = (container: HTMLElement) =>
  Object.fromEntries(
    [...container.querySelectorAll("[data-axis-title]")].map((el) => [
      el.getAttribute("data-axis-title"),
      el.textContent,
    ]),
  );

const tokens = ["<bos>", " a", " b"];
const pattern = [
  [1, 0, 0],
  [0.5, 0.5, 0],
  [0.2, 0.3, 0.5],
];
// Two layers of two heads; only layer 0 → layer 1 pairs compose.
const comp = [0, 1].map((a) =>
  [0, 1].map((h) => [0, 1].map((b) => [0, 1].map((g) => (a < b ? 0.1 * (1 + h + g) : 0)))),
);

beforeEach(() => {
  exported.length = 0;
});

describe("axis and colour-bar titles", () => {
  it("attention patterns: destination rows, source columns, attention colours", () => {
    render(<AttentionPattern tokens={tokens} attention={pattern} />);
    const t = exportTexts();
    for (const title of ["Destination token", "Source token", "Attention"]) expect(t).toContain(title);
  });

  it("a pattern takes its own titles and drops them with showAxisLabels={false}", () => {
    const { unmount } = render(
      <AttentionPattern
        tokens={tokens}
        attention={pattern}
        rowTitle="Query component"
        columnTitle="Key component"
        colorBarTitle="std"
      />,
    );
    const t = exportTexts();
    for (const title of ["Query component", "Key component", "std"]) expect(t).toContain(title);
    expect(t).not.toContain("Destination token");
    unmount();
    render(<AttentionPattern tokens={tokens} attention={pattern} showAxisLabels={false} />);
    const off = exportTexts();
    for (const title of ["Destination token", "Source token", "Attention"]) expect(off).not.toContain(title);
  });

  it("AttentionPatterns titles its large head", () => {
    render(<AttentionPatterns tokens={tokens} attention={[pattern]} />);
    expect(exportTexts()).toEqual(expect.arrayContaining(["Destination token", "Source token", "Attention"]));
  });

  it("AttentionHeads titles its grid on screen and in the export", () => {
    const { container } = render(<AttentionHeads tokens={tokens} attention={[pattern, pattern]} />);
    expect(onScreen(container)).toEqual({ column: "Source token", row: "Destination token", "color-bar": "Attention" });
    expect(exportTexts()).toEqual(expect.arrayContaining(["Destination token", "Source token", "Attention"]));
  });

  it("HeadScoreGrid: layers by heads, the score on the colour bar; off with showAxisLabels={false}", () => {
    const scores = [
      [0.1, 0.9],
      [0.5, 0.2],
    ];
    const { container, unmount } = render(<HeadScoreGrid scores={scores} scoreLabel="induction score" />);
    expect(onScreen(container)).toEqual({ column: "Head", row: "Layer", "color-bar": "induction score" });
    expect(exportTexts()).toEqual(expect.arrayContaining(["Layer", "Head", "induction score"]));
    unmount();
    const off = render(<HeadScoreGrid scores={scores} scoreLabel="induction score" showAxisLabels={false} />);
    expect(onScreen(off.container)).toEqual({});
    expect(exportTexts()).not.toContain("Layer");
  });

  it("CompositionScores: source and destination heads, the mode's score on the colour bar", () => {
    const { container } = render(<CompositionScores scores={{ K: comp, Q: comp }} />);
    expect(onScreen(container)).toEqual({
      column: "Destination head (later layer)",
      row: "Source head (earlier layer)",
      "color-bar": "K-composition score",
    });
    expect(exportTexts()).toEqual(
      expect.arrayContaining(["Source head (earlier layer)", "Destination head (later layer)", "K-composition score"]),
    );
    fireEvent.click(screen.getByRole("button", { name: "Q-composition" }));
    expect(onScreen(container)["color-bar"]).toBe("Q-composition score");
  });

  it("LogitAttribution: positions predicting the next token by components, logit attribution colours", () => {
    const attribution = [
      [0.5, -0.2, 0.1],
      [0.3, 0.4, -0.6],
    ];
    render(<LogitAttribution tokens={tokens} attribution={attribution} labels={["direct", "0.0", "0.1"]} />);
    expect(exportTexts()).toEqual(expect.arrayContaining(["Position → next token", "Component", "Logit attribution"]));
  });

  it("LogitAttribution rows too short to label keep the titles and the column labels", () => {
    const attribution = [
      [0.5, -0.2, 0.1],
      [0.3, 0.4, -0.6],
    ];
    render(
      <LogitAttribution tokens={tokens} attribution={attribution} labels={["direct", "0.0", "0.1"]} cellHeight={4} />,
    );
    const t = exportTexts();
    expect(t).toEqual(
      expect.arrayContaining(["Position → next token", "Component", "Logit attribution", "direct", "0.1"]),
    );
    // No row label: "<bos> → a" would be drawn 8 px tall on a 4 px row.
    expect(t.some((x) => x.includes("→\u00a0") || x.startsWith("<bos>"))).toBe(false);
  });
});
