import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { ColoredTokensMulti, renderColoredTokensMulti } from "./index.js";

const tokens = ["a", "b"];
const values = [
  [1, -2],
  [-1, 4],
];

describe("ColoredTokensMulti", () => {
  it("colours by the chosen series with white at zero and the given colours at the bounds", () => {
    const onSeriesSelect = vi.fn();
    render(
      <ColoredTokensMulti
        tokens={tokens}
        values={values}
        labels={["x", "y"]}
        negativeColor="#ff0000"
        positiveColor="#0000ff"
        onSeriesSelect={onSeriesSelect}
      />,
    );
    const items = () => within(screen.getByRole("listbox")).getAllByRole("option");
    // Series x: bounds 1 and -1, so both tokens take the full colours.
    expect(items()[0]!.style.background).toBe("rgb(0, 0, 255)");
    expect(items()[1]!.style.background).toBe("rgb(255, 0, 0)");
    fireEvent.click(screen.getByRole("button", { name: "y" }));
    expect(onSeriesSelect).toHaveBeenLastCalledWith(1);
    // Series y: -2 is the negative bound (full red); 4 the positive bound (full blue).
    expect(items()[0]!.style.background).toBe("rgb(255, 0, 0)");
    fireEvent.pointerEnter(items()[1]!);
    expect(screen.getByRole("status").textContent).toBe("b (1): x -1.000, y 4.000");
  });

  it("honours explicit bounds", () => {
    render(
      <ColoredTokensMulti
        tokens={tokens}
        values={values}
        positiveBounds={[2, 8]}
        negativeBounds={[-1, -2]}
        negativeColor="#ff0000"
        positiveColor="#0000ff"
      />,
    );
    // 1 of 2 towards blue: halfway between white and blue.
    expect(within(screen.getByRole("listbox")).getAllByRole("option")[0]!.style.background).toBe("rgb(128, 128, 255)");
  });

  it("names a ragged row", () => {
    expect(() => render(<ColoredTokensMulti tokens={tokens} values={[[1, 2], [3]]} />)).toThrow(
      /values\[1\] has 1 series, expected 2/,
    );
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<ColoredTokensMulti tokens={tokens} values={values} />)).toContain("Value series");
    const el = document.createElement("div");
    renderColoredTokensMulti(el, { tokens, values }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
