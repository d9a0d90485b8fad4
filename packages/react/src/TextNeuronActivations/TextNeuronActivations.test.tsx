import { fireEvent, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { renderTextNeuronActivations, TextNeuronActivations } from "./index.js";

const tokens = ["a", "b", "c"];
// [tokens][layers][neurons]: layer 1 neuron 1 fires on "c" only.
const activations = [
  [
    [0.1, 0],
    [0, 0],
  ],
  [
    [0.2, 0],
    [0, 0],
  ],
  [
    [0.3, 0],
    [0, 2],
  ],
];

describe("TextNeuronActivations", () => {
  it("colours the text by the chosen layer and neuron", () => {
    const onSelect = vi.fn();
    render(<TextNeuronActivations tokens={tokens} activations={activations} onSelect={onSelect} />);
    fireEvent.change(screen.getByLabelText("Layer"), { target: { value: "1" } });
    fireEvent.change(screen.getByLabelText("Neuron"), { target: { value: "1" } });
    expect(onSelect).toHaveBeenLastCalledWith({ sample: 0, first: 1, second: 1 });
    const items = within(screen.getByRole("listbox")).getAllByRole("option");
    expect(items[0]!.style.background).toBe("transparent");
    expect(items[2]!.style.background).not.toBe("transparent");
    fireEvent.pointerEnter(items[2]!);
    expect(screen.getByRole("status").textContent).toBe("c (2) Layer 1 Neuron 1: 2.000");
  });

  it("takes several samples and checks their shapes", () => {
    render(
      <TextNeuronActivations
        tokens={[tokens, ["x"]]}
        activations={[
          activations,
          [
            [
              [5, 0],
              [0, 0],
            ],
          ],
        ]}
      />,
    );
    fireEvent.change(screen.getByLabelText("Sample"), { target: { value: "1" } });
    expect(within(screen.getByRole("listbox")).getAllByRole("option")).toHaveLength(1);
    expect(() =>
      render(<TextNeuronActivations tokens={[tokens, ["x"]]} activations={[activations, activations]} />),
    ).toThrow(/sample 1 has 1 tokens but 3 activation rows/);
  });

  it("server-renders and mounts without React", () => {
    expect(renderToString(<TextNeuronActivations tokens={tokens} activations={activations} />)).toContain("Neuron");
    const el = document.createElement("div");
    renderTextNeuronActivations(el, { tokens, activations }).unmount();
    expect(el.childElementCount).toBe(0);
  });
});
