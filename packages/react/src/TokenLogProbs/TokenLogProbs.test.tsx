import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { renderTokenLogProbs, TokenLogProbs } from "./index.js";

const props = {
  prompt: ["<bos>", " a", " b"],
  topKLogProbs: [
    [-0.1, -2.5],
    [-0.7, -0.9],
  ],
  topKTokens: [
    [" a", " c"],
    [" c", " b"],
  ],
  correctTokenRank: [0, 1],
  correctTokenLogProb: [-0.1, -0.9],
};

describe("TokenLogProbs", () => {
  it("shades confident predictions more and lists the top guesses on hover", () => {
    render(<TokenLogProbs {...props} theme="light" />);
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    // Running text keeps real spaces (the table and status below label single tokens with no-break spaces).
    expect(items.map((i) => i.textContent)).toEqual([" a", " b"]);
    // Opacity grows with log p: -0.1 is nearly full, -0.9 less.
    const alpha = (el: HTMLElement) => Number(/rgba\([^)]*, ([\d.]+)\)/.exec(el.style.background)?.[1] ?? 1);
    expect(alpha(items[0]!)).toBeGreaterThan(alpha(items[1]!));
    fireEvent.pointerEnter(items[1]!);
    const rows = within(screen.getByRole("region", { name: "Top predictions" })).getAllByRole("row");
    expect(rows[1]!.textContent).toBe("#140.66%-0.900\u00a0b");
    expect(rows[3]!.textContent).toBe("#140.66%-0.900\u00a0b");
    expect(screen.getByRole("status").textContent).toBe("\u00a0a → \u00a0b (2): rank 1, p 40.66%, log p -0.900");
  });

  it("names the array whose length is wrong", () => {
    expect(() => render(<TokenLogProbs {...props} correctTokenRank={[0]} />)).toThrow(
      /correctTokenRank has 1 entries, expected 2/,
    );
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<TokenLogProbs {...props} />)).toContain("Predicted tokens");
    const el = document.createElement("div");
    renderTokenLogProbs(el, props).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
