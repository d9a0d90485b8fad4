import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { AttentionPatterns, renderAttentionPatterns } from "./index.js";

const tokens = ["<bos>", " a", " b", " c"];
// Head 0 attends to the previous token, head 1 to BOS: written out by hand.
const prev = [
  [1, 0, 0, 0],
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
];
const bos = tokens.map(() => tokens.map((_, k) => (k === 0 ? 1 : 0)));

describe("AttentionPatterns", () => {
  it("renders on the server without touching window or document", () => {
    const html = renderToString(<AttentionPatterns tokens={tokens} attention={[prev, bos]} theme="light" />);
    expect(html).toContain("Attention heads");
    expect(html).toContain("\u00a0a");
  });

  it("shows the head a parent selects and reports clicks to it", () => {
    const onSelectHead = vi.fn();
    const { rerender } = render(
      <AttentionPatterns tokens={tokens} attention={[prev, bos]} selectedHead={1} onSelectHead={onSelectHead} />,
    );
    expect(screen.getByRole("status").textContent).toMatch(/^Head 1 \(locked\)/);
    fireEvent.click(screen.getByRole("option", { name: "Head 0" }));
    expect(onSelectHead).toHaveBeenLastCalledWith(0);
    fireEvent.pointerLeave(screen.getByRole("option", { name: "Head 0" }));
    expect(screen.getByRole("status").textContent).toMatch(/^Head 1 \(locked\)/);
    rerender(
      <AttentionPatterns tokens={tokens} attention={[prev, bos]} selectedHead={0} onSelectHead={onSelectHead} />,
    );
    expect(screen.getByRole("status").textContent).toMatch(/^Head 0 \(locked\)/);
  });

  it("renders hostile tokens as text, never as HTML", () => {
    const evil = ["<img src=x onerror=alert(1)>", "<b>bold</b>"];
    const { container } = render(
      <AttentionPatterns
        tokens={evil}
        attention={[
          [
            [1, 0],
            [0.5, 0.5],
          ],
        ]}
      />,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(within(screen.getByRole("listbox", { name: "Tokens" })).getAllByRole("option")[0]!.textContent).toBe(
      "<img src=x onerror=alert(1)>",
    );
  });

  it("accepts a flat Float32Array and nested arrays alike", () => {
    const flat = new Float32Array([...prev.flat(), ...bos.flat()]);
    render(<AttentionPatterns tokens={tokens} attention={flat} headLabels={["0.0", "0.1"]} />);
    expect(screen.getAllByRole("option", { name: /^Head 0\.[01]$/ })).toHaveLength(2);
  });

  it("hover shows where a token attends, click locks, Escape unlocks", () => {
    render(<AttentionPatterns tokens={tokens} attention={[prev, bos]} />);
    const strip = screen.getByRole("listbox", { name: "Tokens" });
    const items = within(strip).getAllByRole("option");
    const status = screen.getByRole("status");
    fireEvent.pointerEnter(items[3]!);
    expect(status.textContent).toMatch(/\(3\) attends most to "\u00a0?b?.*\(2\)/);
    fireEvent.click(items[3]!);
    fireEvent.pointerEnter(items[1]!);
    expect(status.textContent).toContain("(3) attends most to");
    expect(status.textContent).toContain("locked");
    act(() => {
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    });
    expect(status.textContent).toContain("(1) attends most to");
  });

  it("source direction shows what attends to the token", () => {
    render(<AttentionPatterns tokens={tokens} attention={[prev]} initialDirection="source" />);
    fireEvent.pointerEnter(within(screen.getByRole("listbox", { name: "Tokens" })).getAllByRole("option")[1]!);
    expect(screen.getByRole("status").textContent).toMatch(/\(1\) is attended most by .*\(2\) 1\.000/);
  });

  it("arrow keys move across heads and Enter locks", () => {
    render(<AttentionPatterns tokens={tokens} attention={[prev, bos, prev]} />);
    const heads = screen.getAllByRole("option", { name: /^Head / });
    heads[0]!.focus();
    fireEvent.keyDown(heads[0]!, { key: "ArrowRight" });
    expect(document.activeElement).toBe(heads[1]);
    fireEvent.keyDown(heads[1]!, { key: "Enter" });
    expect(heads[1]!.getAttribute("aria-selected")).toBe("true");
  });

  it("rejects an initial head that does not exist", () => {
    expect(() => render(<AttentionPatterns tokens={tokens} attention={[prev]} initialHead={3} />)).toThrow(
      /initialHead 3 is out of range: attention has 1 heads/,
    );
  });

  it("says which shape is wrong", () => {
    expect(() => render(<AttentionPatterns tokens={tokens} attention={[prev.slice(0, 3)]} />)).toThrow(
      /attention\[0\] has 3 rows, expected 4/,
    );
    expect(() => render(<AttentionPatterns tokens={tokens} attention={new Float32Array(15)} />)).toThrow(
      /15 values.*4 × 4/,
    );
  });

  it("mounts into a plain element and updates", () => {
    const el = document.createElement("div");
    document.body.append(el);
    let handle!: ReturnType<typeof renderAttentionPatterns>;
    act(() => {
      handle = renderAttentionPatterns(el, { tokens, attention: [prev], title: "First" });
    });
    expect(el.textContent).toContain("First");
    act(() => handle.update({ tokens, attention: [prev], title: "Second" }));
    expect(el.textContent).toContain("Second");
    act(() => handle.unmount());
    expect(el.textContent).toBe("");
  });
});
