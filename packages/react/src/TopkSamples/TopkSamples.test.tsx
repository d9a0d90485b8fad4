import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { renderTopkSamples, TopkSamples } from "./index.js";

// [layers][neurons][samples][tokens]
const tokens = [[[["a", "b"], ["c"]]]];
const activations = [[[[1, 0.5], [0.25]]]];

describe("TopkSamples", () => {
  it("lists each sample with a shared colour range", () => {
    render(<TopkSamples tokens={tokens} activations={activations} />);
    const items = screen.getAllByRole("listitem");
    expect(items.map((i) => i.getAttribute("aria-label"))).toEqual(["Sample 0", "Sample 1"]);
    const c = within(items[1]!).getAllByRole("option")[0]!;
    fireEvent.pointerEnter(c);
    expect(screen.getByRole("status").textContent).toBe("sample 1: c (0) 0.250");
  });

  it("names the sample whose tokens and values disagree", () => {
    expect(() =>
      render(
        <TopkSamples
          tokens={tokens}
          activations={[
            [
              [
                [1, 0.5],
                [0.25, 1],
              ],
            ],
          ]}
        />,
      ),
    ).toThrow(/activations\[0\]\[0\]\[1\] has 2 values but tokens\[0\]\[0\]\[1\] has 1 tokens/);
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<TopkSamples tokens={tokens} activations={activations} />)).toContain("Sample 0");
    const el = document.createElement("div");
    renderTopkSamples(el, { tokens, activations }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
