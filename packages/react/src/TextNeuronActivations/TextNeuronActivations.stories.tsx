import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { neuronActivations, SENTENCES } from "../stories-support/neurons.js";
import { TextNeuronActivations } from "./TextNeuronActivations.js";

const activations = neuronActivations(SENTENCES);

const meta = {
  title: "Neurons/TextNeuronActivations",
  component: TextNeuronActivations,
  args: {
    tokens: SENTENCES,
    activations,
    title: "MLP neurons (synthetic)",
    secondDimensionLabels: ["the", "punct", "Caps", "position"],
  },
} satisfies Meta<typeof TextNeuronActivations>;
export default meta;
type Story = StoryObj<typeof meta>;

export const SeveralTexts: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const items = () => within(c.getByRole("listbox", { name: "Tokens" })).getAllByRole("option");
    // Neuron 0 of layer 0 fires on " the": the article is the most strongly coloured token.
    const the = SENTENCES[0]!.indexOf(" the");
    await userEvent.hover(items()[the]!);
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toMatch(
        new RegExp(`\\(${the}\\) Layer 0 Neuron the: ${activations[0]![the]![0]![0]!.toFixed(3)}`),
      ),
    );
    await userEvent.selectOptions(c.getByLabelText("Neuron"), "punct");
    await userEvent.selectOptions(c.getByLabelText("Sample"), "2");
    await expect(items()).toHaveLength(SENTENCES[2]!.length);
    const semi = SENTENCES[2]!.indexOf(";");
    await userEvent.hover(items()[semi]!);
    await waitFor(() =>
      expect(c.getByRole("status").textContent).toContain(`Neuron punct: ${activations[2]![semi]![0]![1]!.toFixed(3)}`),
    );
  },
};

export const OneTextSignedDark: Story = {
  args: {
    tokens: SENTENCES[1]!,
    activations: activations[1]!,
    theme: "dark",
    firstDimensionName: "Block",
    secondDimensionName: "Unit",
    secondDimensionLabels: undefined,
  },
};
