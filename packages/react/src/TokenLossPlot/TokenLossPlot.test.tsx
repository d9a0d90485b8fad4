import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { detectRepeatStart, renderTokenLossPlot, TokenLossPlot } from "./index.js";

describe("TokenLossPlot", () => {
  it("detects BOS + X + X runs", () => {
    expect(detectRepeatStart(["<b>", "a", "b", "c", "a", "b", "c"])).toBe(4);
    expect(detectRepeatStart(["<b>", "a", "b", "c", "a", "b", "d"])).toBeNull();
    expect(detectRepeatStart(["<b>", "a", "b"])).toBeNull();
  });

  it("aligns T − 1 losses to the token they predict", () => {
    render(<TokenLossPlot tokens={["<b>", "x", "y"]} loss={[5, 0.5]} />);
    const app = screen.getByRole("application");
    fireEvent.keyDown(app, { key: "ArrowRight" });
    expect(screen.getByRole("status").textContent).toContain("x (1): loss 5.000");
    fireEvent.keyDown(app, { key: "ArrowLeft" });
    expect(screen.getByRole("status").textContent).toContain("(0): no loss");
  });

  it("says what length it expected", () => {
    expect(() => render(<TokenLossPlot tokens={["a", "b", "c"]} loss={[1]} />)).toThrow(
      /loss has 1 values; expected 2 .* or 3/,
    );
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<TokenLossPlot tokens={["a", "b"]} loss={[1]} />)).toContain("Per-token loss");
    const el = document.createElement("div");
    renderTokenLossPlot(el, { tokens: ["a", "b"], loss: [1] }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
