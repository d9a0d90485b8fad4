import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { AttentionPattern, renderAttentionPattern } from "./index.js";

const tokens = ["<bos>", " x", " y"];
const A = [
  [1, 0, 0],
  [0.25, 0.75, 0],
  [0.125, 0.5, 0.375],
];

describe("AttentionPattern", () => {
  it("server-renders", () => {
    expect(renderToString(<AttentionPattern tokens={tokens} attention={A} />)).toContain("Attention pattern");
  });

  it("arrow keys move a cell cursor and report its value", () => {
    const onCellHover = vi.fn();
    render(<AttentionPattern tokens={tokens} attention={A} onCellHover={onCellHover} />);
    const app = screen.getByRole("application");
    fireEvent.keyDown(app, { key: "ArrowDown" });
    fireEvent.keyDown(app, { key: "ArrowDown" });
    fireEvent.keyDown(app, { key: "ArrowRight" });
    expect(screen.getByRole("status").textContent).toContain("(2) →");
    expect(screen.getByRole("status").textContent).toContain("(1): 0.500");
    expect(onCellHover).toHaveBeenLastCalledWith({ query: 2, key: 1, value: 0.5 });
  });

  it("says a masked cell is masked instead of showing its zero", () => {
    render(<AttentionPattern tokens={tokens} attention={A} />);
    const app = screen.getByRole("application");
    fireEvent.keyDown(app, { key: "ArrowRight" });
    expect(screen.getByRole("status").textContent).toBe("<bos> (0) → \u00a0x (1): masked (source after destination)");
  });

  it("shows hostile tokens as text in its tooltip", () => {
    const { container } = render(
      <AttentionPattern
        tokens={["<img src=x onerror=alert(1)>", "b"]}
        attention={[
          [1, 0],
          [0.5, 0.5],
        ]}
      />,
    );
    fireEvent.keyDown(screen.getByRole("application"), { key: "ArrowRight" });
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("<img");
  });

  it("takes different query and key tokens and checks the shape against both", () => {
    render(<AttentionPattern tokens={[]} queryTokens={["a"]} keyTokens={["p", "q"]} attention={[[0.3, 0.7]]} />);
    expect(screen.getByText(/rows: destination \(1\) · columns: source \(2\)/)).toBeTruthy();
    expect(() =>
      render(<AttentionPattern tokens={[]} queryTokens={["a"]} keyTokens={["p"]} attention={[[0.3, 0.7]]} />),
    ).toThrow(/attention\[0\]\[0\] has 2 values, expected 1/);
  });

  it("mounts without React on the page", () => {
    const el = document.createElement("div");
    const h = renderAttentionPattern(el, { tokens, attention: A, title: "T" });
    h.unmount();
    expect(el.childElementCount).toBe(0);
  });
});
