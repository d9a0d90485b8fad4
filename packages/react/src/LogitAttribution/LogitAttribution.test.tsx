import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { LogitAttribution, renderLogitAttribution } from "./index.js";

const tokens = ["<bos>", " a", " b", " a"];
const labels = ["direct", "0.0", "1.0"];
// [T − 1][components]: row t explains the logit of tokens[t + 1].
const attribution = [
  [0.5, -0.25, 0.1],
  [0.2, 0.3, -1.5],
  [0.1, 0.0, 2.0],
];

describe("LogitAttribution", () => {
  it("reads a cell by keyboard, naming the position, the predicted token and the part of the logit", () => {
    render(
      <LogitAttribution tokens={tokens} attribution={attribution} labels={labels} correctLogits={[0.35, -1.0, 2.1]} />,
    );
    const app = screen.getByRole("application");
    fireEvent.keyDown(app, { key: "ArrowDown" });
    fireEvent.keyDown(app, { key: "ArrowDown" });
    fireEvent.keyDown(app, { key: "ArrowRight" });
    fireEvent.keyDown(app, { key: "ArrowRight" });
    expect(screen.getByRole("status").textContent).toBe('1.0 at position 2 " b" predicting " a": 2.000 of logit 2.100');
  });

  it("selects a component with Enter and reports it, toggling off on the second press", () => {
    const onSelectComponent = vi.fn();
    render(
      <LogitAttribution
        tokens={tokens}
        attribution={new Float32Array(attribution.flat())}
        labels={labels}
        onSelectComponent={onSelectComponent}
      />,
    );
    const app = screen.getByRole("application");
    fireEvent.keyDown(app, { key: "ArrowRight" });
    fireEvent.keyDown(app, { key: "ArrowLeft" });
    fireEvent.keyDown(app, { key: "ArrowRight" });
    fireEvent.keyDown(app, { key: "Enter" });
    expect(onSelectComponent).toHaveBeenLastCalledWith(1);
    fireEvent.keyDown(app, { key: "Enter" });
    expect(onSelectComponent).toHaveBeenLastCalledWith(null);
  });

  it("accepts one row per token", () => {
    render(<LogitAttribution tokens={tokens} attribution={[...attribution, [0, 0, 0]]} labels={labels} />);
    fireEvent.keyDown(screen.getByRole("application"), { key: "ArrowDown" });
    expect(screen.getByRole("status").textContent).toContain('direct at token 1 " a"');
  });

  it("says which shape it expected", () => {
    expect(() =>
      render(<LogitAttribution tokens={tokens} attribution={attribution.slice(1)} labels={labels} />),
    ).toThrow(/attribution has 2 rows of 3 components, expected 3 \(one per predicted token\) or 4/);
    expect(() =>
      render(
        <LogitAttribution
          tokens={tokens}
          attribution={[
            [1, 2],
            [3, 4],
            [5, 6],
          ]}
          labels={labels}
        />,
      ),
    ).toThrow(/attribution\[0\]\[0\] has 2 values, expected 3/);
    expect(() =>
      render(<LogitAttribution tokens={tokens} attribution={attribution} labels={labels} correctLogits={[1]} />),
    ).toThrow(/correctLogits has 1 values, expected 3/);
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<LogitAttribution tokens={tokens} attribution={attribution} labels={labels} />)).toContain(
      "3 positions × 3 components",
    );
    const el = document.createElement("div");
    renderLogitAttribution(el, { tokens, attribution, labels }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
