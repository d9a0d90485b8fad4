import { fireEvent, render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { renderTopkTokens, TopkTokens } from "./index.js";

// One sample, one layer, k = 1, two neurons.
const props = {
  tokens: [["x", "y", "z"]],
  topkVals: [[[[0.9, 0.4]]]],
  topkIdxs: [[[[2, 0]]]],
  bottomkVals: [[[[-0.5, 0.1]]]],
  bottomkIdxs: [[[[1, 1]]]],
};

describe("TopkTokens", () => {
  it("puts each neuron's top and bottom tokens in its column", () => {
    render(<TopkTokens {...props} />);
    expect(screen.getByLabelText('Neuron 0, top 1: "z" (2) 0.900').textContent).toBe("z");
    expect(screen.getByLabelText('Neuron 1, bottom 1: "y" (1) 0.100').textContent).toBe("y");
    fireEvent.change(screen.getByLabelText("Show"), { target: { value: "bottomk" } });
    expect(screen.queryByLabelText(/top 1/)).toBeNull();
  });

  it("rejects a token index outside the sample", () => {
    expect(() => render(<TopkTokens {...props} topkIdxs={[[[[3, 0]]]]} />)).toThrow(
      /sample 0 has a token index 3, outside its 3 tokens/,
    );
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<TopkTokens {...props} />)).toContain("Neuron 1");
    const el = document.createElement("div");
    renderTopkTokens(el, props).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
