import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { HeadScoreGrid, renderHeadScoreGrid } from "./index.js";

const scores = [
  [0.1, 0.5],
  [0.41, 0.4],
];

describe("HeadScoreGrid", () => {
  it("outlines exactly the heads strictly above the threshold", () => {
    const { container } = render(<HeadScoreGrid scores={scores} />);
    const outlined = [...container.querySelectorAll("[data-above-threshold]")].map((b) => b.getAttribute("aria-label"));
    expect(outlined).toEqual(["Head 0.1: score 0.500 (above 0.4)", "Head 1.0: score 0.410 (above 0.4)"]);
    expect(screen.getByRole("status").textContent).toBe("Above 0.4: 0.1, 1.0");
  });

  it("reports clicks and toggles the selection", () => {
    const onSelectHead = vi.fn();
    render(<HeadScoreGrid scores={scores} onSelectHead={onSelectHead} />);
    const b = screen.getByRole("button", { name: /^Head 1\.1:/ });
    fireEvent.click(b);
    expect(onSelectHead).toHaveBeenLastCalledWith({ layer: 1, head: 1 });
    fireEvent.click(b);
    expect(onSelectHead).toHaveBeenLastCalledWith(null);
  });

  it("follows a controlled selectedHead", () => {
    const onSelectHead = vi.fn();
    const { rerender } = render(
      <HeadScoreGrid scores={scores} selectedHead={{ layer: 1, head: 0 }} onSelectHead={onSelectHead} />,
    );
    const sel = () =>
      [...document.querySelectorAll('[aria-selected="true"] button')].map(
        (b) => b.getAttribute("aria-label")?.split(":")[0],
      );
    expect(sel()).toEqual(["Head 1.0"]);
    fireEvent.click(screen.getByRole("button", { name: /^Head 0\.1:/ }));
    expect(onSelectHead).toHaveBeenLastCalledWith({ layer: 0, head: 1 });
    expect(sel()).toEqual(["Head 1.0"]);
    rerender(<HeadScoreGrid scores={scores} selectedHead={null} onSelectHead={onSelectHead} />);
    expect(sel()).toEqual([]);
  });

  it("rejects ragged scores with the layer named", () => {
    expect(() => render(<HeadScoreGrid scores={[[1, 2], [3]]} />)).toThrow(/layer 1 has 1 scores but layer 0 has 2/);
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<HeadScoreGrid scores={scores} />)).toContain("Head 0.1");
    const el = document.createElement("div");
    renderHeadScoreGrid(el, { scores }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
