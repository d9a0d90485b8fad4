import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { neuronActivations, SENTENCES } from "../stories-support/neurons.js";
import { TopkSamples } from "./TopkSamples.js";

// For every layer and neuron, the sentences ordered by that neuron's largest activation.
const acts = neuronActivations(SENTENCES); // [samples][tokens][layers][neurons]
const order = (l: number, n: number) =>
  SENTENCES.map((_, s) => s).sort(
    (a, b) => Math.max(...acts[b]!.map((t) => t[l]![n]!)) - Math.max(...acts[a]!.map((t) => t[l]![n]!)),
  );
const tokens = [0, 1].map((l) => [0, 1, 2, 3].map((n) => order(l, n).map((s) => SENTENCES[s]!)));
const activations = [0, 1].map((l) => [0, 1, 2, 3].map((n) => order(l, n).map((s) => acts[s]!.map((t) => t[l]![n]!))));

const meta = {
  title: "Neurons/TopkSamples",
  component: TopkSamples,
  args: { tokens, activations, samplesPerPage: 2, title: "Top-activating texts (synthetic)" },
} satisfies Meta<typeof TopkSamples>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Paged: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getAllByRole("listitem")).toHaveLength(2);
    await userEvent.selectOptions(c.getByLabelText("Samples"), "1");
    await expect(c.getAllByRole("listitem")).toHaveLength(1);
    await expect(c.getByRole("listitem").getAttribute("aria-label")).toBe("Sample 2");
    await userEvent.selectOptions(c.getByLabelText("Neuron"), "1");
    // A new neuron starts again at its strongest sample.
    await expect(c.getAllByRole("listitem")[0]!.getAttribute("aria-label")).toBe("Sample 0");
    const first = within(c.getAllByRole("listitem")[0]!).getAllByRole("option");
    await userEvent.hover(first[1]!);
    await waitFor(() => expect(c.getByRole("status").textContent).toContain(`sample 0: `));
    await expect(c.getByRole("status").textContent).toContain(activations[0]![1]![0]![1]!.toFixed(3));
  },
};

export const Dark: Story = {
  args: { theme: "dark", zerothDimensionName: "Block", firstDimensionLabels: ["the", "punct", "Caps", "position"] },
};
