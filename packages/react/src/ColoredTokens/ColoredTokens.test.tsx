import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ColoredTokens, renderColoredTokens } from "./index.js";

describe("ColoredTokens", () => {
  it("uses blue for negative and orange for positive values", () => {
    render(<ColoredTokens tokens={["a", "b", "c"]} values={[-1, 0, 1]} theme="light" />);
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(items[0]!.style.background).toContain("33, 102, 172");
    // Zero has no colour of its own; as the second token it carries the faint boundary shade (light surface #f3f4f6).
    expect(items[1]!.style.background).toBe("rgb(243, 244, 246)");
    expect(items[2]!.style.background).toContain("230, 126, 34");
    // A coloured token after another token marks its start with a hairline in the border colour (#d0d7de).
    expect(items[2]!.style.boxShadow).toBe("inset 1px 0 0 #d0d7de");
  });

  it("shows byte tokens as the text they spell: nothing added between tokens, escapes only for non-printable bytes", () => {
    const bytes = [..."we think"].concat(["\n", "\u001b", "\t", ""]);
    render(<ColoredTokens tokens={bytes} values={bytes.map(() => 0)} theme="light" />);
    const strip = screen.getByRole("listbox");
    const items = within(strip).getAllByRole("option");
    // The strip's text is the sentence itself, then ↵ and a real line break, ESC's control picture, ⇥, and ∅ for the empty token.
    expect(strip.textContent).toBe("we think↵\n␛⇥∅");
    expect(strip.style.whiteSpace).toBe("pre-wrap");
    // The space is a real one-character space, not padded or replaced by a no-break space.
    expect(items[2]!.textContent).toBe(" ");
    for (const el of items) {
      expect(el.style.padding).toBe("");
      expect(el.style.margin).toBe("");
      expect(el.style.display).toBe("");
    }
    // Boundaries alternate: odd tokens faintly shaded, even ones clear.
    expect(items.map((el) => el.style.background === "rgb(243, 244, 246)")).toEqual(items.map((_, i) => i % 2 === 1));
  });

  it("keeps keyboard and pointer selection on the text-flow strip", () => {
    render(<ColoredTokens tokens={["w", "e", " ", "t"]} values={[0, 1, 0, 0]} valueLabel="v" />);
    const strip = screen.getByRole("listbox");
    const items = within(strip).getAllByRole("option");
    fireEvent.keyDown(strip, { key: "ArrowRight" });
    fireEvent.keyDown(strip, { key: "ArrowRight" });
    expect(strip.getAttribute("aria-activedescendant")).toBe(items[1]!.id);
    expect(items[1]!.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("status").textContent).toContain("e (1) v: 1.000");
    fireEvent.pointerEnter(items[2]!);
    expect(items[2]!.style.boxShadow).toMatch(/^0 0 0 1px/);
  });

  it("shows the value on hover and in the tooltip", () => {
    render(<ColoredTokens tokens={["x", "y"]} values={new Float32Array([0.25, 2])} valueLabel="loss" />);
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(items[0]!.getAttribute("title")).toBe("x (0) loss: 0.250");
    fireEvent.pointerEnter(items[1]!);
    expect(screen.getByRole("status").textContent).toContain("y (1) loss: 2.000");
  });

  it("names the mismatch when values and tokens differ in length", () => {
    expect(() => render(<ColoredTokens tokens={["a", "b"]} values={[1]} />)).toThrow(
      /values has 1 entries but there are 2 tokens/,
    );
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
