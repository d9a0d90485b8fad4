import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { CompositionScores, renderCompositionScores } from "./index.js";

// 2 layers × 2 heads, [L1][H1][L2][H2]: only layer 0 → layer 1 pairs are real.
const k = [
  [
    [
      [0, 0],
      [0.3, 0.1],
    ],
    [
      [0, 0],
      [0.05, 0.2],
    ],
  ],
  [
    [
      [0, 0],
      [0, 0],
    ],
    [
      [0, 0],
      [0, 0],
    ],
  ],
];
const q = k.map((a) => a.map((b) => b.map((c) => c.map((v) => v / 2))));

describe("CompositionScores", () => {
  it("shows source heads as rows and later-layer heads as columns, K first", () => {
    render(<CompositionScores scores={{ Q: q, K: k }} />);
    expect(screen.getByRole("button", { name: "K-composition 0.0 → 1.0: 0.300" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "K-composition 0.1 → 1.1: 0.200" })).toBeTruthy();
    // Only 0.x → 1.x pairs: 2 × 2 buttons.
    expect(screen.getAllByRole("button", { name: /^K-composition \d/ })).toHaveLength(4);
    fireEvent.click(screen.getByRole("button", { name: "Q-composition" }));
    expect(screen.getByRole("button", { name: "Q-composition 0.0 → 1.0: 0.150" })).toBeTruthy();
  });

  it("reports the selected pair and toggles it off", () => {
    const onSelectPair = vi.fn();
    render(<CompositionScores scores={{ K: k }} onSelectPair={onSelectPair} />);
    const b = screen.getByRole("button", { name: /0\.1 → 1\.0/ });
    fireEvent.click(b);
    expect(onSelectPair).toHaveBeenLastCalledWith(
      { source: { layer: 0, head: 1 }, destination: { layer: 1, head: 0 } },
      "K",
    );
    fireEvent.click(b);
    expect(onSelectPair).toHaveBeenLastCalledWith(null, "K");
  });

  it("follows a controlled selection", () => {
    const pair = { source: { layer: 0, head: 0 }, destination: { layer: 1, head: 1 } };
    const { container, rerender } = render(<CompositionScores scores={{ K: k }} selectedPair={pair} />);
    expect(container.querySelector('[aria-selected="true"] button')!.getAttribute("aria-label")).toContain("0.0 → 1.1");
    rerender(<CompositionScores scores={{ K: k }} selectedPair={null} />);
    expect(container.querySelector('[aria-selected="true"]')).toBeNull();
  });

  it("states the ratio to the baseline", () => {
    render(<CompositionScores scores={{ K: k }} baseline={0.1} />);
    expect(screen.getByRole("button", { name: /0\.0 → 1\.0: 0\.300 \(3\.0× baseline 0\.100\)/ })).toBeTruthy();
  });

  it("names the offending index of a ragged tensor", () => {
    const bad = [k[0]!, [k[1]![0]!, [[0, 0], [0]]]];
    expect(() => render(<CompositionScores scores={{ V: bad }} />)).toThrow(
      /scores\.V\[1\]\[1\]\[1\] has 1 heads, expected 2/,
    );
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<CompositionScores scores={{ K: k }} />)).toContain("K-composition 0.0");
    const el = document.createElement("div");
    renderCompositionScores(el, { scores: { K: k } }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
