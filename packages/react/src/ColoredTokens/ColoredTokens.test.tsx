import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ColoredTokens, renderColoredTokens } from "./index.js";

describe("ColoredTokens", () => {
  it("uses blue for negative and orange for positive values", () => {
    render(<ColoredTokens tokens={["a", "b", "c"]} values={[-1, 0, 1]} theme="light" />);
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(items[0]!.style.background).toContain("33, 102, 172");
    expect(items[1]!.style.background).toBe("transparent");
    expect(items[2]!.style.background).toContain("230, 126, 34");
  });

  it("shows the value on hover and in the tooltip", () => {
    render(<ColoredTokens tokens={["x", "y"]} values={new Float32Array([0.25, 2])} valueLabel="loss" />);
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(items[0]!.getAttribute("title")).toBe("x (0) loss: 0.250");
    fireEvent.pointerEnter(items[1]!);
    expect(screen.getByRole("status").textContent).toContain("y (1) loss: 2.000");
  });

  it("names the mismatch when values and tokens differ in length", () => {
    expect(() => render(<ColoredTokens tokens={["a", "b"]} values={[1]} />)).toThrow(/values has 1 entries but there are 2 tokens/);
  });

  it("renders hostile tokens as text and server-renders", () => {
    const evil = "<img src=x onerror=alert(1)>";
    expect(renderToString(<ColoredTokens tokens={[evil]} values={[1]} />)).toContain("&lt;img");
    const { container } = render(<ColoredTokens tokens={[evil]} values={[1]} />);
    expect(container.querySelector("img")).toBeNull();
  });

  it("mounts into a plain element", () => {
    const el = document.createElement("div");
    const h = renderColoredTokens(el, { tokens: ["a"], values: [1] });
    h.unmount();
    expect(el.childElementCount).toBe(0);
  });
});
