import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { AttentionHeads, renderAttentionHeads } from "./index.js";

const tokens = ["<bos>", " a", " b"];
const prev = [
  [1, 0, 0],
  [1, 0, 0],
  [0, 1, 0],
];
const self = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

describe("AttentionHeads", () => {
  it("server-renders every head as an option", () => {
    const html = renderToString(
      <AttentionHeads tokens={tokens} attention={[prev, self]} headLabels={["0.0", "0.1"]} />,
    );
    expect(html).toContain('aria-label="Head 0.0"');
    expect(html).toContain('aria-label="Head 0.1"');
  });

  it("token hover averages heads until one is focused", () => {
    render(<AttentionHeads tokens={tokens} attention={[prev, self]} />);
    const items = within(screen.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    fireEvent.pointerEnter(items[2]!);
    // mean of prev row 2 [0,1,0] and self row 2 [0,0,1] = [0, .5, .5]
    expect(screen.getByRole("status").textContent).toContain("Mean over heads");
    expect(screen.getByRole("status").textContent).toContain("0.500");
    fireEvent.click(screen.getByRole("option", { name: "Head 1" }));
    fireEvent.pointerEnter(items[2]!);
    expect(screen.getByRole("status").textContent).toMatch(/Head 1: .*\(2\) attends most to .*\(2\) 1\.000/);
  });

  it("follows a controlled selectedHead and reports clicks without taking over", () => {
    const onSelectHead = vi.fn();
    const { rerender } = render(
      <AttentionHeads tokens={tokens} attention={[prev, self]} selectedHead={1} onSelectHead={onSelectHead} />,
    );
    expect(screen.getByRole("option", { name: "Head 1" }).getAttribute("aria-selected")).toBe("true");
    fireEvent.click(screen.getByRole("option", { name: "Head 0" }));
    expect(onSelectHead).toHaveBeenLastCalledWith(0);
    // The parent has not changed selectedHead, so head 1 stays selected.
    expect(screen.getByRole("option", { name: "Head 1" }).getAttribute("aria-selected")).toBe("true");
    rerender(<AttentionHeads tokens={tokens} attention={[prev, self]} selectedHead={0} onSelectHead={onSelectHead} />);
    expect(screen.getByRole("option", { name: "Head 0" }).getAttribute("aria-selected")).toBe("true");
    fireEvent.click(screen.getByRole("option", { name: "Head 0" }));
    expect(onSelectHead).toHaveBeenLastCalledWith(null);
  });

  it("renders hostile tokens as text", () => {
    const { container } = render(<AttentionHeads tokens={["<img src=x onerror=alert(1)>"]} attention={[[[1]]]} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toContain("<img");
  });

  it("mounts into a plain element", () => {
    const el = document.createElement("div");
    const h = renderAttentionHeads(el, { tokens, attention: [prev] });
    h.unmount();
    expect(el.childElementCount).toBe(0);
  });
});
